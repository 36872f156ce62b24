"""The reference builder: writes bytes by walking the schema tree, one handler per node type (``BUILDERS``,
the mirror of ``parsing.interpreter.PARSERS``).

A struct is built in two phases (``BuildContext``): each field's bytes are made when first needed,
so a derived value (a length, a count, a CRC over later fields) can ask for the parts it depends on;
size checks wait until everything is known; pointer data is placed last. Generated builders
(``building.generator``) must give the same bytes and the same errors as this one.
"""

from __future__ import annotations

import array as _array
import enum as _enum
import struct
import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, Union

from .. import background
from .. import schema as s
from ..context import MAX_DEPTH, evaluate, item_done, link_index, link_item, reparent_target, until_holds
from ..errors import BuildError, Error, ParseError, join_path, short
from ..expr import Expr, Lit, View, root_of
from ..fields import resolve_lazy
from ..malformed import Malformed
from ..parsing.analysis import places, reads_io, reads_regions
from ..parsing.interpreter import measure, parse
from ..valid import check as valid_check
from ..wire import (
    DIGITS,
    FLOAT_CODES,
    PARSED_PREFIX,
    NaN,
    Numeral,
    as_int,
    byteorder,
    code_unit,
    digits,
    find_terminator,
    prefix,
    strip_pad,
    text_int_value,
)
from .bitruns import build_bit_run
from .context import Cycle, IoRegions, Patch, apply_patches, left_off

_UNKNOWN = object()  # (BuildContext.as_parsed: the value as parsed cannot be known)
Settings = Tuple[str, Optional[List[Tuple[str, Any, Any]]], Optional["Placement"]]
"""How a build treats derived values and placed pointers: policy, audit, placement (see BuildContext)."""


