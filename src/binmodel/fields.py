"""The names a model is written with: ``u16be``, ``Bytes(4)``, ``Array(Item, count=this.n)``...

Each returns a :class:`FieldSpec` (a schema node plus per-field options) to be
assigned to an annotated class attribute. The same names serve as item types:
``Array(u16le, count=4)``. Type checkers read ``fields.pyi`` beside this file,
which declares what each call returns (``u8() -> int``), so that a model's
constructor is typed; ``tests/test_typing.py`` keeps the two in step.
"""

from __future__ import annotations

import codecs
import dataclasses
import enum as _enum
from typing import Any, Dict, Mapping, Optional, Tuple

from . import schema as s
from .errors import DefinitionError
from .expr import Expr, as_expr
from .valid import as_constraint

MISSING: Any = type("MISSING", (), {"__repr__": lambda self: "MISSING"})()


class FieldSpec:
    """What a class attribute of a model holds: a schema node and the field's options."""

    __slots__ = ("node", "default", "derive", "check", "stored")

    def __init__(
        self,
        node: s.Node,
        default: Any = MISSING,
        derive: Any = None,
        check: bool = False,
        stored: bool = True,
        valid: Any = None,
    ) -> None:
        if valid is not None:  # the type itself checks its values (see binmodel.valid)
            node = s.Valid(node, as_constraint(valid))
        self.node = node
        self.default = default
        self.derive = None if derive is None else as_expr(derive)
        self.check = check
        self.stored = stored

    def __repr__(self) -> str:
        return "<field %s>" % self.node.name


class _Scalar:
    """A ready type such as ``u16be``: call it for a field, or pass it as an item type."""

    __slots__ = ("node", "label")

    def __init__(self, node: s.Node, label: str) -> None:
        self.node = node
        self.label = label

    def __call__(self, *, default: Any = MISSING, derive: Any = None, check: bool = False, valid: Any = None) -> Any:
        return FieldSpec(self.node, default, derive, check, valid=valid)

    def __repr__(self) -> str:
        return self.label


def to_node(item: Any, what: str = "item type") -> s.Node:
    """The schema node for anything usable as a type: ``u8``, ``Bytes(4)``, a model class."""
    if isinstance(item, s.Node):
        return item
    if isinstance(item, _Scalar):
        return item.node
    if isinstance(item, FieldSpec):
        if item.derive is not None or item.default is not MISSING:
            raise DefinitionError("an %s cannot have derive= or default=" % what)
        return item.node
    node = getattr(item, "_bm_node", None)
    if isinstance(node, s.Node):
        return node
    raise DefinitionError("%r is not a binmodel type (expected u8, Bytes(...), a Struct, ...)" % (item,))


_LAZY: Dict[int, Tuple[s.Lazy, s.Node]] = {}


def resolve_lazy(node: s.Lazy) -> s.Node:
    """The type a ``Lazy`` names, with the enclosing struct's byte order (checked once, then cached)."""
    hit = _LAZY.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    target = s.resolve_endian(to_node(node.resolve(), "Lazy type"), node.endian, "Lazy(%s)" % _fn_name(node))
    _LAZY[id(node)] = (node, target)
    return target


def _fn_name(node: s.Lazy) -> str:
    return getattr(node.resolve, "__name__", "?")


def _size(value: Any, what: str) -> Optional[Expr]:
    if value is None:
        return None
    if isinstance(value, bool) or (isinstance(value, int) and value < 0):
        raise DefinitionError("%s must be a non-negative int or a reference, not %r" % (what, value))
    if not isinstance(value, (int, Expr)) and not callable(value):
        raise DefinitionError("%s must be an int, this.<field>, or a function, not %r" % (what, value))
    return as_expr(value)


def _prefix(prefix: Any) -> Optional[s.Int]:
    if prefix is None:
        return None
    node = to_node(prefix, "length prefix")
    if not isinstance(node, (s.Int, s.VarInt)) or (isinstance(node, s.Int) and node.signed):
        raise DefinitionError("a length prefix must be an unsigned integer type, not %s" % node.name)
    return node  # type: ignore[return-value]


def _one_size_rule(what: str, size: Any, prefix: Any, greedy: bool, measure: bool = False) -> None:
    given = sum(x for x in (size is not None, prefix is not None, bool(greedy), measure))
    if given != 1:
        raise DefinitionError(
            "%s needs exactly one of: a size, prefix=, greedy=True%s"
            % (what, ", measure=" if what == "Bytes" else "")
        )


