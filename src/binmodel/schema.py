"""The schema tree: plain, immutable data that describes a binary layout.

The class syntax (``binmodel.model``) produces it; the interpreter, the layout
table and the renderers read it. Nothing here parses or builds anything.
Integer fields whose endianness is not yet known carry ``endian=None`` until
the enclosing struct resolves them (``resolve_endian``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from .errors import DefinitionError
from .expr import Expr, Lit

ENDIANS = ("big", "little", "native")


def typecode(item: Node) -> str:
    """The ``array.array`` type code for numbers of ``item``'s width (DefinitionError when there is none)."""
    import array

    if isinstance(item, Float) and item.bits in (32, 64):
        return "f" if item.bits == 32 else "d"
    if isinstance(item, Int) and item.size in (1, 2, 4, 8):
        for code in "bhilq":
            if array.array(code).itemsize == item.size:
                return code.upper() if not item.signed else code
    raise DefinitionError("typed arrays hold integers of 1, 2, 4 or 8 bytes or 32/64-bit floats, not %s" % item.name)


def code_unit(encoding: str) -> int:
    """Bytes per code unit of a (normalised) encoding name: terminators and padding come in these steps."""
    if encoding.startswith("utf-16"):
        return 2
    if encoding.startswith("utf-32"):
        return 4
    return 1


@dataclasses.dataclass(frozen=True, eq=False)
class Node:
    """Base of every schema node.

    A node type added outside this module (see docs/architecture.md) whose values always take the same
    number of bytes gives it as a ``fixed_size`` attribute; ``sizes`` reads it."""

    @property
    def name(self) -> str:
        """A short type name for tables and messages (``u16be``, ``Bytes[4]``)."""
        return type(self).__name__


def _endian_suffix(endian: Optional[str]) -> str:
    return {"big": "be", "little": "le", "native": "ne", None: ""}[endian]


@dataclasses.dataclass(frozen=True, eq=False)
class Int(Node):
    bits: int
    signed: bool
    endian: Optional[str] = None
    show: Optional[str] = None  # "hex": shown as 0x... in dumps and reprs (a display choice; the value is an int)

    @property
    def size(self) -> int:
        return self.bits // 8

    @property
    def name(self) -> str:
        suffix = _endian_suffix(self.endian) if self.bits > 8 else ""
        return "%s%d%s" % ("i" if self.signed else "u", self.bits, suffix)

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1


@dataclasses.dataclass(frozen=True, eq=False)
class Float(Node):
    bits: int
    endian: Optional[str] = None

    @property
    def size(self) -> int:
        return self.bits // 8

    @property
    def name(self) -> str:
        return "f%d%s" % (self.bits, _endian_suffix(self.endian))


@dataclasses.dataclass(frozen=True, eq=False)
class Bool(Node):
    @property
    def name(self) -> str:
        return "bool"


@dataclasses.dataclass(frozen=True, eq=False)
class VarInt(Node):
    """LEB128: unsigned, signed (two's complement) or zig-zag encoded; or "vlq": unsigned, base 128,
    most significant group first (MIDI delta-times)."""

    kind: str = "unsigned"  # "unsigned" | "signed" | "zigzag" | "vlq"
    max_bytes: int = 10

    @property
    def name(self) -> str:
        return {"unsigned": "uleb128", "signed": "sleb128", "zigzag": "zigzag", "vlq": "vlq"}[self.kind]


@dataclasses.dataclass(frozen=True, eq=False)
class Bytes(Node):
    """Raw bytes: a fixed or computed ``size``, a length ``prefix``, ``greedy``, or ``measure``.

    ``measure(rest)`` is given the bytes from the field's start to the end of the
    data and returns how many of them the field takes (a stream that knows its
    own end, such as deflate data).
    """

    size: Optional[Expr] = None
    prefix: Optional[Int] = None
    greedy: bool = False
    measure: Optional[Callable[[Any], int]] = None

    @property
    def name(self) -> str:
        if self.measure is not None:
            return "Bytes[%s(...)]" % getattr(self.measure, "__name__", "measure")
        return "Bytes[%s]" % _size_text(self.size, self.prefix, self.greedy)


