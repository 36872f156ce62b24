"""binmodel.kaitai.expr: Kaitai's expression language read, printed and evaluated as Kaitai does.

The truth is Kaitai's own: the Python its compiler generates divides integers with ``//`` and takes ``%``
as Python does, so random arithmetic is checked against Python evaluating the same tree; and the value
instances of Kaitai's expression-heavy test formats (``expr_*.ksy``) are evaluated here on the object
Kaitai's generated code parsed and compared with the values that code computes.
"""

from __future__ import annotations

import enum
import math
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kaitai_truth
from binmodel import Struct, u8
from binmodel.errors import ParseError
from binmodel.kaitai import expr as kx

# --- reading and printing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("0x1F", 31), ("0o17", 15), ("0b1010", 10), ("1_000_000", 1000000), ("0xffff_ffff", 0xFFFFFFFF),
    ("1.5", 1.5), ("2e3", 2000.0), ("1.25e-2", 0.0125), ('"a\\nb\\"c"', 'a\nb"c'), ("'a\\n'", "a\\n"),
    ('"\\101\\u0042"', "AB"), ("true", True), ("false", False), ("[1, 2, 0xff]", b"\x01\x02\xff"),
    ("[1, 256]", [1, 256]),
])
def test_literals(text: str, value: Any) -> None:
    got = kx.evaluate(kx.parse(text), None)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text, tree", [
    ("1 + 2 * 3", kx.Binary("+", kx.Num(1), kx.Binary("*", kx.Num(2), kx.Num(3)))),
    ("a - b - c", kx.Binary("-", kx.Binary("-", kx.Name("a"), kx.Name("b")), kx.Name("c"))),
    ("1 << 2 + 3", kx.Binary("<<", kx.Num(1), kx.Binary("+", kx.Num(2), kx.Num(3)))),
    ("a & b == c", kx.Binary("==", kx.Binary("&", kx.Name("a"), kx.Name("b")), kx.Name("c"))),
    ("a | b ^ c & d", kx.Binary("|", kx.Name("a"), kx.Binary("^", kx.Name("b"),
                                                              kx.Binary("&", kx.Name("c"), kx.Name("d"))))),
    ("not a and b", kx.Binary("and", kx.Unary("not", kx.Name("a")), kx.Name("b"))),
    ("a or b and c", kx.Binary("or", kx.Name("a"), kx.Binary("and", kx.Name("b"), kx.Name("c")))),
    ("c ? 1 : d ? 2 : 3", kx.Ternary(kx.Name("c"), kx.Num(1), kx.Ternary(kx.Name("d"), kx.Num(2), kx.Num(3)))),
    ("-a.b", kx.Unary("-", kx.Attr(kx.Name("a"), "b"))),
    ("a.b(1, 2)[0].as<u4>", kx.Cast(kx.Index(kx.Method(kx.Name("a"), "b", (kx.Num(1), kx.Num(2))), kx.Num(0)), "u4")),
    ("outer::animal::cat", kx.EnumRef(("outer", "animal"), "cat")),
    ("sizeof<foo::bar>", kx.SizeOf("foo::bar")),
    ('f"a={n + 1}!"', kx.FString((kx.Str("a="), kx.Binary("+", kx.Name("n"), kx.Num(1)), kx.Str("!")))),
    ("_root._parent._index", kx.Attr(kx.Attr(kx.Name("_root"), "_parent"), "_index")),
])
def test_precedence_and_forms(text: str, tree: kx.Node) -> None:
    assert kx.parse(text) == tree
    assert kx.parse(kx.unparse(tree)) == tree