# --- numbers -----------------------------------------------------------------

_ENDIAN_SUFFIX = {"": None, "be": "big", "le": "little"}
_SCALARS: Dict[str, _Scalar] = {}
for _bits in (8, 16, 24, 32, 64):
    for _signed in (False, True):
        for _suffix, _endian in _ENDIAN_SUFFIX.items():
            if _bits == 8 and _suffix:
                continue
            _label = "%s%d%s" % ("i" if _signed else "u", _bits, _suffix)
            _SCALARS[_label] = _Scalar(s.Int(_bits, _signed, _endian), _label)
for _bits in (16, 32, 64):
    for _suffix, _endian in _ENDIAN_SUFFIX.items():
        _label = "f%d%s" % (_bits, _suffix)
        _SCALARS[_label] = _Scalar(s.Float(_bits, _endian), _label)
_SCALARS["Bool"] = _Scalar(s.Bool(), "Bool")
_SCALARS["ULEB128"] = _Scalar(s.VarInt("unsigned"), "ULEB128")
_SCALARS["SLEB128"] = _Scalar(s.VarInt("signed"), "SLEB128")
_SCALARS["ZigZag"] = _Scalar(s.VarInt("zigzag"), "ZigZag")
_SCALARS["VLQ"] = _Scalar(s.VarInt("vlq"), "VLQ")
globals().update(_SCALARS)


def _endian(endian: Optional[str]) -> Optional[str]:
    if endian not in (None,) + s.ENDIANS:
        raise DefinitionError("endian must be 'big', 'little' or 'native', not %r" % (endian,))
    return endian


def Int(
    bits: int,
    signed: bool = False,
    endian: Optional[str] = None,
    *,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
    valid: Any = None,
) -> Any:
    """An integer of any whole number of bytes: ``Int(bits=48, endian="big")``."""
    if not isinstance(bits, int) or bits <= 0 or bits % 8:
        raise DefinitionError("Int(bits=%r): bits must be a positive multiple of 8 (use Bits(n) for bit fields)" % (bits,))
    return FieldSpec(s.Int(bits, bool(signed), _endian(endian)), default, derive, check, valid=valid)


def Float(bits: int, endian: Optional[str] = None, *, default: Any = MISSING, derive: Any = None, check: bool = False,
          valid: Any = None) -> Any:
    """An IEEE 754 float of 16, 32 or 64 bits."""
    if bits not in (16, 32, 64):
        raise DefinitionError("Float(bits=%r): bits must be 16, 32 or 64" % (bits,))
    return FieldSpec(s.Float(bits, _endian(endian)), default, derive, check, valid=valid)


# --- bytes and text ----------------------------------------------------------

def Bytes(
    size: Any = None,
    *,
    prefix: Any = None,
    greedy: bool = False,
    measure: Any = None,
    terminator: Optional[bytes] = None,
    include: bool = False,
    consume: bool = True,
    eos_error: bool = True,
    pad: Optional[bytes] = None,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
    valid: Any = None,
) -> Any:
    """Raw bytes: ``Bytes(4)``, ``Bytes(this.length)``, ``Bytes(prefix=u16be)``, ``Bytes(greedy=True)``.

    ``Bytes(measure=f)``: ``f(rest)`` gets the bytes from here to the end of the data and returns
    how many the field takes (for data that finds its own end, such as a deflate stream).
    ``Bytes(terminator=b"|")``: up to a terminator (``include``, ``consume``, ``eos_error`` as in Kaitai);
    ``Bytes(20, pad=b"@", terminator=...)``: a fixed-size region without its trailing padding.
    """
    if terminator is not None or pad is not None:
        return FieldSpec(_term_bytes(size, prefix, greedy, measure, terminator, include, consume, eos_error, pad),
                         default, derive, check)
    if measure is not None and not callable(measure):
        raise DefinitionError("Bytes measure= must be a function of the bytes that follow")
    _one_size_rule("Bytes", size, prefix, greedy, measure is not None)
    node = s.Bytes(_size(size, "Bytes size"), _prefix(prefix), bool(greedy), measure)
    return FieldSpec(node, default, derive, check, valid=valid)