@dataclasses.dataclass(frozen=True, eq=False)
class TextInt(Node):
    """A whole number written as text in ``size`` bytes: digits in ``base``, then ``terminator``.

    Built as the digits aligned right (``align="right"``, filled on the left with
    ``fill``) or left (filled on the right), followed by the terminator. Parsing
    also accepts the digits surrounded by spaces and ended by NUL bytes, and an
    empty field as 0; the exact text read is kept with the value so that an
    unchanged value is written back as it was.
    """

    size: int
    base: int = 10
    terminator: bytes = b""
    fill: bytes = b"0"
    align: str = "right"

    @property
    def name(self) -> str:
        return "TextInt[%d](base %d)" % (self.size, self.base)


@dataclasses.dataclass(frozen=True, eq=False)
class String(Node):
    """Text in ``encoding``; sized like ``Bytes``, or ended by ``terminator``.

    With a fixed ``size`` the text is padded with ``pad`` on build and trailing
    ``pad`` bytes are removed on parse. With a ``terminator`` and a ``size``, the
    text ends at the first terminator inside the fixed-size region (C char arrays).
    """

    encoding: str = "utf-8"
    size: Optional[Expr] = None
    prefix: Optional[Int] = None
    greedy: bool = False
    terminator: Optional[bytes] = None
    pad: bytes = b"\0"
    include: bool = False  # the terminator is part of the value
    consume: bool = True  # the terminator is skipped (False: left for the next field)
    eos_error: bool = True  # False: the data may end without a terminator
    strip: bool = True  # a fixed size loses its trailing pad (False: the value is every byte)

    @property
    def name(self) -> str:
        if self.terminator is not None and self.size is None:
            return "CString(%s)" % self.encoding
        return "String[%s](%s)" % (_size_text(self.size, self.prefix, self.greedy), self.encoding)


@dataclasses.dataclass(frozen=True, eq=False)
class Array(Node):
    """Items repeated ``count`` times, ``until`` a predicate holds, or to the end (``greedy``)."""

    item: Node
    count: Optional[Expr] = None
    until: Any = None  # a function of the item just read, or an expression over this._item and the struct
    greedy: bool = False
    typed: bool = False  # numbers as one array.array, not a list of Python ints
    prefix: Optional[Int] = None  # the item count, as a length prefix before the items
    on_error: Optional[str] = None  # "keep": an item that does not parse is kept as Malformed (binmodel.malformed)
    frame: Optional[Expr] = None  # with on_error: an item's size in bytes, over the fields it parsed before failing

    @property
    def typecode(self) -> str:
        """The ``array`` type code of a typed array's items."""
        return typecode(self.item)

    @property
    def name(self) -> str:
        if self.count is not None:
            how = self.count.text()
        elif self.prefix is not None:
            how = "%s prefix" % self.prefix.name
        elif self.until is not None:
            how = "until"
        else:
            how = "..."
        return "%s[%s]" % (self.item.name, how)


@dataclasses.dataclass(frozen=True, eq=False)
class Sized(Node):
    """``type`` parsed inside exactly ``size`` bytes (or a length ``prefix``; neither: the rest of the
    enclosing region): a chunk's body.

    Inside, "the rest of the data" ends where the region ends; the region must be used up.
    """

    type: Node
    size: Optional[Expr] = None
    prefix: Optional[Int] = None

    @property
    def name(self) -> str:
        return "Sized(%s, %s)" % (_size_text(self.size, self.prefix, True), self.type.name)


@dataclasses.dataclass(frozen=True, eq=False)
class Const(Node):
    """A value that must be present: checked on parse, written on build."""

    type: Node
    value: Any

    @property
    def name(self) -> str:
        return "Const(%r)" % (self.value,)


