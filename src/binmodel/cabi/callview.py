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