def TextInt(
    size: int,
    base: int = 10,
    *,
    terminator: bytes = b"",
    fill: bytes = b"0",
    align: str = "right",
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
    valid: Any = None,
) -> Any:
    """A number written as ASCII digits in ``size`` bytes: ``TextInt(8, base=8, terminator=b"\\0")`` (tar).

    Built as the digits right-aligned and filled on the left with ``fill`` (or ``align="left"``:
    filled on the right), then ``terminator``. Parsing also accepts surrounding spaces, NUL
    bytes after the digits and an empty field (0), and keeps the text read so it is written back unchanged.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise DefinitionError("TextInt size must be a positive int")
    if base not in (2, 8, 10, 16):
        raise DefinitionError("TextInt base must be 2, 8, 10 or 16, not %r" % (base,))
    if not isinstance(terminator, bytes) or len(terminator) >= size:
        raise DefinitionError("TextInt terminator must be bytes shorter than the size")
    if fill not in (b"0", b" ") or (align, fill) == ("left", b"0"):
        raise DefinitionError("TextInt fill is b'0' or b' ' (digits aligned right), or b' ' with align='left'")
    if align not in ("right", "left"):
        raise DefinitionError("TextInt align must be 'right' or 'left'")
    return FieldSpec(s.TextInt(size, base, terminator, fill, align), default, derive, check, valid=valid)


def _encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise DefinitionError("unknown text encoding %r" % (encoding,)) from None


def String(
    size: Any = None,
    *,
    encoding: str = "utf-8",
    prefix: Any = None,
    greedy: bool = False,
    pad: bytes = b"\0",
    strip: bool = True,
    terminator: Optional[bytes] = None,
    include: bool = False,
    consume: bool = True,
    eos_error: bool = True,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
    valid: Any = None,
) -> Any:
    """Text: fixed ``size`` padded with ``pad``, length-``prefix``-ed, or ``greedy``.

    ``encoding`` is any codec name; without one the text is UTF-8 (as for ``CString``), and bytes that are
    not valid UTF-8 are a ``ParseError``. ``strip=False``: a fixed size keeps its padding (the value is
    every byte). ``terminator=``: the text ends at it (without a size, like ``CString``).
    """
    if terminator is not None and size is None and prefix is None and not greedy:
        return CString(encoding, terminator=terminator, include=include, consume=consume, eos_error=eos_error,
                       default=default, derive=derive, check=check)
    _one_size_rule("String", size, prefix, greedy)
    if not isinstance(pad, bytes) or len(pad) != 1:
        raise DefinitionError("String pad must be one byte, not %r" % (pad,))
    encoding = _encoding(encoding)
    unit = s.code_unit(encoding)
    if isinstance(size, int) and not isinstance(size, bool) and size % unit and terminator is None:
        raise DefinitionError("String(%d, encoding=%r): the size must be whole %d-byte code units (or, with a "
                              "terminator=, end with pad bytes)" % (size, encoding, unit))
    node = s.String(encoding, _size(size, "String size"), _prefix(prefix), bool(greedy), None, pad)
    node = _text_options(node, terminator, include, consume, eos_error, strip)
    return FieldSpec(node, default, derive, check, valid=valid)


def CString(
    encoding: str = "utf-8",
    *,
    size: Any = None,
    terminator: Optional[bytes] = None,
    include: bool = False,
    consume: bool = True,
    eos_error: bool = True,
    pad: Optional[bytes] = None,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
    valid: Any = None,
) -> Any:
    """Text ended by a NUL (``terminator``); with ``size``, a C ``char[size]`` buffer.

    ``encoding`` is any codec name; without one the text is UTF-8 (as for ``String``). ``include``,
    ``consume`` and ``eos_error`` are Kaitai's options; with ``size``, ``pad=`` is removed from the end
    of the region before the terminator is looked for (Kaitai ``pad-right``), and fills it on build.
    """
    encoding = _encoding(encoding)
    unit = s.code_unit(encoding)
    if terminator is None:
        terminator = b"\0" * unit  # a NUL code unit (no byte-order mark)
    if not isinstance(terminator, bytes) or not terminator or len(terminator) % unit:
        raise DefinitionError("CString terminator must be non-empty bytes, whole %d-byte code units" % unit)
    if isinstance(size, int) and not isinstance(size, bool) and size % unit and pad is None:
        raise DefinitionError("CString(%r, size=%d): the size must be whole %d-byte code units (or pad= bytes end "
                              "it)" % (encoding, size, unit))
    node = s.String(encoding, _size(size, "CString size"), None, False, terminator, b"\0")
    if pad is not None:
        _pad_bytes(pad, unit)
        node = dataclasses.replace(node, pad=pad)
    node = _text_options(node, terminator, include, consume, eos_error, True)
    return FieldSpec(node, default, derive, check, valid=valid)


# --- composites --------------------------------------------------------------

def Array(
    item: Any,
    count: Any = None,
    *,
    until: Any = None,
    greedy: bool = False,
    typed: bool = False,
    prefix: Any = None,
    on_error: Optional[str] = None,
    frame: Any = None,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
) -> Any:
    """Repeated items: ``count=`` (int or reference), ``until=`` a predicate on each item, or ``greedy``.

    ``typed=True`` reads numbers into one ``array.array`` instead of a list of Python objects.
    ``prefix=u16be``: the item count comes first, as a length prefix.
    ``on_error="keep"``: an item that does not parse does not fail the parse; it is read again with
    each ``Sized`` region in it that does not parse kept as ``Malformed`` bytes with its error, or,
    where nothing says where the next item starts, the rest of the data is one ``Malformed`` entry.
    ``frame=this.length + 4`` (with ``on_error``) says where: the item's size in bytes, over the fields
    it parsed before it failed; such an item is that many ``Malformed`` bytes and the array goes on.
    """
    if on_error not in (None, "keep"):
        raise DefinitionError("Array on_error= is 'keep' or None, not %r" % (on_error,))
    if on_error is not None and typed:
        raise DefinitionError("a typed array has no items to keep: on_error= needs typed=False")
    if frame is not None and on_error is None:
        raise DefinitionError("Array frame= says how long a kept item is: it needs on_error='keep'")
    framed = _size(frame, "Array frame")
    if prefix is not None:
        node = _prefixed_array(item, count, until, greedy, typed, prefix)
        node = dataclasses.replace(node, on_error=on_error, frame=framed) if on_error else node
        return FieldSpec(node, default, derive, check)
    given = (count is not None) + (until is not None) + bool(greedy)
    if given != 1:
        raise DefinitionError("Array needs exactly one of count=, until=, greedy=True")
    if until is not None and not (callable(until) or isinstance(until, Expr)):
        raise DefinitionError("Array until= must be a function of the item just parsed or an expression over "
                              "this._item")
    node = s.Array(to_node(item), _size(count, "Array count"), until, bool(greedy), bool(typed), None, on_error,
                   framed)
    if typed:
        if until is not None:
            raise DefinitionError("a typed array has a count or is greedy (until= looks at each item)")
        s.typecode(node.item)  # refuses items array.array cannot hold
    return FieldSpec(node, default, derive, check)


def Sized(
    size: Any = None,
    type: Any = None,
    *,
    prefix: Any = None,
    greedy: bool = False,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
) -> Any:
    """``type`` inside a region of exactly ``size`` bytes (or ``prefix=`` a length): ``Sized(this.length, Body)``;
    ``Sized(None, Body, greedy=True)``: a region of the rest of the data (or of the enclosing region), so
    that offsets into it (``region=True``, ``io=`` pointers, ``this._io``) count from its start."""
    if type is None:
        raise DefinitionError("Sized(size, type) needs a type")
    if (size is not None) + (prefix is not None) + bool(greedy) != 1:
        raise DefinitionError("Sized needs exactly one of a size, prefix= and greedy=True")
    node = s.Sized(to_node(type), _size(size, "Sized size"), _prefix(prefix))
    return FieldSpec(node, default, derive, check)


def Field(type: Any, *, default: Any = MISSING, derive: Any = None, check: bool = False, valid: Any = None) -> Any:
    """Any type as a field, with options; mostly for nested models: ``hdr: Header = Field(Header)``."""
    return FieldSpec(to_node(type, "field type"), default, derive, check, valid=valid)


def Args(model: Any, **args: Any) -> Any:
    """A parameterised model with its arguments: ``body: Body = Args(Body, size=this.length)``.

    ``model`` was declared with ``params=("size",)``; every parameter is given, each an expression over
    the enclosing struct (``this.length``) or a constant, evaluated on parse and on build."""
    node = to_node(model, "Args type")
    target = node.resolve() if isinstance(node, s.Lazy) else node
    cls = getattr(target, "cls", None) if not isinstance(node, s.Lazy) else None
    declared = getattr(cls, "_bm_params", None)
    if not isinstance(node, s.Lazy) and (not isinstance(target, s.Struct) or declared is None):
        raise DefinitionError("Args(%s, ...): only a model declared with params=(...) takes arguments" % node.name)
    if declared is not None and set(args) != set(declared):
        missing, unknown = sorted(set(declared) - set(args)), sorted(set(args) - set(declared))
        raise DefinitionError("Args(%s, ...): %s" % (node.name, "; ".join(
            ([("missing argument%s %s" % ("s" if len(missing) > 1 else "", ", ".join(missing)))] if missing else [])
            + ([("no parameter%s %s" % ("s" if len(unknown) > 1 else "", ", ".join(unknown)))] if unknown else []))))
    return FieldSpec(s.Args(node, tuple((k, as_expr(v)) for k, v in args.items())))


def Lazy(resolve: Any) -> Any:
    """A type given by a function, for models that contain themselves: ``Lazy(lambda: Tree)``."""
    if not callable(resolve):
        raise DefinitionError("Lazy() takes a function returning a type")
    return FieldSpec(s.Lazy(resolve))


def Const(value: Any, type: Any = None) -> Any:
    """A value that must be there (a magic number): checked on parse, written on build."""
    if type is None:
        if not isinstance(value, bytes):
            raise DefinitionError("Const(%r) needs a type, e.g. Const(%r, u32be)" % (value, value))
        node: s.Node = s.Bytes(as_expr(len(value)))
    else:
        node = to_node(type, "Const type")
    return FieldSpec(s.Const(node, value), default=value)


def Padding(size: int, *, fill: bytes = b"\0", strict: bool = False) -> Any:
    """``size`` bytes that carry nothing; written as ``fill``, checked on parse only if ``strict``."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise DefinitionError("Padding size must be a non-negative int")
    _fill_byte(fill)
    return FieldSpec(s.Padding(size, fill, strict), stored=False)


