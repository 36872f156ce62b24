"""Parsing from data that arrives in pieces: one record from the front of bytes that may go on
(``read_prefix``), one instance from a file object (``parse_stream``), records one at a time from a
file larger than memory (``iter_stream``).

The parse itself is the ordinary one. Generated code reads the bytes so far; when it succeeds on a model
whose reading never depends on where the data ends (``StreamPlan.trusted``), its value is final. Any
other outcome goes to the interpreter over an *open* region (``ParseState.open``): running out of bytes
there raises ``NeedMore`` (with the end it needs, when the model knows) instead of a ParseError, so a
caller reads more and tries again; bad bytes are still the exact ParseError. At the end of the stream
the last try is an ordinary parse, so a short record gets the error a short buffer gets.

A model that reads at other offsets than the next one (``Pointer``) needs to seek: ``parse_stream`` reads
it from a regular file through an mmap (or from a ``BytesIO``'s bytes); a pipe, a socket and
``iter_stream`` refuse it with ``StreamError`` rather than buffer the whole input. (``Peek`` looks ahead,
which a stream allows.)
"""

from __future__ import annotations

import dataclasses
import io
import os
import stat
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import schema as s
from .errors import Error, ParseError
from .fields import resolve_lazy
from .parsing.analysis import compilable, derives, has_call
from .parsing.context import NeedMore, ParseContext, ParseState
from .sizes import min_size


class StreamError(Error, ValueError):
    """A model cannot be read from a stream as asked: it reads at offsets out of order (it would seek), or a
    decoder is fed after the end of its stream."""


# --- what a model needs of a stream -------------------------------------------------------------------


def _end_dependent(node: s.Node) -> bool:
    """Whether ``node`` itself (not its children) decides something from where its region ends."""
    if isinstance(node, (s.UnlessEnd, s.Fallback)):
        return True  # (a Fallback's main type may fail only because the bytes so far end too early)
    if isinstance(node, (s.Array, s.Bytes, s.String)) and node.greedy:
        return True
    if isinstance(node, s.Array) and (node.typed and node.count is None or node.on_error is not None):
        return True  # (an item kept as Malformed may be "the rest of the data")
    if isinstance(node, s.Bytes) and node.measure is not None:
        return True
    if isinstance(node, (s.String, s.TermBytes)) and node.terminator is not None and not node.eos_error:
        return True
    if isinstance(node, s.Sized) and node.size is None and node.prefix is None:
        return True
    # this._io, or a function, which may read it (and which generated code calls over the bytes so far)
    return any(has_call(e) or any(path[:1] == ("_io",) for path in e.refs()) for e in s.expressions(node))


def _bounded_children(node: s.Node) -> bool:
    """Whether the children of ``node`` are read inside a region whose end is known (a sized region, decoded bytes)."""
    if isinstance(node, s.Sized):
        return node.size is not None or node.prefix is not None
    return isinstance(node, s.Transformed)


@dataclasses.dataclass(frozen=True)
class StreamPlan:
    """How to read ``node`` from a stream: why it cannot be (``seeks``), whether generated code's values can
    be trusted on the bytes so far (``trusted``), and the fewest bytes a value takes (``least``)."""

    node: s.Struct
    seeks: Optional[str]
    trusted: bool
    least: int


_PLANS: Dict[int, Tuple[s.Struct, StreamPlan]] = {}


def plan(node: s.Struct) -> StreamPlan:
    """The ``StreamPlan`` of ``node``, worked out once from the schema."""
    hit = _PLANS.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    seeks: List[str] = []
    open_ended: List[str] = []
    seen: set = set()

    def visit(n: s.Node, path: str, bounded: bool) -> None:
        if isinstance(n, s.Lazy):
            if id(n) in seen:
                return
            seen.add(id(n))
            n = resolve_lazy(n)
        if isinstance(n, s.Pointer) and not seeks:
            seeks.append(path or n.name)
        if not bounded and _end_dependent(n) and not open_ended:
            open_ended.append(path or n.name)
        inner = bounded or _bounded_children(n)
        if isinstance(n, s.Struct):
            if (id(n), inner) in seen:
                return
            seen.add((id(n), inner))  # type: ignore[arg-type]
            for f in n.fields():
                visit(f.type, "%s.%s" % (path, f.name) if path else f.name, inner)
            return
        for child in s.children(n):
            visit(child, path, inner)

    visit(node, "", False)
    result = StreamPlan(node, seeks[0] if seeks else None, compilable(node) and not open_ended,
                        max(min_size(node), 1))
    _PLANS[id(node)] = (node, result)
    return result


def check_forward(model: Any) -> StreamPlan:
    """The plan of ``model``, or the StreamError that says why it cannot be read from a stream."""
    found = plan(model._bm_node)
    if found.seeks is not None:
        raise StreamError("%s.%s reads at another offset (a Pointer): a stream is read forward only; "
                          "parse the whole data instead (Model.parse over bytes, or an mmap of the file)"
                          % (model.__name__, found.seeks))
    return found


