"""Reading .ksy files into scopes: each Kaitai type with its spec, its place (file and YAML path), the meta it
inherits (byte order, bit order, encoding), its enums and nested types, and the imports of its file.

Names are looked up as Kaitai does: nested types outward, then the top level, then the imported files.
``binmodel.kaitai.loader`` turns the scopes into model classes.
"""

from __future__ import annotations

import codecs
import dataclasses
import enum
import pathlib
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import expr as kx
from .extensions import Extensions
from .ksy import ID, KaitaiError, UnsupportedError, attr_name, class_name, read_yaml, yaml_path

_TYPE_KEYS = {"meta", "seq", "types", "enums", "instances", "doc", "doc-ref", "params", "to-string"}
_META_KEYS = {"id", "title", "application", "file-extension", "xref", "license", "ks-version", "ks-debug",
              "ks-opaque-types", "imports", "encoding", "endian", "bit-endian", "tags"}


@dataclasses.dataclass(eq=False)
class KsyFile:
    """One .ksy file: its name for messages, its path, its top-level type and the top-level types it imports."""

    name: str  # for messages
    path: Optional[pathlib.Path]
    root: Optional[Scope] = None
    imports: List[Scope] = dataclasses.field(default_factory=list)
    ext: Extensions = dataclasses.field(default_factory=Extensions)  # the routines and opaque types load was given
    opaque: bool = False  # meta.ks-opaque-types: a type it does not define is one of ext.opaque_types


@dataclasses.dataclass(eq=False)
class Scope:
    """One Kaitai type: its spec, where it is (file and YAML path), what it declares and inherits."""

    name: str
    spec: Dict[str, Any]
    where: str
    file: KsyFile
    parent: Optional[Scope]
    endian: Optional[str] = None
    endian_switch: Optional[Dict[str, Any]] = None  # meta.endian with switch-on: the data decides
    endian_inherited: int = 0  # ... in the type this many levels out (0: this one)
    bit_endian: str = "be"
    encoding: Optional[str] = None
    types: Dict[str, Scope] = dataclasses.field(default_factory=dict)
    enums: Dict[str, Any] = dataclasses.field(default_factory=dict)
    cls: Any = None
    qualname: str = ""
    recipe: Any = None  # (fields, class options) the class was made from: (name, FieldSpec, YAML path)s, dict

    # --- errors ----------------------------------------------------------------------------------------

    def error(self, message: str, *where: Any) -> KaitaiError:
        return KaitaiError(message, self.file.name, yaml_path(self.where, *where))

    def unsupported(self, what: str, *where: Any, detail: str = "") -> UnsupportedError:
        """``file.ksy: seq[3].process: not supported yet (what): detail``: ``what`` names the feature."""
        return UnsupportedError("not supported yet (%s)%s" % (what, ": " + detail if detail else ""),
                                self.file.name, yaml_path(self.where, *where))

    # --- names -----------------------------------------------------------------------------------------

    def chain(self) -> Iterable[Scope]:
        scope: Optional[Scope] = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def find_type(self, path: Sequence[str]) -> Optional[Scope]:
        """The type ``a::b`` names from here: nested types outward, then the top level, then imports."""
        first: Optional[Scope] = None
        for scope in self.chain():
            if path[0] in scope.types:
                first = scope.types[path[0]]
                break
        if first is None:
            root = self.file.root
            candidates = ([root] if root is not None else []) + self.file.imports
            first = next((c for c in candidates if c.name == path[0]), None)
        for name in path[1:]:
            if first is None:
                return None
            first = first.types.get(name)
        return first

    def find_enum(self, path: Sequence[str]) -> Optional[Any]:
        if len(path) == 1:
            for scope in self.chain():
                if path[0] in scope.enums:
                    return scope.enums[path[0]]
            return None
        owner = self.find_type(path[:-1])
        return owner.enums.get(path[-1]) if owner is not None else None

    def enum_member(self, path: Tuple[str, ...], member: str) -> Any:
        found = self.find_enum(path)
        if found is None:
            raise LookupError("unknown enum %s" % "::".join(path))
        for m in found:
            if m.ks_name == member:
                return m
        raise LookupError("enum %s has no member %s" % ("::".join(path), member))

    @property
    def env(self) -> kx.Env:
        return kx.Env(enum=self.enum_member, attr=attr_name)


