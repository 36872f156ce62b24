"""``binmodel ksy2py foo.ksy``: a .ksy description as Python source a person can own and edit.

The source is printed from what ``load`` made: each type's fields as the loader gave them to the class
(``Scope.recipe``), so the printed classes are the loaded ones written out. One class per type (flat,
each after the types it holds; a type read before it is defined is a ``Lazy``), each enum an
``enum.IntEnum``, ``doc:`` as docstrings and comments. Binmodel expressions are written as ``this.x``
code; a Kaitai expression binmodel has no form for becomes a named function that Kaitai's evaluator
computes (``binmodel.kaitai.support``), with a comment saying so. What cannot be written as source is an
``UnsupportedError`` naming the file and the YAML path.
"""

from __future__ import annotations

import enum
import keyword
import math
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

from .. import expr as bx
from .. import schema as s
from .. import transforms as tx
from ..fields import MISSING
from . import expr as kx
from . import loader as ld
from .ksy import UnsupportedError, yaml_path
from .scopes import Scope
from .translate import _KaitaiFunction

__all__ = ["ksy_to_source"]

# Python's precedence of the operators binmodel expressions print with (higher binds tighter).
_PREC = {"|": 4, "^": 5, "&": 6, "<<": 7, ">>": 7, "+": 8, "-": 8, "*": 9, "/": 9, "//": 9, "%": 9}
_COMPARE = 3
_REFLECTED = {"+", "-", "*", "//", "%", "&", "|", "^", "==", "!=", "<", "<=", ">", ">="}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Refused(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _doc_lines(text: Any) -> List[str]:
    return [line.rstrip() for line in str(text).strip().splitlines()]


class _Writer:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.names: Dict[int, str] = {}  # id(class or enum) -> its name in the source
        self.scopes: List[Scope] = []
        self.enums: List[Any] = []
        self.imports: Set[str] = set()
        self.support: Set[str] = set()
        self.functions: List[str] = []
        self.function_names: Set[str] = set()
        self.written: Dict[Tuple[str, ...], str] = {}  # (type, parameter, arguments) -> the function written
        self.variants: Dict[int, Tuple[str, Any]] = {}  # id(leftover variant) -> (name, base)
        self.where: Tuple[Scope, Tuple[Any, ...]] = (ld.scope_of(root), ())
        self.field_name = ""
        self.bit_order = "msb"  # the struct's, which its Bits need not repeat

    # --- collecting the types ------------------------------------------------------------------------

    def collect(self) -> None:
        """Every scope the root reaches (through nested, imported and referenced types), and names."""
        seen: Set[int] = set()
        order: List[Scope] = []

        def visit(scope: Scope) -> None:
            if id(scope) in seen:
                return
            seen.add(id(scope))
            for child in scope.types.values():
                if child.cls is not None:
                    visit(child)
            if scope.recipe is not None:
                for _, spec, _ in scope.recipe[0]:
                    for cls in _classes_in(spec.node):
                        if isinstance(cls, type) and issubclass(cls, enum.Enum):
                            enums[id(cls)] = cls  # (an enum of an imported file whose types are not used)
                            continue
                        try:
                            visit(ld.scope_of(cls))
                        except KeyError:
                            pass
            order.append(scope)
            for ecls in scope.enums.values():
                enums[id(ecls)] = ecls

        enums: Dict[int, Any] = {}
        visit(ld.scope_of(self.root))
        taken: Set[str] = set()
        for ecls in enums.values():
            self.enums.append(ecls)
            self.names[id(ecls)] = _unique(ecls.__qualname__, taken)
        for scope in order:
            self.scopes.append(scope)
            self.names[id(scope.cls)] = _unique(scope.cls.__qualname__, taken)

    # --- errors --------------------------------------------------------------------------------------

    def refuse(self, what: str) -> UnsupportedError:
        scope, where = self.where
        return UnsupportedError("cannot be written as source (%s)" % what, scope.file.name, yaml_path(scope.where, *where))

    # --- values and expressions ----------------------------------------------------------------------

    def value(self, v: Any) -> str:
        if isinstance(v, enum.Enum):
            if id(type(v)) not in self.names:
                raise _Refused("a member of enum %s, which the description does not declare" % type(v).__qualname__)
            return "%s.%s" % (self.names[id(type(v))], v.name)
        if isinstance(v, float) and not math.isfinite(v):
            self.imports.add("math")
            return "math.nan" if math.isnan(v) else ("math.inf" if v > 0 else "-math.inf")
        if v is None or isinstance(v, (bool, int, float, str, bytes)):
            return repr(v)
        if isinstance(v, (list, tuple)):
            inner = ", ".join(self.value(x) for x in v)
            return "[%s]" % inner if isinstance(v, list) else "(%s%s)" % (inner, "," if len(v) == 1 else "")
        raise _Refused("a value of type %s" % type(v).__name__)

    def expr(self, e: Any, prec: int = 0) -> str:
        """``e`` as ``this.x`` code, parenthesised for an operand of an operator of precedence ``prec``."""
        if not isinstance(e, bx.Expr):
            return self.value(e)
        if isinstance(e, bx.Lit):
            return self.value(e.value)
        if isinstance(e, bx.Ref):
            self.imports.add("this")
            return "this." + ".".join(e.path)
        if isinstance(e, bx.BinOp):
            op = e.op
            mine = _COMPARE if op not in _PREC else _PREC[op]
            if isinstance(e.left, bx.Lit) and isinstance(e.right, bx.Expr) and not isinstance(e.right, bx.Lit) \
                    and op not in _REFLECTED:
                self.imports.add("Lit")
                left = "Lit(%s)" % self.value(e.left.value)
            else:
                left = self.expr(e.left, mine if mine != _COMPARE else _COMPARE + 1)
            right = self.expr(e.right, mine + 1)
            text = "%s %s %s" % (left, op, right)
            return "(%s)" % text if mine < prec else text
        if isinstance(e, bx.Where):
            self.imports.add("where")
            return "where(%s, %s, %s)" % (self.expr(e.cond), self.expr(e.then), self.expr(e.otherwise))
        if isinstance(e, bx.Not):
            self.imports.add("not_")
            return "not_(%s)" % self.expr(e.operand)
        if isinstance(e, bx.Invert):
            return "~" + self.expr(e.operand, 11)
        if isinstance(e, bx.Subscript):
            return "%s[%s]" % (self.expr(e.seq, 12), self.expr(e.index))
        if isinstance(e, bx.LenOf):
            self.imports.add("len_of")
            return "len_of(%s)" % ", ".join(repr(n) for n in e.names)
        if isinstance(e, bx.Call):
            return self.call(e.func)
        raise _Refused("the expression %s" % e.text())

    def call(self, func: Any) -> str:
        if isinstance(func, ld._ToEnum):
            self.support.add("as_enum")
            return "as_enum(%s, %s)" % (self.expr(func.value), self.enum_name(func.enum_cls))
        if isinstance(func, _KaitaiFunction):
            self.imports.add("Call")
            return "Call(%s)" % self.function(func.node, func.env, "view", "view", "")
        raise _Refused("a Python function (%s)" % getattr(func, "__name__", type(func).__name__))

    def function(self, node: kx.Node, env: kx.Env, param: str, obj: str, item: str) -> str:
        """A named function computing Kaitai expression ``node`` with Kaitai's evaluator (no binmodel form)."""
        self.support.add("kaitai_eval")
        text = kx.unparse(node)
        enums = []
        for n in kx.walk(node):
            if isinstance(n, kx.EnumRef) and env.enum is not None:
                try:
                    member = env.enum(n.path, n.member)
                except LookupError:
                    continue  # an error when it is evaluated, as in the loaded model
                enums.append("(%s, %r): %s" % (self.value(tuple(n.path)), n.member, self.value(member)))
        args = [repr(text), obj]
        if enums:
            args.append("{%s}" % ", ".join(enums))
        if item:
            args.append("item=%s" % item)
        key = (self.names[id(self.where[0].cls)], param) + tuple(args)
        if key in self.written:  # the same expression again in the same type: the same function
            return self.written[key]
        base = "%s_%s" % (self.names[id(self.where[0].cls)].lower(), self.field_name or "expr")
        name = _unique(re.sub(r"\W", "_", base), self.function_names)
        self.written[key] = name
        self.functions.append(
            "def %s(%s):\n    # Kaitai's `%s`: no binmodel expression form, so Kaitai's evaluator computes it\n"
            "    return kaitai_eval(%s)\n" % (name, param, _comment(text), ", ".join(args)))
        return name

    def enum_name(self, cls: Any) -> str:
        if id(cls) not in self.names:
            raise _Refused("enum %s, which the description does not declare" % cls.__qualname__)
        return self.names[id(cls)]

    # --- types ---------------------------------------------------------------------------------------

    def type(self, node: s.Node, item: bool = True) -> str:
        """``node`` as class-syntax code: ``u8`` as an item type, ``u8()`` as a field (``item=False``)."""
        call = "" if item else "()"
        if isinstance(node, s.Int):
            if node.show is not None:
                raise _Refused("an integer shown as %s" % node.show)
            label = "%s%d%s" % ("i" if node.signed else "u", node.bits,
                                {"little": "le", "big": "be", None: ""}[node.endian] if node.bits > 8 else "")
            if node.bits not in (8, 16, 24, 32, 64):
                self.imports.add("Int")
                return "Int(%d, signed=%r, endian=%r)" % (node.bits, node.signed, node.endian)
            self.imports.add(label)
            return label + call
        if isinstance(node, s.Float):
            label = "f%d%s" % (node.bits, {"little": "le", "big": "be", None: ""}[node.endian])
            self.imports.add(label)
            return label + call
        if isinstance(node, s.Struct):
            return self.struct_name(node.cls)
        if isinstance(node, s.Lazy):
            target = node.resolve
            if not isinstance(target, ld._Resolve):
                raise _Refused("a Lazy type of a Python function")
            cls = target.scope.cls
            name = self.variant(ld.leftover_variant(cls)) if isinstance(target, ld._Leftover) else self.struct_name(cls)
            self.imports.add("Lazy")
            return "Lazy(lambda: %s)" % name
        if isinstance(node, s.Bytes):
            if node.prefix is not None or node.measure is not None:
                raise _Refused("Bytes with prefix= or measure=")
            self.imports.add("Bytes")
            return "Bytes(greedy=True)" if node.greedy else "Bytes(%s)" % self.expr(node.size)
        if isinstance(node, s.TermBytes):
            self.imports.add("Bytes")
            args = [] if node.size is None else [self.expr(node.size)]
            if node.greedy:
                args.append("greedy=True")
            if node.terminator is not None:
                args.append("terminator=%r" % node.terminator)
            for key, default in (("include", False), ("consume", True), ("eos_error", True)):
                if getattr(node, key) != default:
                    args.append("%s=%r" % (key, getattr(node, key)))
            if node.pad is not None:
                args.append("pad=%r" % node.pad)
            return "Bytes(%s)" % ", ".join(args)
        if isinstance(node, s.String):
            if node.prefix is not None:
                raise _Refused("String with prefix=")
            self.imports.add("String")
            args = ["greedy=True"] if node.greedy else [] if node.size is None else [self.expr(node.size)]
            if node.encoding != "utf-8":
                args.append("encoding=%r" % node.encoding)
            options: Tuple[Tuple[str, Any], ...] = (("pad", b"\0"), ("strip", True), ("terminator", None),
                                                     ("include", False), ("consume", True), ("eos_error", True))
            for key, unset in options:
                if getattr(node, key) != unset:
                    args.append("%s=%r" % (key, getattr(node, key)))
            return "String(%s)" % ", ".join(args)
        if isinstance(node, s.Array):
            if node.prefix is not None or node.typed or node.on_error is not None:
                raise _Refused("Array with prefix=, typed= or on_error=")
            self.imports.add("Array")
            args = [self.type(node.item)]
            if node.count is not None:
                args.append("count=%s" % self.expr(node.count))
            if node.greedy:
                args.append("greedy=True")
            if node.until is not None:
                args.append("until=%s" % self.until(node.until))
            return "Array(%s)" % ", ".join(args)
        if isinstance(node, s.Sized):
            if node.size is None:
                raise _Refused("Sized with prefix=")
            self.imports.add("Sized")
            return "Sized(%s, %s)" % (self.expr(node.size), self.type(node.type))
        if isinstance(node, s.Const):
            self.imports.add("Const")
            plain = isinstance(node.value, bytes) and isinstance(node.type, s.Bytes) and not node.type.greedy \
                and isinstance(node.type.size, bx.Lit) and node.type.size.value == len(node.value)
            text = "Const(%s)" % self.value(node.value) if plain else \
                "Const(%s, %s)" % (self.value(node.value), self.type(node.type))
            return text + (".node" if item else "")  # as an item: no default=
        if isinstance(node, s.Switch):
            if not node.cases:  # only a default (Kaitai's switch with only _)
                return self.type(node.default or s.Computed(bx.Lit(None)), item)
            self.imports.add("Switch")
            items = ["%s: %s" % (self.value(k), self.type(v)) for k, v in node.cases]
            cases = ", ".join(items)
            if len(cases) > 60:  # a case per line
                cases = "\n" + "".join("        %s,\n" % item for item in items) + "    "
            other = "" if node.default is None else ", default=%s" % self.type(node.default)
            return "Switch(%s, {%s}%s)" % (self.expr(node.on), cases, other)
        if isinstance(node, s.If):
            self.imports.add("If")
            return "If(%s, %s)" % (self.expr(node.condition), self.type(node.type))
        if isinstance(node, s.Enum):
            self.imports.add("Enum")
            strict = ", strict=True" if node.strict else ""
            return "Enum(%s, %s%s)" % (self.type(node.base), self.enum_name(node.enum), strict)
        if isinstance(node, s.Bits):
            if isinstance(node, s.BitPad):
                raise _Refused("bit padding")
            self.imports.add("Bits")
            args = [str(node.bits)] + (["signed=True"] if node.signed else []) + \
                (["order=%r" % node.order] if node.order and node.order != self.bit_order else [])
            bits = "Bits(%s)" % ", ".join(args)
            if node.enum is not None:
                self.imports.add("Enum")
                return "Enum(%s, %s)" % (bits, self.enum_name(node.enum))
            return bits
        if isinstance(node, s.Pointer):
            if node.overwrite or node.place is not None:
                raise _Refused("Pointer with overwrite= or place=")
            self.imports.add("Pointer")
            args = [self.expr(node.offset), self.type(node.type)]
            args += ["%s=True" % k for k in ("relative", "region", "lazy") if getattr(node, k)]
            if node.io is not None:
                args.append("io=%s" % self.expr(node.io))
            return "Pointer(%s)" % ", ".join(args)
        if isinstance(node, s.Computed):
            self.imports.add("Computed")
            return "Computed(%s)%s" % (self.expr(node.expr), ".node" if item else "")  # as an item: no derive=
        if isinstance(node, s.Reparent):
            self.imports.add("Reparent")
            return "Reparent(%s, %r)" % (self.type(node.type), node.up)
        if isinstance(node, s.Args):
            self.imports.add("Args")
            passed = "".join(", %s=%s" % (k, self.expr(v)) for k, v in node.args)
            return "Args(%s%s)" % (self.type(node.type), passed)
        if isinstance(node, s.Valid):
            self.imports.add("Field")
            return "Field(%s, valid=%s)" % (self.type(node.type), self.constraint(node.constraint))
        if isinstance(node, s.Transformed):
            self.imports.add("Transformed")
            args = [self.type(node.base), self.transform(node.process)]
            if node.type is not None:
                args.append(self.type(node.type))
            return "Transformed(%s)" % ", ".join(args)
        raise _Refused("a %s field" % type(node).__name__)

    def until(self, until: Any) -> str:
        if isinstance(until, bx.Expr):
            return self.expr(until)
        if isinstance(until, ld._Until):
            return self.function(until.node, until.env, "item", "None", "item")
        raise _Refused("an until= function")

    def constraint(self, c: Any) -> str:
        if isinstance(c, ld._KaitaiValid):
            self.support.add("KaitaiValid")
            return "KaitaiValid(%r, %s, %r)" % (c.key, self.expr(c.expr), c.text)
        raise _Refused("a %s constraint" % type(c).__name__)

    def transform(self, t: Any) -> str:
        if t is ld._SUBSTREAM:
            self.support.add("SUBSTREAM")
            return "SUBSTREAM"
        if isinstance(t, ld._UnknownEncoding):
            self.support.add("UnknownEncoding")
            return "UnknownEncoding(%r)" % t.name
        if isinstance(t, tx.Xor):
            self.imports.add("Xor")
            return "Xor(%s)" % (self.expr(t.arg) if t.arg is not None else self.value(t.key))
        if isinstance(t, tx.Rotate):
            name = "Rol" if t.left else "Ror"
            self.imports.add(name)
            return "%s(%s)" % (name, self.expr(t.arg) if t.arg is not None else t.bits)
        if isinstance(t, tx.Zlib) and (t.limit, t.level) == (tx.Zlib().limit, tx.Zlib().level):
            self.imports.add("Zlib")
            return "Zlib()"
        raise _Refused("the transform %s" % type(t).__name__)

    def struct_name(self, cls: Any) -> str:
        if id(cls) in self.names:
            return self.names[id(cls)]
        base = cls.__bases__[0]
        if id(base) in self.names and ld.leftover_variant(base) is cls:
            return self.variant(cls)
        raise _Refused("the model %s, not from the description" % cls.__qualname__)

    def variant(self, cls: Any) -> str:
        """The class of a type read from a region of its own: the type with ``_unread`` last."""
        if id(cls) not in self.variants:
            base = cls.__bases__[0]
            name = _unique(self.names[id(base)] + "Region", set(self.names.values()) | {v[0] for v in
                                                                                       self.variants.values()})
            self.variants[id(cls)] = (name, base)
        return self.variants[id(cls)][0]

    # --- classes -------------------------------------------------------------------------------------

    def enum_source(self, ecls: Any) -> str:
        name = self.names[id(ecls)]
        lines = ["class %s(enum.IntEnum):" % name]
        lines.append('    """Kaitai enum %s."""' % _doc(ecls.__qualname__))
        lines.append("")
        for member in ecls.__members__.values():
            if member.__doc__ and member.__doc__ != type(member).__doc__:  # the member's doc:
                lines.extend("    # " + _comment(line) for line in _doc_lines(member.__doc__))
            if not _IDENT.match(member.name) or keyword.iskeyword(member.name):
                raise self.refuse("the enum member name %r" % member.name)
            lines.append("    %s = %d" % (member.name, member.value))
        return "\n".join(lines) + "\n"

    def field_docs(self, scope: Scope) -> Dict[str, Any]:
        docs: Dict[str, Any] = {}
        for group in ("seq", "params"):
            for attr in scope.spec.get(group) or ():
                if isinstance(attr, dict) and attr.get("doc"):
                    docs[ld.attr_name(str(attr.get("id")))] = attr["doc"]
        for kid, inst in (scope.spec.get("instances") or {}).items():
            if isinstance(inst, dict) and inst.get("doc"):
                docs[ld.attr_name(kid)] = inst["doc"]
        return docs

    def class_source(self, scope: Scope) -> str:
        cls = scope.cls
        fields, options = scope.recipe
        self.where = (scope, ())
        name = self.names[id(cls)]
        kwargs = []
        if options.get("params"):
            kwargs.append("params=%s" % self.value(tuple(options["params"])))
        self.bit_order = options.get("bit_order", "msb")
        if self.bit_order != "msb":
            kwargs.append("bit_order=%r" % options["bit_order"])
        if "endian" in options:
            kwargs.append("endian=%s" % self.endian(options["endian"]))
        lines = ["class %s(%s):" % (name, ", ".join(["Struct"] + kwargs))]
        lines.extend(_docstring(cls.__doc__))
        docs = self.field_docs(scope)
        body: List[str] = []
        for fname, spec, where in fields:
            self.where, self.field_name = (scope, where), fname
            try:
                text = self.type(spec.node, item=False)
                extra = []
                if spec.default is not MISSING and not (isinstance(spec.node, s.Const) and spec.default == spec.node.value):
                    extra.append("default=%s" % self.value(spec.default))
                if spec.derive is not None and not (isinstance(spec.node, s.Computed) and spec.derive is spec.node.expr):
                    extra.append("derive=%s" % self.expr(spec.derive))
                if spec.check:
                    extra.append("check=True")
                if not spec.stored:
                    raise _Refused("a field that is not stored")
                if extra:
                    if text.startswith("If(") and text.endswith(")") and not spec.derive:
                        text = text[:-1] + ", " + ", ".join(extra) + ")"
                    else:
                        self.imports.add("Field")
                        text = "Field(%s, %s)" % (text, ", ".join(extra))
            except _Refused as exc:
                raise self.refuse(exc.what) from None
            if not _IDENT.match(fname) or keyword.iskeyword(fname):
                raise self.refuse("the field name %r" % fname)
            if fname in docs:
                body.extend("    # " + _comment(line) for line in _doc_lines(docs[fname]))
            if text in self.names.values() or text in {v[0] for v in self.variants.values()}:
                body.append("    %s: %s" % (fname, text))  # a nested model: its class is the annotation
            else:
                self.imports.add("Any")
                body.append("    %s: Any = %s" % (fname, text))
        self.field_name = ""
        lines.extend(body or ["    pass"])
        return "\n".join(lines) + "\n"

    def endian(self, rule: Any) -> str:
        self.imports.add("Endian")
        if rule.condition:
            return "Endian(%s, %r, %r)" % (self.expr(rule.on), rule.cases[0][1], rule.default)
        cases = ", ".join("%s: %r" % (self.value(k), v) for k, v in rule.cases)
        default = "" if rule.default is None else ", default=%r" % rule.default
        return "Endian(%s, {%s}%s)" % (self.expr(rule.on), cases, default)

    def source(self, file_name: str) -> str:
        self.collect()
        enums = [self.enum_source(e) for e in self.enums]
        texts = [self.class_source(scope) for scope in self.scopes]
        classes: List[str] = []
        for scope, text in zip(self.scopes, texts):  # each region variant right after its type
            classes.append(text)
            for vname, base in self.variants.values():
                if base is scope.cls:
                    classes.append(_variant_source(vname, self.names[id(base)]))
                    self.imports.add("Bytes")
        self.imports.add("Struct")
        head = ['"""%s' % _doc("Generated by binmodel ksy2py from %s: edit freely." % file_name)]
        doc = ld.scope_of(self.root).spec.get("doc")
        if doc:
            head.append("")
            head.extend(_doc(line) for line in _doc_lines(doc))
            head.append('"""')
        else:
            head[0] += '"""'
        head.append("")
        if enums:
            head.append("import enum")
        if "math" in self.imports:
            head.append("import math")
        if "Any" in self.imports:
            head.append("from typing import Any")
        if head[-1]:
            head.append("")
        expr_names = sorted(n for n in self.imports if n in ("where", "not_", "len_of", "Call", "Lit"))
        names = sorted((n for n in self.imports if n not in expr_names and n not in ("math", "Any")), key=str.lower)
        head.append("from binmodel import %s" % ", ".join(sorted(names, key=str.lower)))
        if expr_names:
            head.append("from binmodel.expr import %s" % ", ".join(expr_names))
        if self.support:
            head.append("from binmodel.kaitai.support import %s" % ", ".join(sorted(self.support)))
        parts = ["\n".join(head) + "\n"]
        parts.extend(enums)
        parts.extend(self.functions)
        parts.extend(classes)
        return "\n\n".join(parts)


def _variant_source(name: str, base: str) -> str:
    return ('class %s(%s):\n    """%s read from a region of its own (Kaitai size:): the bytes its fields leave are kept '
            'in _unread."""\n\n    _unread: bytes = Bytes(greedy=True, default=b"")\n' % (name, base, base))


def _docstring(doc: Any) -> List[str]:
    lines = _doc_lines(doc or "")
    if not lines:
        return []
    text = "\n".join(("    " if line else "") + _doc(line) for line in lines).lstrip()
    return ['    """%s%s"""' % (text, "\n    " if len(lines) > 1 else ""), ""]


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _comment(text: str) -> str:
    """Text from the .ksy for a ``#`` comment: one line, no control characters (a NUL would stop the source
    compiling, a line break would make the rest code)."""
    return _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()), " ".join(text.splitlines()))


