"""Bad input: every failure is binmodel's own error with a path and an offset; nothing hangs or over-allocates."""


import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import (
    ULEB128,
    Array,
    Bits,
    BuildError,
    Bytes,
    Const,
    CString,
    Enum,
    If,
    Lazy,
    ParseError,
    Pointer,
    String,
    Struct,
    Switch,
    count_of,
    crc32_of,
    len_of,
    this,
    u8,
    u16be,
    u32be,
    u32le,
)


class Chunk(Struct, endian="big"):
    length: int = u32be(derive=len_of("data"))
    type: bytes = Bytes(4)
    data: bytes = Bytes(this.length)
    crc: int = u32be(derive=crc32_of("type", "data"), check=True)


class File(Struct, endian="big"):
    magic: bytes = Const(b"\x89PNG\r\n\x1a\n")
    chunks: list = Array(Chunk, until=lambda c: c.type == b"IEND")


class Item(Struct, endian="big"):
    tag: int = u8()
    flags: int = Bits(4)
    level: int = Bits(4)
    name: str = CString("utf-8")
    value: object = Switch(this.tag, {1: u32le, 2: String(prefix=u8, encoding="ascii")}, default=Bytes(prefix=ULEB128))


class Message(Struct, endian="big"):
    count: int = u16be(derive=count_of("items"))
    items: list = Array(Item, count=this.count)
    note_at: int = u8()
    note: bytes = Pointer(this.note_at, Bytes(2))
    trailer: int = u32be()


class Tree(Struct):
    kind: int = u8()
    child: object = If(this.kind == 1, Lazy(lambda: Tree), default=None)


SAMPLES = [
    (File, File(chunks=[Chunk(type=b"IHDR", data=b"0123456789abc"), Chunk(type=b"IEND", data=b"")])),
    (Message, Message(items=[Item(tag=1, flags=3, level=9, name="a", value=7),
                             Item(tag=2, flags=0, level=0, name="\u00e9", value="txt"),
                             Item(tag=9, flags=15, level=1, name="", value=b"raw")],
             note_at=0, note=b"\x00\x03", trailer=5)),
    (Tree, Tree(kind=1, child=Tree(kind=1, child=Tree(kind=0)))),
]


@pytest.mark.parametrize("model,obj", SAMPLES, ids=lambda x: getattr(x, "__name__", ""))
def test_every_truncation_is_a_parse_error(model, obj):
    raw = model.build(obj)
    assert model.parse(raw) == model.parse(model.build(model.parse(raw)))
    for cut in range(len(raw)):
        with pytest.raises(ParseError) as err:
            model.parse(raw[:cut])
        assert err.value.offset is not None and 0 <= err.value.offset <= cut


@pytest.mark.parametrize("model,obj", SAMPLES, ids=lambda x: getattr(x, "__name__", ""))
@given(data=st.data())
def test_random_corruption_never_escapes(model, obj, data):
    raw = bytearray(model.build(obj))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    try:
        value = model.parse(bytes(raw))
    except ParseError as exc:
        assert exc.offset is not None
    else:
        assert isinstance(value, model)


@given(raw=st.binary(max_size=64))
def test_random_bytes_never_escape(raw):
    for model, _ in SAMPLES:
        try:
            model.parse(raw)
        except ParseError:
            pass


def peak_allocation(fn):
    """Peak bytes allocated while ``fn`` runs (0 where tracemalloc is missing, as on PyPy: fn still runs)."""
    try:
        import tracemalloc
    except ImportError:
        fn()
        return 0
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_huge_length_fails_at_once_without_allocating():
    raw = b"\xff\xff\xff\xf0IHDR" + b"x" * 12  # a 4 GiB length in 20 bytes

    def go():
        with pytest.raises(ParseError) as err:
            Chunk.parse(raw)
        assert err.value.path == "data" and err.value.offset == 8
        assert err.value.expected == 0xFFFFFFF0 and err.value.found == 12

    assert peak_allocation(go) < 1 << 20


def test_huge_count_fails_before_allocating():
    raw = b"\xff\xff" + b"\x01" * 18

    def go():
        with pytest.raises(ParseError, match="count 65535 needs at least") as err:
            Message.parse(raw)
        assert err.value.path == "items" and err.value.offset == 2

    assert peak_allocation(go) < 1 << 20


def test_zero_size_items_are_capped():
    class Empties(Struct, endian="big"):
        n: int = u32be()
        items: list = Array(Bytes(0), count=this.n)

    with pytest.raises(ParseError, match="limit"):
        Empties.parse(b"\xff\xff\xff\xff")


def test_until_item_that_consumes_nothing():
    class Stuck(Struct):
        items: list = Array(Bytes(0), until=lambda b: False)

    with pytest.raises(ParseError, match="took no bytes"):
        Stuck.parse(b"abc")


def test_deep_nesting_is_refused():
    raw = b"\x01" * 5000 + b"\x00"
    with pytest.raises(ParseError, match="nested deeper") as err:
        Tree.parse(raw)
    assert err.value.path.startswith("child.child.child")


