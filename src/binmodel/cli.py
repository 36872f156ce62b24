"""The ``binmodel`` command: ``dump`` a file as a model, ``diff`` two files, print a model's ``layout``.

Models are named as ``--format NAME`` (see ``binmodel formats``) or
``package.module:Model``. Errors print one line and exit with status 2
(usage, unknown model, unreadable file) or 1 (the data does not parse).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any, List, NoReturn, Optional

from .errors import Error


class CliError(Exception):
    """A problem worth one line on stderr and exit status 2."""


def load_model(spec: Optional[str], fmt: Optional[str]) -> Any:
    from .formats import FORMATS
    from .model import Struct

    if fmt:
        try:
            return FORMATS[fmt.lower()]
        except KeyError:
            raise CliError("unknown format %r; known: %s" % (fmt, ", ".join(sorted(FORMATS)))) from None
    if not spec:
        raise CliError("name a model: --format NAME or package.module:Model")
    module_name, _, attr = spec.partition(":")
    if not attr or not module_name:
        raise CliError("a model is written package.module:Model, not %r" % spec)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CliError("cannot import %s: %s" % (module_name, exc)) from None
    except Exception as exc:  # the module itself fails: a syntax error, an exception at import time
        raise CliError("cannot import %s: %s: %s" % (module_name, type(exc).__name__, exc)) from None
    model: Any = module
    for part in attr.split("."):
        model = getattr(model, part, None)
        if model is None:
            raise CliError("%s has no %s" % (module_name, attr))
    if not (isinstance(model, type) and issubclass(model, Struct)):
        raise CliError("%s is not a binmodel Struct" % spec)
    return model


def read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise CliError("cannot read %s: %s" % (path, exc.strerror or exc)) from None


def _natural(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError("not a whole number: %r" % text) from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative: %s" % text)
    return value


def _positive(text: str) -> int:
    value = _natural(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", help="the model as package.module:Model")
    parser.add_argument("--format", "-f", help="a bundled format instead of --model (see 'binmodel formats')")


def _color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                        help="colour output (needs 'rich'; auto: only on a terminal, and not with NO_COLOR)")


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (and a pointer to ``--help``) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, "%s: %s (see '%s --help')\n" % (self.prog, message, self.prog))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="binmodel", description="Read, show and lay out binary data with models.")
    sub = parser.add_subparsers(dest="command", required=True)

    dump = sub.add_parser("dump", help="annotated hex dump of a file parsed as a model",
                          description="Print every field's bytes with its full path, value and offset; "
                                      "structures are framed, padding dim, uncovered bytes yellow, a parse "
                                      "failure red after everything parsed before it.")
    dump.add_argument("file", help="the file to read, or - for standard input")
    _model_options(dump)
    _color_option(dump)
    dump.add_argument("--depth", type=_natural, default=None,
                      help="fold structures nested deeper than this into one block each")
    dump.add_argument("--offset", type=_natural, default=0, help="show only fields at or after this byte (0x.. ok)")
    dump.add_argument("--length", type=_natural, default=None, help="show only fields within this many bytes")
    dump.add_argument("--items", type=_natural, default=None, help="show at most this many elements per array")
    dump.add_argument("--rows", type=_positive, default=4, help="hex rows shown per field before eliding (default 4)")
    dump.add_argument("--width", type=_positive, default=None,
                      help="bytes per hex row (default: 16, or fewer on a narrow terminal)")
    dump.add_argument("--no-legend", action="store_true", help="leave out the legend line")

    diff = sub.add_parser("diff", help="fields that differ between two files of one format",
                          description="Parse both files as the model and list every field whose bytes or value "
                                      "differ, values side by side, differing bytes marked. Exit status: 0 same, "
                                      "1 different (or a file does not parse), 2 trouble.")
    diff.add_argument("a", help="the first file (- for standard input)")
    diff.add_argument("b", help="the second file")
    _model_options(diff)
    _color_option(diff)

    view = sub.add_parser("html", help="an interactive HTML view (hex and field tree) of a file parsed as a model",
                          description="Write one self-contained HTML page (works offline) showing every byte "
                                      "coloured by its field, next to the field tree.")
    view.add_argument("file", help="the file to read, or - for standard input")
    _model_options(view)
    view.add_argument("--output", "-o", required=True, help="the HTML file to write, or - for standard output")
    view.add_argument("--title", help="the page title (default: the file name and the model)")

    layout = sub.add_parser("layout", help="the spec table of a model",
                            description="Print each field's offset, size, type and byte order.")
    layout.add_argument("model", nargs="?", help="the model as package.module:Model")
    layout.add_argument("--format", "-f", help="a bundled format instead of a model path")
    layout.add_argument("--markdown", action="store_true", help="print a Markdown table")

    sub.add_parser("formats", help="list the bundled formats")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "formats":
            from .formats import FORMATS

            for name, model in sorted(FORMATS.items()):
                doc = (model.__doc__ or "").strip().splitlines()
                print("%-8s %s" % (name, doc[0] if doc else model.__name__))
            return 0
        if args.command == "layout":
            table = load_model(args.model, args.format).layout()
            print(table.to_markdown() if args.markdown else table)
            return 0
        if args.command == "diff":
            return _diff(args)
        if args.command == "html":
            from .html import trace_to_html

            model = load_model(args.model, args.format)
            trace = model.parse_trace(read_input(args.file))
            name = "standard input" if args.file == "-" else args.file
            page = trace_to_html(trace, title=args.title or "%s as %s" % (name, model.__name__))
            if args.output == "-":
                sys.stdout.write(page)
            else:
                try:
                    with open(args.output, "w", encoding="utf-8") as f:
                        f.write(page)
                except OSError as exc:
                    raise CliError("cannot write %s: %s" % (args.output, exc.strerror or exc)) from None
            if trace.error is not None:
                print("binmodel: %s (the view shows the data parsed before it)" % trace.error, file=sys.stderr)
                return 1
            return 0
        from .dump import dump

        model = load_model(args.model, args.format)
        data = read_input(args.file)
        if args.offset and args.offset >= len(data):
            raise CliError("--offset %d is past the end of %s (%d bytes)" % (
                args.offset, "standard input" if args.file == "-" else args.file, len(data)))
        _warn_without_rich(args.color)
        trace = dump(model, data, color=args.color, depth=args.depth, max_rows=args.rows,
                     width=args.width, offset=args.offset, length=args.length, items=args.items,
                     legend=not args.no_legend)
        return 0 if trace.error is None else 1
    except CliError as exc:
        print("binmodel: %s" % exc, file=sys.stderr)
        return 2
    except Error as exc:
        print("binmodel: %s" % exc, file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): not an error; keep Python from complaining at exit
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except KeyboardInterrupt:
        print("binmodel: interrupted", file=sys.stderr)
        return 130


def _warn_without_rich(color: str) -> None:
    """``--color always`` without rich installed prints plain text: say why, once."""
    if color != "always":
        return
    try:
        import rich  # noqa: F401
    except ImportError:
        print("binmodel: colour needs rich (pip install 'binmodel[cli]'); printing without colour", file=sys.stderr)


def _diff(args: argparse.Namespace) -> int:
    from .diff import diff_lines
    from .dump import render, use_color

    model = load_model(args.model, args.format)
    if args.a == "-" and args.b == "-":
        raise CliError("only one of the two files can be standard input")
    ta, tb = model.parse_trace(read_input(args.a)), model.parse_trace(read_input(args.b))
    _warn_without_rich(args.color)
    lines = diff_lines(ta, tb, names=("a", "b"))
    sys.stdout.write(render(lines, use_color(args.color, sys.stdout)))
    same = len(lines) == 1 and ta.error is None and tb.error is None
    return 0 if same else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
