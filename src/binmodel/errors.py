"""The library's exceptions.

Every failure caused by input data or by a model definition is one of these,
never a stray ``IndexError`` or ``struct.error``. Parse and build errors carry
the field path (``chunks[3].data``) and the byte offset where things went wrong.
"""

from __future__ import annotations

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
    """A model is malformed; raised when the class is defined (or first used)."""


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