def Align(to: int, *, fill: bytes = b"\0") -> Any:
    """Padding up to the next multiple of ``to`` bytes, counted from the start of the struct."""
    if not isinstance(to, int) or isinstance(to, bool) or to < 1:
        raise DefinitionError("Align(to) needs a positive int")
    _fill_byte(fill)
    return FieldSpec(s.Align(to, fill), stored=False)


def _fill_byte(fill: Any) -> None:
    if not isinstance(fill, bytes) or len(fill) != 1:
        raise DefinitionError("fill must be one byte, like b'\\0'")


def Switch(on: Any, cases: Mapping[Any, Any], default: Any = None, *, valid: Any = None) -> Any:
    """A tagged union: the type of this field is ``cases[value of on]`` (or ``default``).

    A key that is a ``range``, a ``frozenset`` or a ``tuple`` stands for each value in it; a case may be
    ``Computed(expr)``, which reads nothing."""
    if not isinstance(cases, Mapping) or not cases:
        raise DefinitionError("Switch cases must be a non-empty dict {value: type}")
    node = s.Switch(
        as_expr(on),
        tuple((k, _case_node(t, "Switch case")) for k, t in cases.items()),
        None if default is None else _case_node(default, "Switch default"),
    )
    return FieldSpec(node, valid=valid)


