"""Reading .ksy text: YAML as Kaitai reads it, the errors the importer raises, and Kaitai's naming rules.

pyyaml is imported only here and only when a file is read (the core needs nothing outside the standard
library). Kaitai's compiler reads YAML 1.2: ``yes``/``no``/``on``/``off`` are strings, not booleans, and a
key given twice is an error; the loader below does the same.
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Optional

from ..errors import Error

ID = re.compile(r"^[a-z][a-z0-9_]*$")
"""Kaitai's identifiers (fields, types, enums, enum members, instances)."""

_BINMODEL_RESERVED = {"parse", "parse_lazy", "parse_trace", "build", "sizeof", "layout", "to_bytes", "to_dict",
                      "from_dict", "parse_stream", "iter_stream", "recv", "read"}


class KaitaiError(Error):
    """A .ksy description the importer refuses: ``file.ksy: seq[3].size: message``."""

    def __init__(self, message: str, file: str = "", where: str = "") -> None:
        self.reason, self.file, self.where = message, file, where
        head = ": ".join(p for p in (file, where) if p)
        super().__init__("%s: %s" % (head, message) if head else message)


class UnsupportedError(KaitaiError):
    """A valid .ksy that uses a Kaitai feature binmodel's importer does not support yet."""


def attr_name(kaitai_id: str) -> str:
    """The Python attribute of a Kaitai field: its id, with ``_`` appended where that is a Python keyword
    or a name binmodel models keep for themselves (``build``, ``parse``...)."""
    if keyword.iskeyword(kaitai_id) or kaitai_id in _BINMODEL_RESERVED or kaitai_id.startswith("_bm_"):
        return kaitai_id + "_"
    return kaitai_id


def class_name(kaitai_id: str) -> str:
    """``header_obj`` -> ``HeaderObj`` (a valid identifier: the id was checked against ``ID``)."""
    return "".join(part[:1].upper() + part[1:] for part in kaitai_id.split("_")) or "Anonymous"


def yaml_path(*parts: Any) -> str:
    """``seq[3].type.cases`` from ``("seq", 3, "type", "cases")``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        elif p != "":
            out += ("." if out else "") + str(p)
    return out


_LOADER: Optional[Any] = None


def _loader() -> Any:
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the environment
        raise KaitaiError("reading .ksy files needs pyyaml: pip install 'binmodel[kaitai]'") from None

    class KsyLoader(yaml.SafeLoader):
        """YAML 1.2 scalars (Kaitai's compiler reads YAML 1.2) and no duplicate keys."""

    KsyLoader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers
              if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    KsyLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))
    KsyLoader.add_implicit_resolver("tag:yaml.org,2002:int",
                                    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                    list("-+0123456789"))
    KsyLoader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
        list("-+0123456789."))

    def construct_int(loader: Any, node: Any) -> int:
        text = loader.construct_scalar(node)
        if text.startswith("0x"):
            return int(text[2:], 16)
        if text.startswith("0o"):
            return int(text[2:], 8)
        return int(text, 10)

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> Any:
        loader.flatten_mapping(node)
        out = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a scalar",
                                                        key_node.start_mark) from None
            if key in out:
                raise yaml.constructor.ConstructorError(None, None, "found duplicate key %s" % (key,),
                                                        key_node.start_mark)
            out[key] = loader.construct_object(value_node, deep=deep)
        return out

    KsyLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    KsyLoader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    _LOADER = (KsyLoader, yaml)
    return _LOADER


def read_yaml(text: str, file: str) -> Any:
    """The YAML document in ``text``; a syntax error is a ``KaitaiError`` with the line and column."""
    loader, yaml = _loader()
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader: builds plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = "line %d, column %d" % (mark.line + 1, mark.column + 1) if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise KaitaiError("invalid YAML: %s" % problem, file, where) from None
    except (RecursionError, ValueError) as exc:
        raise KaitaiError("invalid YAML: %s" % exc, file) from None