@dataclasses.dataclass(frozen=True, eq=False)
class Padding(Node):
    """``size`` bytes of ``fill`` that carry no value (not checked on parse unless ``strict``)."""

    size: int
    fill: bytes = b"\0"
    strict: bool = False

    @property
    def name(self) -> str:
        return "Padding[%d]" % self.size


@dataclasses.dataclass(frozen=True, eq=False)
class Align(Node):
    """Padding up to the next multiple of ``to`` bytes from the start of the struct."""

    to: int
    fill: bytes = b"\0"

    @property
    def name(self) -> str:
        return "Align(%d)" % self.to


@dataclasses.dataclass(frozen=True, eq=False)
class Switch(Node):
    """A tagged union: the type is chosen by the value of ``on``."""

    on: Expr
    cases: Tuple[Tuple[Any, Node], ...]
    default: Optional[Node] = None

    def case(self, key: Any) -> Optional[Node]:
        for k, node in self.cases:
            if key_matches(k, key):
                return node
        return self.default

    @property
    def name(self) -> str:
        return "Switch(%s)" % self.on.text()


@dataclasses.dataclass(frozen=True, eq=False)
class If(Node):
    """A field present only when ``condition`` holds; its value is ``None`` otherwise."""

    condition: Expr
    type: Node

    @property
    def name(self) -> str:
        return "If(%s, %s)" % (self.condition.text(), self.type.name)


@dataclasses.dataclass(frozen=True, eq=False)
class Reparent(Node):
    """A nested model whose ``this._parent`` is not the struct holding it (Kaitai's ``parent:``): the
    struct ``up`` levels out from the holder (1: the holder's own ``_parent``), or none (``up=None``:
    reading ``this._parent`` is an error). ``this._root`` stays the outermost struct."""

    type: Node  # a Struct, or a Lazy naming one
    up: Optional[int]

    @property
    def name(self) -> str:
        return "%s(parent=%s)" % (self.type.name, "none" if self.up is None else "_parent" + "._parent" * (self.up - 1))

    @property
    def fixed_size(self) -> Optional[int]:
        return _static_size_or_none(self.type)


@dataclasses.dataclass(frozen=True, eq=False)
class Fallback(Node):
    """``type``, or ``otherwise`` read from the same place when the data is not a valid ``type``."""

    type: Node
    otherwise: Node

    @property
    def name(self) -> str:
        return "Fallback(%s, %s)" % (self.type.name, self.otherwise.name)


@dataclasses.dataclass(frozen=True, eq=False)
class UnlessEnd(Node):
    """A field present unless the data (or its ``Sized`` region) ends where it would start; ``None`` then."""

    type: Node

    @property
    def name(self) -> str:
        return "UnlessEnd(%s)" % self.type.name


@dataclasses.dataclass(frozen=True, eq=False)
class Enum(Node):
    """An integer read as a member of ``enum`` (unknown values stay ints unless ``strict``)."""

    base: Node
    enum: Any
    strict: bool = False

    @property
    def name(self) -> str:
        return "%s(%s)" % (self.enum.__name__, self.base.name)


@dataclasses.dataclass(frozen=True, eq=False)
class Flags(Node):
    """An integer read as a combination of ``flags`` (an ``enum.IntFlag``)."""

    base: Node
    flags: Any

    @property
    def name(self) -> str:
        return "%s(%s)" % (self.flags.__name__, self.base.name)


@dataclasses.dataclass(frozen=True, eq=False)
class Mapped(Node):
    """A value that is a conversion of its wire value: ``base`` reads and writes the wire value,
    ``decode(wire)`` gives the Python value on parse and ``encode(value)`` the wire value on build.

    ``decode`` must lose nothing: ``encode(decode(wire)) == wire`` for every wire value it accepts (a
    conversion that rounds keeps the wire value inside its result, as ``values.Time`` does), so an
    unchanged value builds back to the same bytes. ``show`` gives the text dumps print (None: ``repr``)."""

    base: Node
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]
    label: str = "Mapped"
    show: Optional[Callable[[Any], str]] = None

    @property
    def name(self) -> str:
        return "%s(%s)" % (self.label, self.base.name)

    @property
    def fixed_size(self) -> Optional[int]:
        return _static_size_or_none(self.base)