def _case_node(item: Any, what: str) -> s.Node:
    """A switch case's type; ``Computed(expr)`` is one too (its value is computed, not read)."""
    if isinstance(item, FieldSpec) and isinstance(item.node, s.Computed) and item.default is MISSING:
        return item.node
    return to_node(item, what)


def If(condition: Any, type: Any, *, default: Any = MISSING, derive: Any = None, check: bool = False) -> Any:
    """A field present only when ``condition`` holds; ``None`` otherwise.

    A ``derive=`` function gives ``None`` when the condition is false.
    """
    return FieldSpec(s.If(as_expr(condition), to_node(type)), default, derive, check)


def Reparent(type: Any, up: Optional[int], *, default: Any = MISSING) -> Any:
    """A nested model whose ``this._parent`` is not the struct holding it (Kaitai's ``parent:``): ``up=1``
    the holder's own ``_parent`` (``up=2`` its parent's), ``up=None`` none (reading it is an error).
    ``this._root`` stays the outermost struct."""
    node = to_node(type, "Reparent type")
    if not isinstance(node, (s.Struct, s.Lazy)):
        raise DefinitionError("Reparent() holds a model, not %s" % node.name)
    if up is not None and (not isinstance(up, int) or isinstance(up, bool) or up < 1):
        raise DefinitionError("Reparent up= is a number of levels >= 1, or None, not %r" % (up,))
    return FieldSpec(s.Reparent(node, up), default)


