"""Arrays of structs in generated parsers: a loop calling the item's parser, the item's body written
inside the loop (no call per item), or one ``iter_unpack`` over the items' bytes when they are flat.

``ItemLoops`` is the part of ``generator.StructCompiler`` that writes these loops; it uses the rest of
the compiler (``w``, ``registry``, ``flush``, ``bytes_field``, ``parent_for``...) as its own.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from .. import codegen as g
from .. import schema as s
from ..fixed import Item, fixed_item, same_order
from ..sizes import min_size
from ..wire import PARSED_PREFIX

if TYPE_CHECKING:
    from .generator import StructCompiler

PYPY = sys.implementation.name == "pypy"
"""On PyPy the JIT makes ``unpack_from`` in a loop faster than ``iter_unpack``: arrays keep the loop there."""


class ItemLoops:
    """The loops over an array's items (mixed into ``StructCompiler``)."""

    def array_value(self: Any, t: s.Array, target: str, end: str, depth: int) -> None:
        """An array of compiled structs (counted, greedy or until=) whose region ends at ``end``."""
        w, item = self.w, t.item
        assert isinstance(item, s.Struct)
        flat = self.registry.flat(item)
        parent = "None" if flat else self.parent_for(item, depth)
        if flat and t.until is None and not PYPY and self.iterated_items(t, item, target, end, depth):
            return
        if parent == "None" and not self.registry.needs_context(item):
            mark = w.mark()
            self.loop_header(t, target, end, depth)
            if self.inline_item(item, target, t.until, depth, end):
                return
            w.rollback(mark)
        saved = self.items_begin(parent, depth)
        self.loop_header(t, target, end, depth)
        child = w.const(self.registry.parser(item), "P")
        self.item_begin(parent, depth + 1)
        w.emit(depth + 1, "{x}, {pos} = %s({data}, {pos}, %s, {state}, %s)" % (child, end, parent))
        self.item_done(parent, depth + 1)
        w.emit(depth + 1, "%s.append({x})" % target)
        if t.until is not None:
            w.emit(depth + 1, "if %s({x}):" % w.const(t.until, "until"))
            w.emit(depth + 2, "break")
        self.items_end(parent, saved, depth)

    def loop_header(self: Any, t: s.Array, target: str, end: str, depth: int) -> None:
        """``target = []`` and the array's loop (counted, greedy or until=) at ``depth``."""
        w = self.w
        w.emit(depth, "%s = []" % target)
        if t.count is not None:
            w.emit(depth, "for _ in range(%s):" % self.item_count(t, end, depth))
        elif t.greedy:
            w.emit(depth, "while {pos} < %s:" % end)
        else:
            w.emit(depth, "while True:")
            w.emit(depth + 1, "if {pos} >= %s:" % end)
            w.emit(depth + 2, "raise {Fail}")

    def item_count(self: Any, t: s.Array, end: str, depth: int) -> str:
        """A counted array's count, checked to be an int >= 0 whose items can fit before ``end``."""
        w, n = self.w, self.expr(t.count)  # type: ignore[arg-type]
        if n is None:
            raise g.GiveUp
        if n in self.unsigned:  # (already a non-negative int)
            w.emit(depth, "if %s * %d > %s - {pos}:" % (n, min_size(t.item), end))
        else:
            src, n = n, w.temp("n")
            w.emit(depth, "%s = %s" % (n, src))
            w.emit(depth, "if %s.__class__ is not int or %s < 0 or %s * %d > %s - {pos}:" % (
                n, n, n, min_size(t.item), end))
        w.emit(depth + 1, "raise {Fail}")
        return n

    def iterated_items(self: Any, t: s.Array, item: s.Struct, target: str, end: str, depth: int) -> bool:
        """A counted or greedy array of flat items as one ``iter_unpack`` loop over their bytes: the item
        count is known before the loop, and no position is kept per item. False (nothing written) when
        an item's checks need its position (a float NaN keeps its exact bits) or it has no values."""
        w = self.w
        mark, stop = w.mark(), w.temp("z")
        size = min_size(item)
        try:
            if t.count is not None:
                n = self.item_count(t, end, depth)
            else:
                n = w.temp("n")
                w.emit(depth, "%s, %s = divmod(%s - {pos}, %d)" % (n, stop, end, size))
                w.emit(depth, "if %s:" % stop)  # the last item would be cut short: the interpreter says where
                w.emit(depth + 1, "raise {Fail}")
        except g.GiveUp:
            w.rollback(mark)
            return False
        w.emit(depth, "%s = {pos} + %s * %d" % (stop, n, size))
        w.emit(depth, "%s = []" % target)
        loop = w.mark()
        done = self.inline_item(item, target, None, depth, end, each="{data}[{pos}:%s]" % stop)
        if not done or w.lines[loop].tag != g.ITER_LOOP or w.used("pos", loop + 1):
            w.rollback(mark)
            return False
        w.emit(depth, "{pos} = %s" % stop)
        return True

    def inline_item(self: Any, item: s.Struct, target: str, until: Any, depth: int, end: str,
                    each: Optional[str] = None) -> bool:
        """The body of an item inside its array's loop at ``depth``, no call per item: fixed runs and
        bytes (greedy or sized by the item's own fields); False, with lines left to remove, for anything else.
        With ``each``, the loop itself: ``for ... in iter_unpack(each)`` (see ``iterated_items``)."""
        w = self.w
        reg = self.registry
        if not reg.compilable(item) or reg.needs_context(item) or reg.parent_need(item):
            return False
        body = type(self)(item, reg, False, w, g.name(w.temp("i")) + "_")
        if body.positions:
            return False
        base = w.base
        w.base += depth if each is None else depth - 1  # (flush opens the loop at depth 1)
        try:
            if each is not None:
                run = [(m, fixed_item(m)) for m in item.members]
                if any(i is None or i.code.endswith("x") for _, i in run):
                    return False
                body.flush(run, end, each)  # type: ignore[arg-type]
            elif not body.members_inline(end):
                return False
            self.new_item(item, body, target, until)
        finally:
            w.base = base
        return True

    def members_inline(self: Any, end: str) -> bool:
        """This struct's members as fixed runs and simple bytes, ending at ``end``; False at anything else."""
        run: List[Tuple[Any, Item]] = []
        for member in self.node.members:
            item = fixed_item(member)
            if item is not None and (not run or same_order([m for m, _ in run], member)):
                run.append((member, item))
                continue
            self.flush(run, end)
            run = []
            if item is not None:
                run.append((member, item))
                continue
            if not isinstance(member, s.Field) or not isinstance(member.type, s.Bytes):
                return False
            try:
                self.bytes_field(member, member.type, end)
            except g.GiveUp:
                return False
        self.flush(run, end)
        return True

    def new_item(self: Any, item: s.Struct, body: StructCompiler, target: str, until: Any) -> None:
        """The item's object from ``body``'s locals, appended to ``target`` (at depth 1)."""
        w = self.w
        obj = w.temp("it")
        w.emit(1, "%s = {new}(%s)" % (obj, w.const(item.cls, "cls")))
        for f in item.fields():
            if f.stored:
                w.emit(1, "%s.%s = %s" % (obj, f.name, body.known[f.name]))
        for f in item.fields():
            if f.derive is not None:
                w.emit(1, "%s.%s%s = %s" % (obj, PARSED_PREFIX, f.name, body.known[f.name]))
        w.emit(1, "%s.append(%s)" % (target, obj))
        if until is not None:
            w.emit(1, "if %s(%s):" % (w.const(until, "until"), obj))
            w.emit(2, "break")

    # ``this._prev`` in items that see their parent's context, as the interpreter keeps it
    def items_begin(self: Any, parent: str, depth: int = 1) -> str:
        """Keep the array owner's ``item_prev`` while its items link to each other (``this._prev``)."""
        if parent == "None":
            return ""
        saved = self.w.temp("ip")
        self.w.emit(depth, "%s, %s.item_prev = %s.item_prev, None" % (saved, parent, parent))
        return saved

    def item_begin(self: Any, parent: str, depth: int = 2) -> None:
        """Before an item: its context is the next one the owner sees as its last child."""
        if parent != "None":
            self.w.emit(depth, "%s.last_child = None" % parent)

    def item_done(self: Any, parent: str, depth: int = 2) -> None:
        """After an item: it becomes the next item's ``this._prev``."""
        if parent != "None":
            self.w.emit(depth, "%s.item_prev = {item_done}(%s)" % (parent, parent))

    def items_end(self: Any, parent: str, saved: str, depth: int = 1) -> None:
        """After the loop: the owner's ``item_prev`` as it was."""
        if parent != "None":
            self.w.emit(depth, "%s.item_prev, %s.last_child = %s, None" % (parent, parent, saved))
