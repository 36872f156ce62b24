"""Kaitai Struct's .ksy format descriptions as binmodel models.

``load("foo.ksy")`` reads a description (YAML, with the optional ``pyyaml``: ``pip install binmodel[kaitai]``)
and builds model classes at run time; ``binmodel.kaitai.expr`` reads Kaitai's expression language;
``python -m binmodel.kaitai.conformance DIR`` runs Kaitai's own test specifications against the importer.
"""

from .expr import KaitaiExprError

__all__ = ["KaitaiExprError", "load", "KaitaiError", "UnsupportedError"]


def __getattr__(name: str) -> object:
    if name in ("load", "KaitaiError", "UnsupportedError", "KsyFormat"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(name)