def Fallback(type: Any, otherwise: Any = None, *, default: Any = MISSING) -> Any:
    """``type``, or ``otherwise`` (by default the rest as bytes) when the data is not a valid ``type``.

    For payloads that are usually one thing (a DNS message on port 53) but need not be: a bad
    one is kept as ``otherwise`` instead of failing the whole file. On build, a value of the
    main type (an instance or a dict) is written as ``type``, anything else as ``otherwise``.
    """
    other = to_node(otherwise) if otherwise is not None else s.Bytes(greedy=True)
    return FieldSpec(s.Fallback(to_node(type), other), default)


def UnlessEnd(type: Any, *, default: Any = MISSING) -> Any:
    """A field present unless the data (or the ``Sized`` region) ends before it; ``None`` then.

    For trailing fields that later versions of a format added, or a pad byte a writer may leave
    off at the very end. At the end, a value that takes no bytes (``Bytes(0)``) is still read.
    On build, ``None`` writes nothing; it is a ``BuildError`` when bytes follow it before the end of
    the data or of its ``Sized`` region, since the result would not read back.
    """
    return FieldSpec(s.UnlessEnd(to_node(type)), default)


def _int_base(base: Any, what: str) -> s.Node:
    node = to_node(base, "%s base" % what)
    if not isinstance(node, (s.Int, s.VarInt)):
        raise DefinitionError("%s needs an integer type (u8, u16be, ...), not %s" % (what, node.name))
    return node


def Enum(base: Any, enum: Any, *, strict: bool = False, default: Any = MISSING, check: bool = False,
         valid: Any = None) -> Any:
    """An integer read as a member of an ``enum.IntEnum``; unknown values stay ints unless ``strict``.
    ``Enum(Bits(4), E)``: a bit field read as a member (it stays part of its bit group)."""
    if not (isinstance(enum, type) and issubclass(enum, _enum.Enum)):
        raise DefinitionError("Enum() needs an enum class, not %r" % (enum,))
    node = to_node(base, "Enum base")
    if isinstance(node, s.Bits):  # a bit field read as a member: it stays a member of its bit group
        if strict or not issubclass(enum, int):
            raise DefinitionError("Enum over Bits takes an enum.IntEnum, without strict=")
        return FieldSpec(dataclasses.replace(node, enum=enum), default, None, check, valid=valid)
    return FieldSpec(s.Enum(_int_base(base, "Enum"), enum, strict), default, None, check, valid=valid)


def Flags(base: Any, flags: Any, *, default: Any = MISSING) -> Any:
    """An integer read as an ``enum.IntFlag`` combination (unknown bits are kept)."""
    if not (isinstance(flags, type) and issubclass(flags, _enum.IntFlag)):
        raise DefinitionError("Flags() needs an enum.IntFlag class, not %r" % (flags,))
    return FieldSpec(s.Flags(_int_base(base, "Flags"), flags), default)


def Bits(
    bits: int,
    *,
    signed: bool = False,
    order: Optional[str] = None,
    default: Any = MISSING,
    derive: Any = None,
    check: bool = False,
) -> Any:
    """A bit field. Consecutive ``Bits`` fields form a group that must fill whole bytes."""
    if not isinstance(bits, int) or isinstance(bits, bool) or bits < 1:
        raise DefinitionError("Bits(n) needs a positive int")
    if order not in (None, "msb", "lsb"):
        raise DefinitionError("Bits order must be 'msb' or 'lsb'")
    return FieldSpec(s.Bits(bits, bool(signed), order), default, derive, check)


def Peek(type: Any, *, default: Any = MISSING, derive: Any = None) -> Any:
    """``type`` read at the cursor without moving it: a look-ahead. Nothing is written on build
    (the fields that follow write those bytes); ``derive=`` gives its value on build."""
    return FieldSpec(s.Peek(to_node(type, "Peek type")), default, derive)


