"""Text views of a ``Call``: a table of where each value goes, and a picture of registers and stack."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .calls import Call, Passed


def _where(p: Passed) -> str:
    if p.how == "memory":
        return "memory (hidden pointer)"
    parts = []
    for s in p.slots:
        rng = "" if (s.offset == 0 and s.size >= p.size) or p.how == "reference" else " [%d:%d]" % (
            s.offset, s.offset + s.size)
        parts.append(s.where + rng)
    text = ", ".join(parts)
    return "&copy in " + text if p.how == "reference" else text


def table(call: Call) -> str:
    """One row per argument and for the result: C type, size, classification, where it goes."""
    rows: List[Tuple[str, ...]] = [("", "C type", "size", "class", "passed in")]
    if call.hidden is not None:
        rows.append(("(hidden)", "result pointer", str(call.hidden.size), "pointer", call.hidden.where))
    for p in call.args:
        rows.append((p.name + (" (...)" if p.variadic else ""), p.ctype, str(p.size), p.classes, _where(p)))
    if call.ret is not None:
        rows.append(("return", call.ret.ctype, str(call.ret.size), call.ret.classes, _where(call.ret)))
    else:
        rows.append(("return", "void", "0", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["%s on %s (%s)" % (call.signature.c_text(), call.abi, call.convention)]
    for j, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    extra = ["stack at the call: %d-byte aligned; outgoing argument area %d bytes" % (call.stack_align,
                                                                                       call.stack_size)]
    if call.shadow:
        extra.append("shadow space: [sp+0] .. [sp+%d] reserved for the callee" % call.shadow)
    if call.vector_count is not None:
        extra.append("al = %d (vector registers used by the variadic call)" % call.vector_count)
    extra.append("stack cleaned by: " + call.cleanup)
    extra.extend(call.notes)
    return "\n".join(lines + extra)


def _arg_bytes(p: Passed, value: Any) -> Optional[bytes]:
    """The bytes of ``value`` as the argument's C type on the call's target (binmodel builds them)."""
    if value is None or p.info is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    info = p.info
    if info.model is not None:
        return bytes(info.model.build(value))
    import struct

    if info.leaves[0].kind == "float" and not info.aggregate:
        return struct.pack("<f" if info.size == 4 else "<d", value)
    if info.leaves[0].kind == "int":
        return int(value).to_bytes(info.size, "little", signed=bool(info.signed) and int(value) < 0)
    return None


def picture(call: Call, values: Optional[Dict[str, Any]] = None) -> str:
    """Registers and the outgoing stack area at the call instruction, with each value's bytes when given."""
    values = values or {}
    regs: List[str] = []
    stack: Dict[int, Tuple[str, str]] = {}
    if call.hidden is not None:
        if call.hidden.reg is not None:
            regs.append("  %-6s = &result (%s, returned in memory)" % (call.hidden.reg, call.ret.ctype if call.ret
                                                                      else ""))
        else:
            stack[call.hidden.stack or 0] = ("&result", "hidden pointer")
    for p in call.args:
        data = _arg_bytes(p, values.get(p.name))
        for s in p.slots:
            label = p.name if p.how != "reference" else "&" + p.name + " (copy)"
            if s.offset or s.size < p.size and p.how != "reference":
                label += "[%d:%d]" % (s.offset, s.offset + s.size)
            chunk = "" if data is None or p.how == "reference" else " " + data[s.offset:s.offset + s.size].hex(" ")
            if s.reg is not None:
                regs.append("  %-6s = %s%s" % (s.reg, label, chunk))
            else:
                stack[s.stack or 0] = (label, chunk.strip())
    if call.ret is not None and call.ret.how != "memory":
        for s in call.ret.slots:
            regs.append("  %-6s <- result%s" % (s.reg, "" if s.offset == 0 and s.size == call.ret.size else
                                                "[%d:%d]" % (s.offset, s.offset + s.size)))
    if call.vector_count is not None:
        regs.append("  %-6s = %d" % ("al", call.vector_count))
    lines = ["registers at the call:"] + (regs or ["  (none)"])
    lines.append("stack at the call (sp %d-byte aligned, higher addresses up):" % call.stack_align)
    for off in sorted(stack, reverse=True):
        label, chunk = stack[off]
        lines.append(("  sp+%-4d | %-24s | %s" % (off, label, chunk)).rstrip())
    if call.shadow:
        lines.append("  sp+0    | %-24s |" % ("shadow space (%d bytes)" % call.shadow))  # below the arguments
    lines.append("  sp ---> (the call pushes the return address below)" if call.abi.startswith(("x86", "i386"))
                 else "  sp ---> (the return address goes in the link register)")
    return "\n".join(lines)