class BuildContext:
    """The struct being built: values come from the object, derived ones are computed on demand.

    ``part(name)`` builds a field's bytes the first time it is asked for, so a
    derived value may depend on later fields (a CRC over what follows) and a
    size check may wait for a derived length. Cycles are reported, not looped.
    """

    prev: Optional[BuildContext]  # this._prev: the array item before this one (see link_item)
    item_prev: Optional[BuildContext]
    last_child: Optional[BuildContext]
    child_region: List[Patch]  # (see __init__)
    index: Optional[int]  # this._index: the item of an array of this struct being written (see link_index)
    item_index: Optional[int]

    def __init__(self, node: s.Struct, obj: Any, parent: Optional[BuildContext], path: str,
                 patches: List[Patch], depth: int,
                 settings: Settings = ("track", None, None)) -> None:
        self.node = node
        self.obj = obj
        self.parent = parent
        self.up = parent  # what this._parent names: the parent, unless a Reparent says otherwise
        link_item(self, parent)
        link_index(self, parent)
        self.path = path
        self.patches = patches
        # where a region pointer's data goes: the patches of the Sized region this struct is built in,
        # and of the region its nested structs are built in (a Sized member swaps it, see _build_sized)
        self.region_patches: List[Patch] = parent.child_region if parent is not None else patches
        self.child_region = self.region_patches
        self.depth = depth
        self.fields = {f.name: f for f in node.fields()}
        self.values: Dict[str, Any] = {}
        self.parts: Dict[str, bytes] = {}
        self.pointed: Dict[str, bytes] = {}  # a pointer field's target bytes (its part here is empty)
        self.deriving: Set[str] = set()
        self.building: Set[str] = set()
        self.checks: List[Callable[[], None]] = []
        self.local_patches: List[Patch] = []
        # path of a part (field or array item) -> path of the UnlessEnd left None that ends it: that
        # None reads back only where the data (or its Sized region) ends, so nothing may follow it
        self.open_ends: Dict[str, str] = {}
        self.group_of: Dict[str, Union[s.BitGroup, s.BitRun]] = {}
        for m in node.members:
            if isinstance(m, (s.BitGroup, s.BitRun)):
                for f in m.fields:
                    self.group_of[f.name] = m
        parsed = getattr(obj, "_bm_parsed", None)
        self.parsed: Mapping[str, Any] = parsed or {}
        # how derived values stand (see _derive): ``policy`` "track" (the default) or "refresh" (every value
        # recomputed); ``audit`` collects the values that disagree with their data, which then stand
        self.policy: str
        self.audit: Optional[List[Tuple[str, Any, Any]]]
        self.placement: Optional[Placement]  # where Pointer(..., place=) data goes (see _build_root)
        if parent is not None:
            self.policy, self.audit, self.placement = parent.policy, parent.audit, parent.placement
        else:
            self.policy, self.audit, self.placement = settings
        self.stale: Any = None  # (the outermost context: see as_parsed)
        # this._io.pos on build, for models that read it (analysis.reads_io): ``at`` gives where the value
        # being written now starts in its region (a part, an array item, a region's start, a pointer's
        # target), computed when asked, from what is written before it; ``_entry`` where this struct starts
        self.tracks_io: bool = parent.tracks_io if parent is not None else reads_io(node)
        self._entry: Callable[[], int] = parent.at if parent is not None and self.tracks_io else _nothing_before
        self._start: Optional[int] = None
        self.at: Callable[[], int] = self.start
        # where each struct's bytes go, for Pointer(..., io=) data (one registry per build)
        self.regions: Optional[IoRegions] = parent.regions if parent is not None else (
            IoRegions() if reads_regions(node) else None)

    def raw(self, name: str) -> Any:
        """The object's attribute for a field, or a BuildError naming it."""
        try:
            return getattr(self.obj, name)
        except AttributeError:
            raise BuildError("missing value for field %s" % name, join_path(self.path, name)) from None

    def get(self, name: str) -> Any:
        """A field's value for ``this``: the object's, or computed when the field is derived."""
        if name in self.values:
            return self.values[name]
        field = self.fields.get(name)
        if field is None:
            raise LookupError("no field %r in %s" % (name, self.node.name))
        if field.derive is None:
            value = self.raw(name) if field.stored else None
        else:
            value = self._derive(field)
        self.values[name] = value
        return value

    def _derive(self, field: s.Field) -> Any:
        """A derived field's value on build: computed from what it names, except that a value that came
        from parse stands while what it depends on is as parsed, so ``build(parse(x)) == x`` also for
        inconsistent data, and an edit changes only the values that depend on it (docs/references.md)."""
        fpath = join_path(self.path, field.name)
        if field.name in self.deriving:
            raise Cycle("%s depends on itself through %s" % (field.name, field.derive.text()), fpath)  # type: ignore[union-attr]
        self.deriving.add(field.name)
        typed = getattr(self.obj, field.name, None)
        try:
            computed = evaluate(field.derive, self, fpath, None, "derive", BuildError)  # type: ignore[arg-type]
        except BuildError:  # (a checksum over data that no longer decodes): a value as parsed stands
            if typed is None or self.policy != "track" or not self._untouched_parse(field, typed):
                raise
            return typed
        finally:
            self.deriving.discard(field.name)
        if computed is None:  # the derivation has nothing to say here: the value given stands
            return typed
        if typed is not None and typed != computed:
            if self.audit is not None:
                self.audit.append((fpath, typed, computed))
                return typed
            untouched = getattr(self.obj, PARSED_PREFIX + field.name, None) == typed
            if not untouched:
                raise BuildError("%s is %s, but %s gives %s; leave it unset (None) to have it computed"
                                 % (field.name, short(typed), field.derive.text(), short(computed)),  # type: ignore[union-attr]
                                 fpath, expected=computed, found=typed)
            measuring = self.placement is not None and self.placement.positions is None
            if self.policy == "track" and not measuring and self.as_parsed(fpath) == (typed, computed):
                return typed  # what it depends on is as parsed: the data's own (inconsistent) value stands
        return computed

    def placed_at(self, name: str) -> int:
        """``placed(name)`` on build: where the data of pointer field ``name`` goes (0 while measuring)."""
        plan = self.placement
        field = self.fields.get(name)
        if plan is None or field is None or not isinstance(field.type, s.Pointer) or field.type.place is None:
            raise BuildError("placed(%s): %s is not a Pointer(..., place=...) field" % (name, name),
                             join_path(self.path, name))
        if plan.positions is None:
            return 0
        return plan.positions[join_path(self.path, name)]

    def _untouched_parse(self, field: s.Field, typed: Any) -> bool:
        """Whether ``typed`` is the value ``field`` was parsed with, in an object tree that came from parse."""
        return (getattr(root_of(self).obj, "_bm_src", None) is not None
                and getattr(self.obj, PARSED_PREFIX + field.name, None) == typed)

    def as_parsed(self, path: str) -> Any:
        """(value, computed) for the derived field at ``path`` as the data was parsed, where the two
        disagreed there; None where they agreed, and ``_UNKNOWN`` when the outermost object being built
        did not come from parse. The data is read again once per build (its ``_bm_src``) and audited."""
        root = root_of(self)
        if root.stale is None:
            root.stale = _UNKNOWN
            src = getattr(root.obj, "_bm_src", None)
            if src is not None:
                found: List[Tuple[str, Any, Any]] = []
                try:
                    _build_root(root.node, parse(root.node, src[0], src[1], allow_trailing=True), ("track", found))
                    root.stale = {p: (v, c) for p, v, c in found}
                except (Error, LookupError, ValueError, TypeError, RecursionError):
                    pass  # (stays unknown: every stale value is recomputed)
        return root.stale.get(path) if root.stale is not _UNKNOWN else _UNKNOWN

    def part(self, name: str) -> bytes:
        """A member's bytes, built the first time they are asked for (cycles are errors)."""
        if name in self.parts:
            return self.parts[name]
        group = self.group_of.get(name)
        key = group.fields[0].name if group is not None else name
        if key in self.parts:
            return self.parts[key]
        if key in self.building:
            raise Cycle("the bytes of %s are needed to compute themselves" % name, join_path(self.path, name))
        self.building.add(key)
        at = self.at
        if self.tracks_io:  # (this._io.pos: where the member starts in its region)
            self.at = lambda: self.start() + self.offset_of(key)
        try:
            if isinstance(group, s.BitRun):
                data = build_bit_run(group, self)
            elif group is not None:
                data = build_bits(group, self)
            else:
                field = self.fields[name]
                data = build_node(field.type, self.get(name), self, join_path(self.path, name), name)
        finally:
            self.building.discard(key)
            self.at = at
        self.parts[key] = data
        return data

    def start(self) -> int:
        """Where this struct starts in the region it is written in (``this._io.pos`` on build)."""
        if self._start is None:
            self._start = self._entry()
        return self._start

    def io(self) -> BuildRegion:
        """``this._io`` on build: the position in the region is known from what is written before it."""
        if not self.tracks_io:
            raise LookupError("this._io: the region is known only while parsing")
        return BuildRegion(self.at)

    def bytes_of(self, name: str) -> bytes:
        """What ``len_of``, ``crc32_of`` and ``this._bytes`` read on build: a field's bytes wherever they go
        (a pointer's are its target's)."""
        part = self.part(name)
        return self.pointed.get(name, part)

    def offset_of(self, name: str) -> int:
        """Bytes before field ``name`` in this struct (builds the fields before it)."""
        total = 0
        for m in self.node.members:
            first = m.fields[0].name if isinstance(m, (s.BitGroup, s.BitRun)) else m.name
            if first == name:
                return total
            total += len(self.part(first))
        raise LookupError(name)