# --- one value from the front of the bytes so far ------------------------------------------------------


def parent_context(values: Optional[Dict[str, Any]]) -> Optional[ParseContext]:
    """What ``this._parent`` names while records are read alone: the fields of the struct around them."""
    if values is None:
        return None
    ctx = ParseContext(None, 0, ParseState(b"", None))
    ctx.values.update(values)
    return ctx


_FAST: Dict[int, Tuple[s.Struct, Any, bool, bool]] = {}
"""Per struct node: its generated parser, whether that parser needs a ParseState, and whether its values
keep the bytes they came from (a model with derived fields: ``analysis.derives``)."""


def read_prefix(found: StreamPlan, data: bytes, offset: int, more: bool,
                parent: Optional[ParseContext] = None) -> Tuple[Any, int]:
    """``(value, end)`` of the record at ``offset`` in ``data``. With ``more`` (the stream may go on), running
    out of bytes is ``NeedMore``; without it, the error a short buffer gets. Bad bytes: the ParseError,
    its offset inside ``data``."""
    node = found.node
    if found.trusted:
        fast = _FAST.get(id(node))
        if fast is None or fast[0] is not node:
            from .parsing.compiled import REGISTRY

            fast = _FAST[id(node)] = (node, REGISTRY.parser(node), REGISTRY.needs_state(node), derives(node))
        try:
            value, end = fast[1](data, offset, len(data), ParseState(data, None) if fast[2] else None, parent)
        except Exception:
            pass  # short or bad: the interpreter says which
        else:
            if fast[3]:
                object.__setattr__(value, "_bm_src", (data[offset:end], 0))  # (as a parse keeps it: see derives)
            return value, end
    from .parsing.interpreter import parse_struct

    state = ParseState(data, None)
    state.open = more
    state.begin = offset  # this._io.pos counts from the record's start, as in a parse of it alone
    try:
        value, end = parse_struct(node, parent, offset, "", state)
    except RecursionError:
        raise ParseError("the data nests too deeply", "", offset) from None
    if derives(node):
        object.__setattr__(value, "_bm_src", (data[offset:end], 0))
    return value, end


def moved(exc: ParseError, shift: int, index: Optional[int] = None) -> ParseError:
    """``exc`` with its offset counted in the stream (``shift`` more) and the record's index in front of its path."""
    path = exc.path
    if index is not None:
        path = "[%d]%s%s" % (index, "." if path and not path.startswith("[") else "", path)
    offset = None if exc.offset is None else exc.offset + shift
    return ParseError(exc.reason, path, offset, expected=exc.expected, found=exc.found)


# --- file objects ---------------------------------------------------------------------------------


def _seekable(f: Any) -> bool:
    try:
        return bool(f.seekable())
    except Exception:
        return False


def tell(f: Any) -> int:
    try:
        return int(f.tell()) if _seekable(f) else 0
    except Exception:
        return 0


READ_LIMIT = 1 << 20
"""The most asked of one read: a file object may allocate what it is asked for before it reads, and a
length read from bad data must not make it allocate gigabytes the stream never sends."""


def _read(f: Any, n: int, some: bool = False) -> bytes:
    """Up to ``n`` bytes of ``f``: all of them unless the stream ends (``some``: whatever one read gives)."""
    read1 = getattr(f, "read1", None) if some else None
    out: List[bytes] = []
    left = n
    while left > 0:
        ask = min(left, READ_LIMIT)
        chunk = read1(ask) if read1 is not None else f.read(ask)
        if chunk is None:
            raise StreamError("%s is non-blocking and has no data now; streams read blocking files" % type(f).__name__)
        if not chunk:
            break
        if not isinstance(chunk, bytes):
            if isinstance(chunk, str):
                raise TypeError("parse_stream() reads a binary file object (open(path, 'rb'), sys.stdin.buffer), "
                                "not a text one")
            chunk = bytes(chunk)
        out.append(chunk)
        left -= len(chunk)
        if some:
            break
    return out[0] if len(out) == 1 else b"".join(out)


def parse_stream(model: Any, f: Any, *, parent: Optional[Dict[str, Any]] = None,
                 offset: Optional[int] = None) -> Any:
    """One instance of ``model`` read from the binary file object ``f``, leaving ``f`` just after it.

    Reads what the model says it needs: a fixed-size model takes one read; a length-prefixed one a read for
    the header and one for the rest. Where only a terminator ends a field, a pipe is read a byte at a time
    there (a seekable file in growing chunks, then sought back). ``parent``: the fields ``this._parent``
    names, for records normally read inside another struct; ``offset``: where errors count from, as in
    ``iter_stream``.

    A model that reads at other offsets (``Pointer``) is read from a regular file through an mmap of it (only
    the pages it reads are read; its offsets count from the file's start) or from an ``io.BytesIO``'s bytes;
    ``f`` is then left after the furthest byte it read. From a pipe or a socket it is a ``StreamError``."""
    found = plan(model._bm_node)
    if found.seeks is not None:
        whole = _whole_file(f)
        if whole is None:
            check_forward(model)  # (raises the StreamError that says why)
        return _parse_in_file(model, f, whole, parent, offset)
    seekable = _seekable(f)
    base = tell(f) if offset is None else offset
    ctx = parent_context(parent)
    data, want, chunk, ended = b"", found.least, 512, False
    while True:
        if want > len(data) and not ended:
            got = _read(f, want - len(data))
            ended = len(got) < want - len(data)
            data += got
        try:
            value, end = read_prefix(found, data, 0, not ended, ctx)
        except NeedMore as need:
            if need.upto is not None and need.upto > len(data):
                want = need.upto
            elif seekable:
                want, chunk = len(data) + chunk, chunk * 2
            else:
                want = len(data) + 1
            continue
        except ParseError as exc:
            raise moved(exc, base) from None
        if seekable and end < len(data):
            f.seek(end - len(data), 1)  # give back what was read past the value
        return value


