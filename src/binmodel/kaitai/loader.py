"""``load("foo.ksy")``: a Kaitai Struct description as binmodel model classes, built at run time.

Each Kaitai type (the top level and every entry of ``types:``) becomes a ``Struct`` subclass (nested
types are attributes of the class that declares them: ``Foo.HeaderObj``), each ``enums:`` entry an
``IntEnum`` (member ``doc:`` as its docstring), each ``seq`` attribute a field, each value instance a
``Computed`` field after them. No Python source is written: classes are made with the metaclass from
validated names, and Kaitai expressions become binmodel expressions (``binmodel.kaitai.expr``).

What the core does not support yet is refused with one ``UnsupportedError`` naming the file and the
YAML path (``foo.ksy: seq[3].process: not supported yet (Kaitai process:)``); what Kaitai itself
refuses is a ``KaitaiError`` in the same form.
"""

from __future__ import annotations

import codecs
import dataclasses
import enum
import os
import pathlib
import re
import weakref
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .. import expr as bx
from .. import fields as f
from .. import schema as s
from ..errors import DefinitionError, SizeofError
from ..model import Struct, StructMeta
from ..sizes import static_size
from ..transforms import Transform, TransformError
from ..valid import Constraint, ValueScope
from . import expr as kx
from . import statics
from .extensions import Arguments, Extensions, Process
from .ksy import ID, KaitaiError, UnsupportedError, attr_name, class_name
from .scopes import Reader, Scope, as_list, encoding_name, mapping

__all__ = ["load", "scope_of", "Scope", "KaitaiError", "UnsupportedError"]

_INT = re.compile(r"^([us])([1248])(le|be)?$")
_FLOAT = re.compile(r"^f([48])(le|be)?$")
_BITS = re.compile(r"^b([1-9][0-9]*)(le|be)?$")
_ATTR_KEYS = {"id", "type", "size", "size-eos", "terminator", "consume", "include", "eos-error", "pad-right",
              "encoding", "contents", "repeat", "repeat-expr", "repeat-until", "if", "enum", "process", "valid",
              "doc", "doc-ref", "io", "pos", "value", "parent"}
_UNSUPPORTED_ATTR = {
    "io": "Kaitai io: (substreams)",
    "pos": "Kaitai pos: (parse instances)",
}

_SCOPES: weakref.WeakKeyDictionary[Any, Scope] = weakref.WeakKeyDictionary()


def scope_of(model: Any) -> Scope:
    """The Kaitai scope a model made by ``load`` came from: its types, enums and the expression ``Env``."""
    return _SCOPES[model]


# --- building classes --------------------------------------------------------------------------------------

