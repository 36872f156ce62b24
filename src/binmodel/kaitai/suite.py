"""What Kaitai's test suite supplies as code, for the conformance runner: its custom ``process:`` routines
and its opaque types.

The routines are written here from what the suite's Python helpers do (``spec/python/extra`` of
kaitai_struct_tests: ``custom_fx_no_args`` and ``nested.deeply.custom_fx`` put ``_`` before and after
the bytes, ``my_custom_fx(key, flag, some_bytes)`` adds ``key`` to each byte, or subtracts it when
``flag`` is false), each with the ``encode`` that undoes its ``decode`` so models using them build too.
An opaque type is the suite's own ``formats/NAME.ksy``, as the suite's harness compiles it.
"""

from __future__ import annotations

import pathlib
from typing import Any, Callable, Dict, Iterator, Mapping, Sequence


class Underscored:
    """``_`` + the bytes + ``_`` (the suite's ``custom_fx_no_args`` and ``nested.deeply.custom_fx(foo)``)."""

    def __init__(self, *args: Any) -> None:
        pass

    def decode(self, data: bytes) -> bytes:
        return b"_" + data + b"_"

    def encode(self, data: bytes) -> bytes:
        if len(data) < 2 or data[:1] != b"_" or data[-1:] != b"_":
            raise ValueError("the bytes do not start and end with _")
        return data[1:-1]


class AddKey:
    """Each byte plus ``key`` (minus it when ``flag`` is false), modulo 256 (the suite's ``my_custom_fx``)."""

    def __init__(self, key: int, flag: bool, some_bytes: bytes = b"") -> None:
        self.key = key if flag else -key

    def decode(self, data: bytes) -> bytes:
        return bytes((b + self.key) % 256 for b in data)

    def encode(self, data: bytes) -> bytes:
        return bytes((b - self.key) % 256 for b in data)


PROCESSES: Dict[str, Callable[..., Any]] = {
    "custom_fx_no_args": Underscored,
    "nested.deeply.custom_fx": Underscored,
    "my_custom_fx": AddKey,
}
"""The suite's routines by the name its .ksy files give them."""


class SuiteTypes(Mapping[str, Any]):
    """Opaque types as the suite's harness has them: ``formats/NAME.ksy``, loaded when first named."""

    def __init__(self, formats: pathlib.Path, search_paths: Sequence[pathlib.Path]) -> None:
        self.formats, self.search_paths = formats, list(search_paths)
        self.models: Dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.models:
            path = self.formats / (name + ".ksy")
            if not path.is_file():
                raise KeyError(name)
            from .loader import load

            self.models[name] = load(path, self.search_paths, processes=PROCESSES, opaque_types=self)
        return self.models[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(p.stem for p in self.formats.glob("*.ksy")))

    def __len__(self) -> int:
        return sum(1 for _ in self)