@pytest.mark.parametrize("text, message", [
    ("1 +", "expression '1 +' at position 3: expected an operand, found the end"),
    ("(1 + 2", "expression '(1 + 2' at position 6: expected ')', found the end"),
    ("a < b < c", "expression 'a < b < c' at position 6: expected no second comparison (write parentheses), found '<'"),
    ('"abc', "expression '\"abc' at position 0: unterminated string"),
    ("a $ b", "expression 'a $ b' at position 2: unexpected character '$'"),
    ("0x", "expression '0x' at position 0: a number in base 16 needs digits"),
    ("a.", "expression 'a.' at position 2: expected a name after '.', found the end"),
])
def test_syntax_errors_name_the_expression_and_position(text: str, message: str) -> None:
    with pytest.raises(kx.KaitaiExprError) as info:
        kx.parse(text)
    assert str(info.value) == message


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(kx.KaitaiExprError, match="nested too deeply"):
        kx.parse("(" * 5000 + "1" + ")" * 5000)


def test_evaluation_errors_name_the_part_that_failed() -> None:
    with pytest.raises(kx.KaitaiExprError) as info:
        kx.evaluate(kx.parse("1 + 7 / (2 - 2)"), None, text="1 + 7 / (2 - 2)")
    assert str(info.value) == "expression '1 + 7 / (2 - 2)' at position 6: ZeroDivisionError: division by zero"
    with pytest.raises(kx.KaitaiExprError, match="position 2: 1 \\+ 'a': operands are an integer and a string"):
        kx.evaluate(kx.parse('1 + "a"'), None, text='1 + "a"')
    with pytest.raises(kx.KaitaiExprError, match="has no field nope"):
        kx.evaluate(kx.parse("nope"), object(), text="nope")


class _Obj:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


@pytest.mark.parametrize("text, value", [
    ("s.length", 5), ("s.reverse", "olleh"), ("s.substring(1, 3)", "el"), ('"12".to_i + 1', 13),
    ('"ff".to_i(16)', 255), ("n.to_s", "-42"), ("b.size", 3), ("b.first", 1), ("b.last", 3), ("b.max", 3),
    ("b.min", 1), ('b.to_s("ASCII")', "\x01\x02\x03"), ("items.size", 2), ("items[1].n", -42),
    ("items.last.s.length", 5), ("n < 0 ? 1 : 2", 1), ("b == [1, 2, 3]", True), ("b != [1, 2]", True),
    ("f.to_i", -2), ("flag.to_i", 1), ("size", 9), ("_root.n", -42), ("not flag or n > 0", False),
    ("~n", 41), ('f"n={n}, s={s.reverse}"', "n=-42, s=olleh"), ("-n", 42), ("7.5 / 2", 3.75), ("n / 5", -9), ("n % 5", 3),
])
def test_evaluation_methods_and_fields(text: str, value: Any) -> None:
    inner = _Obj(n=-42, s="hello")
    obj = _Obj(s="hello", n=-42, b=b"\x01\x02\x03", items=[_Obj(n=1), inner], f=-2.5, flag=True, size=9)
    got = kx.evaluate(kx.parse(text), obj, kx.Env(root=obj), text)
    assert got == value and type(got) is type(value)


def test_enum_references_resolve_through_the_env() -> None:
    class Animal(enum.IntEnum):
        cat = 7

    def find(path: Tuple[str, ...], member: str) -> Any:
        assert path == ("animal",)
        return Animal[member]

    assert kx.evaluate(kx.parse("animal::cat.to_i + 1"), None, kx.Env(enum=find)) == 8
    assert kx.evaluate(kx.parse("pet == animal::cat"), _Obj(pet=Animal.cat), kx.Env(enum=find)) is True


# --- random trees: printed and read back, and arithmetic as Kaitai's Python computes it -----------------------

_names = st.sampled_from(["a", "b", "len_body", "_root", "_parent", "_index", "_", "x1"])
_leaves = st.one_of(
    st.integers(0, 2**70).map(kx.Num),
    st.floats(0, 1e20, allow_nan=False, allow_infinity=False).map(kx.Num),
    st.text(st.characters(min_codepoint=1, max_codepoint=0x2FF), max_size=6).map(kx.Str),
    st.booleans().map(kx.Bool),
    _names.map(kx.Name),
    st.tuples(st.lists(_names, min_size=1, max_size=2).map(tuple), _names).map(lambda t: kx.EnumRef(*t)),
)
_BIN_OPS = ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "==", "!=", "<", "<=", ">", ">=", "and", "or"]