def Computed(expr: Any) -> Any:
    """A value that takes no bytes: ``expr`` (a reference or a function) evaluated on parse and
    recomputed on build, like ``derive=``."""
    return FieldSpec(s.Computed(as_expr(expr)), derive=as_expr(expr))


def Pointer(offset: Any, type: Any, *, relative: bool = False, region: bool = False, overwrite: bool = False,
            lazy: bool = False, place: Any = None, io: Any = None, default: Any = MISSING) -> Any:
    """A value at ``offset`` (from the data's start; the struct's if ``relative``; the enclosing ``Sized``
    region's if ``region``, which then also bounds it); the cursor stays.

    ``io=this.strings`` (Kaitai's ``io:``): from the start of the region another struct was read in (its
    ``Sized`` region, or the decoded bytes of a ``Transformed`` one), which bounds it; with ``lazy=True``
    that struct may come later in the data. On build the value's bytes go into that region and must agree
    with what its fields write (change the region's fields to change both).

    ``overwrite=True``: on build, its bytes replace what other (non-pointer) fields wrote there.
    ``lazy=True``: the offset is evaluated with the struct, the value parsed when first read.
    ``place=True`` (or an alignment, ``place=4``): on build, the data goes after everything else,
    pointers with ``place=`` one after another in the order they are built, each at the next multiple
    of its alignment; the offset field says so with ``derive=placed("name")``.
    """
    if relative and region:
        raise DefinitionError("a Pointer is relative to its struct or to its region, not both")
    if io is not None and (relative or region or (place is not None and place is not False)):
        raise DefinitionError("a Pointer with io= points from the start of that struct's region "
                              "(not relative=, region= or place=)")
    align = None
    if place is not None and place is not False:
        align = 1 if place is True else place
        if isinstance(align, bool) or not isinstance(align, int) or align < 1:
            raise DefinitionError("Pointer place= is True or an alignment (a positive int), not %r" % (place,))
        if relative or region:
            raise DefinitionError("a Pointer with place= points from the data's start (not relative=, region=)")
    return FieldSpec(s.Pointer(as_expr(offset), to_node(type), bool(relative), bool(overwrite), bool(region),
                               bool(lazy), align, None if io is None else as_expr(io)), default)


# --- terminators, padding, counted arrays, transforms (issue 14) ------------------------------

def _pad_bytes(pad: Any, unit: int = 1) -> bytes:
    if not isinstance(pad, bytes) or len(pad) != 1:
        raise DefinitionError("pad must be one byte, not %r" % (pad,))
    return pad


def _terminator(term: Any, unit: int = 1) -> bytes:
    if isinstance(term, int) and not isinstance(term, bool) and 0 <= term <= 255:
        term = bytes([term])
    if not isinstance(term, bytes) or not term or len(term) % unit:
        raise DefinitionError("a terminator is a byte (0..255) or non-empty bytes of whole %d-byte code units, "
                              "not %r" % (unit, term))
    return term


def _term_bytes(size: Any, prefix: Any, greedy: bool, measure: Any, terminator: Any, include: bool,
                consume: bool, eos_error: bool, pad: Any) -> s.TermBytes:
    """``Bytes(terminator=...)`` or ``Bytes(size, pad=...)``: a ``TermBytes`` node."""
    if prefix is not None or measure is not None or (greedy and size is not None):
        raise DefinitionError("Bytes terminator=/pad= go with a size, greedy=True or alone (up to the terminator), "
                              "not with prefix= or measure= (use Sized(..., Bytes(terminator=...)))")
    term = None if terminator is None else _terminator(terminator)
    if size is None and term is None and not greedy:
        raise DefinitionError("Bytes(pad=...) needs a size (or greedy=True)")
    if (size is not None or greedy) and (not consume or not eos_error):
        raise DefinitionError("consume= and eos_error= apply to a terminator without a size "
                              "(a fixed-size region is always used up)")
    return s.TermBytes(term, _size(size, "Bytes size"), bool(include), bool(consume), bool(eos_error),
                       None if pad is None else _pad_bytes(pad), bool(greedy))