@dataclasses.dataclass(frozen=True, eq=False)
class Bits(Node):
    """A field ``bits`` wide inside a bit group (see ``BitGroup``)."""

    bits: int
    signed: bool = False
    order: Optional[str] = None  # "msb" | "lsb"; None takes the struct's
    enum: Any = None  # an enum.IntEnum the value is read as (``Enum(Bits(4), E)``); unknown values stay ints

    @property
    def name(self) -> str:
        return "%s%d" % ("sbits" if self.signed else "bits", self.bits)


@dataclasses.dataclass(frozen=True, eq=False)
class Pointer(Node):
    """A value at ``offset`` that does not move the cursor: from the data's start, from the struct's
    start (``relative``), or from the start of the region the struct is read in (``region``: a
    ``Sized`` region, whose end then bounds the value too; Kaitai's ``pos:`` in a substream).

    With ``overwrite`` its bytes replace, on build, the bytes other fields wrote there (a base
    image kept as bytes); where two pointers write the same bytes they must still agree.

    With ``io`` (an expression naming a struct, Kaitai's ``io:``) the offset is from the start of the
    region *that* struct was read in (a ``Sized`` region, the decoded bytes of a ``Transformed`` one, or
    the data), which also bounds the value; on build its bytes go into that region, where they must agree
    with what the region's own fields write.
    """

    offset: Expr
    type: Node
    relative: bool = False
    overwrite: bool = False
    region: bool = False
    lazy: bool = False  # parsed when first read (Kaitai Struct's instances), not with its struct
    place: Optional[int] = None  # on build, the data goes after the rest, aligned to this (see placed())
    io: Optional[Expr] = None  # the struct whose region the offset is in

    @property
    def name(self) -> str:
        placed = "" if self.place is None else ", placed" if self.place == 1 else ", placed to %d" % self.place
        where = "" if self.io is None else ", in %s" % self.io.text()
        return "Pointer(%s, %s%s%s)" % (self.offset.text(), self.type.name, where, placed)


@dataclasses.dataclass(frozen=True, eq=False)
class Peek(Node):
    """A value read at the cursor without moving it (a look-ahead); nothing is written on build."""

    type: Node

    @property
    def name(self) -> str:
        return "Peek(%s)" % self.type.name


@dataclasses.dataclass(frozen=True, eq=False)
class Computed(Node):
    """A value that takes no bytes: ``expr`` evaluated on parse (and derived on build)."""

    expr: Expr

    @property
    def name(self) -> str:
        return "Computed(%s)" % self.expr.text()


@dataclasses.dataclass(frozen=True, eq=False)
class Lazy(Node):
    """A type named before it exists (recursive models): ``Lazy(lambda: Tree)``."""

    resolve: Callable[[], Any]
    endian: Optional[str] = None  # the enclosing struct's, for numbers the function returns

    @property
    def name(self) -> str:
        return "Lazy"


# --- terminated bytes and transformed regions (the modelling language's bytes, issue 14) ----------

@dataclasses.dataclass(frozen=True, eq=False)
class TermBytes(Node):
    """Bytes ended by ``terminator`` or a fixed-size region with padding (Kaitai ``terminator``,
    ``include``, ``consume``, ``eos-error``, ``pad-right``).

    Without a ``size``, the value runs to the first ``terminator`` (``include``: it is part of the value;
    ``consume=False``: the next field starts at it; ``eos_error=False``: the end of the data may come
    first). With a ``size`` (or ``greedy``: the rest of the data or region, Kaitai's ``size-eos``), trailing
    ``pad`` bytes are removed, then the value ends at the first ``terminator`` inside the region.
    """

    terminator: Optional[bytes] = None
    size: Optional[Expr] = None
    include: bool = False
    consume: bool = True
    eos_error: bool = True
    pad: Optional[bytes] = None
    greedy: bool = False

    @property
    def name(self) -> str:
        how = ["rest"] if self.greedy else [] if self.size is None else [self.size.text()]
        if self.terminator is not None:
            how.append("until %s" % self.terminator.hex())
        if self.pad is not None:
            how.append("pad %s" % self.pad.hex())
        return "Bytes[%s]" % ", ".join(how)

    @property
    def fixed_size(self) -> Optional[int]:
        return self.size.value if isinstance(self.size, Lit) else None