def _extend(children: Any) -> Any:
    return st.one_of(
        st.tuples(st.sampled_from(_BIN_OPS), children, children).map(lambda t: kx.Binary(*t)),
        st.tuples(st.sampled_from(["-", "~", "not"]), children).map(lambda t: kx.Unary(*t)),
        st.tuples(children, children, children).map(lambda t: kx.Ternary(*t)),
        st.tuples(children, st.sampled_from(["to_s", "length", "b", "_parent"])).map(lambda t: kx.Attr(*t)),
        st.tuples(children, st.sampled_from(["substring", "to_i"]), st.lists(children, max_size=2).map(tuple))
        .map(lambda t: kx.Method(*t)),
        st.tuples(children, children).map(lambda t: kx.Index(*t)),
        st.tuples(children, st.sampled_from(["u4", "foo::bar", "bar[]"])).map(lambda t: kx.Cast(*t)),
        st.lists(children, max_size=3).map(lambda items: kx.ArrayLit(tuple(items))),
    )


_trees = st.recursive(_leaves, _extend, max_leaves=12)


@given(_trees)
def test_printed_trees_read_back(tree: kx.Node) -> None:
    assert kx.parse(kx.unparse(tree)) == tree


_ARITH = ["+", "-", "*", "/", "%", "&", "|", "^"]


def _arith_extend(children: Any) -> Any:
    return st.one_of(
        st.tuples(st.sampled_from(_ARITH), children, children).map(lambda t: kx.Binary(*t)),
        st.tuples(st.sampled_from(["<<", ">>"]), children, st.integers(0, 40).map(kx.Num)).map(lambda t: kx.Binary(*t)),
        st.tuples(st.sampled_from(["-", "~"]), children).map(lambda t: kx.Unary(*t)),
    )


_arith = st.recursive(st.integers(0, 2**40).map(kx.Num), _arith_extend, max_leaves=10)


def _python(tree: kx.Node) -> str:
    """The Python Kaitai's compiler writes for an integer expression: ``//`` for ``/``, the rest as is."""
    if isinstance(tree, kx.Num):
        return repr(tree.value)
    if isinstance(tree, kx.Unary):
        return "(%s%s)" % (tree.op, _python(tree.operand))
    assert isinstance(tree, kx.Binary)
    op = "//" if tree.op == "/" else tree.op
    return "(%s %s %s)" % (_python(tree.left), op, _python(tree.right))


@given(_arith)
def test_integer_arithmetic_is_kaitais(tree: kx.Node) -> None:
    text = kx.unparse(tree)
    try:
        expected: Any = eval(_python(tree), {})  # only numbers and operators: the tree above
    except (ZeroDivisionError, ValueError) as exc:
        with pytest.raises(kx.KaitaiExprError):
            kx.evaluate(kx.parse(text), None, text=text)
        assert exc is not None
        return
    assert kx.evaluate(kx.parse(text), None, text=text) == expected


@pytest.mark.parametrize("a, b", [(-9837, 13), (9837, -13), (-7, -2), (7, 2), (0, -3)])
def test_division_rounds_down_and_modulo_takes_the_divisors_sign(a: int, b: int) -> None:
    text = "%d / %d" % (a, b)
    assert kx.evaluate(kx.parse(text), None) == a // b
    assert kx.evaluate(kx.parse("%d %% %d" % (a, b)), None) == a % b


# --- translation to binmodel expressions -----------------------------------------------------------------------

