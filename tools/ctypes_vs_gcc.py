"""Print, as Markdown, where ctypes and binmodel place the bit-fields of the hand-picked test structs,
next to gcc (x86-64). The table in docs/c-structs.md comes from this script.

    python tools/ctypes_vs_gcc.py
"""

import pathlib
import platform
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

from binmodel.cabi import TARGETS  # noqa: E402
from cabi_compile import c_globals  # noqa: E402
from cabi_gen import c_source, model_class  # noqa: E402
from test_cabi import BITFIELD_CASES, ctypes_layout, gcc_layout, naive_ctypes  # noqa: E402
from test_cabi_compilers import handpicked  # noqa: E402


def declaration(spec):
    parts = []
    for m in spec.members:
        ctype = m.type.replace("c_", "").replace("uchar", "unsigned char").replace("bool", "_Bool")
        parts.append("%s %s%s" % (ctype, m.name, "" if m.bits is None else ":%d" % m.bits))
    attrs = " packed" if spec.packed else (" pack(%d)" % spec.pack if spec.pack else "")
    return "%s {%s}%s" % ("union" if spec.union else "struct", "; ".join(parts), attrs)


def main():
    target = TARGETS["x86_64-linux"]
    specs = [s for s in handpicked() if s.name in BITFIELD_CASES]
    found = c_globals(target.name, c_source(specs, target))
    print("Measured with %s %s, gcc, x86-64. Bit offsets of each member, and sizeof:\n"
          % (platform.python_implementation(), platform.python_version()))
    print("| declaration | gcc | binmodel | ctypes |")
    print("|---|---|---|---|")
    models = {}
    for spec in specs:
        cls = models[spec.name] = model_class(spec, models, target)
        gcc = gcc_layout(found, spec)
        ours = {"size": cls.sizeof(), **{p.decl.name: p.bit for p in cls._bm_c.layout.placements}}
        try:
            theirs = ctypes_layout(naive_ctypes(spec, {}), spec)
        except (TypeError, ValueError) as exc:
            theirs = {"error": str(exc)}

        def show(layout):
            if "error" in layout:
                return "error: %s" % layout["error"]
            return ", ".join("%s@%s" % (k, v) for k, v in layout.items() if k != "size") + "; size %d" % layout["size"]

        mark = "" if theirs == gcc else " **(differs)**"
        print("| `%s` | %s | %s | %s%s |" % (declaration(spec), show(gcc), show(ours), show(theirs), mark))


if __name__ == "__main__":
    main()