# --- reading files -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Reader:
    """Reads .ksy files (each once: an import cycle reads the file being read) and declares their types;
    ``pending`` lists the scopes nested types first, imported files before the files that import them."""

    search_paths: Tuple[pathlib.Path, ...]
    ext: Extensions = dataclasses.field(default_factory=Extensions)
    files: Dict[str, KsyFile] = dataclasses.field(default_factory=dict)
    pending: List[Scope] = dataclasses.field(default_factory=list)

    def read(self, text: str, name: str, path: Optional[pathlib.Path]) -> KsyFile:
        spec = read_yaml(text, name)
        file = KsyFile(name, path, ext=self.ext)
        if path is not None:
            self.files[str(path.resolve())] = file
        if not isinstance(spec, dict):
            raise KaitaiError("a .ksy file is a YAML mapping, not %s" % type(spec).__name__, name)
        meta = spec.get("meta")
        if not isinstance(meta, dict):
            raise KaitaiError("meta: a mapping with id is required", name, "meta")
        top_id = meta.get("id")
        if not isinstance(top_id, str) or not ID.match(top_id):
            raise KaitaiError("meta.id must be a lower-case identifier ([a-z][a-z0-9_]*), not %r" % (top_id,),
                              name, "meta.id")
        root = Scope(top_id, spec, "", file, None)
        file.root = root
        if "imports" in meta and not isinstance(meta["imports"], list):
            raise root.error("imports must be a list of file names, not %r" % (meta["imports"],), "meta.imports")
        _check_version(meta.get("ks-version"), root)
        for i, imp in enumerate(as_list(meta.get("imports"), root, "meta.imports")):
            if not isinstance(imp, str) or not imp:
                raise root.error("an import is a file name without .ksy, not %r" % (imp,), "meta.imports", i)
            imported = self.import_file(imp, file, root, i)
            if imported.root is not None:
                file.imports.append(imported.root)
        self.declare(root)  # after the imports: their types are made first
        return file

    def import_file(self, name: str, importer: KsyFile, scope: Scope, i: int) -> KsyFile:
        bases: List[pathlib.Path] = []
        if name.startswith("/"):
            bases = list(self.search_paths)
            rel = name.lstrip("/")
        else:
            if importer.path is not None:
                bases.append(importer.path.parent)
            bases.extend(self.search_paths)
            rel = name
        for base in bases:
            candidate = base / (rel + ".ksy")
            if candidate.is_file():
                key = str(candidate.resolve())
                if key in self.files:
                    return self.files[key]  # already read (or being read: an import cycle)
                try:
                    text = candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeError) as exc:
                    raise scope.error("cannot read %s: %s" % (candidate, exc), "meta.imports", i) from None
                return self.read(text, candidate.name, candidate)
        raise scope.error("cannot find %s.ksy (looked in %s)" % (rel, ", ".join(str(b) for b in bases) or "nothing"),
                          "meta.imports", i)

    def declare(self, scope: Scope) -> None:
        """Check the type's keys, take its meta, make its enums and declare its nested types."""
        spec = scope.spec
        for key in spec:
            if key not in _TYPE_KEYS and not str(key).startswith("-"):
                raise scope.error("unknown key %r (expected one of %s)" % (key, ", ".join(sorted(_TYPE_KEYS))), key)
        parent = scope.parent
        if parent is not None:
            scope.endian, scope.bit_endian, scope.encoding = parent.endian, parent.bit_endian, parent.encoding
            scope.endian_switch = parent.endian_switch
            scope.endian_inherited = parent.endian_inherited + 1 if parent.endian_switch is not None else 0
        meta = spec.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise scope.error("meta must be a mapping", "meta")
        for key in meta:
            if key not in _META_KEYS and not str(key).startswith("-"):
                raise scope.error("unknown key %r" % (key,), "meta", key)
        if "endian" in meta:
            endian = meta["endian"]
            if isinstance(endian, dict):
                if set(endian) - {"switch-on", "cases"} or not isinstance(endian.get("cases"), dict) \
                        or "switch-on" not in endian:
                    raise scope.error("meta.endian is le, be or a switch-on with cases", "meta", "endian")
                for order in endian["cases"].values():
                    if order not in ("le", "be"):
                        raise scope.error("a byte order is le or be, not %r" % (order,), "meta", "endian", "cases")
                scope.endian, scope.endian_switch, scope.endian_inherited = None, endian, 0
            elif endian not in ("le", "be"):
                raise scope.error("endian must be le or be, not %r" % (endian,), "meta", "endian")
            else:
                scope.endian, scope.endian_switch = ("little" if endian == "le" else "big"), None
                scope.endian_inherited = 0
        if "bit-endian" in meta:
            if meta["bit-endian"] not in ("le", "be"):
                raise scope.error("bit-endian must be le or be, not %r" % (meta["bit-endian"],), "meta", "bit-endian")
            scope.bit_endian = meta["bit-endian"]
        if "encoding" in meta:
            scope.encoding = encoding_name(meta["encoding"], scope, ("meta", "encoding"))
        if meta.get("ks-opaque-types") is True:  # types it does not define are the user's (load(opaque_types=))
            scope.file.opaque = True
        scope.qualname = class_name(scope.name) if parent is None else parent.qualname + "." + class_name(scope.name)
        for name, values in mapping(spec.get("enums"), scope, "enums").items():
            if not isinstance(name, str) or not ID.match(name):
                raise scope.error("an enum name must be a lower-case identifier, not %r" % (name,), "enums", name)
            scope.enums[name] = _make_enum(name, values, scope)
        for name, sub in mapping(spec.get("types"), scope, "types").items():
            if not isinstance(name, str) or not ID.match(name):
                raise scope.error("a type name must be a lower-case identifier, not %r" % (name,), "types", name)
            if not isinstance(sub, dict):
                raise scope.error("a type is a mapping", "types", name)
            child = Scope(name, sub, yaml_path(scope.where, "types", name), scope.file, scope)
            scope.types[name] = child
            self.declare(child)
        self.pending.append(scope)