@dataclasses.dataclass(frozen=True, eq=False)
class Transformed(Node):
    """A region whose bytes are stored transformed (Kaitai ``process``): ``base`` reads the stored bytes,
    ``process`` decodes them (with ``arg``, a key or amount evaluated in the struct), and ``type``
    (``None``: the decoded bytes themselves) is parsed from the decoded bytes, which it must use up."""

    base: Node
    process: Any
    type: Optional[Node] = None
    arg: Optional[Expr] = None

    @property
    def name(self) -> str:
        inner = "" if self.type is None else ", %s" % self.type.name
        return "Transformed(%s, %s%s)" % (self.base.name, self.process.text(self.arg), inner)


@dataclasses.dataclass(frozen=True, eq=False)
class Field:
    """A named member of a struct.

    ``stored`` is false for padding and alignment (no attribute on instances);
    ``derive`` computes the value on build; ``check`` verifies it on parse.
    """

    name: str
    type: Node
    default: Any = dataclasses.field(default=None)
    has_default: bool = False
    derive: Optional[Expr] = None
    check: bool = False
    stored: bool = True
    note: str = ""  # shown in layout tables (a C model puts the declared C type here)


@dataclasses.dataclass(frozen=True, eq=False)
class BitGroup(Node):
    """Consecutive ``Bits`` fields packed into ``size`` bytes read as one integer.

    ``order="msb"``: the first field takes the most significant bits of that
    integer; ``"lsb"``: the least significant. ``endian`` says how the bytes make
    the integer.
    """

    fields: Tuple[Field, ...]
    order: str
    endian: Optional[str]

    @property
    def size(self) -> int:
        return sum(f.type.bits for f in self.fields) // 8  # type: ignore[attr-defined]

    def positions(self) -> Iterator[Tuple[Field, int, int]]:
        """(field, lowest bit, width) of each member, bit 0 being the integer's least significant."""
        shift = self.size * 8 if self.order == "msb" else 0
        for f in self.fields:
            bits = f.type.bits  # type: ignore[attr-defined]
            if self.order == "msb":
                shift -= bits
                yield f, shift, bits
            else:
                yield f, shift, bits
                shift += bits

    @property
    def name(self) -> str:
        return "bits[%d]" % (self.size * 8)


@dataclasses.dataclass(frozen=True, eq=False)
class BitPad(Bits):
    """The bits from the end of a run of bit fields that does not fill whole bytes up to the next byte
    (what Kaitai Struct skips when it realigns). Not a value of the model: a parse keeps nonzero padding
    bits in the instance's ``_bm_parsed`` (under the field's name), so an unchanged instance is rebuilt
    exactly; an instance made by hand writes zeros."""

    @property
    def name(self) -> str:
        return "pad%d" % self.bits


@dataclasses.dataclass(frozen=True, eq=False)
class BitRun(Node):
    """Bit fields read from one bit cursor, as Kaitai Struct reads them: ``Bits`` fields, arrays of them
    (``Array(Bits(3), count=this.n)``) and ``If(cond, Bits(1))``, each starting where the bits before it
    ended, so the run's size is known only from the data. It ends at the next byte boundary (Kaitai
    realigns at the next field that is not a bit field); its last field is the ``BitPad`` of those bits,
    whose width the data decides (at most 7). A run of plain ``Bits`` fields is a ``BitGroup`` instead."""

    fields: Tuple[Field, ...]
    order: str  # "msb" | "lsb": where in each byte the next bits come from (Kaitai's bit-endian be / le)

    @property
    def name(self) -> str:
        return "bits[...]"


