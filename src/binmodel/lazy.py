"""Lazy access: records parsed only when read, fields decoded only when read.

For files where a program looks at a few records out of millions, or a few
fields of each, parsing everything up front is wasted work.

- ``LazyArray(Model, data)`` is a sequence whose ``[i]`` parses record ``i``
  (compiled, as ``Model.parse``) from its place in ``data``; nothing else is
  read. Slices are lazy too. ``LazyArray(..., fields=True)`` gives lazy records.
- ``Model.parse_lazy(data)`` (a ``LazyRecord``) decodes a field when it is
  first read: fields at a fixed offset (everything before the first field
  whose size depends on the data) one by one, a nested fixed struct as another
  lazy record; any other field by parsing the whole record once.

>>> from binmodel import Struct, u32le
>>> class Rec(Struct):
...     id: int = u32le()
>>> records = LazyArray(Rec, b"".join(i.to_bytes(4, "little") for i in range(1000)))
>>> len(records), records[123], records[-1].id
(1000, Rec(id=123), 999)
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from . import schema as s
from .buffers import data_offset
from .errors import Error, ParseError, SizeofError
from .expr import Lit
from .parsing.context import ParseContext, ParseState
from .parsing.interpreter import parse_bits, parse_node
from .sizes import static_size


class LazyArray(Sequence[Any]):
    """``count`` records of a fixed-size ``model`` in ``data`` from ``offset``, parsed on access."""

    def __init__(self, model: Any, data: Any, offset: int = 0, count: Optional[int] = None, *,
                 fields: bool = False) -> None:
        self.model = model
        self.fields = fields
        self.size = model.sizeof()  # SizeofError for models whose size depends on the data
        if self.size <= 0:
            raise ParseError("records of %s take no bytes" % model.__name__, "", offset)
        self.data = data
        total = len(memoryview(data).cast("B"))
        offset = data_offset(offset, total)
        left = total - offset
        if count is None:
            count, extra = divmod(left, self.size)
            if extra:
                raise ParseError("%d bytes after the last whole %s record" % (extra, model.__name__),
                                 "[%d]" % count, offset + count * self.size, expected=self.size, found=extra)
        elif isinstance(count, bool) or not isinstance(count, int) or count < 0 or count * self.size > left:
            raise ParseError("%r records of %d bytes do not fit the %d bytes left" % (count, self.size, left), "",
                             offset, expected=count, found=left // self.size)
        self.offset = offset
        self.length = count

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> LazyArray: ...

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return LazyArray(self.model, self.data, self.offset + start * self.size, max(stop - start, 0),
                             fields=self.fields)
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError("record %d of %d" % (index, self.length))
        at = self.offset + index * self.size
        if self.fields:
            return LazyRecord(self.model, self.data, at, "[%d]" % index)
        try:
            return self.model.parse(self.data[at:at + self.size])
        except ParseError as exc:  # say where in the whole data, and which record
            raise ParseError(exc.reason, "[%d]%s%s" % (index, "." if exc.path else "", exc.path),
                             None if exc.offset is None else at + exc.offset, expected=exc.expected,
                             found=exc.found) from None

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.length):
            yield self[i]

    def __repr__(self) -> str:
        return "<LazyArray of %d %s records>" % (self.length, self.model.__name__)


# --- lazy records ------------------------------------------------------------------

_PLANS: Dict[int, Tuple[s.Struct, Dict[str, Tuple[Any, int]], Optional[int]]] = {}


def _plan(node: s.Struct) -> Tuple[Dict[str, Tuple[Any, int]], Optional[int]]:
    """Fields at a fixed offset (name -> (member, offset)) and the record's size when it is fixed.

    The plan stops at the first member whose size depends on the data; a field with
    ``check=True`` needs other fields, so it is left to the whole-record parse too.
    """
    hit = _PLANS.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1], hit[2]
    fixed: Dict[str, Tuple[Any, int]] = {}
    at = 0
    size_known = node.union_size is None
    if size_known:
        for member in node.members:
            if isinstance(member, s.BitRun):  # (its size is the data's)
                size_known = False
                break
            try:
                size = static_size(member if isinstance(member, s.BitGroup) else member.type)
            except SizeofError:
                size_known = False
                break
            fields = member.fields if isinstance(member, s.BitGroup) else [member]
            for f in fields:
                if f.stored and not (f.derive is not None and f.check) and _alone(f.type):
                    fixed[f.name] = (member, at)
            at += size
    total = at if size_known else None
    _PLANS[id(node)] = (node, fixed, total)
    return fixed, total


def _alone(node: s.Node) -> bool:
    """Whether a value of ``node`` can be read without the other fields (no references, no pointers)."""
    if isinstance(node, (s.Int, s.Float, s.Bool, s.TextInt, s.Bits)):
        return True
    if isinstance(node, (s.Bytes, s.String)):
        return node.prefix is None and isinstance(node.size, Lit)
    if isinstance(node, (s.Const, s.Enum, s.Flags, s.Mapped)):
        return _alone(node.type if isinstance(node, s.Const) else node.base)
    if isinstance(node, s.Array):
        return isinstance(node.count, Lit) and _alone(node.item)
    if isinstance(node, s.Struct):
        return node.union_size is None and all(_alone(f.type) for f in node.fields())
    return False


class LazyRecord:
    """A read-only view of one record whose fields are decoded on first access.

    ``to_model()`` parses the whole record into an instance. Errors are the
    usual ``ParseError`` with the field's path and absolute offset, raised when
    the field is read; a fixed-size record is checked to fit the data up front.
    Checks that involve several fields (``check=True``, pointers) are made by
    the whole-record parse, which a field after the fixed part triggers.
    """

    __slots__ = ("_model", "_data", "_offset", "_path", "_values", "_whole")

    def __init__(self, model: Any, data: Any, offset: int = 0, path: str = "") -> None:
        _, size = _plan(model._bm_node)
        total = len(memoryview(data).cast("B"))
        offset = data_offset(offset, total, path)
        if size is not None and offset + size > total:
            raise ParseError("a %s record needs %d bytes, %d left" % (model.__name__, size, total - offset), path,
                             offset, expected=size, found=total - offset)
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_offset", offset)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_whole", None)

    def __getattr__(self, name: str) -> Any:
        values = self._values
        if name in values:
            return values[name]
        node = self._model._bm_node
        fixed, _ = _plan(node)
        if name in fixed:
            value = self._decode(*fixed[name], name)
        elif any(f.name == name and f.stored for f in node.fields()):
            value = getattr(self.to_model(), name)
        else:
            raise AttributeError("%s has no field %r" % (self._model.__name__, name))
        values[name] = value
        return value

    def _decode(self, member: Any, at: int, name: str) -> Any:
        pos = self._offset + at
        if isinstance(member, s.BitGroup):
            ctx = ParseContext(None, pos, ParseState(self._data, None))
            parse_bits(member, ctx, pos, self._path)
            self._values.update({k: v for k, v in ctx.values.items() if k not in self._values})
            return ctx.values[name]
        path = "%s.%s" % (self._path, name) if self._path else name
        if isinstance(member.type, s.Struct) and member.type.cls is not None and _plan(member.type)[1] is not None:
            return LazyRecord(member.type.cls, self._data, pos, path)
        ctx = ParseContext(None, self._offset, ParseState(self._data, None))
        value, _ = parse_node(member.type, ctx, pos, path)
        return value

    def to_model(self) -> Any:
        """The whole record as a model instance (parsed once, compiled, errors with this record's path)."""
        if self._whole is None:
            try:
                whole = self._model.parse(self._data, offset=self._offset, allow_trailing=True)
            except Error as exc:
                if not self._path or not isinstance(exc, ParseError):
                    raise
                raise ParseError(exc.reason, "%s%s%s" % (self._path, "." if exc.path else "", exc.path),
                                 exc.offset, expected=exc.expected, found=exc.found) from None
            object.__setattr__(self, "_whole", whole)
        return self._whole

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a lazy record is read-only: edit a copy from .to_model()")

    def __dir__(self) -> List[str]:
        return [f.name for f in self._model._bm_node.fields() if f.stored] + ["to_model"]

    def __repr__(self) -> str:
        shown = ", ".join("%s=%r" % kv for kv in self._values.items())
        return "<lazy %s at %d%s%s>" % (self._model.__name__, self._offset, ": " if shown else "", shown)
