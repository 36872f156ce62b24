"""The class syntax: ``class Chunk(Struct, endian="big"): length: int = u32() ...``.

A thin front: the metaclass reads the annotated class attributes, checks the
names, and produces a ``schema.Struct`` node (``Model._bm_node``). Instances are
plain ``__slots__`` objects with a generated keyword-only ``__init__``;
everything that touches bytes lives in other modules.
"""

from __future__ import annotations

import dataclasses
import keyword
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import schema as s
from .convert import from_plain, json_ready
from .endian import Endian, resolve_field_endian, static_endian
from .errors import BuildError, DefinitionError
from .fields import MISSING, FieldSpec, _Scalar, to_node
from .parsing.context import Trace
from .refcheck import check_references
from .shown import repr_fields
from .wire import PARSED_PREFIX, NaN

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    from .layout import Layout
    from .streams import Records
else:
    def dataclass_transform(**kwargs: Any) -> Any:
        return lambda cls: cls

from . import fields as _f
from . import values as _v

_M = TypeVar("_M", bound="Struct")
_MUTABLE = (list, dict, set, bytearray)


def _namespace_annotations(ns: Dict[str, Any]) -> Dict[str, Any]:
    """The class body's own annotations, in order, without evaluating them where possible."""
    if "__annotations__" in ns:
        return dict(ns["__annotations__"])
    annotate = ns.get("__annotate__") or ns.get("__annotate_func__")
    if annotate is None:
        return {}
    import annotationlib  # type: ignore[import-not-found,unused-ignore]  # Python 3.14+: lazy annotations

    return dict(annotationlib.call_annotate_function(annotate, annotationlib.Format.FORWARDREF))


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or getattr(annotation, "__origin__", None) is ClassVar


def _resolve_annotation(annotation: Any, module: str, ns: Dict[str, Any], where: str) -> Any:
    if isinstance(annotation, str):
        scope = dict(vars(sys.modules[module])) if module in sys.modules else {}
        scope.update(ns)
        try:
            return eval(annotation, scope)  # the class author's own annotation text
        except Exception:
            raise DefinitionError(
                "%s: cannot resolve the annotation %r; give the type explicitly, e.g. = Field(%s)"
                % (where, annotation, annotation)
            ) from None
    return annotation


_DEFINE_HOOKS: List[Callable[[Any], None]] = []