def _nothing_before() -> int:
    return 0


class BuildRegion:
    """``this._io`` on build: the position (``pos``) from the bytes written before it in the region; the
    region's size and end are known only once all of it is written, so they are not known here."""

    __slots__ = ("_at",)

    def __init__(self, at: Callable[[], int]) -> None:
        self._at = at

    @property
    def pos(self) -> int:
        return self._at()

    @property
    def size(self) -> int:
        raise LookupError("this._io.size: the size of the region is known only while parsing")

    @property
    def eof(self) -> bool:
        raise LookupError("this._io.eof: the end of the region is known only while parsing")


def deferred_size_check(ctx: Any, expr: Expr, actual: int, path: str, what: str) -> None:
    """Check a size or count once every part is known (a derived length may be computed later)."""
    index = getattr(ctx, "index", None)  # this._index while an array item is written, for the check later

    def check() -> None:
        if index is not None:
            saved, ctx.index = ctx.index, index
            try:
                want = evaluate(expr, ctx, path, None, what, BuildError)
            finally:
                ctx.index = saved
        else:
            want = evaluate(expr, ctx, path, None, what, BuildError)
        if want != actual:
            raise BuildError("%s %s is %s, but the value has %d" % (what, expr.text(), short(want), actual),
                             path, expected=want, found=actual)

    if isinstance(expr, Lit):
        check()
    elif isinstance(ctx, BuildContext):
        ctx.checks.append(check)
    else:
        check()

def kind_of(value: Any) -> str:
    """What a value is, for a message: its type's name, or None."""
    return "None" if value is None else type(value).__name__


def _build_int(node: s.Int, value: Any, path: str) -> bytes:
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int for %s, found %s" % (node.name, kind_of(value)), path,
                         expected="int", found=value)
    if not node.min <= number <= node.max:
        raise BuildError("%d does not fit %s (%d..%d)" % (number, node.name, node.min, node.max), path,
                         expected="%d..%d" % (node.min, node.max), found=value)
    return number.to_bytes(node.size, byteorder(node.endian), signed=node.signed)


def _measured(node: s.Bytes, raw: bytes, path: str) -> bytes:
    """The bytes of a ``Bytes(measure=f)`` field, which must measure as exactly themselves (or parsing differs)."""
    try:
        n = measure(node, raw, 0, len(raw), path)
    except ParseError as exc:
        raise BuildError("the value is not what %s reads: %s" % (node.name, exc.reason), path, found=raw) from None
    if n != len(raw):
        raise BuildError("%s reads %d of the value's %d bytes" % (node.name, n, len(raw)), path,
                         expected=len(raw), found=n)
    return raw


def _sized(node: Any, raw: bytes, ctx: Any, path: str) -> bytes:
    """Prefix or check the length of ``raw`` as a Bytes/String node says."""
    if node.prefix is not None:
        limit = node.prefix.max if isinstance(node.prefix, s.Int) else None
        if limit is not None and len(raw) > limit:
            raise BuildError("takes %d bytes, more than its %s length prefix holds (at most %d)"
                             % (len(raw), node.prefix.name, limit), path, expected="<= %d bytes" % limit,
                             found=len(raw))
        return build_node(node.prefix, len(raw), ctx, path, None) + raw
    if node.size is not None:
        deferred_size_check(ctx, node.size, len(raw), path, "size")
    return raw