def test_pointer_loop_is_refused():
    class Loop(Struct):
        at: int = u8()
        again: object = Pointer(this.at, Lazy(lambda: Loop))

    with pytest.raises(ParseError, match="nested deeper"):
        Loop.parse(b"\x00")


def test_wrong_magic_names_expected_and_found():
    with pytest.raises(ParseError) as err:
        File.parse(b"\x89PNX\r\n\x1a\n")
    assert err.value.path == "magic" and err.value.offset == 0
    assert err.value.expected == b"\x89PNG\r\n\x1a\n" and err.value.found == b"\x89PNX\r\n\x1a\n"


def test_bad_encoding_path_inside_array():
    raw = bytearray(Message.build(SAMPLES[1][1]))
    i = raw.index("\u00e9".encode())
    raw[i + 1] = 0x20
    with pytest.raises(ParseError) as err:
        Message.parse(bytes(raw))
    assert err.value.path == "items[1].name" and err.value.offset == i


def test_trailing_bytes_and_offset():
    raw = Tree.build(Tree(kind=0))
    with pytest.raises(ParseError, match="left over") as err:
        Tree.parse(raw + b"zz")
    assert err.value.offset == 1
    assert Tree.parse(raw + b"zz", allow_trailing=True) == Tree(kind=0)
    assert Tree.parse(b"zz" + raw, offset=2) == Tree(kind=0)
    with pytest.raises(ParseError):
        Tree.parse(raw, offset=5)


def test_failing_user_function_becomes_parse_error():
    class Bad(Struct):
        n: int = u8()
        data: bytes = Bytes(lambda this: this.missing)

    with pytest.raises(ParseError, match="cannot evaluate size") as err:
        Bad.parse(b"\x01a")
    assert err.value.path == "data"


def test_negative_and_non_int_sizes():
    class Neg(Struct):
        n: int = u8()
        data: bytes = Bytes(this.n - 10)

    with pytest.raises(ParseError, match="negative"):
        Neg.parse(b"\x01a")


def test_strict_enum_and_bad_input_types():
    import enum

    class K(enum.IntEnum):
        A = 1

    class E(Struct):
        k: K = Enum(u8, K, strict=True)

    with pytest.raises(ParseError):
        E.parse(b"\x02")
    with pytest.raises(TypeError):
        E.parse("text")  # not bytes: a programming error, not bad data


def test_parse_accepts_buffers(tmp_path):
    import mmap

    raw = Message.build(SAMPLES[1][1])
    expected = Message.parse(raw)
    assert Message.parse(bytearray(raw)) == expected
    assert Message.parse(memoryview(raw)) == expected
    path = tmp_path / "m.bin"
    path.write_bytes(raw)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert Message.parse(m) == expected


def test_pointer_dag_amplification_is_refused():
    # node i points twice to node i+1: 2**30 paths through 60 bytes, depth only 30
    class Node(Struct):
        left_at: int = u8()
        right_at: int = u8()
        left: object = If(this.left_at != 0xFF, Pointer(this.left_at, Lazy(lambda: Node)), default=None)
        right: object = If(this.right_at != 0xFF, Pointer(this.right_at, Lazy(lambda: Node)), default=None)

    raw = b"".join(bytes([2 * (i + 1)] * 2) for i in range(29)) + b"\xff\xff"
    with pytest.raises(ParseError, match="amplification"):
        Node.parse(raw)


def test_many_pointers_to_one_region_are_bounded():
    class Views(Struct, endian="big"):
        n: int = u32be()
        views: list = Array(Pointer(1, Bytes(greedy=True)), count=this.n)  # offset 1: each view is a copy
        rest: bytes = Bytes(greedy=True)

    raw = (60000).to_bytes(4, "big") + bytes(10_000)

    def go():
        with pytest.raises(ParseError, match="amplification"):
            Views.parse(raw)

    assert peak_allocation(go) < 1 << 22


def test_nested_empty_items_share_one_limit():
    class Empty(Struct):
        pass

    class Grid(Struct, endian="big"):
        n: int = u16be()
        m: int = u16be()
        grid: list = Array(Array(Empty, count=this.m), count=this.n)

    with pytest.raises(ParseError, match="take no bytes"):
        Grid.parse(b"\x0f\xa0\x0f\xa0")  # 4000 x 4000 empty structs from 4 bytes


def test_non_string_keys_and_bad_inputs_are_binmodel_errors():
    class P(Struct):
        a: int = u8()

    with pytest.raises(BuildError, match="no field 1"):
        P.build({1: 2, "a": 1})
    with pytest.raises(TypeError, match="parse\\(\\) takes a bytes-like object"):
        P.parse("a")
    with pytest.raises(ParseError, match="offset 1.0"):
        P.parse(b"a", offset=1.0)
    with pytest.raises(ParseError, match="offset 2 is outside"):
        P.parse(b"a", offset=2)
    # a bool is an integer, as for struct.unpack_from and indexing
    assert P.parse(b"ab", offset=True) == P.parse(b"ab", offset=1) == P(a=ord("b"))