def bit_item(node: Node) -> Optional[Bits]:
    """The ``Bits`` a field of a ``BitRun`` reads (itself, an array's item, under ``If``), or None."""
    if isinstance(node, If):
        node = node.type
    if isinstance(node, Array) and node.prefix is None and not node.typed and node.on_error is None:
        node = node.item
    return node if isinstance(node, Bits) else None


def kept_bits(obj: Any, field: Field) -> int:
    """The padding bits ``obj`` was parsed with for a ``BitPad`` field (0 for an instance made by hand)."""
    parsed = getattr(obj, "_bm_parsed", None)
    value = parsed.get(field.name, 0) if isinstance(parsed, dict) else 0
    return value if type(value) is int and 0 <= value < 1 << field.type.bits else 0  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True, eq=False)
class Struct(Node):
    """A sequence of members (fields and bit groups), made into instances of ``cls``.

    With ``union_size`` set it is a union: every member starts at the start, and
    the whole takes ``union_size`` bytes.
    """

    type_name: str
    members: Tuple[Union[Field, BitGroup, BitRun], ...]
    cls: Any = None
    union_size: Optional[int] = None

    @property
    def name(self) -> str:
        return self.type_name

    def fields(self) -> Tuple[Field, ...]:
        """Every field, with bit-group members flattened in order."""
        out: List[Field] = []
        for m in self.members:
            out.extend(m.fields if isinstance(m, (BitGroup, BitRun)) else (m,))
        return tuple(out)


@dataclasses.dataclass(frozen=True, eq=False)
class Args(Node):
    """A parameterised model (``class Body(Struct, params=("size",))``) with the values of its parameters:
    each expression is evaluated in the enclosing struct, and the model reads it as ``this.size`` or
    ``this._params.size`` (Kaitai Struct's ``params:``)."""

    type: Node  # a Struct, or a Lazy naming one
    args: Tuple[Tuple[str, Expr], ...]

    @property
    def name(self) -> str:
        return "%s(%s)" % (self.type.name, ", ".join("%s=%s" % (k, e.text()) for k, e in self.args))


def _size_text(size: Optional[Expr], prefix: Optional[Int], greedy: bool) -> str:
    if size is not None:
        return size.text()
    if prefix is not None:
        return "%s prefix" % prefix.name
    return "..." if greedy else "?"


_CHILD_ATTRS = ("type", "item", "base", "prefix", "otherwise")


def children(node: Node) -> List[Node]:
    """The nodes directly inside ``node``, the one walker every reader uses: a wrapped type, an array's
    item, an enum's base, a length prefix, a fallback's other type, a switch's cases then its default;
    for a struct, its fields' types (bit-group members flattened). ``Lazy`` targets are not followed."""
    if isinstance(node, Struct):
        return [f.type for f in node.fields()]
    out = [c for c in (getattr(node, attr, None) for attr in _CHILD_ATTRS) if isinstance(c, Node)]
    if isinstance(node, Switch):
        out.extend(t for _, t in node.cases)
        if node.default is not None:
            out.append(node.default)
    return out


def expressions(node: Node) -> List[Expr]:
    """The expressions ``node`` holds itself (sizes, counts, keys, conditions, offsets), not its children's;
    not an array's ``frame``, read over a failed item's fields rather than in the enclosing struct."""
    found = [value for value in (getattr(node, f.name) for f in dataclasses.fields(node) if f.name != "frame")
             if isinstance(value, Expr)]
    if isinstance(node, Args):  # a parameterised model's arguments, evaluated in the enclosing struct
        found.extend(value for _, value in node.args)
    return found