def _ident(text: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in text).strip("_")
    return out if out and not out[0].isdigit() else "v_" + out


def frame(call: Call, values: Optional[Dict[str, Any]] = None) -> Tuple[Any, bytes, Any, bytes]:
    """binmodel ``Struct`` models of the call's registers and of its outgoing stack area, each with the bytes
    ``values`` put there (zeros where a value is not given), for binmodel's own dump and HTML view."""
    from .. import fields as _f
    from ..model import Struct

    values = values or {}
    regs: List[Tuple[str, bytes]] = []
    stack: Dict[int, Tuple[str, bytes]] = {}
    if call.hidden is not None:
        entry = ("result_pointer", bytes(call.hidden.size))
        if call.hidden.reg is not None:
            regs.append((call.hidden.reg + "_" + entry[0], entry[1]))
        else:
            stack[call.hidden.stack or 0] = entry
    for p in call.args:
        data = _arg_bytes(p, values.get(p.name))
        for s in p.slots:
            label = ("address_of_copy_of_" if p.how == "reference" else "") + p.name
            if s.offset or (s.size < p.size and p.how != "reference"):
                label += "_%d_%d" % (s.offset, s.offset + s.size)
            chunk = bytes(s.size) if data is None or p.how == "reference" else data[s.offset:s.offset + s.size]
            if s.reg is not None:
                regs.append((s.reg + "_" + label, chunk.ljust(s.size, b"\0")))
            else:
                stack[s.stack or 0] = (label, chunk.ljust(s.size, b"\0"))
    if call.shadow:
        stack[0] = ("shadow_space", bytes(call.shadow))

    def model(name: str, parts: List[Tuple[str, bytes]]) -> Any:
        ns: Dict[str, Any] = {"__annotations__": {}, "__module__": __name__}
        for field, chunk in parts:
            key = _ident(field)
            ns["__annotations__"][key] = bytes
            ns[key] = _f.Bytes(len(chunk))
        meta: Any = type(Struct)
        return meta(name, (Struct,), ns)

    slots: List[Tuple[str, bytes]] = []
    at = 0
    for off in sorted(stack):
        label, chunk = stack[off]
        if off > at:
            slots.append(("unused_%d" % at, bytes(off - at)))
        slots.append(("sp_%d_%s" % (off, label), chunk))
        at = off + len(chunk)
    if call.stack_size > at:
        slots.append(("unused_%d" % at, bytes(call.stack_size - at)))
    return (model("Registers", regs), b"".join(c for _, c in regs), model("Stack", slots),
            b"".join(c for _, c in slots))


def dump_text(call: Call, values: Optional[Dict[str, Any]] = None) -> str:
    """binmodel's annotated dump of the registers, then of the stack area from SP at the call (plain text)."""
    from ..dump import dump_lines, render

    regs, reg_data, stack, stack_data = frame(call, values)
    out = "registers (each one's low bytes, little-endian):\n"
    out += render(dump_lines(regs.parse_trace(reg_data), width=8), color=False) if reg_data else "(none)\n"
    out += "stack at the call (offsets from sp):\n"
    out += render(dump_lines(stack.parse_trace(stack_data), width=8), color=False) if stack_data else "(empty)\n"
    return out


def html(call: Call, values: Optional[Dict[str, Any]] = None) -> str:
    """binmodel's HTML view of the registers then the stack area at the call: one self-contained page."""
    from ..html import to_html
    from ..model import Struct

    regs, reg_data, stack, stack_data = frame(call, values)
    ns: Dict[str, Any] = {"__annotations__": {"registers": regs, "stack": stack}, "__module__": __name__}
    meta: Any = type(Struct)
    whole = meta("Call", (Struct,), ns)
    return to_html(whole, reg_data + stack_data, title="%s on %s" % (call.signature.c_text(), call.abi))