def on_define(hook: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``hook(cls)`` for every model class defined from now on (plain models, C structs, byte-order
    variants): how a tool finds every model (the differential test, a schema registry) without patching
    the metaclass. Returns a function that removes the hook.

    >>> from binmodel import u8
    >>> seen = []
    >>> stop = on_define(seen.append)
    >>> class Point(Struct):
    ...     x: int = u8()
    >>> stop()
    >>> [cls.__name__ for cls in seen]
    ['Point']
    """
    _DEFINE_HOOKS.append(hook)
    return lambda: _DEFINE_HOOKS.remove(hook)


class StructMeta(type):
    """Turns a class body into a schema node, slots and an ``__init__``.

    Two hooks let other front ends (C structs) reuse the rest: ``_bm_options``
    reads the class keywords, ``_bm_arrange`` turns the fields into members.
    """

    def __new__(mcls, name: str, bases: Tuple[type, ...], ns: Dict[str, Any], **kwargs: Any) -> Any:
        if ns.get("_bm_abstract"):
            return super().__new__(mcls, name, bases, ns, **kwargs)
        model_bases = [b for b in bases if isinstance(getattr(b, "_bm_node", None), s.Struct)]
        if len(model_bases) > 1:
            raise DefinitionError("%s: a model can extend at most one other model" % name)
        base: Any = model_bases[0] if model_bases else None
        options = mcls._bm_options(name, base, kwargs)
        inherited: Tuple[s.Field, ...] = base._bm_node.fields() if base is not None else ()
        # each field as written, with the byte order of the class that declared it
        raw_inherited: Tuple[Tuple[s.Field, Optional[str]], ...] = base._bm_raw_fields if base is not None else ()
        if base is not None and options["endian"] != base._bm_options["endian"]:
            inherited = tuple(_reresolve(f, declared, options["endian"], name) for f, declared in raw_inherited)
        raw_own: List[s.Field] = []
        own = _collect_fields(name, ns, options["endian"], raw_own)
        fields = list(inherited) + own
        seen = set()
        for f in fields:
            if f.name in seen:
                raise DefinitionError("%s: field %s is defined twice" % (name, f.name))
            seen.add(f.name)
        for f in own:
            ns.pop(f.name, None)
        ns["__slots__"] = (tuple(LAZY_PREFIX + f.name if _lazy(f) else f.name for f in own if f.stored)
                           + (() if model_bases else ("_bm_parsed", "_bm_src"))
                           + tuple(PARSED_PREFIX + f.name for f in own if f.derive is not None))
        # each model gets its own parse/build slots: the first call replaces them with the compiled entry
        # (a subclass must not inherit its base's entry)
        ns.setdefault("parse", Struct.__dict__["parse"])
        ns.setdefault("build", Struct.__dict__["build"])
        cls: Any = super().__new__(mcls, name, bases, ns, **kwargs)
        members, union_size = mcls._bm_arrange(cls, fields, options)
        cls._bm_node = s.Struct(name, members, cls, union_size)
        check_references(name, cls._bm_node, options.get("params") or ())
        _check_params(name, options.get("params"), fields)
        cls._bm_params = options.get("params")
        cls._bm_options = options
        cls._bm_stored = tuple(f.name for f in fields if f.stored)
        cls._bm_pads = tuple(f.name for f in cls._bm_node.fields() if type(f.type) is s.BitPad)
        cls._bm_raw_fields = raw_inherited + tuple((f, options["endian"]) for f in raw_own)
        for f in own:
            if _lazy(f):
                type.__setattr__(cls, f.name, _lazy_property(f.name))
        _install_init(cls, fields)
        for hook in tuple(_DEFINE_HOOKS):
            hook(cls)
        return cls

    @classmethod
    def _bm_options(mcls, name: str, base: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """The class keywords, checked, with a base model's as defaults."""
        inherited = base._bm_options if base is not None else {}
        endian = kwargs.get("endian", inherited.get("endian"))
        bit_order = kwargs.get("bit_order", inherited.get("bit_order")) or "msb"
        if endian not in (None,) + s.ENDIANS and not isinstance(endian, Endian):
            raise DefinitionError("%s: endian must be 'big', 'little' or 'native', not %r" % (name, endian))
        if bit_order not in ("msb", "lsb"):
            raise DefinitionError("%s: bit_order must be 'msb' or 'lsb', not %r" % (name, bit_order))
        unknown = set(kwargs) - {"endian", "bit_order", "params"}
        if unknown:
            raise DefinitionError("%s: unknown class keyword %s" % (name, ", ".join(sorted(unknown))))
        return {"endian": endian, "bit_order": bit_order,
                "params": _params_option(name, kwargs.get("params", inherited.get("params")))}

    @classmethod
    def _bm_arrange(mcls, cls: Any, fields: List[s.Field], options: Dict[str, Any]) -> Tuple[Tuple[Any, ...], Any]:
        """The struct's members in order (bit fields grouped), and its union size (None: not a union)."""
        return _group_bits(cls.__name__, fields, static_endian(options["endian"]), options["bit_order"]), None


def _collect_fields(name: str, ns: Dict[str, Any], endian: Any,
                    raw: Optional[List[s.Field]] = None) -> List[s.Field]:
    """The class body's fields with byte orders resolved; ``raw`` receives them as written (unresolved)."""
    annotations = _namespace_annotations(ns)
    for attr, value in ns.items():
        if isinstance(value, (FieldSpec, _Scalar)) and attr not in annotations:
            raise DefinitionError("%s.%s has no annotation; write %s: <python type> = ..." % (name, attr, attr))
    out = []
    for fname, annotation in annotations.items():
        if _is_classvar(annotation):
            continue
        where = "%s.%s" % (name, fname)
        _check_name(fname, where)
        value = ns.get(fname, MISSING)
        if isinstance(value, _Scalar):
            value = value()
        elif value is MISSING:
            try:
                value = FieldSpec(to_node(_resolve_annotation(annotation, ns.get("__module__", ""), ns, where),
                                          "field type"))
            except DefinitionError as exc:
                if str(exc).startswith(where):
                    raise
                raise DefinitionError("%s: %s; give the wire type, e.g. %s: int = u32()" % (where, exc, fname)) from None
        elif isinstance(value, s.Node):
            value = FieldSpec(value)
        elif not isinstance(value, FieldSpec):
            raise DefinitionError("%s = %r: expected a binmodel type such as u8(), Bytes(4) or a model"
                                  % (where, value))
        if isinstance(value.default, _MUTABLE + (Struct,)):  # Struct: defined below, used at class creation
            raise DefinitionError("%s: a mutable default (%s) would be shared by every instance"
                                  % (where, type(value.default).__name__))
        node = resolve_field_endian(value.node, endian, where)
        default = value.default
        out.append(s.Field(
            name=fname, type=node, default=None if default is MISSING else default,
            has_default=default is not MISSING, derive=value.derive, check=value.check, stored=value.stored,
        ))
        if raw is not None:
            raw.append(dataclasses.replace(out[-1], type=value.node))
    return out


def _params_option(name: str, params: Any) -> Optional[Tuple[str, ...]]:
    """The ``params=`` class keyword: the names of the arguments a parameterised model takes."""
    if params is None:
        return None
    if isinstance(params, str) or not all(isinstance(p, str) for p in params):
        raise DefinitionError("%s: params must be a tuple of names, such as params=(\"size\",), not %r" % (name, params))
    params = tuple(params)
    for p in params:
        _check_name(p, "%s: parameter %s" % (name, p))
    if len(set(params)) != len(params):
        raise DefinitionError("%s: a parameter is named twice in params=%r" % (name, params))
    return params


def _check_params(name: str, params: Optional[Tuple[str, ...]], fields: List[s.Field]) -> None:
    clash = sorted(set(params or ()) & {f.name for f in fields})
    if clash:
        raise DefinitionError("%s: %s is both a parameter and a field" % (name, ", ".join(clash)))


def _reresolve(field: s.Field, old: Optional[str], new: Optional[str], where: str) -> s.Field:
    """An inherited field for a subclass with another byte order (``class BE(Model, endian="big")``).

    Numbers that took the declaring class's ``endian=`` (``old``) take the new one; nested models
    declared with that same byte order are swapped for their variant with the new one (made once,
    then cached); nested models with another byte order keep it.
    """
    node = resolve_field_endian(_swap_models(field.type, old, new), new, "%s.%s" % (where, field.name))
    return dataclasses.replace(field, type=node)


def _swap_models(node: s.Node, old: Optional[str], new: Optional[str]) -> s.Node:
    if isinstance(node, s.Struct):
        cls: Any = node.cls
        meta: Any = type(cls)  # plain models only: C structs take their byte order from the ABI
        if meta is StructMeta and cls._bm_options["endian"] == old and static_endian(new) is not None:
            return cls._bm_variant(new)._bm_node  # type: ignore[no-any-return]
        return node
    return s.map_children(node, lambda child: _swap_models(child, old, new))


_RESERVED = {"parse", "parse_lazy", "parse_trace", "build", "sizeof", "layout", "to_bytes", "to_dict", "from_dict",
             "_parent", "_prev", "_root", "_bytes", "_params", "parse_stream", "iter_stream", "recv", "read"}
_RESERVED.update(("_index", "_io", "_value"))  # what this._index, this._io and valid= expressions name


def _check_name(fname: str, where: str) -> None:
    if not fname.isidentifier() or keyword.iskeyword(fname):
        raise DefinitionError("%s: %r is not a valid field name" % (where, fname))
    if fname.startswith("__") or fname.startswith("_bm_") or fname in _RESERVED:
        raise DefinitionError("%s: the name %r is reserved" % (where, fname))


def _group_bits(name: str, fields: List[s.Field], endian: Optional[str], bit_order: str) -> Tuple[Any, ...]:
    members: List[Any] = []
    run: List[s.Field] = []

    def order_of(f: s.Field) -> str:
        return s.bit_item(f.type).order or bit_order  # type: ignore[union-attr]

    def close() -> None:
        if not run:
            return
        names = ", ".join(f.name for f in run)
        orders = {order_of(f) for f in run}
        if len(orders) > 1:
            raise DefinitionError("%s: the bit fields %s mix msb and lsb order" % (name, names))
        order = orders.pop()
        if not all(isinstance(f.type, s.Bits) for f in run):  # arrays or optional bit fields: a bit cursor
            pad = s.Field("(padding after %s)" % run[-1].name, s.BitPad(7, False, order), stored=False)
            members.append(s.BitRun(tuple(run) + (pad,), order))
            run.clear()
            return
        total = sum(f.type.bits for f in run)  # type: ignore[attr-defined]
        if total % 8:  # the next member starts at the next byte: the bits up to it are kept padding
            pad_bits = s.BitPad(-total % 8, False, order)
            run.append(s.Field("(padding after %s)" % run[-1].name, pad_bits, stored=False))
            total += run[-1].type.bits  # type: ignore[attr-defined]
        group_endian = endian
        if total > 8 and endian is None:  # no byte order given: the bits are a stream, read in bit order
            group_endian = "big" if order == "msb" else "little"  # (Kaitai Struct's bit-endian be / le)
        members.append(s.BitGroup(tuple(run), order, group_endian))
        run.clear()

    for f in fields:
        if s.bit_item(f.type) is not None:
            plain = all(isinstance(g.type, s.Bits) for g in run)
            at_boundary = run and plain and not sum(g.type.bits for g in run) % 8  # type: ignore[attr-defined]
            if at_boundary and order_of(f) != order_of(run[0]):
                close()  # a change of bit order at a byte boundary starts a new group
            run.append(f)
        else:
            _no_bits_inside(name, f)
            close()
            members.append(f)
    close()
    return tuple(members)


def _no_bits_inside(name: str, f: s.Field) -> None:
    """Bit fields are read by the struct that holds them: one elsewhere (in a switch, a sized region, an
    array of arrays) has no bit cursor to read from."""
    todo = [] if isinstance(f.type, s.Struct) else [f.type]
    while todo:
        node = todo.pop()
        if isinstance(node, s.Bits):
            raise DefinitionError("%s.%s: a bit field (%s) is read only as a field of a struct, an array's item "
                                  "or under If" % (name, f.name, node.name))
        todo.extend(c for c in s.children(node) if not isinstance(c, s.Struct))


LAZY_PREFIX = "_bm_lazy_"
"""Slot prefix of a lazy pointer's value (``Pointer(..., lazy=True)``); its field is a property."""


def _lazy(f: s.Field) -> bool:
    """Whether a field is a lazy pointer (present or not: ``If(cond, Pointer(..., lazy=True))`` too, and in
    a struct whose byte order the data decides, ``ByteOrder`` holding one)."""
    t = f.type
    while isinstance(t, (s.If, s.ByteOrder)):
        t = t.type
    return isinstance(t, s.Pointer) and t.lazy


def _repr(value: Any, show: Any) -> str:
    """A field's repr: hex for a ``Hex`` integer, ``repr`` otherwise."""
    return show(value) if show is not None and type(value) is int else repr(value)


def _peek(obj: Any, name: str) -> Any:
    """A field's value without reading a lazy pointer that was not read yet."""
    if isinstance(type(obj).__dict__.get(name), property) or isinstance(getattr(type(obj), name, None), property):
        return getattr(obj, LAZY_PREFIX + name, None)
    return getattr(obj, name, None)


def _lazy_property(name: str) -> property:
    """A lazy pointer's attribute: its value is parsed the first time it is read, then kept."""
    from .parsing.context import Deferred

    slot = LAZY_PREFIX + name

    def get(self: Any) -> Any:
        value = getattr(self, slot, None)
        if value.__class__ is Deferred:
            value = value.read()
            object.__setattr__(self, slot, value)
        return value

    def set(self: Any, value: Any) -> None:
        object.__setattr__(self, slot, value)

    return property(get, set, doc="%s: parsed when first read (a lazy Pointer)" % name)


def _install_init(cls: Any, fields: List[s.Field]) -> None:
    """Generate ``__init__`` with one keyword parameter a stored field, in declaration order.

    Keyword-only parameters may have defaults in any order; defaults go in as globals.
    """
    params, body = [], []
    scope: Dict[str, Any] = {}
    for f in fields:
        if not f.stored:
            continue
        if _optional(f):
            scope["_d_" + f.name] = f.default if f.has_default else None
            params.append("%s=_d_%s" % (f.name, f.name))
        else:
            params.append(f.name)
    # the instance is "self", or the reserved "_bm_self" when a field is called "self"
    me = "_bm_self" if any(f.name == "self" for f in fields) else "self"
    for f in fields:
        if f.stored:
            body.append("    %s.%s = %s" % (me, f.name, f.name))
    body.append("    %s._bm_parsed = None" % me)
    src = "def __init__(%s%s):\n%s\n" % (me, (", *, " + ", ".join(params)) if params else "", "\n".join(body))
    exec(src, scope)  # names are validated identifiers; values are in ``scope``
    init = scope["__init__"]
    init.__qualname__ = "%s.__init__" % cls.__qualname__
    init.__module__ = cls.__module__
    cls.__init__ = init


def _optional(f: s.Field) -> bool:
    return f.has_default or f.derive is not None or isinstance(f.type, s.Const)


@dataclass_transform(
    kw_only_default=True,
    field_specifiers=(
        _f.u8, _f.u16, _f.u16be, _f.u16le, _f.u24, _f.u24be, _f.u24le, _f.u32, _f.u32be, _f.u32le,
        _f.u64, _f.u64be, _f.u64le, _f.i8, _f.i16, _f.i16be, _f.i16le, _f.i24, _f.i24be, _f.i24le,
        _f.i32, _f.i32be, _f.i32le, _f.i64, _f.i64be, _f.i64le, _f.f16, _f.f16be, _f.f16le,
        _f.f32, _f.f32be, _f.f32le, _f.f64, _f.f64be, _f.f64le, _f.Bool, _f.ULEB128, _f.SLEB128,
        _f.ZigZag, _f.Int, _f.Float, _f.Bytes, _f.String, _f.CString, _f.Sized, _f.Array, _f.Bits, _f.Field,
        _f.Lazy, _f.Const, _f.Padding, _f.Align, _f.Switch, _f.If, _f.UnlessEnd, _f.Fallback, _f.Enum, _f.Flags, _f.Pointer,
        _f.VLQ, _f.Peek, _f.Computed, _f.TextInt, _f.Args, _f.Mapped, _f.Hex,
        _v.IPv4, _v.IPv6, _v.MAC, _v.UUID, _v.UnixTime, _v.FileTime, _v.SecondsAndFraction, _v.NTPTime,
        _v.DosDateTime, _v.Fixed,
    ),
)
class Struct(metaclass=StructMeta):
    """Base class of binary models. Class keywords: ``endian=`` and ``bit_order=``.

    >>> from binmodel import Struct, u16, Bytes, this
    >>> class Item(Struct, endian="big"):
    ...     size: int = u16()
    ...     data: bytes = Bytes(this.size)
    >>> Item.parse(b"\\x00\\x02hi")
    Item(size=2, data=b'hi')
    """

    _bm_abstract: ClassVar[bool] = True
    _bm_node: ClassVar[s.Struct]
    _bm_options: ClassVar[Dict[str, Any]]
    _bm_stored: ClassVar[Tuple[str, ...]]
    _bm_raw_fields: ClassVar[Tuple[Tuple[s.Field, Optional[str]], ...]]
    _bm_params: ClassVar[Optional[Tuple[str, ...]]] = None  # params=: the arguments the model takes
    _bm_pads: ClassVar[Tuple[str, ...]] = ()  # names of the BitPad fields (kept padding bits)
    __slots__ = ()
    _bm_bulk: ClassVar[Any] = None  # bulk.parse_array's cached dtype: (model, dtype, numpy.frombuffer)

    if TYPE_CHECKING:
        def __init_subclass__(cls, *, endian: Union[str, Endian, None] = None, bit_order: Optional[str] = None,
                              params: Optional[Tuple[str, ...]] = None) -> None: ...
    else:
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__()  # the class keywords were read by the metaclass

    # --- instances -----------------------------------------------------------

    def __repr__(self) -> str:
        """Every field's value; a lazy pointer not read yet shows as such (repr reads nothing)."""
        hexes = repr_fields(type(self))
        items = ", ".join("%s=%s" % (n, _repr(_peek(self, n), hexes.get(n))) for n in self._bm_stored)
        return "%s(%s)" % (type(self).__name__, items)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, n, None), getattr(other, n, None)) for n in self._bm_stored)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass

    def to_dict(self, json: bool = False) -> Dict[str, Any]:
        """The field values as a dict; nested models become dicts too. With ``json=True``, values JSON
        takes (bytes as hex, addresses and times as text: ``convert.json_ready``), which ``from_dict``
        reads back."""
        if json:
            return {n: json_ready(getattr(self, n, None)) for n in self._bm_stored}
        return {n: _plain(getattr(self, n, None)) for n in self._bm_stored}

    @classmethod
    def from_dict(cls: Type[_M], data: Mapping[str, Any]) -> _M:
        """An instance from a dict such as ``to_dict()`` gives; nested dicts become nested models."""
        if not isinstance(data, Mapping):
            raise BuildError("expected a dict for %s, found %s" % (cls.__name__, type(data).__name__),
                             expected="dict", found=data)
        unknown = sorted(set(data) - set(cls._bm_stored), key=repr)
        if unknown:
            first = unknown[0]
            raise BuildError("%s has no field %s" % (cls.__name__, ", ".join(map(repr, unknown))),
                             first if isinstance(first, str) else "", expected=list(cls._bm_stored),
                             found=first if len(unknown) == 1 else unknown)
        values: Dict[str, Any] = {}
        for f in cls._bm_node.fields():
            if f.name in data:
                values[f.name] = from_plain(f.type, data[f.name], values)
        try:
            return cls(**values)
        except TypeError as exc:
            raise BuildError("%s: %s" % (cls.__name__, exc)) from None

    @classmethod
    def _bm_from_values(cls: Type[_M], values: Dict[str, Any], union_bytes: Optional[bytes] = None) -> _M:
        """An instance from parsed values. What it must remember for ``build``: each derived field's value
        as parsed (slot ``_bm_was_<name>``: an untouched stale value is recomputed, not an error) and a
        union's bytes (``_bm_parsed``). Unset slots read as None (``getattr(obj, name, None)``)."""
        obj = cls.__new__(cls)
        for name in cls._bm_stored:
            object.__setattr__(obj, name, values.get(name))
        for f in cls._bm_node.fields():
            if f.derive is not None:
                object.__setattr__(obj, PARSED_PREFIX + f.name, values.get(f.name))
        if union_bytes is not None:
            object.__setattr__(obj, "_bm_parsed", {"__union_bytes__": union_bytes})
        if cls._bm_pads:  # the padding bits after unaligned bit fields, when not zero
            kept = {name: values[name] for name in cls._bm_pads if values.get(name)}
            if kept:
                object.__setattr__(obj, "_bm_parsed", dict(getattr(obj, "_bm_parsed", None) or {}, **kept))
        return obj

    # --- bytes ---------------------------------------------------------------

    @classmethod
    def _bm_variant(cls: Type[_M], endian: str) -> Type[_M]:
        """This model with another byte order: a subclass of the same name, made once per byte order."""
        variants = cls.__dict__.get("_bm_variants")
        if variants is None:
            variants = {}
            type.__setattr__(cls, "_bm_variants", variants)
        if endian not in variants:
            ns = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
            meta: Any = type(cls)
            variants[endian] = meta(cls.__name__, (cls,), ns, endian=endian)
        return variants[endian]  # type: ignore[no-any-return]

    @classmethod
    def parse(cls: Type[_M], data: Any, *, offset: int = 0, allow_trailing: bool = False) -> _M:
        """Read an instance from ``data`` (bytes, bytearray, memoryview or mmap)."""
        installed = cls.__dict__.get("parse")
        if isinstance(installed, staticmethod):  # called through a bound method taken before the first parse
            return installed.__func__(data, offset, allow_trailing)  # type: ignore[no-any-return]
        from .parsing.compiled import parse_entry

        entry = parse_entry(cls._bm_node)
        # later calls go straight to the entry: each model class has its own "parse" slot (see StructMeta).
        # Installed once: a caller holding this bound method must not reset the class (and its caches) per call.
        if not isinstance(cls.__dict__.get("parse"), staticmethod):
            type.__setattr__(cls, "parse", staticmethod(entry))
        return entry(data, offset, allow_trailing)  # type: ignore[no-any-return]

    @classmethod
    def parse_lazy(cls: Type[_M], data: Any, *, offset: int = 0) -> _M:
        """A read-only view of the record at ``offset`` whose fields are decoded when first read.

        For reading a few fields of many records; ``.to_model()`` gives the whole
        instance. See ``binmodel.lazy.LazyRecord``.
        """
        from .lazy import LazyRecord

        return LazyRecord(cls, data, offset)  # type: ignore[return-value]

    @classmethod
    def parse_trace(cls, data: Any, *, offset: int = 0, allow_trailing: bool = False) -> Trace:
        """Parse and record every field's span; a failure is kept in ``.error`` with the spans before it."""
        from .parsing.interpreter import parse_trace

        return parse_trace(cls._bm_node, data, offset, allow_trailing)

    @classmethod
    def parse_stream(cls: Type[_M], f: Any, *, parent: Optional[Dict[str, Any]] = None,
                     offset: Optional[int] = None) -> _M:
        """Read one instance from the binary file object ``f`` (a file, a pipe, ``sys.stdin.buffer``), reading
        only its bytes; ``f`` is left just after it. See ``binmodel.streams``."""
        from .streams import parse_stream

        return parse_stream(cls, f, parent=parent, offset=offset)  # type: ignore[no-any-return]

    @classmethod
    def iter_stream(cls: Type[_M], f: Any, *, parent: Optional[Dict[str, Any]] = None,
                    chunk_size: int = 1 << 16, offset: Optional[int] = None) -> Records:
        """Instances read one after another from ``f`` until it ends, holding one chunk in memory."""
        from .streams import iter_stream

        return iter_stream(cls, f, parent=parent, chunk_size=chunk_size, offset=offset)

    @classmethod
    def recv(cls: Type[_M], sock: Any, *, parent: Optional[Dict[str, Any]] = None,
             max_size: Optional[int] = None) -> _M:
        """Read exactly one instance from a blocking socket (``EOFError`` if it closed first)."""
        from .netio import recv

        return recv(cls, sock, parent=parent, max_size=max_size)  # type: ignore[no-any-return]

    @classmethod
    async def read(cls: Type[_M], reader: Any, *, parent: Optional[Dict[str, Any]] = None,
                   max_size: Optional[int] = None) -> _M:
        """Read exactly one instance from an ``asyncio.StreamReader``; safe to cancel."""
        from .netio import read

        return await read(cls, reader, parent=parent, max_size=max_size)  # type: ignore[no-any-return]

    @classmethod
    def build(cls, obj: Any, refresh: bool = False) -> bytes:
        """The bytes of ``obj`` (an instance or a dict), with derived fields computed.

        A derived value that came from ``parse`` stands while what it depends on is unchanged, so
        unedited data builds back to its own bytes; ``refresh=True`` recomputes every derived value
        (docs/references.md)."""
        installed = cls.__dict__.get("build")
        if isinstance(installed, staticmethod):
            return installed.__func__(obj, refresh)  # type: ignore[no-any-return]
        from .building.compiled import build_entry

        entry = build_entry(cls._bm_node)
        if not isinstance(cls.__dict__.get("build"), staticmethod):
            type.__setattr__(cls, "build", staticmethod(entry))
        return entry(obj, refresh)

    def to_bytes(self, refresh: bool = False) -> bytes:
        """``type(self).build(self, refresh)``."""
        return type(self).build(self, refresh)

    @classmethod
    def sizeof(cls) -> int:
        """The fixed size in bytes; ``SizeofError`` naming the field whose size depends on the data."""
        from .sizes import static_size

        return static_size(cls._bm_node)

    @classmethod
    def layout(cls) -> Layout:
        """The table of fields with offsets, sizes and types; ``str()`` of it prints the table."""
        from .layout import layout

        return layout(cls._bm_node)


def _same(a: Any, b: Any) -> bool:
    """Equal values, where a NaN read from data equals a NaN with the same bits (the same bytes)."""
    if a == b:
        return True
    if isinstance(a, NaN) and isinstance(b, NaN):
        return (a.bits, a.width) == (b.bits, b.width)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, Struct):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