def _text_options(node: s.String, terminator: Any, include: bool, consume: bool, eos_error: bool,
                  strip: bool) -> s.String:
    """A ``String`` with Kaitai's terminator options and ``strip``, checked."""
    unit = s.code_unit(node.encoding)
    term = None if terminator is None else _terminator(terminator, unit)
    sized = node.size is not None or node.prefix is not None or node.greedy
    if sized and (not consume or not eos_error):
        raise DefinitionError("consume= and eos_error= apply to a terminator without a size "
                              "(a fixed-size region is always used up)")
    if include and term is None:
        raise DefinitionError("include=True needs a terminator")
    if not strip and node.size is None:
        raise DefinitionError("strip=False applies to a fixed-size String (only those are padded)")
    return dataclasses.replace(node, terminator=term, include=bool(include), consume=bool(consume),
                               eos_error=bool(eos_error), strip=bool(strip))


def _prefixed_array(item: Any, count: Any, until: Any, greedy: bool, typed: bool, prefix: Any) -> s.Array:
    """``Array(item, prefix=u16be)``: the item count as a length prefix."""
    if count is not None or until is not None or greedy:
        raise DefinitionError("Array prefix= is the count: not with count=, until= or greedy=True")
    node = s.Array(to_node(item), None, None, False, bool(typed), _prefix(prefix))
    if typed:
        s.typecode(node.item)
    return node


def Transformed(base: Any, process: Any, type: Any = None, *, default: Any = MISSING, derive: Any = None,
                check: bool = False) -> Any:
    """A region stored transformed (Kaitai ``process``): ``Transformed(Bytes(this.size), Xor(0xFF), Inner)``.

    ``base`` reads the stored bytes (any ``Bytes`` form); ``process`` is ``Xor``, ``Rol``/``Ror``,
    ``Zlib``, a ``Codec`` or any object with ``decode``/``encode``; ``type`` (default: the decoded bytes)
    is parsed from the decoded bytes and must use them up, as in a ``Sized`` region.
    """
    from .transforms import as_transform

    region = to_node(base, "Transformed region")
    if not isinstance(region, (s.Bytes, s.TermBytes)):
        raise DefinitionError("Transformed reads its stored bytes with a Bytes type (Bytes(n), Bytes(this.size), "
                              "Bytes(greedy=True), ...), not %s" % region.name)
    proc = as_transform(process)
    inner = None if type is None else to_node(type, "Transformed type")
    return FieldSpec(s.Transformed(region, proc, inner, proc.arg), default, derive, check)


# --- values as people write them (issue 16) --------------------------------------------------

def Mapped(base: Any, decode: Any, encode: Any, *, label: Optional[str] = None, show: Any = None,
           default: Any = MISSING, check: bool = False, valid: Any = None) -> Any:
    """A field whose Python value is ``decode(wire)`` of what ``base`` reads, and whose wire value on build
    is ``encode(value)``: ``Mapped(Bytes(4), ipaddress.IPv4Address, lambda a: a.packed)``.

    ``decode`` must lose nothing (``encode(decode(w)) == w``), so an unchanged value builds back to the
    same bytes; ``show(value)`` is the text dumps print; ``label`` names the type in layouts and errors."""
    node = to_node(base, "Mapped base")
    if not callable(decode) or not callable(encode):
        raise DefinitionError("Mapped needs decode= and encode= functions, not %r and %r" % (decode, encode))
    if show is not None and not callable(show):
        raise DefinitionError("Mapped show= is a function of the value, not %r" % (show,))
    name = label if label is not None else getattr(decode, "__name__", "Mapped")
    if not isinstance(name, str) or not name:
        raise DefinitionError("Mapped label= is a non-empty str, not %r" % (name,))
    return FieldSpec(s.Mapped(node, decode, encode, name, show), default, None, check, valid=valid)


def Hex(base: Any, *, default: Any = MISSING, derive: Any = None, check: bool = False, valid: Any = None) -> Any:
    """An integer shown in hex (``0x04034b50``) by dumps, reprs and ``to_dict(json=True)``: a display
    choice for magics, signatures and flags; the value stays an ``int``. ``Hex(u32le)``."""
    node = to_node(base, "Hex type")
    if not isinstance(node, s.Int):
        raise DefinitionError("Hex needs an integer type (u8, u32le, ...), not %s" % node.name)
    return FieldSpec(dataclasses.replace(node, show="hex"), default, derive, check, valid=valid)