def _doc(text: str) -> str:
    """Text from the .ksy for a docstring: as ``_comment``, and no backslash, quotes or final quote that
    would escape or end it."""
    text = _comment(text.replace("\\", "\\\\")).replace('"""', '\\"\\"\\"')
    return text[:-1] + '\\"' if text.endswith('"') else text


def _unique(qualname: str, taken: Set[str]) -> str:
    """A flat class name: the last part of ``qualname``, with more of it only to tell two types apart."""
    parts = qualname.split(".")
    for k in range(1, len(parts) + 1):
        name = "".join(parts[-k:])
        if name not in taken:
            taken.add(name)
            return name
    n = 2
    while "%s%d" % (name, n) in taken:
        n += 1
    taken.add("%s%d" % (name, n))
    return "%s%d" % (name, n)


def _classes_in(node: s.Node) -> List[Any]:
    """The model classes and enums a field's type holds (directly or through a ``Lazy``)."""
    found: List[Any] = []
    if isinstance(node, (s.Enum, s.Bits)) and isinstance(getattr(node, "enum", None), type):
        found.append(node.enum)
    if isinstance(node, s.Switch):
        found.extend(type(k) for k, _ in node.cases if isinstance(k, enum.Enum))
    for value in vars(node).values() if hasattr(node, "__dict__") else ():
        if isinstance(value, bx.Expr):
            found.extend(type(v) for v in _literals(value) if isinstance(v, enum.Enum))
    if isinstance(node, s.Struct):
        if node.cls is not None:
            found.append(node.cls)
            if node.cls.__bases__ and node.cls.__bases__[0] is not ld.Struct:
                found.append(node.cls.__bases__[0])
        return found
    if isinstance(node, s.Lazy) and isinstance(node.resolve, ld._Resolve):
        if node.resolve.scope.cls is not None:
            found.append(node.resolve.scope.cls)
        return found
    for child in s.children(node):
        found.extend(_classes_in(child))
    return found


def _literals(e: Any) -> List[Any]:
    """The literal values in a binmodel expression."""
    if isinstance(e, bx.Lit):
        return [e.value]
    out: List[Any] = []
    for slot in getattr(type(e), "__slots__", ()):
        value = getattr(e, slot, None)
        if isinstance(value, bx.Expr):
            out.extend(_literals(value))
    return out


def ksy_to_source(source: Union[str, os.PathLike], search_paths: Sequence[Union[str, os.PathLike]] = (),  # type: ignore[type-arg]
                  name: Optional[str] = None) -> str:
    """Python source of the binmodel models ``load(source, search_paths)`` makes, one class per type."""
    root = ld.load(source, search_paths)
    file_name = name or (os.path.basename(str(source)) if str(source).endswith(".ksy") else "<ksy>")
    return _Writer(root).source(file_name)