def build_node(node: s.Node, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """The bytes of ``value`` as ``node`` (``ctx`` is the enclosing struct's BuildContext, ``name`` the
    field's own name when ``node`` is a field's type: ``Align`` needs to know where it stands)."""
    kind = type(node)
    if kind is s.Int:
        return _build_int(node, value, path)  # type: ignore[arg-type]
    if value.__class__ is Malformed:  # bytes that did not parse as ``node``: written back as they were
        return bytes(value)
    handler = BUILDERS.get(kind)
    if handler is None:
        raise BuildError("internal: no builder for %s" % node.name, path)
    return handler(node, value, ctx, path, name)


def _build_int_node(node: s.Int, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    return _build_int(node, value, path)


def _build_float(node: s.Float, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BuildError("expected a float for %s, found %s" % (node.name, kind_of(value)), path,
                         expected="float", found=value)
    if isinstance(value, NaN) and value.width == node.bits:
        return value.bits.to_bytes(node.size, byteorder(node.endian))
    try:
        return struct.pack(prefix(node.endian) + FLOAT_CODES[node.bits], value)
    except (OverflowError, struct.error) as exc:
        raise BuildError("%r does not fit %s: %s" % (value, node.name, exc), path, found=value) from None


def _build_bool(node: s.Bool, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if value not in (True, False) or not isinstance(value, (bool, int)):
        raise BuildError("expected a bool, found %s" % short(value), path, expected="bool", found=value)
    return b"\x01" if value else b"\x00"


def _build_bytes(node: s.Bytes, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise BuildError("expected bytes, found %s" % kind_of(value), path, expected="bytes", found=value)
    if node.measure is not None:
        return _measured(node, bytes(value), path)
    return _sized(node, bytes(value), ctx, path)


def _build_sized(node: s.Sized, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    inner = build_region(node.type, value, ctx, path)
    if ctx is not None:  # the region's end is an end: a field left off at it reads back as absent
        ctx.open_ends.pop(path, None)
    return _sized(node, inner, ctx, path)


def build_region(node: s.Node, value: Any, ctx: Any, path: str) -> bytes:
    """The bytes of a region (a ``Sized`` one's, a ``Transformed`` one's decoded bytes), with the data of the
    pointers into it (``region=True``, ``io=``) placed in them."""
    if ctx is None:
        return build_node(node, value, ctx, path, None)
    placed: List[Patch] = []
    outer, ctx.child_region = ctx.child_region, placed
    at, ctx.at = ctx.at, (_nothing_before if ctx.tracks_io else ctx.at)  # (positions from the region's start)
    try:
        inner = build_node(node, value, ctx, path, None)
    finally:
        ctx.child_region = outer
        ctx.at = at
    if placed:
        out = bytearray(inner)
        apply_patches(out, placed, may_grow=True)
        inner = bytes(out)
    if ctx.regions is not None:
        ctx.regions.done(placed, inner)
    return inner


def _build_struct_node(node: s.Struct, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    return build_struct(node, value, ctx, path, ctx.patches if ctx is not None else [],
                        ctx.depth + 1 if ctx is not None else 0)


def _build_reparent(node: s.Reparent, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """A nested struct whose ``this._parent`` is another struct, or none (Kaitai's ``parent:``)."""
    from ..parsing.interpreter import struct_of

    target = reparent_target(node, ctx, path, None, BuildError) if ctx is not None else None
    return build_struct(struct_of(node), value, ctx, path, ctx.patches if ctx is not None else [],
                        ctx.depth + 1 if ctx is not None else 0, up=target, reparented=True)


def _build_const(node: s.Const, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if value is not None and value != node.value:
        raise BuildError("must be %s, found %s" % (short(node.value), short(value)), path,
                         expected=node.value, found=value)
    return build_node(node.type, node.value, ctx, path, None)


def _build_padding(node: s.Padding, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    return _fill(node.fill, node.size, ctx, name)


def _build_align(node: s.Align, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    return _fill(node.fill, -ctx.offset_of(name) % node.to, ctx, name)


def _fill(fill: bytes, n: int, ctx: Any, name: Optional[str]) -> bytes:
    """``n`` bytes of padding: the bytes a parse found there when they were not the fill and are as many."""
    kept = ctx.parsed.get(name) if ctx is not None and name is not None else None
    return kept if kept is not None and len(kept) == n and isinstance(kept, bytes) else fill * n


def _build_switch(node: s.Switch, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    key = evaluate(node.on, ctx, path, None, "switch key", BuildError)
    case = node.case(key)
    if case is None:
        raise BuildError("no case for %s = %s" % (node.on.text(), short(key)), path, found=key)
    return build_node(case, value, ctx, path, None)


def _build_if(node: s.If, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    present = evaluate(node.condition, ctx, path, None, "condition", BuildError)
    if not present:
        if value is not None:
            raise BuildError("has a value, but %s is false so it would not be written"
                             % node.condition.text(), path, expected=None, found=value)
        return b""
    if value is None:
        raise BuildError("is None, but %s is true" % node.condition.text(), path)
    return build_node(node.type, value, ctx, path, None)


def _build_fallback(node: s.Fallback, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    main = node.type
    if not isinstance(main, s.Struct):  # a non-struct main type: whichever accepts the value
        try:
            return build_node(main, value, ctx, path, None)
        except BuildError:
            return build_node(node.otherwise, value, ctx, path, None)
    is_main = isinstance(value, Mapping) or (main.cls is not None and isinstance(value, main.cls))
    return build_node(main if is_main else node.otherwise, value, ctx, path, None)


def _build_unless_end(node: s.UnlessEnd, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if value is not None:
        return build_node(node.type, value, ctx, path, None)
    if ctx is not None:  # absent: only the end of the data (or of a Sized region) may follow
        ctx.open_ends[path] = path
    return b""


def _build_enum(node: s.Enum, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if node.strict and not isinstance(value, node.enum):
        try:
            node.enum(value)
        except (ValueError, TypeError):
            raise BuildError("%s is not a %s" % (short(value), node.enum.__name__), path, found=value) from None
    return build_node(node.base, int_value(value, path), ctx, path, None)


def _build_flags(node: s.Flags, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    number = int_value(value, path)
    try:
        kept = int(node.flags(number))
    except Exception:
        kept = None
    if kept != number:
        raise BuildError("%d has bits that %s does not define" % (number, node.flags.__name__), path,
                         found=number)
    return build_node(node.base, number, ctx, path, None)


def _build_lazy(node: s.Lazy, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    return build_node(resolve_lazy(node), value, ctx, path, name)


def _build_nothing(node: s.Node, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """``Peek`` and ``Computed`` take no bytes of their own (a Peek's bytes are written by the fields after it)."""
    return b""


def int_value(value: Any, path: str) -> int:
    """An int from an int, an IntEnum or an ``enum.Enum``/``Flag`` member (what Enum and Flags fields take)."""
    if isinstance(value, _enum.Enum) and not isinstance(value, int):  # enum.Enum / enum.Flag members
        value = value.value
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int or enum member, found %s" % short(value), path,
                         expected="int or enum member", found=value)
    return number


def _build_varint(node: s.VarInt, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    number = as_int(value)
    if number is None:
        raise BuildError("expected an int for %s, found %s" % (node.name, kind_of(value)), path,
                         expected="int", found=value)
    value = number
    if node.kind in ("unsigned", "vlq") and value < 0:
        raise BuildError("%d is negative; %s holds only unsigned values" % (value, node.name), path, found=value)
    if node.kind == "zigzag":
        value = value * 2 if value >= 0 else -value * 2 - 1
    if node.kind == "vlq":
        groups = bytearray([value & 0x7F])
        while value > 0x7F:
            value >>= 7
            groups.append(0x80 | (value & 0x7F))
        if len(groups) > node.max_bytes:
            raise BuildError("value needs %d bytes, more than %s allows (%d)" % (len(groups), node.name,
                             node.max_bytes), path, found=len(groups))
        return bytes(reversed(groups))
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40) if node.kind == "signed" \
            else value == 0
        out.append(byte if done else byte | 0x80)
        if done:
            break
    if len(out) > node.max_bytes:
        raise BuildError("value needs %d bytes, more than %s allows (%d)" % (len(out), node.name, node.max_bytes),
                         path, found=len(out))
    return bytes(out)


def _build_text_int(node: s.TextInt, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BuildError("expected an int for %s, found %s" % (node.name, kind_of(value)), path,
                         expected="int", found=value)
    raw = getattr(value, "raw", None)
    if isinstance(value, Numeral) and isinstance(raw, bytes) and len(raw) == node.size \
            and text_int_value(node, raw) == value:
        return raw
    if value < 0:
        raise BuildError("%d is negative; %s holds only digits" % (value, node.name), path, found=value)
    text = "".join(DIGITS[d] for d in digits(int(value), node.base)).encode("ascii")
    width = node.size - len(node.terminator)
    if len(text) > width:
        raise BuildError("%d takes %d base-%d digits, more than the field's %d" % (value, len(text), node.base, width),
                         path, expected="<= %d digits" % width, found=value)
    text = text.rjust(width, node.fill) if node.align == "right" else text.ljust(width, node.fill)
    return text + node.terminator


def encode_text(node: s.String, value: Any, path: str) -> bytes:
    """A string field's value in its encoding, or the BuildError saying why not."""
    if not isinstance(value, str):
        raise BuildError("expected str, found %s" % kind_of(value), path, expected="str", found=value)
    try:
        return value.encode(node.encoding)
    except UnicodeEncodeError as exc:
        raise BuildError("cannot encode %s as %s: %s" % (short(value), node.encoding, exc.reason), path,
                         expected=node.encoding, found=value[exc.start:exc.end]) from None


def _build_string(node: s.String, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    raw = encode_text(node, value, path)
    if node.terminator is not None and find_terminator(raw, 0, len(raw), node.terminator,
                                                       code_unit(node.encoding)) >= 0:
        raise BuildError("text contains the terminator %r" % node.terminator, path, found=value)
    if node.terminator is not None and node.size is None:
        return raw + node.terminator
    if node.size is not None:
        try:
            size = evaluate(node.size, ctx, path, None, "size", BuildError)
        except Cycle:  # the size is derived from this very text (len_of): no padding, checked at the end
            if node.terminator is not None:
                raw += node.terminator
            elif strip_pad(raw, node.pad, code_unit(node.encoding)) != raw:
                raise BuildError("text ends with the pad byte %r, which parsing would strip" % node.pad, path,
                                 found=value) from None
            deferred_size_check(ctx, node.size, len(raw), path, "size")
            return raw
        if not isinstance(size, int) or size < 0:
            raise BuildError("size %s is %s" % (node.size.text(), short(size)), path, found=size)
        if len(raw) > size:
            raise BuildError("text takes %d bytes, more than the field's %d" % (len(raw), size), path,
                             expected="<= %d bytes" % size, found=len(raw))
        if node.terminator is not None and len(raw) < size:
            raw += node.terminator[: size - len(raw)]
        elif node.terminator is None and strip_pad(raw, node.pad, code_unit(node.encoding)) != raw:
            raise BuildError("text ends with the pad byte %r, which parsing would strip" % node.pad, path,
                             found=value)
        return raw + node.pad * (size - len(raw))
    return _sized(node, raw, ctx, path)


def typed_bytes(node: s.Array, value: Any) -> bytes:
    """The bytes of a typed array's value (an array.array or a sequence of numbers); ValueError if it does not fit."""
    if not (isinstance(value, _array.array) and value.typecode == node.typecode):
        if not isinstance(value, (list, tuple, _array.array)) or any(isinstance(v, bool) for v in value):
            raise ValueError("expected an array.array(%r) or a list of numbers" % node.typecode)
        try:
            value = _array.array(node.typecode, value)
        except (OverflowError, TypeError) as exc:
            raise ValueError(str(exc)) from None
    if byteorder(node.item.endian) != sys.byteorder and value.itemsize > 1:  # type: ignore[attr-defined]
        value = _array.array(node.typecode, value)
        value.byteswap()
    return value.tobytes()  # type: ignore[no-any-return]


def _build_array(node: s.Array, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    if node.typed:
        try:
            raw = typed_bytes(node, value)
        except ValueError as exc:
            raise BuildError("%s does not fit %s: %s" % (short(value), node.name, exc), path, found=value) from None
        if node.count is not None:
            deferred_size_check(ctx, node.count, len(raw) // node.item.size, path, "count")  # type: ignore[attr-defined]
        return raw
    if not isinstance(value, (list, tuple)):
        raise BuildError("expected a list, found %s" % kind_of(value), path, expected="list", found=value)
    if node.until is not None:  # the predicate reads attributes: give it instances, not dicts
        value = [_instance(node.item, item) for item in value]
    parts = []
    saved = ctx.item_prev if ctx is not None else None
    saved_index = ctx.index if ctx is not None else None
    tracks = ctx is not None and ctx.tracks_io
    at = ctx.at if ctx is not None else None
    done = 0
    try:
        for i, item in enumerate(value):
            if ctx is not None:
                ctx.last_child = None
                ctx.index = i
                if tracks:  # (this._io.pos inside the item: after the items before it)
                    ctx.at = _after(at, done)  # type: ignore[arg-type]
            item_path = "%s[%d]" % (path, i)
            parts.append(build_node(node.item, item, ctx, item_path, None))
            done += len(parts[-1])
            if ctx is not None:
                ctx.item_prev = item_done(ctx)
                open_at = ctx.open_ends.pop(item_path, None)
                if open_at is not None:
                    if i + 1 < len(value):
                        left_off(open_at, "item %d follows" % (i + 1))
                    ctx.open_ends[path] = open_at
    finally:
        if ctx is not None:
            ctx.item_prev, ctx.last_child = saved, None
            ctx.index = saved_index
            ctx.at = at  # type: ignore[assignment]
    if node.count is not None and not (value and value[-1].__class__ is Malformed):  # (it stands for the rest)
        deferred_size_check(ctx, node.count, len(value), path, "count")
    elif node.until is not None:
        end = 0
        try:
            for i, item in enumerate(value):
                last = i == len(value) - 1
                end += len(parts[i])
                if item.__class__ is Malformed:  # (kept bytes: the last one stands for the rest of the data)
                    continue
                if tracks:  # (this._io.pos in the condition: after the item, as on parse)
                    ctx.at = _after(at, end)  # type: ignore[arg-type]
                if until_holds(node.until, item, "%s[%d]" % (path, i), None, BuildError, ctx) != last:
                    raise BuildError("the until= condition must hold for the last item and no other "
                                     "(item %d)" % i, "%s[%d]" % (path, i), found=item)
        finally:
            if tracks:
                ctx.at = at
        if not value:
            raise BuildError("an until= array needs at least its terminating item", path)
    if node.until is not None or node.greedy:
        for i, part in enumerate(parts):
            if not part and not (node.until is not None and i == len(parts) - 1):  # (the last ends it anyway)
                raise BuildError("item %d builds to no bytes; parsing could not find its end" % i,
                                 "%s[%d]" % (path, i))
    return b"".join(parts)


def _after(at: Callable[[], int], done: int) -> Callable[[], int]:
    """Where a value starts that follows ``done`` bytes written from ``at``."""
    return lambda: at() + done


def _instance(node: s.Node, item: Any) -> Any:
    """An array item given as a dict made into an instance (an until= predicate reads attributes)."""
    from ..convert import from_plain

    return from_plain(node, item)


def build_bits(group: s.BitGroup, ctx: BuildContext) -> bytes:
    """A bit group's bytes from its fields' values, each checked to fit its width."""
    word = 0
    for field, bit_at, bits in group.positions():
        value = ctx.get(field.name) if field.stored else 0
        if type(field.type) is s.BitPad:  # the padding bits as parsed
            value = s.kept_bits(ctx.obj, field)
        fpath = join_path(ctx.path, field.name)
        number = as_int(value)
        if number is None:
            raise BuildError("expected an int, found %s" % short(value), fpath, expected="int", found=value)
        value = number
        lo, hi = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if field.type.signed  # type: ignore[attr-defined]
                  else (0, (1 << bits) - 1))
        if not lo <= value <= hi:
            raise BuildError("%d does not fit %d bits (%d..%d)" % (value, bits, lo, hi), fpath,
                             expected="%d..%d" % (lo, hi), found=value)
        word |= (value & ((1 << bits) - 1)) << bit_at
    return word.to_bytes(group.size, byteorder(group.endian))


def _build_pointer(node: s.Pointer, value: Any, ctx: BuildContext, path: str, name: Optional[str]) -> bytes:
    target = evaluate(node.offset, ctx, path, None, "pointer offset", BuildError)
    if isinstance(target, bool) or not isinstance(target, int) or target < 0:
        raise BuildError("pointer offset %s is %s" % (node.offset.text(), short(target)), path, found=target)
    at = ctx.at
    if ctx.tracks_io:  # (this._io.pos inside the value: from its target)
        ctx.at = (lambda: ctx.start() + target) if node.relative else (lambda: target)
    try:
        data = build_node(node.type, value, ctx, path, None)
    finally:
        ctx.at = at
    ctx.open_ends.pop(path, None)  # the target is elsewhere: nothing follows it here
    if name is not None:
        ctx.pointed[name] = data
    if node.io is not None:  # into the region of the struct io names (see IoRegions)
        named = evaluate(node.io, ctx, path, None, "io region", BuildError)
        obj = named._ctx.obj if isinstance(named, View) else named
        if ctx.regions is None or not hasattr(type(obj), "_bm_node"):
            raise BuildError("io=%s is %s, not a struct this build writes" % (node.io.text(), short(named)), path,
                             expected="a struct", found=named)
        ctx.regions.place(obj, Patch(target, data, path, node.overwrite))
        return b""
    plan = ctx.placement if node.place is not None else None
    if plan is not None and plan.positions is None:  # measuring: only how much goes where
        plan.order.append((path, len(data), node.place))  # type: ignore[arg-type]
        return b""
    patch = Patch(target, data, path, node.overwrite, background.of(ctx.parsed, node.region))
    (ctx.local_patches if node.relative else ctx.region_patches if node.region else ctx.patches).append(patch)
    return b""


def build_struct(node: s.Struct, value: Any, parent: Optional[BuildContext], path: str,
                 patches: List[Patch], depth: int, arguments: Optional[Dict[str, Any]] = None,
                 settings: Settings = ("track", None, None), up: Any = None, reparented: bool = False) -> bytes:
    """A struct (or a dict for one): its parts in order, deferred checks, then relative pointers
    (``reparented``: its ``this._parent`` is ``up``, see ``Reparent``)."""
    if depth >= MAX_DEPTH:
        raise BuildError("structs nested deeper than %d" % MAX_DEPTH, path)
    cls = node.cls
    if cls is not None and not isinstance(value, cls):
        if isinstance(value, Mapping):
            value = cls.from_dict(value)
        else:
            raise BuildError("expected %s, found %s" % (node.name, kind_of(value)), path,
                             expected=node.name, found=value)
    ctx = BuildContext(node, value, parent, path, patches, depth, settings)
    if reparented:
        ctx.up = up
    if arguments:  # a parameterised model's arguments (see _build_args)
        ctx.values.update(arguments)
    if ctx.regions is not None:
        ctx.regions.enter(ctx.obj, ctx.region_patches)
        if parent is None:
            data = _build_struct_bytes(node, ctx, parent, path)
            ctx.regions.finish()
            return data
    return _build_struct_bytes(node, ctx, parent, path)


def _build_struct_bytes(node: s.Struct, ctx: BuildContext, parent: Optional[BuildContext], path: str) -> bytes:
    """A struct's members in order, then its deferred checks and relative pointers."""
    if node.union_size is not None:
        return _build_union(node, ctx)
    out = bytearray()
    open_at: Optional[str] = None
    for m in node.members:
        key = m.fields[0].name if isinstance(m, (s.BitGroup, s.BitRun)) else m.name
        part = ctx.part(key)
        if part and open_at is not None:
            left_off(open_at, "%s follows" % key)
        open_at = ctx.open_ends.get(join_path(path, key), open_at)
        out += part
    if open_at is not None and parent is not None:
        parent.open_ends[path] = open_at
    for check in ctx.checks if ctx.audit is None else ():  # (an audit keeps sizes that disagree)
        check()
    apply_patches(out, ctx.local_patches, may_grow=parent is None)
    return bytes(out)


def _build_union(node: s.Struct, ctx: BuildContext) -> bytes:
    """A union's bytes from the members that have values.

    A union that came from ``parse`` keeps its bytes; the one member whose value
    no longer matches them is written over them (two changed members are an
    error: which one should win?). A union made by hand is the overlay of its
    members that are not ``None``, which must agree where they overlap.
    """
    size = node.union_size or 0
    raw = (ctx.parsed or {}).get("__union_bytes__")
    given = [f for f in node.fields() if f.stored and getattr(ctx.obj, f.name, None) is not None]
    if raw is not None:
        before = parse(node, raw)
        given = [f for f in given if getattr(ctx.obj, f.name) != getattr(before, f.name)]
        if len(given) > 1:
            raise BuildError("members %s were all changed since parsing; set all but one to None"
                             % ", ".join(f.name for f in given), ctx.path)
    out = bytearray(raw if raw is not None else bytes(size))
    written = [False] * size
    for f in given:
        part = ctx.part(f.name)
        if len(part) > size:
            raise BuildError("takes %d bytes, more than the union's %d" % (len(part), size), join_path(ctx.path, f.name))
        group = ctx.group_of.get(f.name)
        mask = _bit_mask(group, f) if isinstance(group, s.BitGroup) else None
        for i, byte in enumerate(part):
            keep = 0xFF if mask is None else mask[i]
            merged = (out[i] & ~keep) | (byte & keep)
            if written[i] and (out[i] & keep) != (byte & keep):
                raise BuildError("the bytes of %s disagree with another member's at union offset %d" % (f.name, i),
                                 join_path(ctx.path, f.name), expected=out[i], found=byte)
            out[i] = merged
            written[i] = written[i] or keep == 0xFF
    for check in ctx.checks:
        check()
    return bytes(out)


def _bit_mask(group: s.BitGroup, field: s.Field) -> bytes:
    """The bits of ``group``'s bytes that ``field`` occupies (for overlaying bit-field union members)."""
    for f, at, bits in group.positions():
        if f is field:
            return (((1 << bits) - 1) << at).to_bytes(group.size, byteorder(group.endian))
    raise LookupError(field.name)


def build(node: s.Node, value: Any, refresh: bool = False,
          audit: Optional[List[Tuple[str, Any, Any]]] = None) -> bytes:
    """The bytes of ``value`` as ``node``, with derived fields computed and pointers placed.

    A derived value that came from parse stands while what it depends on is as parsed; ``refresh``
    recomputes every one. With ``audit``, every derived value given stands, and each that disagrees
    with what its derivation gives is added to it as (path, given, computed).
    """
    return _build_root(node, value, ("refresh" if refresh else "track", audit))


class Placement:
    """Where the data of ``Pointer(..., place=)`` fields goes: a first build measures them (``order``: path,
    size, alignment, as built; every ``placed()`` offset 0, no pointer data written), then each is put
    after the rest of the struct at the next multiple of its alignment, and the second build writes it."""

    def __init__(self) -> None:
        self.order: List[Tuple[str, int, int]] = []
        self.positions: Optional[Dict[str, int]] = None  # None while measuring

    def place(self, end: int) -> None:
        self.positions = {}
        for path, size, align in self.order:
            end += -end % align
            self.positions[path] = end
            end += size


def _build_root(node: s.Node, value: Any, settings: Tuple[str, Optional[List[Tuple[str, Any, Any]]]]) -> bytes:
    """The bytes of ``value``; where pointers place their data, built twice: measured, then placed."""
    if not (isinstance(node, s.Struct) and places(node)):
        return _build_once(node, value, settings + (None,))
    plan = Placement()
    plan.place(len(_build_once(node, value, settings + (plan,))))
    return _build_once(node, value, settings + (plan,))


def _build_once(node: s.Node, value: Any, settings: Settings) -> bytes:
    patches: List[Patch] = []
    try:
        if isinstance(node, s.Struct):
            data = build_struct(node, value, None, "", patches, 0, settings=settings)
        else:
            data = build_node(node, value, None, "", None)
    except RecursionError:
        raise BuildError("the value nests too deeply", "") from None
    plan = settings[2]
    if patches and (plan is None or plan.positions is not None):  # (measuring: offsets are placeholders)
        out = bytearray(data)
        apply_patches(out, patches, may_grow=True)
        data = bytes(out)
    return data


BUILDERS: Dict[type, Callable[..., bytes]] = {
    s.Int: _build_int_node, s.Float: _build_float, s.Bool: _build_bool, s.VarInt: _build_varint,
    s.Bytes: _build_bytes, s.String: _build_string, s.Sized: _build_sized, s.Array: _build_array,
    s.Struct: _build_struct_node, s.Const: _build_const, s.Padding: _build_padding, s.Align: _build_align,
    s.Switch: _build_switch, s.If: _build_if, s.UnlessEnd: _build_unless_end, s.Fallback: _build_fallback,
    s.Enum: _build_enum, s.Flags: _build_flags, s.Pointer: _build_pointer, s.Lazy: _build_lazy,
    s.Peek: _build_nothing, s.Computed: _build_nothing, s.TextInt: _build_text_int, s.Reparent: _build_reparent,
}
"""One builder per node type: ``handler(node, value, ctx, path, name) -> bytes`` (see ``build_node``)."""


def _build_args(node: s.Args, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """A parameterised model: its arguments evaluated in the enclosing struct, then the model built with them."""
    from ..parsing.interpreter import arguments

    target, values = arguments(node, ctx, path, None, BuildError)
    return build_struct(target, value, ctx, path, ctx.patches if ctx is not None else [],
                        ctx.depth + 1 if ctx is not None else 0, values)


BUILDERS[s.Args] = _build_args
from . import regions as _regions  # noqa: E402,F401  (registers the builders of terminated, counted, transformed forms)


def _build_valid(node: s.Valid, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """A value that must meet its constraint (``valid=``) before it is written: parsing would refuse it."""
    why = valid_check(node.constraint, value, ctx)
    if why is not None:
        raise BuildError("%s is not valid: expected %s%s" % (short(value), node.constraint.text,
                                                             " (%s)" % why if why else ""),
                         path, expected=node.constraint.text, found=value)
    return build_node(node.type, value, ctx, path, name)


BUILDERS[s.Valid] = _build_valid


def _build_mapped(node: s.Mapped, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """The value's wire form (``encode``), written by the base type."""
    try:
        wire = node.encode(value)
    except Exception as exc:  # (a BuildError of the conversion's own gets the field's path too)
        raise BuildError("cannot write %s as a %s: %s" % (short(value), node.label, exc), path,
                         expected=node.label, found=value) from None
    return build_node(node.base, wire, ctx, path, name)


BUILDERS[s.Mapped] = _build_mapped


def _build_byte_order(node: s.ByteOrder, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """A field in the byte order the rule picks over the struct being built (as parsing would)."""
    return build_node(node.variant(node.rule.decide(ctx, path, None, BuildError)), value, ctx, path, name)


BUILDERS[s.ByteOrder] = _build_byte_order


def _build_computed(node: s.Computed, value: Any, ctx: Any, path: str, name: Optional[str]) -> bytes:
    """A computed value writes nothing; one given (a ``Switch`` case) must be what parsing computes."""
    if value is not None and ctx is not None:
        computed = evaluate(node.expr, ctx, path, None, "computed value", BuildError)
        if computed != value:
            raise BuildError("is %s, but %s gives %s" % (short(value), node.expr.text(), short(computed)), path,
                             expected=computed, found=value)
    return b""


BUILDERS[s.Computed] = _build_computed