SUPPORTED_KS_VERSION = (0, 11)
"""The Kaitai language version the importer reads (``meta.ks-version`` above it is refused)."""


def _check_version(version: Any, scope: Scope) -> None:
    if version is None:
        return
    text = str(version)
    if not re.match(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$", text):
        raise scope.error("invalid ks-version %r: expected X.Y or X.Y.Z" % text, "meta", "ks-version")
    parts = tuple(int(p) for p in text.split("."))
    if parts[:2] < (0, 6):
        raise scope.error("ks-version %s is below the minimum, 0.6 (write '0.10' in quotes, not 0.1)" % text,
                          "meta", "ks-version")
    if parts[:2] > SUPPORTED_KS_VERSION:
        raise scope.error("this file needs Kaitai %s; the importer reads %d.%d" % ((text,) + SUPPORTED_KS_VERSION),
                          "meta", "ks-version")


def mapping(value: Any, scope: Scope, where: str) -> Dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise scope.error("must be a mapping", where)
    return value


def as_list(value: Any, scope: Scope, where: str) -> List[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise scope.error("must be a list", where)
    return value


_ENUM_RESERVED = {"name", "value", "mro"}


def _make_enum(name: str, values: Any, scope: Scope) -> Any:
    members: List[Tuple[str, int]] = []
    docs: Dict[str, str] = {}
    kaitai_names: Dict[str, str] = {}
    for key, value in mapping(values, scope, yaml_path("enums", name)).items():
        where = ("enums", name, key)
        if isinstance(key, bool) or not isinstance(key, int):
            raise scope.error("an enum key must be an integer, not %r" % (key,), *where)
        doc = ""
        if isinstance(value, dict):
            for k in value:
                if k not in ("id", "doc", "doc-ref") and not str(k).startswith("-"):
                    raise scope.error("unknown key %r" % (k,), *where)
            doc = value.get("doc") or ""
            value = value.get("id")
        if not isinstance(value, str) or not ID.match(value):
            raise scope.error("an enum member name must be a lower-case identifier, not %r" % (value,), *where)
        if value in kaitai_names.values():
            raise scope.error("duplicate enum member %s" % value, *where)
        py = value + "_" if value in _ENUM_RESERVED or value.startswith("_") else value
        kaitai_names[py] = value
        members.append((py, key))
        if doc:
            docs[py] = str(doc).strip()
    try:
        made: Any = enum.IntEnum(class_name(name), members)  # type: ignore[misc]
    except (TypeError, ValueError) as exc:  # a member name Python's enum keeps for itself
        raise scope.error("cannot make the enum: %s" % exc, "enums", name) from None
    made.__qualname__ = scope.qualname + "." + class_name(name)
    made.__module__ = __name__
    all_members: List[Any] = list(made)
    for member in all_members:
        member.ks_name = kaitai_names.get(member.name, member.name)
        if member.name in docs:
            member.__doc__ = docs[member.name]
    return made


def encoding_name(name: Any, scope: Scope, where: Tuple[Any, ...]) -> str:
    if not isinstance(name, str):
        raise scope.error("an encoding is a name, not %r" % (name,), *where)
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise scope.error("unknown encoding %r" % name, *where) from None
