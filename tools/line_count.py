"""Count the lines of code in Python files: non-blank lines that are not only a comment, part of a
docstring (a module's, class's or function's first statement when it is a string) or part of an import
statement (how a linter wraps a long import list says nothing about a model). Code after a line
``# --- helpers beyond the model ---`` (functions a user may call, such as MessagePack's ``to_python``,
that parsing and building do not need) is counted apart, and reported as well. Used for the worked
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


MARKER = "# --- helpers beyond the model ---"


def count(source: str, upto: int = 0) -> int:
    """Lines holding a token that is code (not a comment, a docstring or an import); only before line
    ``upto`` when it is given."""
    skip = docstring_lines(source)
    code: Set[int] = set()
    ignored = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENDMARKER, tokenize.ENCODING)
    for tok in tokenize.tokenize(io.BytesIO(source.encode("utf-8")).readline):
        if tok.type in ignored:
            continue
        for line in range(tok.start[0], tok.end[0] + 1):
            if line not in skip and (not upto or line < upto):
                code.add(line)
    return len(code)


def count_file(path: pathlib.Path) -> Tuple[int, int]:
    """(lines of the model, lines of the whole file): the same unless the file has helpers after MARKER."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    upto = next((i + 1 for i, line in enumerate(lines) if line.strip() == MARKER), 0)
    return count(source, upto), count(source)


def worked() -> Dict[str, Tuple[int, int, int]]:
    """``{format: (binmodel model lines, binmodel file lines, Construct lines)}`` for the worked formats
    that exist."""
    out = {}
    for name in WORKED:
        ours = ROOT / "src" / "binmodel" / "formats" / (name + ".py")
        theirs = ROOT / "bench" / "construct_formats" / (name + ".py")
        if ours.exists() and theirs.exists():
            model, whole = count_file(ours)
            out[name] = (model, whole, count_file(theirs)[1])
    return out


def main(argv: List[str]) -> int:
    if argv == ["--worked"]:
        total_m = total_w = total_c = 0
        print("%-10s %14s %13s %9s %15s" % ("format", "binmodel model", "(with helpers)", "Construct",
                                            "Construct/model"))
        for name, (m, w, c) in worked().items():
            total_m, total_w, total_c = total_m + m, total_w + w, total_c + c
            print("%-10s %14d %13d %9d %14.0f%%" % (name, m, w, c, 100.0 * c / m))
        print("%-10s %14d %13d %9d %14.0f%%" % ("total", total_m, total_w, total_c, 100.0 * total_c / total_m))
        return 0
    for arg in argv:
        model, whole = count_file(pathlib.Path(arg))
        print("%6d %6d %s" % (model, whole, arg))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
