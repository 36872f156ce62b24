"""Hypothesis strategies that generate whole models and values for them."""

import enum
import itertools

from hypothesis import strategies as st

import binmodel as bm
from binmodel import Struct, this

_counter = itertools.count()


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


def _int_field(draw):
    bits = draw(st.sampled_from([8, 16, 24, 32, 64]))
    signed = draw(st.booleans())
    suffix = "" if bits == 8 else draw(st.sampled_from(["be", "le"]))
    spec = getattr(bm, "%s%d%s" % ("i" if signed else "u", bits, suffix))
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return [("", spec(), st.integers(lo, hi))]


def _members(draw, depth):
    """One or more (name suffix, field spec, value strategy or None for derived) entries."""
    kind = draw(st.sampled_from(
        ["int", "float", "bytes", "prefixed", "string", "cstring", "array", "counted", "sized", "bits", "enum",
         "varint", "if", "nested", "bool", "valid", "keyed", "bitrun"] if depth < 2 else ["int", "bytes", "cstring", "bits"]))
    n = next(_counter)
    if kind == "int":
        return _int_field(draw)
    if kind == "float":
        width = draw(st.sampled_from([32, 64]))
        spec = getattr(bm, "f%d%s" % (width, draw(st.sampled_from(["be", "le"]))))()
        return [("", spec, st.floats(width=width, allow_nan=False))]
    if kind == "bool":
        return [("", bm.Bool(), st.booleans())]
    if kind == "bytes":
        size = draw(st.integers(0, 6))
        return [("", bm.Bytes(size), st.binary(min_size=size, max_size=size))]
    if kind == "prefixed":
        return [("", bm.Bytes(prefix=bm.u8), st.binary(max_size=20))]
    if kind == "string":
        return [("", bm.String(prefix=bm.u16be), st.text(max_size=10))]
    if kind == "cstring":
        return [("", bm.CString("utf-8"), st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=8))]
    if kind == "array":
        k = draw(st.integers(0, 4))
        return [("", bm.Array(bm.u16le, count=k), st.lists(st.integers(0, 65535), min_size=k, max_size=k))]
    if kind == "counted":
        cname, iname = "c%d" % n, "items%d" % n
        return [(cname, bm.u8(derive=bm.count_of(iname)), None),
                (iname, bm.Array(bm.i32be, count=getattr(this, cname)),
                 st.lists(st.integers(-(2**31), 2**31 - 1), max_size=5))]
    if kind == "sized":
        lname, dname = "len%d" % n, "data%d" % n
        return [(lname, bm.u16le(derive=bm.len_of(dname)), None),
                (dname, bm.Bytes(getattr(this, lname)), st.binary(max_size=30))]
    if kind == "bits":
        widths = draw(st.sampled_from([[8], [3, 5], [1, 1, 6], [4, 12], [7, 9], [2, 2, 2, 2],
                                       [3], [1, 9], [5, 7, 1, 2], [33]]))  # (the last four end inside a byte)
        order = draw(st.sampled_from(["msb", "lsb"]))
        return [("b%d_%d" % (n, i), bm.Bits(w, order=order), st.integers(0, (1 << w) - 1))
                for i, w in enumerate(widths)]
    if kind == "bitrun":  # a bit array whose count a bit field before it gives (a BitRun)
        cname, iname, w = "bc%d" % n, "bits%d" % n, draw(st.integers(1, 9))
        order = draw(st.sampled_from(["msb", "lsb"]))
        return [(cname, bm.Bits(3, order=order, derive=bm.count_of(iname)), None),
                (iname, bm.Array(bm.Bits(w, order=order), count=getattr(this, cname)),
                 st.lists(st.integers(0, (1 << w) - 1), max_size=7))]
    if kind == "enum":
        return [("", bm.Enum(bm.u8, Color), st.sampled_from([Color.RED, Color.GREEN, 7]))]
    if kind == "varint":
        which = draw(st.sampled_from(["ULEB128", "SLEB128", "ZigZag"]))
        lo = 0 if which == "ULEB128" else -(2**40)
        return [("", getattr(bm, which)(), st.integers(lo, 2**40))]
    if kind == "if":
        fname, vname = "f%d" % n, "opt%d" % n
        return [(fname, bm.u8(), st.integers(0, 1)),
                (vname, bm.If(getattr(this, fname) == 1, bm.u16be), "IF")]
    if kind == "valid":
        valid, values = draw(st.sampled_from([
            (range(3, 200), st.integers(3, 199)), (bm.Range(10, 20), st.integers(10, 20)),
            (bm.AnyOf(1, 5, 9), st.sampled_from([1, 5, 9])), (this._value != 7, st.integers(8, 255))]))
        return [("", bm.u8(valid=valid), values)]
    if kind == "keyed":
        kname, vname = "k%d" % n, "keyed%d" % n
        key = getattr(this, kname)
        cases = {range(0, 100): bm.u8, frozenset({100, 101}): bm.Computed(key * 2), (102, 103): bm.u16be}
        return [(kname, bm.u8(), st.integers(0, 103)), (vname, bm.Switch(key, cases), "KEYED")]
    inner = draw(models(depth + 1))
    return [("", bm.Field(inner.model), inner.values)]


class Generated:
    def __init__(self, model, values, derived):
        self.model, self.values, self.derived = model, values, derived


@st.composite
def models(draw, depth=0):
    """A generated model class with a strategy for its instances."""
    entries = []
    for _ in range(draw(st.integers(1, 5))):
        entries.extend(_members(draw, depth))
    ns = {"__annotations__": {}, "__module__": __name__}
    value_strategies = {}
    derived = []
    for i, (name, spec, values) in enumerate(entries):
        name = name or "f%d_%d" % (next(_counter), i)
        ns["__annotations__"][name] = object
        ns[name] = spec
        if values is None:
            derived.append(name)
        else:
            value_strategies[name] = values
    try:  # (bit fields of both orders that meet inside a byte are refused)
        model = type(Struct)("M%d" % next(_counter), (Struct,), ns, endian=draw(st.sampled_from(["big", "little"])))
    except bm.DefinitionError:
        return draw(models(depth))

    @st.composite
    def instances(draw2):
        values = {}
        for name, strategy in value_strategies.items():
            if strategy == "IF":
                flag = values[name.replace("opt", "f")]
                values[name] = draw2(st.integers(0, 65535)) if flag == 1 else None
            elif strategy == "KEYED":
                key = values[name.replace("keyed", "k")]
                values[name] = (draw2(st.integers(0, 255)) if key < 100 else key * 2 if key < 102
                                else draw2(st.integers(0, 65535)))
            else:
                values[name] = draw2(strategy)
        return model(**values)

    return Generated(model, instances(), derived)
