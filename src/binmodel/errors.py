"""The library's exceptions.

Every failure caused by input data or by a model definition is one of these,
never a stray ``IndexError`` or ``struct.error``. Parse and build errors carry
the field path (``chunks[3].data``) and the byte offset where things went wrong.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from typing import Any, Callable, List, Optional

_ERROR_HOOKS: List[Callable[[Any], None]] = []


def on_error(hook: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``hook(error)`` for every ``ParseError`` and ``BuildError`` made from now on (also those the
    interpreter makes and generated code catches): for logging, or for checking that every error's
    attributes agree with its message, as the test suite does. Returns a function that removes the hook."""
    _ERROR_HOOKS.append(hook)
    return lambda: _ERROR_HOOKS.remove(hook)


class Error(Exception):
    """Base class of every binmodel error."""


class DefinitionError(Error, TypeError):
    """A model is malformed; raised when the class is defined (or first used).

    The message names the class and the field (``Packet.body: ...``). A field type that refuses its
    arguments (``Bytes(-1)``) is called while the class body runs, before the class exists: the error then
    finds the class body that called it and puts its name and the field's in front of the message.
    """

    def __init__(self, *args: Any) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            where = _class_body_field()
            if where and not args[0].startswith(where.split(" ")[0]):
                args = ("%s: %s" % (where, args[0]),)
        super().__init__(*args)


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_FIELD_LINE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:[^=]*=")


def _class_body_field() -> Optional[str]:
    """``Model.field`` when a field type raised while the class body of ``Model`` is being run, else None.

    The frames above the raise are binmodel's own (the constructor), then the class body; a model being
    created by the metaclass (``__new__``) names its fields itself.
    """
    try:
        frame: Any = sys._getframe(2)
    except (AttributeError, ValueError):  # an interpreter without frames
        return None
    for _ in range(40):
        if frame is None:
            return None
        code = frame.f_code
        if not os.path.abspath(code.co_filename).startswith(_PACKAGE):
            break
        if code.co_name == "__new__":
            return None
        frame = frame.f_back
    else:
        return None
    if frame is None:
        return None
    names = frame.f_locals
    qualname = names.get("__qualname__") if isinstance(names, dict) or hasattr(names, "get") else None
    if not isinstance(qualname, str) or "__module__" not in names or code.co_name != qualname.rsplit(".", 1)[-1]:
        return None  # not a class body
    model = code.co_name
    # the statement being run is the field's ``name: type = ...``: its first line is at or above the current one
    indent = None
    for lineno in range(frame.f_lineno, max(code.co_firstlineno, frame.f_lineno - 50), -1):
        line = linecache.getline(code.co_filename, lineno)
        match = _FIELD_LINE.match(line)
        if match and (indent is None or len(line) - len(line.lstrip()) <= indent):
            return "%s.%s" % (model, match.group(1))
        if line.strip():
            indent = len(line) - len(line.lstrip()) if indent is None else min(indent, len(line) - len(line.lstrip()))
    annotations = names.get("__annotations__")
    if isinstance(annotations, dict) and annotations:
        return "%s (the field after %s)" % (model, list(annotations)[-1])
    return "%s (its first field)" % model if isinstance(annotations, dict) else model


class SizeofError(Error):
    """A model or field has no static size (it depends on the data)."""


class _LocatedError(Error):
    """An error tied to a place in the data: a field path and a byte offset."""

    def __init__(
        self,
        message: str,
        path: str = "",
        offset: Optional[int] = None,
        *,
        expected: Any = None,
        found: Any = None,
    ) -> None:
        self.reason = message
        self.path = path
        self.offset = offset
        self.expected = expected
        self.found = found
        super().__init__(self._render())
        if _ERROR_HOOKS:
            for hook in tuple(_ERROR_HOOKS):
                hook(self)

    def _render(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.offset is not None:
            where.append("at offset %d (0x%x)" % (self.offset, self.offset))
        head = " ".join(where)
        return "%s: %s" % (head, self.reason) if head else self.reason

    def __reduce__(self) -> Any:  # keep pickling (multiprocessing) working
        return (
            _rebuild,
            (type(self), self.reason, self.path, self.offset, self.expected, self.found),
        )


def _rebuild(cls: Any, reason: str, path: str, offset: Any, expected: Any, found: Any) -> Any:
    return cls(reason, path, offset, expected=expected, found=found)


class ParseError(_LocatedError):
    """The data does not match the model."""


class BuildError(_LocatedError):
    """A value cannot be written as the model says."""


def short(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def join_path(path: str, name: str) -> str:
    """The path of field ``name`` inside the value at ``path`` (``chunks[2]`` + ``data``)."""
    return "%s.%s" % (path, name) if path else name


def path_depth(path: str) -> int:
    """How deep a path is nested: ``""`` 0, ``tag`` 1, ``chunks[2].data`` 3."""
    return 1 + path.count(".") + path.count("[") if path else 0