class _TypeBuilder:
    """Turns one ``Scope`` into a model class."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.seq_names: Dict[str, str] = {}  # Kaitai id -> attribute, of the seq fields read so far
        self.values: Dict[str, Tuple[kx.Node, Tuple[Any, ...]]] = {}  # value instances
        self.defined_values: Dict[str, str] = {}  # value instances already made fields
        self.kinds: Dict[str, Optional[str]] = {}  # static kinds of the seq fields read so far
        self.instance_kinds: Dict[str, Optional[str]] = {}
        self.kinding: List[str] = []
        self.params: Dict[str, str] = {}  # Kaitai id -> attribute, of the type's params:
        self.param_kinds: Dict[str, Optional[str]] = {}
        self.param_fields: List[Tuple[str, Any, Tuple[Any, ...]]] = []
        self.parse_instances: Dict[str, Dict[str, Any]] = {}  # instances with pos:, read when first used

    def build(self) -> Any:
        scope, spec = self.scope, self.scope.spec
        seq = as_list(spec.get("seq"), scope, "seq")
        instances = mapping(spec.get("instances"), scope, "instances")
        for name, inst in instances.items():
            where = ("instances", name)
            if not isinstance(name, str) or not ID.match(name):
                raise scope.error("an instance name must be a lower-case identifier, not %r" % (name,), *where)
            if not isinstance(inst, dict):
                raise scope.error("an instance is a mapping", *where)
            if "value" not in inst:
                if "pos" not in inst:
                    key = next((k for k in ("io", "type", "size") if k in inst), "type")
                    raise scope.unsupported("parse instances without pos: (read where the cursor is)", *where, key)
                self.parse_instances[name] = inst
                continue
            for key in inst:
                if key not in ("value", "if", "enum", "doc", "doc-ref") and not str(key).startswith("-"):
                    if key in _ATTR_KEYS:
                        raise scope.error("a value instance cannot have %s:" % key, *where, key)
                    raise scope.error("unknown key %r" % (key,), *where, key)
            self.values[name] = (self._parse(inst["value"], *where, "value"), where)
        self.read_params(as_list(spec.get("params"), scope, "params"))
        annotations: Dict[str, Any] = {}
        if "to-string" in spec:
            self.check(self._parse(spec["to-string"], "to-string"), spec["to-string"], statics.STR, "to-string")
        ns: Dict[str, Any] = {"__module__": __name__, "__qualname__": scope.qualname, "__annotations__": annotations}
        doc = spec.get("doc")
        ns["__doc__"] = str(doc).strip() if doc else "Kaitai type %s (%s)." % (scope.name, scope.file.name)
        specs: List[Tuple[str, Any, Tuple[Any, ...]]] = list(self.param_fields)
        for i, attr in enumerate(seq):
            where = ("seq", i)
            if not isinstance(attr, dict):
                raise scope.error("a seq attribute is a mapping", *where)
            kid = attr.get("id", "_unnamed%d" % i)
            if not isinstance(kid, str) or not (ID.match(kid) or kid == "_unnamed%d" % i):
                raise scope.error("an id must be a lower-case identifier, not %r" % (kid,), *where, "id")
            if kid in self.seq_names:
                raise scope.error("duplicate id %s" % kid, *where, "id")
            if kid in self.values:
                raise scope.error("%s is both a seq attribute and an instance" % kid, *where, "id")
            if kid in self.params:
                raise scope.error("%s is both a seq attribute and a parameter" % kid, *where, "id")
            spec_ = self.attribute(attr, where)
            if kid in self.parse_instances:
                raise scope.error("%s is both a seq attribute and an instance" % kid, *where, "id")
            self.kinds[kid] = _node_kind(spec_.node)
            name = attr_name(kid)
            specs.append((name, spec_, where))
            self.seq_names[kid] = name
        self.place_parse_instances(specs, instances)
        for kid in self._value_order(scope):
            node, where = self.values[kid]
            inst = instances[kid]
            specs.append((attr_name(kid), self.value_instance(kid, node, inst, where), where))
            self.defined_values[kid] = attr_name(kid)
        self._check_bits(specs)
        for name, spec_, _ in specs:
            annotations[name] = "typing.Any"
            ns[name] = spec_
        try:
            options: Dict[str, Any] = {"params": tuple(self.params.values())} if self.params else {}
            if scope.endian_switch is not None:
                options["endian"] = self.endian_rule()
            scope.recipe = (tuple(specs), dict(options, bit_order="msb" if scope.bit_endian == "be" else "lsb"))
            cls = StructMeta(class_name(scope.name), (Struct,), ns, **options,
                             bit_order="msb" if scope.bit_endian == "be" else "lsb")
        except DefinitionError as exc:
            raise scope.error("binmodel refused the model: %s" % exc) from None
        _SCOPES[cls] = scope
        scope.cls = cls
        for name, enum_cls in scope.enums.items():
            if class_name(name) not in cls.__dict__:
                type.__setattr__(cls, class_name(name), enum_cls)
        for name, child in scope.types.items():  # built before this one (nested types come first)
            if child.cls is not None and class_name(name) not in cls.__dict__:
                type.__setattr__(cls, class_name(name), child.cls)
        return cls

    def read_params(self, params: List[Any]) -> None:
        """Kaitai's ``params:``: the type's arguments (binmodel's ``params=``, named ``<id>_param``), each
        also a ``Computed`` field of its Kaitai name first in the struct, as Kaitai keeps them readable
        (binmodel does not keep arguments on the instance); each ``type:`` gives its static kind."""
        for i, param in enumerate(params):
            where = ("params", i)
            if not isinstance(param, dict) or not isinstance(param.get("id"), str) or not ID.match(param["id"]):
                raise self.scope.error("a parameter is a mapping with an id", *where)
            kid = param["id"]
            if kid in self.values or kid in self.parse_instances:
                raise self.scope.error("duplicate attribute ID %s (a parameter and an instance)" % kid, *where, "id")
            if kid in self.params:
                raise self.scope.error("duplicate parameter %s" % kid, *where, "id")
            t = param.get("type")
            if isinstance(t, str) and _param_kind(t, param) is None and not t.endswith("[]") \
                    and t not in ("any", "io") and self.scope.find_type(t.split("::")) is None:
                raise self.scope.error("unable to find type %r" % t, *where, "type")
            self.params[kid] = _param_name(kid)
            self.param_kinds[kid] = _param_kind(t, param)
            self.param_fields.append((attr_name(kid), f.Computed(bx.Ref((_param_name(kid),))), where))

    def by_data(self, where: Tuple[Any, ...]) -> None:
        """A number whose byte order the data decides (``meta.endian`` with ``switch-on``)."""

    def endian_rule(self) -> Any:
        """``meta.endian`` with ``switch-on``: binmodel's ``Endian`` rule over the struct's fields."""
        from ..endian import Endian

        scope, switch = self.scope, self.scope.endian_switch
        assert switch is not None
        where = ("meta", "endian")
        on_node = _lifted(self._parse(switch["switch-on"], *where, "switch-on"), scope.endian_inherited)
        on = self.expr(on_node, kx.unparse(on_node), *where, "switch-on")
        cases: Dict[Any, str] = {}
        default = None
        for key, order in switch["cases"].items():
            if key == "_":
                default = "little" if order == "le" else "big"
                continue
            key_node = self._parse(key, *where, "cases", key)
            try:
                value = kx.evaluate(key_node, None, scope.env, key if isinstance(key, str) else "")
            except kx.KaitaiExprError as exc:
                raise scope.error("a case key must be a constant: %s" % exc, *where, "cases", key) from None
            if isinstance(value, list) and all(isinstance(v, int) and 0 <= v <= 255 for v in value):
                value = bytes(value)
            cases[value] = "little" if order == "le" else "big"
        return Endian(on, cases, default=default)

    # --- parse instances -----------------------------------------------------------------------------

    def place_parse_instances(self, specs: List[Tuple[str, Any, Tuple[Any, ...]]], instances: Dict[str, Any]) -> None:
        """Each instance with ``pos:`` as a lazy ``Pointer`` (Kaitai reads it when first used; binmodel
        evaluates its offset with the struct and reads it then), placed right after the last seq field its
        expressions read, so seq fields after it (a ``size:`` that reads it) find it."""
        seq_order = [kid for kid in self.seq_names]
        for kid, inst in self.parse_instances.items():
            deps = _names_in(inst)
            after = max([seq_order.index(d) for d in deps if d in self.seq_names] + [-1])
            where = ("instances", kid)
            spec_ = self.parse_instance(kid, inst, where)
            self.kinds[kid] = _node_kind(spec_.node)
            at = len(self.param_fields) + after + 1
            specs.insert(at, (attr_name(kid), spec_, where))

    def parse_instance(self, kid: str, inst: Dict[str, Any], where: Tuple[Any, ...]) -> Any:
        io = inst.get("io")
        region, other = True, None
        if io == "_root._io":
            region = False  # offsets from the start of the whole data
        elif io is not None:  # another struct's region
            region, other = False, self.io_struct(io, where + ("io",))
        attr = {k: v for k, v in inst.items() if k not in ("pos", "io")}
        spec_ = self.attribute(attr, where)
        pos = self.value_of(inst, "pos", where)
        node = spec_.node
        if isinstance(node, s.If):
            return f.FieldSpec(s.If(node.condition, s.Pointer(bx.as_expr(pos), node.type, region=region, lazy=True,
                                                              io=other)), default=None)
        return f.FieldSpec(s.Pointer(bx.as_expr(pos), node, region=region, lazy=True, io=other))

    def io_struct(self, text: Any, where: Tuple[Any, ...]) -> Any:
        """The struct whose region an ``io:`` names: ``X`` of ``X._io`` (or of each branch of a ``?:``)."""

        def struct_of(node: kx.Node) -> kx.Node:
            if isinstance(node, kx.Attr) and node.name == "_io":
                return node.obj
            if isinstance(node, kx.Ternary):
                return dataclasses.replace(node, then=struct_of(node.then), otherwise=struct_of(node.otherwise))
            raise self.scope.error("io: needs a stream, an object's _io (or a ?: of them), not %s" % text, *where)

        return self.expr(struct_of(self._parse(text, *where)), "", *where, expect=statics.STRUCT)

    # --- value instances -----------------------------------------------------------------------------

    def _value_order(self, scope: Scope) -> List[str]:
        """The value instances, each after the instances it reads (Kaitai computes them when first read)."""
        order: List[str] = []
        state: Dict[str, int] = {}

        def visit(kid: str) -> None:
            if state.get(kid) == 2:
                return
            if state.get(kid) == 1:
                raise scope.error("the value instances read each other in a cycle (%s)" % kid, "instances", kid)
            state[kid] = 1
            for used in kx.names_used(self.values[kid][0]):
                if used in self.values and used not in self.seq_names:
                    visit(used)
            state[kid] = 2
            order.append(kid)

        for kid in self.values:
            visit(kid)
        return order

    def value_instance(self, kid: str, node: kx.Node, inst: Dict[str, Any], where: Tuple[Any, ...]) -> Any:
        value = self.expr(node, inst["value"], *where, "value")
        if "enum" in inst and self.name_kind(kid) not in (statics.INT, None):
            raise self.scope.error("enum: needs an integer value, not %s" % statics.describe(self.name_kind(kid)),
                                   *where, "enum")
        if "if" in inst:
            cond = self.expr(self._parse(inst["if"], *where, "if"), inst["if"], *where, "if", expect=statics.BOOL)
            value = bx.Where(cond, value, bx.Lit(None))
        if "enum" in inst:
            enum_cls = self._enum(inst["enum"], *where, "enum")
            value = bx.Call(_ToEnum(value, enum_cls))
        if self.read_when_used(kid, ()):
            # computed when first read, as Kaitai computes every value instance: a lazy pointer that reads
            # no bytes (at offset 0 of its region) and computes the value in the struct's context
            return f.FieldSpec(s.Pointer(bx.Lit(0), s.Computed(value), region=True, lazy=True))
        return f.Computed(value)

    def read_when_used(self, kid: str, seen: Tuple[str, ...]) -> bool:
        """Whether a value instance must wait until it is read: it reads a parse instance (which may read
        this struct's type again), or it is a constant Kaitai computes to an error (when read)."""
        node = self.values[kid][0]
        used = kx.names_used(node)
        if not used:
            try:
                kx.evaluate(node, None, self.scope.env)
            except kx.KaitaiExprError:
                return True
            return False
        return any(n in self.parse_instances or (n in self.values and n not in seen and n not in self.seq_names
                                                 and self.read_when_used(n, seen + (kid,))) for n in used)

    # --- expressions ---------------------------------------------------------------------------------

    def _parse(self, text: Any, *where: Any) -> kx.Node:
        try:
            return kx.parse(text)
        except kx.KaitaiExprError as exc:
            raise self.scope.error(str(exc), *where) from None

    def name_kind(self, kid: str) -> Optional[str]:
        """The static kind of a field or value instance (None: not known, or not a name here)."""
        if kid in self.params:
            return self.param_kinds[kid]
        if kid in self.kinds:
            return self.kinds[kid]
        if kid in self.values:
            if kid not in self.instance_kinds:
                if kid in self.kinding:
                    return None  # a cycle: reported where the instances are ordered
                self.kinding.append(kid)
                try:
                    node, where = self.values[kid]
                    self.instance_kinds[kid] = self.check(node, "", None, *where, "value")
                finally:
                    self.kinding.pop()
            return self.instance_kinds[kid]
        return None

    def check(self, node: kx.Node, text: Any, expect: Optional[str], *where: Any) -> Optional[str]:
        """The static kind of an expression; a ``KaitaiError`` where Kaitai's compiler would refuse it."""
        try:
            kind = statics.kind_of(node, self.name_kind, text if isinstance(text, str) else "")
        except kx.KaitaiExprError as exc:
            raise self.scope.error(str(exc), *where) from None
        if expect is not None and kind is not None and kind != expect:
            raise self.scope.error("invalid type: expected %s, got %s" % (statics.describe(expect),
                                                                           statics.describe(kind)), *where)
        return kind

    def expr(self, node: kx.Node, text: Any, *where: Any, inlining: Tuple[str, ...] = (),
             expect: Optional[str] = None, underscore: Optional[Any] = None) -> Any:
        """The binmodel expression of a Kaitai expression read at this point of the type."""
        scope = self.scope
        source = text if isinstance(text, str) else ""
        if not inlining:
            self.check(node, text, expect, *where)
        if any(isinstance(n, kx.SizeOf) for n in kx.walk(node)):
            node, source = self.static_sizes(node, where), ""

        def resolve(name: kx.Name) -> Optional[Any]:
            kid = name.name
            if kid == "_":
                return underscore
            if kid in self.params:
                return bx.Ref((self.params[kid],))
            if kid in self.seq_names:
                return bx.Ref((self.seq_names[kid],))
            if kid in self.parse_instances:
                return bx.Ref((attr_name(kid),))
            if kid in self.defined_values:
                return bx.Ref((self.defined_values[kid],))
            if kid in self.values:  # a value instance read before it is a field: its expression, inlined
                if kid in inlining:
                    raise scope.error("the value instance %s reads itself" % kid, *where)
                inst_node, inst_where = self.values[kid]
                return self.expr(inst_node, "", *inst_where, "value", inlining=inlining + (kid,))
            return None

        try:
            return kx.translate(node, resolve, scope.env, source,
                                lambda sub: statics.kind_of(sub, self.name_kind))
        except kx.UnsupportedExpr as exc:
            raise scope.unsupported(exc.reason, *where) from None
        except kx.KaitaiExprError as exc:
            raise scope.error(str(exc), *where) from None

    def static_sizes(self, node: kx.Node, where: Tuple[Any, ...]) -> kx.Node:
        """``node`` with each ``sizeof<type>`` (``bitsizeof<type>``) replaced by the type's fixed size, which
        Kaitai's compiler also knows when it compiles (a type whose size depends on the data is refused)."""
        if isinstance(node, kx.SizeOf):
            m = _INT.match(node.type) or _FLOAT.match(node.type)
            if m:
                size = int(m.group(2) if m.re is _INT else m.group(1))
            else:
                target = self.scope.find_type(node.type.split("::"))
                if target is None:
                    raise self.scope.error("unknown type %s in sizeof<%s>" % (node.type, node.type), *where)
                if target.cls is None:
                    raise self.scope.unsupported("sizeof<%s> of a type not built yet (it contains this one)"
                                                 % node.type, *where)
                try:
                    size = static_size(target.cls._bm_node)
                except SizeofError as exc:
                    raise self.scope.error("sizeof<%s>: %s" % (node.type, exc), *where) from None
            return kx.Num(size * 8 if node.bits else size)
        return _map_children(node, lambda child: self.static_sizes(child, where))

    def value_of(self, attr: Dict[str, Any], key: str, where: Tuple[Any, ...]) -> Any:
        """An int for a literal, else a binmodel expression."""
        raw = attr[key]
        if isinstance(raw, int) and not isinstance(raw, bool):
            if raw < 0:
                raise self.scope.error("must not be negative", *where, key)
            return raw
        return self.expr(self._parse(raw, *where, key), raw, *where, key, expect=statics.INT)

    def _enum(self, name: Any, *where: Any) -> Any:
        if not isinstance(name, str):
            raise self.scope.error("an enum name, not %r" % (name,), *where)
        found = self.scope.find_enum(name.split("::"))
        if found is None:
            raise self.scope.error("unknown enum %s" % name, *where)
        return found

    # --- seq attributes ------------------------------------------------------------------------------

    def attribute(self, attr: Dict[str, Any], where: Tuple[Any, ...]) -> Any:
        scope = self.scope
        for key in attr:
            if str(key).startswith("-"):
                continue
            if key not in _ATTR_KEYS:
                raise scope.error("unknown key %r" % (key,), *where, key)
            if key in _UNSUPPORTED_ATTR:
                raise scope.unsupported(_UNSUPPORTED_ATTR[key], *where, key)
            if key == "value":
                raise scope.error("value: belongs to instances, not seq", *where, key)
        repeat = attr.get("repeat")
        for key in ("repeat-expr", "repeat-until"):
            if key in attr and repeat != key.split("-")[1]:
                raise scope.error("%s needs repeat: %s" % (key, key.split("-")[1]), *where, key)
        node = self.item(attr, where)
        if "process" in attr:
            node = self.processed(node, attr["process"], where + ("process",))
        if "valid" in attr:
            for constraint in self.valid(attr["valid"], node, where + ("valid",)):
                node = s.Valid(node, constraint)
        if repeat is not None:
            if repeat == "expr":
                if "repeat-expr" not in attr:
                    raise scope.error("repeat: expr needs repeat-expr", *where, "repeat")
                node = s.Array(node, bx.as_expr(self.value_of(attr, "repeat-expr", where)))
            elif repeat == "eos":
                node = s.Array(node, greedy=True)
            elif repeat == "until":
                if "repeat-until" not in attr:
                    raise scope.error("repeat: until needs repeat-until", *where, "repeat")
                node = s.Array(node, until=self.until(attr["repeat-until"], where))
            else:
                raise scope.error("repeat is expr, eos or until, not %r" % (repeat,), *where, "repeat")
        if "if" in attr:
            cond = self.expr(self._parse(attr["if"], *where, "if"), attr["if"], *where, "if", expect=statics.BOOL)
            node = s.If(cond, node)
            return f.FieldSpec(node, default=None)
        return f.FieldSpec(node)

    def processed(self, node: s.Node, text: Any, where: Tuple[Any, ...]) -> s.Node:
        """Kaitai's ``process:`` (xor, rol, ror, zlib) over the bytes ``node`` reads: a ``Transformed``
        region whose decoded bytes hold the type (or are the value)."""
        from .. import transforms as tx

        scope = self.scope
        if not isinstance(text, str):
            raise scope.error("process: is xor(key), rol(n), ror(n) or zlib, not %r" % (text,), *where)
        call = re.fullmatch(r"\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*(?:\((.*)\))?\s*", text, re.S)
        name, arg = (call.group(1), call.group(2)) if call else ("", None)
        if name in scope.file.ext.processes:
            transform: Any = self.custom_process(name, arg, text, where)
        elif name == "zlib" and arg is None:
            transform = tx.Zlib()
        elif name in ("xor", "rol", "ror") and arg is not None and arg.strip():
            parsed = self._parse(arg, *where)
            value = self.expr(parsed, arg, *where)
            if isinstance(value, bx.Lit):
                value = value.value
            if isinstance(value, list):
                value = bytes(value)
            transform = tx.Xor(value) if name == "xor" else (tx.Rol(value) if name == "rol" else tx.Ror(value))
        else:
            raise scope.unsupported("process: %s (custom processing routines)" % text.strip(), *where,
                                    detail="give its codec to load(..., processes={%r: ...})" % name if name else "")
        if isinstance(node, s.Sized) and node.prefix is None:
            region: s.Node = s.Bytes(node.size) if node.size is not None else s.Bytes(greedy=True)
            inner: Optional[s.Node] = node.type
        elif isinstance(node, (s.Bytes, s.TermBytes)):
            region, inner = node, None
        elif isinstance(node, s.Lazy):  # a user type read to the end (size-eos)
            region, inner = s.Bytes(greedy=True), node
        else:
            raise scope.unsupported("process: on %s" % node.name, *where)
        try:
            return _node(f.Transformed(region, transform, inner))
        except DefinitionError as exc:
            raise scope.unsupported("binmodel cannot model this process: %s" % exc, *where) from None

    def custom_process(self, name: str, arg: Optional[str], text: str, where: Tuple[Any, ...]) -> Any:
        """A routine given to ``load(processes=)``: its arguments constants, or read from the struct."""
        items: List[Any] = []
        if arg is not None and arg.strip():
            array = self._parse("[%s]" % arg, *where)
            if not isinstance(array, kx.ArrayLit):
                raise self.scope.error("a routine's arguments are expressions, not %r" % arg, *where)
            for item in array.items:
                value = self.expr(item, kx.unparse(item), *where)
                if isinstance(value, bx.Lit):
                    value = value.value
                items.append(bytes(value) if isinstance(value, list) else value)
        factory = self.scope.file.ext.processes[name]
        if not any(isinstance(v, bx.Expr) for v in items):
            return Process(text.strip(), factory, tuple(items))
        return Process(text.strip(), factory, (), Arguments(tuple(bx.as_expr(v) for v in items), arg or ""))

    def valid(self, spec: Any, node: s.Node, where: Tuple[Any, ...]) -> List[Constraint]:
        """Kaitai's ``valid:`` (a value, or ``eq``, ``min``/``max``, ``any-of``, ``in-enum``, ``expr`` over
        ``_``) as constraints, one per part (so an error names the part that failed, as Kaitai's does):
        each a Kaitai expression evaluated on the value and the struct."""
        scope = self.scope
        if not isinstance(spec, dict):
            spec = {"eq": spec}
        parts: List[Tuple[str, Any, str]] = []
        for key, raw in spec.items():
            if str(key).startswith("-"):
                continue
            if key == "in-enum":
                enum_cls = node.enum if isinstance(node, s.Enum) else None
                if raw is not True or enum_cls is None:
                    raise scope.error("in-enum: true needs a field with enum:", *where, key)
                parts.append(("in-enum", bx.Lit(True), "a member of %s" % enum_cls.__name__))
                continue
            if key == "any-of":
                if not isinstance(raw, list) or not raw:
                    raise scope.error("any-of: is a list of values", *where, key)
                text = " or ".join("_ == (%s)" % _ks_text(v) for v in raw)
                label = "any of %s" % ", ".join(_ks_text(v) for v in raw)
            elif key in ("eq", "min", "max"):
                op = {"eq": "==", "min": ">=", "max": "<="}[key]
                text, label = "_ %s (%s)" % (op, _ks_text(raw)), "%s %s" % (op, _ks_text(raw))
            elif key == "expr":
                text = label = _ks_text(raw)
            else:
                raise scope.error("valid: takes eq, min, max, any-of, in-enum or expr, not %r" % (key,), *where)
            parsed = self._parse(text, *where, key)
            self.kinds["_"] = _node_kind(node)  # (the value checked, as Kaitai's _)
            try:
                if key == "any-of":
                    for i, v in enumerate(raw):
                        self.comparable_to(node, _ks_text(v), *where, key, i)
                elif key != "expr":
                    self.comparable_to(node, _ks_text(raw), *where, key)
                value = self.expr(parsed, text, *where, key, expect=statics.BOOL, underscore=bx.Ref(("_value",)))
            finally:
                del self.kinds["_"]
            parts.append((key, value, label))
        if not parts:
            raise scope.error("valid: needs a constraint", *where)
        return [_KaitaiValid(key, value, label) for key, value, label in parts]

    def comparable_to(self, node: s.Node, text: str, *where: Any) -> None:
        """A ``valid:`` value must be comparable with the field's (Kaitai's "can't compare")."""
        kind, other = _node_kind(node), self.check(self._parse(text, *where), text, None, *where)
        if kind is not None and other is not None and not statics.comparable(kind, other):
            raise self.scope.error("can't compare %s and %s" % (statics.describe(kind), statics.describe(other)),
                                   *where)

    def until(self, text: Any, where: Tuple[Any, ...]) -> Any:
        node = self._parse(text, *where, "repeat-until")
        self.check(node, text, statics.BOOL, *where, "repeat-until")
        if [n for n in kx.names_used(node) if n != "_"]:  # it reads the struct too: an expression over this._item
            return self.expr(node, text, *where, "repeat-until", underscore=bx.Ref(("_item",)))  # type: ignore[no-any-return]
        return _Until(node, self.scope.env, text if isinstance(text, str) else kx.unparse(node))

    def item(self, attr: Dict[str, Any], where: Tuple[Any, ...], substream: bool = False) -> s.Node:
        """The node of one item (before repeat: and if:)."""
        scope = self.scope
        t = attr.get("type")
        if "contents" in attr:
            if t is not None or "size" in attr:
                raise scope.error("contents: takes no type: or size:", *where, "contents")
            raw = attr["contents"]
            items = raw if isinstance(raw, list) else [raw]
            try:
                value = kx.sequence_bytes(items)
            except ValueError as exc:
                raise scope.error(str(exc), *where, "contents") from None
            return s.Const(s.Bytes(bx.as_expr(len(value))), value)
        if isinstance(t, dict):
            return self.switch(attr, t, where)
        if t is None:
            if "enum" in attr:
                raise scope.error("enum: needs an integer type, not bytes", *where, "enum")
            return self.raw_bytes(attr, where)
        if not isinstance(t, str):
            raise scope.error("type is a name or a switch, not %r" % (t,), *where, "type")
        node = self.typed(t, attr, where, substream)
        if "enum" in attr:
            enum_cls = self._enum(attr["enum"], *where, "enum")
            if isinstance(node, s.Bits):
                return dataclasses.replace(node, enum=enum_cls)
            if not isinstance(node, s.Int):
                raise scope.error("enum: needs an integer type, not %s" % t, *where, "enum")
            node = s.Enum(node, enum_cls)
        return node

    def typed(self, t: str, attr: Dict[str, Any], where: Tuple[Any, ...], substream: bool = False) -> s.Node:
        scope = self.scope
        m = _INT.match(t)
        if m or _FLOAT.match(t) or _BITS.match(t):
            for key in ("size", "size-eos", "terminator", "encoding", "pad-right"):
                if key in attr:
                    raise scope.error("%s: does not go with type %s" % (key, t), *where, key)
        if m:
            size = int(m.group(2))
            endian = {"le": "little", "be": "big", None: scope.endian}[m.group(3)]
            if endian is None and size > 1 and scope.endian_switch is not None:
                self.by_data(where)
                return s.Int(size * 8, m.group(1) == "s", None)  # the struct's Endian rule decides
            if endian is None and size > 1:
                raise scope.error("%s needs a byte order: write %sle/%sbe or give meta.endian" % (t, t, t),
                                  *where, "type")
            return s.Int(size * 8, m.group(1) == "s", endian if size > 1 else None)
        m = _FLOAT.match(t)
        if m:
            endian = {"le": "little", "be": "big", None: scope.endian}[m.group(2)]
            if endian is None and scope.endian_switch is not None:
                self.by_data(where)
                return s.Float(int(m.group(1)) * 8, None)
            if endian is None:
                raise scope.error("%s needs a byte order: write %sle/%sbe or give meta.endian" % (t, t, t),
                                  *where, "type")
            return s.Float(int(m.group(1)) * 8, endian)
        m = _BITS.match(t)
        if m:
            bits = int(m.group(1))
            if bits > 64:
                raise scope.error("bit fields are b1..b64", *where, "type")
            order = (m.group(2) or scope.bit_endian)
            return s.Bits(bits, False, "msb" if order == "be" else "lsb")
        if t in ("str", "strz"):
            return self.text(t, attr, where)
        # a user type
        args: Optional[List[kx.Node]] = None
        if "(" in t:
            call = re.fullmatch(r"\s*([a-z_][a-z0-9_:]*)\s*\((.*)\)\s*", t, re.S)
            if call is None:
                raise scope.error("a type with arguments is name(arg, ...), not %r" % t, *where, "type")
            t, arg_text = call.group(1), call.group(2)
            array = self._parse("[%s]" % arg_text, *where, "type")
            if not isinstance(array, kx.ArrayLit):
                raise scope.error("a type's arguments are expressions, not %r" % arg_text, *where, "type")
            args = list(array.items)
        if "encoding" in attr:
            raise scope.error("encoding: needs type: str", *where, "encoding")
        target = scope.find_type(t.split("::"))
        if target is None and scope.file.opaque:
            return self.opaque(t, attr, args, where)
        if target is None:
            raise scope.error("unknown type %s" % t, *where, "type")
        if "terminator" in attr or "pad-right" in attr:
            # Kaitai reads the bytes up to the terminator (or the size without its padding) and the type
            # from them as a substream: a Transformed region that changes nothing, holding the type
            inner: s.Node = s.Lazy(_Leftover(target))
            if args is not None:
                inner = self.with_args(inner, target, args, where)
            region = self.raw_bytes({k: v for k, v in attr.items() if k != "type"}, where)
            return _node(f.Transformed(region, _SUBSTREAM, inner))
        if "size" in attr or attr.get("size-eos") or substream:
            # Kaitai reads the type from a substream of that size: bytes its fields leave are skipped
            node: s.Node = s.Lazy(_Leftover(target))
        else:
            node = _type_node(target)
        if "parent" in attr:
            if args is not None:
                raise scope.unsupported("parent: with a type that takes arguments", *where, "parent")
            node = s.Reparent(node, self.parent_levels(attr["parent"], where))
        if args is not None:
            node = self.with_args(node, target, args, where)
        elif as_list(target.spec.get("params"), target, "params"):
            raise scope.error("type %s takes parameters" % t, *where, "type")
        if "size" in attr:
            return s.Sized(node, bx.as_expr(self.value_of(attr, "size", where)))
        if attr.get("size-eos"):  # a region of the rest: offsets in it (_io.pos, io: pointers) count from its start
            return s.Sized(node)
        return node

    def parent_levels(self, value: Any, where: Tuple[Any, ...]) -> Optional[int]:
        """Kaitai's ``parent:`` as a ``Reparent``'s levels: ``false`` (or ``null``) none, ``_parent`` 1,
        ``_parent._parent`` 2..."""
        if value is False or value is None:
            return None
        node = self._parse(value, *where, "parent") if isinstance(value, str) else None
        levels = 0
        while isinstance(node, kx.Attr) and node.name == "_parent":
            node, levels = node.obj, levels + 1
        if isinstance(node, kx.Name) and node.name == "_parent":
            return levels + 1
        raise self.scope.unsupported("parent: %s (only false or _parent, _parent._parent, ...)" % (value,),
                                     *where, "parent")

    def opaque(self, t: str, attr: Dict[str, Any], args: Optional[List[kx.Node]], where: Tuple[Any, ...]) -> s.Node:
        """An opaque type (``meta.ks-opaque-types``): the model given to ``load(opaque_types=)``, read where
        the cursor is or from the region ``size:`` gives (which it must use up)."""
        scope = self.scope
        try:
            model = scope.file.ext.opaque_type(t)
        except DefinitionError as exc:
            raise scope.error(str(exc), *where, "type") from None
        if model is None:
            raise scope.unsupported("opaque type %s" % t, *where, "type",
                                    detail="give its model to load(..., opaque_types={%r: Model})" % t)
        if args is not None:
            raise scope.unsupported("arguments of opaque type %s" % t, *where, "type")
        for key in ("terminator", "pad-right", "size-eos"):
            if key in attr:
                raise scope.unsupported("%s: with opaque type %s" % (key, t), *where, key)
        node: s.Node = model._bm_node
        if "size" in attr:
            return s.Sized(node, bx.as_expr(self.value_of(attr, "size", where)))
        return node

    def with_args(self, node: s.Node, target: Scope, args: List[kx.Node], where: Tuple[Any, ...]) -> s.Node:
        """A user type with arguments (``block(_index)``): binmodel's ``Args``, each argument an
        expression over this struct."""
        params = as_list(target.spec.get("params"), target, "params")
        if len(params) != len(args):
            raise self.scope.error("type %s takes %d arguments, not %d" % (target.name, len(params), len(args)),
                                   *where, "type")
        pairs = []
        for param, arg in zip(params, args):
            kid = param.get("id") if isinstance(param, dict) else None
            if not isinstance(kid, str):
                raise target.error("a parameter is a mapping with an id", "params")
            want = _param_kind(param.get("type"), param)
            if want is None and isinstance(param.get("type"), str) and target.find_type(param["type"].split("::")):
                want = statics.STRUCT
            got = self.check(arg, kx.unparse(arg), None, *where, "type")
            if want is not None and got is not None and got != want:
                raise self.scope.error("can't pass argument %s of %s into parameter %s of %s"
                                       % (kx.unparse(arg), statics.describe(got), kid, statics.describe(want)),
                                       *where, "type")
            pairs.append((_param_name(kid), bx.as_expr(self.expr(arg, kx.unparse(arg), *where, "type"))))
        return s.Args(node, tuple(pairs))

    def text(self, t: str, attr: Dict[str, Any], where: Tuple[Any, ...]) -> s.Node:
        scope = self.scope
        if isinstance(attr.get("encoding"), str) and not _known_encoding(attr["encoding"]):
            # Kaitai compiles a name no codec has and fails when the text is read: so does the region here
            raw = {k: v for k, v in attr.items() if k not in ("type", "encoding")}
            if t == "strz":
                raw["terminator"] = 0
            return _node(f.Transformed(self.raw_bytes(raw, where), _UnknownEncoding(attr["encoding"])))
        encoding = encoding_name(attr["encoding"], scope, where + ("encoding",)) if "encoding" in attr else scope.encoding
        if encoding is None:
            raise scope.error("a %s needs an encoding (encoding: or meta.encoding)" % t, *where, "type")
        terminator = self._byte(attr, "terminator", where)
        if t == "strz":
            if terminator is not None:
                raise scope.error("strz has its terminator already", *where, "terminator")
            terminator = 0
        pad = self._byte(attr, "pad-right", where)
        options = self._terminator_options(attr, where)
        sized = "size" in attr
        if sized and attr.get("size-eos"):
            raise scope.error("size: and size-eos: together", *where, "size-eos")
        unit = s.code_unit(encoding)
        try:
            if terminator is not None:
                term = (b"\0" * unit) if (t == "strz") else bytes([terminator])
                if attr.get("size-eos"):
                    raise scope.unsupported("a terminator inside size-eos", *where, "terminator")
                if sized:
                    size = self.value_of(attr, "size", where)
                    return _node(f.CString(encoding, size=size, terminator=term,
                                           pad=bytes([pad]) if pad is not None else None, include=options["include"],
                                           consume=options["consume"], eos_error=options["eos_error"]))
                return _node(f.CString(encoding, terminator=term, include=options["include"],
                                       consume=options["consume"], eos_error=options["eos_error"]))
            if sized:
                size = self.value_of(attr, "size", where)
                if pad is not None:
                    return _node(f.String(size, encoding=encoding, pad=bytes([pad])))
                return s.Sized(_node(f.String(encoding=encoding, greedy=True)), bx.as_expr(size))
            if attr.get("size-eos"):
                if pad is not None:
                    raise scope.unsupported("pad-right: with size-eos:", *where, "pad-right")
                return _node(f.String(encoding=encoding, greedy=True))
        except DefinitionError as exc:
            raise scope.unsupported("binmodel cannot model this text: %s" % exc, *where) from None
        raise scope.error("a str needs size:, size-eos: or terminator:", *where, "type")

    def _terminator_options(self, attr: Dict[str, Any], where: Tuple[Any, ...]) -> Dict[str, bool]:
        """Kaitai's ``consume``, ``include`` and ``eos-error`` as binmodel's terminator options."""
        options = {}
        for key, name, default in (("consume", "consume", True), ("include", "include", False),
                                   ("eos-error", "eos_error", True)):
            value = attr.get(key, default)
            if not isinstance(value, bool):
                raise self.scope.error("%s: must be true or false, not %r" % (key, value), *where, key)
            options[name] = value
        return options

    def _byte(self, attr: Dict[str, Any], key: str, where: Tuple[Any, ...]) -> Optional[int]:
        if key not in attr:
            return None
        value = attr[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise self.scope.error("%s must be a byte value 0..255, not %r" % (key, value), *where, key)
        return value

    def raw_bytes(self, attr: Dict[str, Any], where: Tuple[Any, ...]) -> s.Node:
        scope = self.scope
        terminator, pad = self._byte(attr, "terminator", where), self._byte(attr, "pad-right", where)
        if terminator is not None or pad is not None:
            opt = self._terminator_options(attr, where)
            term = bytes([terminator]) if terminator is not None else None
            padding = bytes([pad]) if pad is not None else None
            try:
                if "size" in attr:
                    return _node(f.Bytes(self.value_of(attr, "size", where), terminator=term, pad=padding,
                                         include=opt["include"], consume=opt["consume"], eos_error=opt["eos_error"]))
                if attr.get("size-eos"):
                    return _node(f.Bytes(greedy=True, terminator=term, pad=padding, include=opt["include"]))
                if term is None:
                    raise scope.error("pad-right: needs size:", *where, "pad-right")
                return _node(f.Bytes(terminator=term, include=opt["include"], consume=opt["consume"],
                                     eos_error=opt["eos_error"]))
            except DefinitionError as exc:
                raise scope.unsupported("binmodel cannot model these bytes: %s" % exc, *where) from None
        if "encoding" in attr:
            raise scope.error("encoding: needs type: str", *where, "encoding")
        if "size" in attr:
            if attr.get("size-eos"):
                raise scope.error("size: and size-eos: together", *where, "size-eos")
            return s.Bytes(bx.as_expr(self.value_of(attr, "size", where)))
        if attr.get("size-eos"):
            return s.Bytes(greedy=True)
        raise scope.error("raw bytes need size:, size-eos: or terminator: (or a type:)", *where)

    def switch(self, attr: Dict[str, Any], t: Dict[str, Any], where: Tuple[Any, ...]) -> s.Node:
        scope = self.scope
        for key in t:
            if key not in ("switch-on", "cases") and not str(key).startswith("-"):
                raise scope.error("unknown key %r" % (key,), *where, "type", key)
        if "switch-on" not in t:
            raise scope.error("a switch needs switch-on:", *where, "type")
        cases = t.get("cases")
        if not isinstance(cases, dict) or not cases:
            raise scope.error("a switch needs cases: (a mapping)", *where, "type", "cases")
        on_node = self._parse(t["switch-on"], *where, "type", "switch-on")
        on_kind = self.check(on_node, t["switch-on"], None, *where, "type", "switch-on")
        on = self.expr(on_node, t["switch-on"], *where, "type", "switch-on")
        sized = "size" in attr or bool(attr.get("size-eos"))
        inner = {k: v for k, v in attr.items() if k not in ("type", "size", "size-eos", "repeat", "repeat-expr",
                                                            "repeat-until", "if")}
        out: List[Tuple[Any, s.Node]] = []
        default: Optional[s.Node] = None
        for key, case_type in cases.items():
            cw = where + ("type", "cases", key)
            if not isinstance(case_type, str):
                raise scope.error("a case is a type name, not %r" % (case_type,), *cw)
            node = self.item(dict(inner, type=case_type), cw, substream=sized)
            if key == "_":
                default = node
                continue
            key_node = self._parse(key, *cw)
            key_kind = self.check(key_node, key, None, *cw)
            if on_kind is not None and key_kind is not None and not statics.comparable(on_kind, key_kind):
                raise scope.error("cannot compare %s (switch-on) and %s (the case)"
                                  % (statics.describe(on_kind), statics.describe(key_kind)), *cw)
            try:
                value = kx.evaluate(key_node, None, scope.env, key if isinstance(key, str) else "")
            except kx.UnsupportedExpr as exc:
                raise scope.unsupported(exc.reason, *cw) from None
            except kx.KaitaiExprError as exc:
                raise scope.error("a case key must be a constant: %s" % exc, *cw) from None
            out.append((value, node))
        if default is None:
            default = s.Bytes(greedy=True) if sized else s.Computed(bx.Lit(None))
        node = s.Switch(on, tuple(out), default)
        if "size" in attr:
            return s.Sized(node, bx.as_expr(self.value_of(attr, "size", where)))
        return node

    # --- bit fields ----------------------------------------------------------------------------------

    def _check_bits(self, specs: List[Tuple[str, Any, Tuple[Any, ...]]]) -> None:
        """Kaitai reads bit fields at any bit position; binmodel does too, as fields of the struct itself,
        arrays of them and optional ones (a ``BitRun``), but not in a switch or a sized region."""
        for _, spec_, where in specs:
            node = spec_.node
            if s.bit_item(node) is None and _has_bits(node):
                raise self.scope.unsupported("bit fields inside a switch or a sized region", *where)


def _lifted(node: kx.Node, levels: int) -> kx.Node:
    """``node`` read from ``levels`` structs further in: each name of the struct it was written for
    becomes ``_parent.name`` (so often); ``_root`` stays. A type inherits a byte order the data decides
    from the type that declares it: Kaitai passes the order down, binmodel evaluates the rule there."""
    if levels == 0:
        return node
    if isinstance(node, kx.Name):
        if node.name == "_root":
            return node
        base: kx.Node = kx.Name("_parent")
        for _ in range(levels - 1):
            base = kx.Attr(base, "_parent")
        return kx.Attr(base, node.name)
    return _map_children(node, lambda child: _lifted(child, levels))


def _map_children(node: kx.Node, fn: Callable[[kx.Node], kx.Node]) -> kx.Node:
    """``node`` with each expression directly inside it replaced by ``fn(child)``."""
    changes: Dict[str, Any] = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, kx.Node):
            changes[field.name] = fn(value)
        elif isinstance(value, tuple) and any(isinstance(v, kx.Node) for v in value):
            changes[field.name] = tuple(fn(v) if isinstance(v, kx.Node) else v for v in value)
    return dataclasses.replace(node, **changes) if changes else node


def _names_in(spec: Any) -> List[str]:
    """The names every Kaitai expression in an attribute's mapping reads (its pos:, size:, if:, switch-on:...)."""
    found: List[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("doc", "doc-ref", "id", "encoding", "enum", "process", "contents") or str(key).startswith("-"):
                continue
            if key == "type" and isinstance(value, str):
                value = value[value.index("("):] if "(" in value else ""
            found.extend(_names_in(value))
    elif isinstance(spec, list):
        for value in spec:
            found.extend(_names_in(value))
    elif isinstance(spec, str):
        try:
            found.extend(kx.names_used(kx.parse(spec)))
        except kx.KaitaiExprError:
            pass
    return found


def _param_name(kid: str) -> str:
    """The binmodel parameter of Kaitai parameter ``kid`` (its Kaitai name is the field that shows it)."""
    return kid + "_param"


def _param_kind(t: Any, param: Dict[str, Any]) -> Optional[str]:
    """The static kind of a parameter of Kaitai type ``t`` (None: not known)."""
    if not isinstance(t, str):
        return None
    if "enum" in param:
        return statics.ENUM
    if t in ("bool", "b1"):
        return statics.BOOL
    if _INT.match(t) or _BITS.match(t):
        return statics.INT
    if _FLOAT.match(t):
        return statics.FLOAT
    if t in ("str", "strz"):
        return statics.STR
    if t == "bytes":
        return statics.BYTES
    return statics.STRUCT if t == "struct" else None


def _node_kind(node: s.Node) -> Optional[str]:
    """The static kind of the values a schema node reads (None: not known, as for a switch)."""
    if isinstance(node, s.If):
        return _node_kind(node.type)
    if isinstance(node, s.Sized):
        return _node_kind(node.type)
    if isinstance(node, s.Bits):
        return statics.ENUM if node.enum is not None else statics.BOOL if node.bits == 1 else statics.INT
    if isinstance(node, s.Int):
        return statics.INT
    if isinstance(node, s.Float):
        return statics.FLOAT
    if isinstance(node, s.String):
        return statics.STR
    if isinstance(node, s.Bytes) or (isinstance(node, s.Const) and isinstance(node.value, bytes)):
        return statics.BYTES
    if isinstance(node, s.Enum):
        return statics.ENUM
    if isinstance(node, (s.Struct, s.Lazy)):
        return statics.STRUCT
    if isinstance(node, s.Array):
        return statics.ARRAY
    return None


def _node(spec: Any) -> s.Node:
    """The schema node of a field made with the class syntax's functions (typed as their Python values)."""
    node: s.Node = spec.node
    return node


def _has_bits(node: s.Node) -> bool:
    """Whether ``node`` reads a bit field itself (not in a struct of its own)."""
    if isinstance(node, s.Bits):
        return True
    return not isinstance(node, s.Struct) and any(_has_bits(c) for c in s.children(node))


def _type_node(target: Scope) -> s.Node:
    if target.cls is not None:
        return target.cls._bm_node  # type: ignore[no-any-return]
    return s.Lazy(_Resolve(target))


class _Resolve:
    """``Lazy``'s function: the class of a type made later (types may name each other in any order)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.__name__ = scope.qualname

    def __call__(self) -> Any:
        if self.scope.cls is None:
            raise DefinitionError("%s: %s was not built" % (self.scope.file.name, self.scope.qualname))
        return self.scope.cls


UNREAD = "_unread"
"""The field that keeps the bytes a type read from a substream (``size:``) leaves unread."""

_LEFTOVER: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def leftover_variant(base: Any) -> Any:
    """``base`` with a last field ``_unread`` that takes the rest of its region: Kaitai reads a type with
    ``size:`` from a substream and skips what its fields leave; binmodel keeps those bytes (so the parsed
    object builds back to the same bytes). Made once per type."""
    variant = _LEFTOVER.get(base)
    if variant is None:
        ns = {"__module__": base.__module__, "__qualname__": base.__qualname__, "__doc__": base.__doc__,
              "__annotations__": {UNREAD: "bytes"}, UNREAD: f.Bytes(greedy=True, default=b"")}
        variant = StructMeta(base.__name__, (base,), ns)
        _SCOPES[variant] = _SCOPES[base]
        _LEFTOVER[base] = variant
    return variant


class _Leftover(_Resolve):
    """``Lazy``'s function for a type read from a substream: its ``leftover_variant``."""

    def __call__(self) -> Any:
        return leftover_variant(super().__call__())


class _Until:
    def __init__(self, node: kx.Node, env: kx.Env, text: str) -> None:
        self.node, self.env, self.text = node, env, text
        self.__name__ = "kaitai[%s]" % text

    def __call__(self, item: Any) -> bool:
        env = dataclasses.replace(self.env, locals={"_": item})
        value = kx.evaluate(self.node, None, env, self.text)
        if not isinstance(value, bool):
            raise kx.KaitaiExprError("repeat-until must give a boolean, not %r" % (value,), self.text)
        return value


class _Substream(Transform):
    """The transform of a region that is only a substream (a user type with ``terminator:`` or
    ``pad-right:``): its bytes as they are."""

    def text(self, arg: Optional[bx.Expr] = None) -> str:
        return "substream"

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        return raw

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        return data


_SUBSTREAM = _Substream()


def _known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


class _UnknownEncoding(Transform):
    """Text in an encoding Python has no codec for: reading it fails (Kaitai's UnknownEncodingError)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def text(self, arg: Optional[bx.Expr] = None) -> str:
        return "unknown encoding %r" % self.name

    def decode(self, raw: bytes, arg: Any = None) -> bytes:
        raise TransformError("unknown encoding %r" % self.name, expected="an encoding Python knows", found=self.name)

    def encode(self, data: bytes, arg: Any = None) -> bytes:
        raise TransformError("unknown encoding %r" % self.name, expected="an encoding Python knows", found=self.name)


def _ks_text(value: Any) -> str:
    """A YAML scalar of a ``valid:`` as Kaitai expression text (YAML reads ``0x50`` as 80, ``1.5`` as a float)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[%s]" % ", ".join(_ks_text(v) for v in value)
    return str(value)


class _KaitaiValid(Constraint):
    """One part of Kaitai's ``valid:`` (``key``: eq, min, max, any-of, in-enum or expr), named ``text``: an
    expression over the struct and ``this._value`` (Kaitai's ``_``) that must hold; ``in-enum``: the
    value is a member of its enum."""

    def __init__(self, key: str, expr: Any, text: str) -> None:
        self.key, self.expr, self.text = key, expr, text

    def holds(self, value: Any, ctx: Any) -> bool:
        if self.key == "in-enum":
            return isinstance(value, enum.Enum)
        return self.expr.evaluate(ValueScope(ctx, value)) is True

    def exprs(self) -> Iterator[bx.Expr]:
        return iter([self.expr])


class _ToEnum:
    """A value instance with ``enum:``: the member with that value (an unknown value stays an int)."""

    def __init__(self, value: Any, enum_cls: Any) -> None:
        self.value, self.enum_cls = value, enum_cls
        self.__name__ = "%s[%s]" % (enum_cls.__name__, value.text())

    def __call__(self, view: Any) -> Any:
        v = self.value.evaluate(view._ctx)
        if v is None:
            return None
        try:
            return self.enum_cls(v)
        except ValueError:
            return v


# --- the entry -----------------------------------------------------------------------------------------------

def load(source: Union[str, os.PathLike], search_paths: Sequence[Union[str, os.PathLike]] = (),  # type: ignore[type-arg]
         *, processes: Optional[Mapping[str, Callable[..., Any]]] = None,
         opaque_types: Optional[Mapping[str, Any]] = None) -> Any:
    """The model class of a .ksy description: ``source`` is a path, or the YAML text itself.

    Imports are looked up beside the importing file, then in ``search_paths`` (absolute imports,
    ``/common/foo``, in ``search_paths`` only). ``processes`` maps the name of a custom ``process:``
    routine to a factory of its codec (called with the routine's arguments; the codec has ``decode`` and,
    to build, ``encode``), ``opaque_types`` the name of an opaque type (``meta.ks-opaque-types``) to a
    binmodel model (see ``binmodel.kaitai.extensions``). Raises ``KaitaiError`` for a description Kaitai
    refuses, ``UnsupportedError`` for one that uses what binmodel does not support yet."""
    loader = Reader(tuple(pathlib.Path(p) for p in search_paths), Extensions.of(processes, opaque_types))
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                           and source.endswith(".ksy")):
        path = pathlib.Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            raise KaitaiError("cannot read %s: %s" % (path, exc), path.name) from None
        file = loader.read(text, path.name, path)
    elif isinstance(source, str):
        file = loader.read(source, "<ksy>", None)
    else:
        raise TypeError("load() takes a path or the text of a .ksy file")
    for scope in loader.pending:  # nested types before the types that contain them, imports first
        if scope.cls is None:
            _TypeBuilder(scope).build()
    assert file.root is not None and file.root.cls is not None
    return file.root.cls