def map_children(node: Node, fn: Callable[[Node], Node]) -> Node:
    """``node`` with each child (as ``children`` lists them; structs keep theirs) replaced by ``fn(child)``;
    ``node`` itself when nothing changed."""
    if isinstance(node, Struct):
        return node
    replace: Dict[str, Any] = {}
    for attr in _CHILD_ATTRS:
        child = getattr(node, attr, None)
        if isinstance(child, Node):
            new = fn(child)
            if new is not child:
                replace[attr] = new
    if isinstance(node, Switch):
        cases = tuple((k, fn(t)) for k, t in node.cases)
        if any(a[1] is not b[1] for a, b in zip(cases, node.cases)):
            replace["cases"] = cases
        if node.default is not None:
            default = fn(node.default)
            if default is not node.default:
                replace["default"] = default
    return dataclasses.replace(node, **replace) if replace else node


def resolve_endian(node: Node, endian: Optional[str], where: str) -> Node:
    """Give ``endian`` to every number in ``node`` that has none; error if one still needs it.

    Nested structs keep their own setting (they were resolved when defined).
    """
    if isinstance(node, Int):
        if node.endian is None and node.bits > 8:
            if endian is None:
                raise DefinitionError(
                    "%s: %s has no byte order; write %sbe/%sle or give the struct "
                    "endian='big' | 'little' | 'native'" % (where, node.name, node.name, node.name)
                )
            return dataclasses.replace(node, endian=endian)
        return node
    if isinstance(node, Float):
        if node.endian is None:
            if endian is None:
                raise DefinitionError(
                    "%s: %s has no byte order; write %sbe/%sle or give the struct an endian"
                    % (where, node.name, node.name, node.name)
                )
            return dataclasses.replace(node, endian=endian)
        return node
    if isinstance(node, Lazy):
        return dataclasses.replace(node, endian=endian) if node.endian is None else node
    return map_children(node, lambda child: child if isinstance(child, Struct) else
                        resolve_endian(child, endian, where))


# --- constraints on values, and byte orders decided by the data ----------------------------------------

def _static_size_or_none(node: Node) -> Optional[int]:
    from .errors import SizeofError
    from .sizes import static_size

    try:
        return static_size(node)
    except SizeofError:
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class Valid(Node):
    """``type`` whose values must meet ``constraint`` (a ``valid.Constraint``): checked after parsing, and
    before building."""

    type: Node
    constraint: Any

    @property
    def name(self) -> str:
        return "%s valid %s" % (self.type.name, self.constraint.text)

    @property
    def fixed_size(self) -> Optional[int]:
        return _static_size_or_none(self.type)


@dataclasses.dataclass(frozen=True, eq=False)
class ByteOrder(Node):
    """A field of a struct whose byte order the data decides (``class T(Struct, endian=Endian(...))``):
    ``type`` is its type with big-endian numbers, ``little`` with little-endian ones; ``rule`` (an
    ``endian.Endian``) picks one from the fields read before it."""

    type: Node
    little: Node
    rule: Any

    @property
    def name(self) -> str:
        return "%s|%s" % (self.type.name, self.little.name)

    @property
    def fixed_size(self) -> Optional[int]:
        return _static_size_or_none(self.type)

    @property
    def endian(self) -> str:
        """What a layout table says of its byte order: the data decides it."""
        return "by data"

    def variant(self, endian: str) -> Node:
        return self.little if endian == "little" else self.type


def key_matches(case_key: Any, key: Any) -> bool:
    """Whether a switch's ``key`` selects ``case_key``: equal to it, or, for a ``range``, a ``set``/``frozenset``
    or a ``tuple`` (any of its values), inside it. A range holds integers only (``True`` is not 1 there)."""
    if isinstance(case_key, range):
        return isinstance(key, int) and not isinstance(key, bool) and int(key) in case_key
    if isinstance(case_key, (tuple, frozenset, set)):
        return any(key_matches(k, key) for k in case_key)
    return bool(case_key == key)


def multi_key(case_key: Any) -> bool:
    """Whether a switch case's key stands for several values (a range, a set, a tuple)."""
    return isinstance(case_key, (range, tuple, frozenset, set))