def test_translation_makes_binmodel_expressions_where_it_can() -> None:
    from binmodel import expr as bx

    def resolve(name: kx.Name) -> Optional[Any]:
        return bx.Ref((name.name,)) if name.name in ("n", "flags", "a") else None

    env = kx.Env()
    assert kx.translate(kx.parse("n * 2 + 4"), resolve, env).text() == "n * 2 + 4"
    assert kx.translate(kx.parse("flags & 0x80 != 0 ? n : 0"), resolve, env).text() == \
        "where(flags & 128 != 0, n, 0)"
    assert kx.translate(kx.parse("_parent.a.b"), resolve, env).text() == "_parent.a.b"
    assert kx.translate(kx.parse("n.to_s"), resolve, env).text() == "kaitai[n.to_s](this)"
    def kind(node: kx.Node) -> Optional[str]:
        return "int" if isinstance(node, kx.Num) or (isinstance(node, kx.Name) and node.name == "n") else None

    assert kx.translate(kx.parse("n / 2 - -n"), resolve, env, kind=kind).text() == "n // 2 - (0 - n)"
    assert kx.translate(kx.parse("a / 2"), resolve, env, kind=kind).text() == "kaitai[a / 2](this)"
    assert kx.translate(kx.parse("1 << n"), resolve, env, kind=kind).text() == "kaitai[1 << n](this)"  # bounded
    assert kx.translate(kx.parse('n + "abc".length * 3 / 2'), resolve, env).text() == "n + 4"
    assert kx.translate(kx.parse("_io.size - _io.pos"), resolve, env).text() == "_io.size - _io.pos"
    with pytest.raises(kx.UnsupportedExpr, match="_io"):  # the stream of another object
        kx.translate(kx.parse("a._io.size - 4"), resolve, env, "a._io.size - 4")
    with pytest.raises(kx.UnsupportedExpr, match="_io"):  # the stream itself
        kx.translate(kx.parse("_io"), resolve, env, "_io")
    with pytest.raises(kx.KaitaiExprError, match="unknown name nope"):
        kx.translate(kx.parse("nope + 1"), resolve, env, "nope + 1")


def test_translated_expressions_run_in_models() -> None:
    from binmodel import Bytes, Computed

    def resolve(name: kx.Name) -> Optional[Any]:
        from binmodel import expr as bx

        return bx.Ref((name.name,))

    size = kx.translate(kx.parse("n > 2 ? n - 2 : n"), resolve, kx.Env())
    text = kx.translate(kx.parse("(n * 10).to_s + \"!\""), resolve, kx.Env())
    divided = kx.translate(kx.parse("n / 0"), resolve, kx.Env())

    class Rec(Struct):
        n: int = u8()
        body: bytes = Bytes(size)
        label: str = Computed(text)

    rec = Rec.parse(b"\x04ab")
    assert (rec.body, rec.label) == (b"ab", "40!")
    assert Rec.build(rec) == b"\x04ab"

    class Bad(Struct):
        n: int = u8()
        q: int = Computed(divided)

    with pytest.raises(ParseError, match="division by zero"):
        Bad.parse(b"\x01")


# --- against Kaitai's generated code: the value instances of the expression formats ----------------------------

SUITE = kaitai_truth.SUITE


def _expr_formats() -> List[str]:
    if not (SUITE / "formats").is_dir():
        return []
    return sorted(p.stem for p in (SUITE / "formats").glob("expr_*.ksy"))


def _inputs(name: str) -> List[str]:
    """The input of the format's test specification, or else inputs other tests use (the first Kaitai reads)."""
    kst = SUITE / "spec" / "ks" / (name + ".kst")
    out = []
    if kst.is_file():
        for line in kst.read_text().splitlines():
            if line.startswith("data:"):
                out.append(line.split(":", 1)[1].strip())
    return out + ["fixed_struct.bin", "nav_parent_switch.bin", "str_encodings.bin", "term_strz.bin", "expr_array.bin"]


def _ksy(name: str) -> Dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    data: Dict[str, Any] = yaml.safe_load((SUITE / "formats" / (name + ".ksy")).read_text())
    return data