def _whole_file(f: Any) -> Any:
    """All of the file behind ``f`` as a buffer a parse can seek in (an mmap of a regular file, the bytes of a
    ``BytesIO``), or None (a pipe, a socket, another object)."""
    if isinstance(f, io.BytesIO):
        return f.getvalue()
    try:
        info = os.fstat(f.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(info.st_mode) or not _seekable(f):
        return None
    if info.st_size == 0:
        return b""
    import mmap

    return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _parse_in_file(model: Any, f: Any, whole: Any, parent: Optional[Dict[str, Any]], offset: Optional[int]) -> Any:
    """One ``model`` at ``f``'s position in all of its file (``whole``); ``f`` left after the bytes it read."""
    from .parsing.interpreter import parse_prefix

    pos = f.tell()
    try:
        value, end = parse_prefix(model._bm_node, whole, pos, parent_context(parent))
    except ParseError as exc:
        raise moved(exc, 0 if offset is None else offset - pos) from None
    f.seek(end)
    return value


class Records(Iterator[Any]):
    """What ``iter_stream`` returns: an iterator over the records, which also says where it is in the stream
    (``offset``: just after the last record given, where the next one starts) and how many it gave (``count``)."""

    def __init__(self, records: Iterator[Tuple[Any, int]], offset: int) -> None:
        self._records = records
        self.offset = offset
        self.count = 0

    def __next__(self) -> Any:
        value, self.offset = next(self._records)
        self.count += 1
        return value

    def close(self) -> None:
        """Stop reading (a seekable file is left just after the last record given)."""
        close = getattr(self._records, "close", None)
        if close is not None:
            close()


def iter_stream(model: Any, f: Any, *, parent: Optional[Dict[str, Any]] = None,
                chunk_size: int = 1 << 16, offset: Optional[int] = None) -> Records:
    """Instances of ``model`` read one after another from ``f`` until it ends, in chunks of ``chunk_size``:
    memory holds a chunk and the record being read, never the file. A record cut short by the end of the
    file is the ParseError of a short record, its offset counted in the stream and its index in the path.
    From a pipe each chunk is what one read gives, so records are yielded as they arrive; a pipe cannot
    give back what was read past the last record taken, so stop early only when the rest does not
    matter (a seekable file is sought back on ``close()``). ``offset``: the
    stream offset ``f`` is at, which errors and ``Records.offset`` count from (default: ``f.tell()`` where
    the file can tell, else 0)."""
    found = check_forward(model)
    base = tell(f) if offset is None else offset
    return Records(_records(found, f, parent_context(parent), base, chunk_size), base)


def _records(found: StreamPlan, f: Any, ctx: Optional[ParseContext], base: int,
             chunk_size: int) -> Iterator[Tuple[Any, int]]:
    """``(record, its end's stream offset)`` one after another; ``base``: the stream offset of data[0]."""
    seekable = _seekable(f)
    data, pos, index, ended = b"", 0, 0, False
    want = found.least
    try:
        while True:
            if len(data) - pos < want and not ended:  # read until the record's bytes are in, then join once
                pieces, have = [data[pos:]], len(data) - pos
                while have < want:
                    got = _read(f, max(chunk_size, want - have), some=True)
                    if not got:
                        ended = True
                        break
                    pieces.append(got)
                    have += len(got)
                base += pos
                data, pos = b"".join(pieces), 0
                continue
            if ended and pos == len(data):
                return
            try:
                value, end = read_prefix(found, data, pos, not ended, ctx)
            except NeedMore as need:  # (only while the stream goes on: at its end the parse is a plain one)
                want = max((need.upto or len(data) + 1) - pos, len(data) - pos + 1)
                continue
            except ParseError as exc:
                raise moved(exc, base, index) from None
            if end == pos:
                raise ParseError("a %s record took no bytes: the stream would never end" % found.node.name,
                                 "[%d]" % index, base + pos, expected="at least 1 byte", found=0)
            yield value, base + end
            index += 1
            pos, want = end, found.least
    finally:
        if seekable and pos < len(data):
            try:
                f.seek(pos - len(data), 1)  # leave the file just after the last record read
            except Exception:
                pass
