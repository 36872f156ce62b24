"""Count the lines of code in Python files: non-blank lines that are not only a comment, part of a
docstring (a module's, class's or function's first statement when it is a string) or part of an import
statement (how a linter wraps a long import list says nothing about a model). Used for the worked
formats' comparison of a binmodel model with the same format in Construct (docs/formats.md).

    python tools/line_count.py src/binmodel/formats/ico.py bench/construct_formats/ico.py
    python tools/line_count.py --worked          # the four worked formats, binmodel and Construct
"""

from __future__ import annotations

import ast
import io
import pathlib
import sys
import tokenize
from typing import Dict, List, Set, Tuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORKED = ("ico", "javaclass", "sfnt", "msgpack")


def docstring_lines(source: str) -> Set[int]:
    """Line numbers of docstrings and imports."""
    lines: Set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def count(source: str) -> int:
    """Lines holding a token that is code (not a comment, a docstring or an import)."""
    skip = docstring_lines(source)
    code: Set[int] = set()
    ignored = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENDMARKER, tokenize.ENCODING)
    for tok in tokenize.tokenize(io.BytesIO(source.encode("utf-8")).readline):
        if tok.type in ignored:
            continue
        for line in range(tok.start[0], tok.end[0] + 1):
            if line not in skip:
                code.add(line)
    return len(code)


def count_file(path: pathlib.Path) -> int:
    return count(path.read_text(encoding="utf-8"))


def worked() -> Dict[str, Tuple[int, int]]:
    """``{format: (binmodel lines, Construct lines)}`` for the worked formats."""
    return {name: (count_file(ROOT / "src" / "binmodel" / "formats" / (name + ".py")),
                   count_file(ROOT / "bench" / "construct_formats" / (name + ".py")))
            for name in WORKED}


def main(argv: List[str]) -> int:
    if argv == ["--worked"]:
        total_b = total_c = 0
        print("%-10s %8s %9s %6s" % ("format", "binmodel", "Construct", "ratio"))
        for name, (b, c) in worked().items():
            total_b, total_c = total_b + b, total_c + c
            print("%-10s %8d %9d %5.0f%%" % (name, b, c, 100.0 * c / b))
        print("%-10s %8d %9d %5.0f%%" % ("total", total_b, total_c, 100.0 * total_c / total_b))
        return 0
    for arg in argv:
        print("%6d %s" % (count_file(pathlib.Path(arg)), arg))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