def _class_name(kid: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in kid.split("_"))


def _kaitai_enum(module: Any, top: str) -> Any:
    def find(path: Tuple[str, ...], member: str) -> Any:
        classes = [getattr(module, _class_name(top))]
        while classes:
            cls = classes.pop()
            target: Any = cls
            for part in path:
                target = getattr(target, _class_name(part), None)
                if target is None:
                    break
            if isinstance(target, type) and issubclass(target, enum.Enum):
                return target[member]
            classes.extend(v for v in vars(cls).values() if isinstance(v, type) and hasattr(v, "_read"))
        raise LookupError("::".join(path + (member,)))
    return find


def _type_specs(spec: Dict[str, Any], name: str, out: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    out[_class_name(name)] = spec
    for sub, sub_spec in (spec.get("types") or {}).items():
        _type_specs(sub_spec, sub, out)
    return out


def _objects(obj: Any, depth: int = 0) -> List[Any]:
    """The Kaitai objects reachable through the seq fields Kaitai already read (instances are not forced)."""
    from kaitaistruct import KaitaiStruct

    out = [obj]
    if depth > 6:
        return out
    for key, value in vars(obj).items():
        if key.startswith("_"):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, KaitaiStruct):
                out.extend(_objects(item, depth + 1))
    return out


def _equal(mine: Any, theirs: Any) -> bool:
    if isinstance(theirs, float) or isinstance(mine, float):
        return isinstance(mine, (int, float)) and math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-12)
    return bool(mine == theirs) and isinstance(mine, bool) == isinstance(theirs, bool)


def _compare(name: str) -> int:
    """Evaluate every value instance of ``formats/NAME.ksy`` on Kaitai's parsed object and compare it with the
    value Kaitai's code computes; the number compared (instances that need Kaitai's run time, ``_io`` and
    ``sizeof``, are left out)."""
    module = kaitai_truth.kaitai_module(name)
    top = getattr(module, _class_name(name))
    parsed = None
    for data_name in _inputs(name):
        path = SUITE / "src" / data_name
        if not path.is_file():
            continue
        try:
            parsed = top.from_bytes(path.read_bytes())
            break
        except Exception:  # Kaitai's own failure on an input not made for this format: try the next
            continue
    if parsed is None:
        return 0
    specs = _type_specs(_ksy(name), name, {})
    env = kx.Env(root=parsed, enum=_kaitai_enum(module, name))
    compared = 0
    for obj in _objects(parsed):
        spec = specs.get(type(obj).__name__, {})
        for inst_name, inst in (spec.get("instances") or {}).items():
            if "value" not in inst or "if" in inst or "enum" in inst:
                continue
            tree = kx.parse(inst["value"])
            try:
                theirs = getattr(obj, inst_name)
            except Exception as exc:  # Kaitai's code fails on this value: so must the evaluator
                with pytest.raises(kx.KaitaiExprError):
                    kx.evaluate(tree, obj, env, str(inst["value"]))
                assert exc is not None
                compared += 1
                continue
            try:
                mine = kx.evaluate(tree, obj, env, str(inst["value"]))
            except kx.UnsupportedExpr:
                continue  # _io, sizeof: Kaitai's run time only
            assert _equal(mine, theirs), "%s.%s = %s: Kaitai %r, evaluator %r" % (
                type(obj).__name__, inst_name, inst["value"], theirs, mine)
            compared += 1
    return compared


@pytest.mark.parametrize("name", _expr_formats() or ["(no suite)"])
def test_expression_instances_match_kaitais_generated_code(name: str) -> None:
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    _compare(name)


def test_most_expression_formats_are_compared() -> None:
    """The comparison above must not leave its way to nothing: most formats have values the evaluator computes."""
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    counts = {name: _compare(name) for name in _expr_formats()}
    assert len(counts) >= 25
    assert sum(1 for c in counts.values() if c) >= 15, counts
    assert sum(counts.values()) >= 100, counts
