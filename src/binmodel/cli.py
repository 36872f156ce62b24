"""The ``binmodel`` command: ``dump`` a file as a model, ``diff`` two files, print a model's ``layout``.

Models are named as ``--format NAME`` (see ``binmodel formats``), as
``module:Model`` (a module importable from the current directory or from
``sys.path``, such as ``tlv:Message`` next to ``tlv.py``) or as
``path/to/file.py:Model`` (a Python file, loaded by its path). Errors print one
line and exit with status 2 (usage, unknown model, unreadable file) or 1 (the
data does not parse).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
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
        raise CliError("name a model: --format NAME, module:Model or path/to/file.py:Model")
    module_name, _, attr = spec.rpartition(":")
    if not attr or not module_name:
        raise CliError("a model is written module:Model or path/to/file.py:Model, not %r" % spec)
    module = _import_model_module(module_name)
    model: Any = module
    for part in attr.split("."):
        model = getattr(model, part, None)
        if model is None:
            raise CliError("%s has no %s" % (module_name, attr))
    if not (isinstance(model, type) and issubclass(model, Struct)):
        raise CliError("%s is not a binmodel Struct" % spec)
    return model


MODEL_HELP = ("the model as module:Model (a module in the current directory or on sys.path, e.g. tlv:Message "
              "next to tlv.py) or path/to/file.py:Model")


def _import_model_module(name: str) -> Any:
    """The module ``name`` names: a ``.py`` file by its path, or a module importable from the current directory."""
    try:
        if name.endswith(".py") or os.sep in name or (os.altsep and os.altsep in name):
            return _load_file(name)
        # the current directory comes first, as for 'python -m': a model next to the data is found
        here = os.getcwd()
        if here not in sys.path and "" not in sys.path:
            sys.path.insert(0, here)
        return importlib.import_module(name)
    except CliError:
        raise
    except ImportError as exc:
        raise CliError("cannot import %s: %s" % (name, exc)) from None
    except Exception as exc:  # the module itself fails: a syntax error, an exception at import time
        raise CliError("cannot import %s: %s: %s" % (name, type(exc).__name__, exc)) from None


def _load_file(path: str) -> Any:
    if not os.path.isfile(path):
        raise CliError("cannot import %s: no such file" % path)
    stem = os.path.splitext(os.path.basename(path))[0]
    module_name = stem if stem.isidentifier() else "_binmodel_cli_model"
    if module_name in sys.modules:  # never replace a module already loaded under that name (json.py, a format ...)
        module_name = "_binmodel_cli_" + module_name
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise CliError("cannot import %s: not a Python file" % path)
    module = importlib.util.module_from_spec(spec)
    # registered before it runs, as an import would: dataclasses, typing and pickling look modules up by name,
    # and the file's own directory is searched for the modules it imports
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise CliError("cannot read %s: %s" % (path, exc.strerror or exc)) from None


def _stream_reader(model: Any) -> Any:
    """How to read ``model``'s records as they arrive, when the CLI knows (pcap: ``read_stream``), or None."""
    from .formats import pcap

    return pcap.read_stream if model is pcap.Pcap else None


class _Recorded:
    """Standard input, keeping what was read from it (to dump it afterwards)."""

    def __init__(self, f: Any) -> None:
        self.f, self.seen = f, bytearray()

    def read(self, n: int = -1) -> bytes:
        chunk = self.f.read(n)
        self.seen += chunk
        return chunk  # type: ignore[no-any-return]

    def read1(self, n: int = -1) -> bytes:
        chunk = self.f.read1(n)
        self.seen += chunk
        return chunk  # type: ignore[no-any-return]

    def seekable(self) -> bool:
        return False


def _read_records(read_stream: Any, items: int) -> bytes:
    """The bytes of standard input up to the end of its first ``items`` records, read as they arrive: a
    pipe that stays open (a live capture) is dumped as soon as they are in. Bad data: what was read."""
    recorded = _Recorded(sys.stdin.buffer)
    try:
        records = read_stream(recorded)[2]
        for _ in range(items):
            if next(records, None) is None:
                break
    except Error:
        return bytes(recorded.seen)  # the dump shows where it goes wrong
    return bytes(recorded.seen[:records.offset])


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
    parser.add_argument("--model", "-m", help=MODEL_HELP)
    parser.add_argument("--format", "-f", help="a bundled format instead of --model (see 'binmodel formats')")


def _color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                        help="colour output (needs 'rich'; auto: only on a terminal, and not with NO_COLOR)")


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (and a pointer to ``--help``) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, "%s: %s (see '%s --help')\n" % (self.prog, message, self.prog))


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="binmodel", description="Read, show and lay out binary data with models. A model is "
                     "named with --format NAME (a bundled format, see 'binmodel formats'), as module:Model "
                     "(a module in the current directory or on sys.path) or as path/to/file.py:Model.")
    parser.add_argument("--version", action="version", version="binmodel %s" % __version__)
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
    dump.add_argument("--json", action="store_true",
                      help="print the parsed value as JSON instead (bytes as hex, addresses and times as text)")

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
    layout.add_argument("model", nargs="?", help=MODEL_HELP)
    layout.add_argument("--format", "-f", help="a bundled format instead of a model path")
    layout.add_argument("--markdown", action="store_true", help="print a Markdown table")

    call = sub.add_parser("call", help="where a C call puts each argument and the result, on a named ABI",
                          description="Explain a C prototype for a target: the register or stack slot of every "
                                      "argument and of the result, struct classification, the hidden result "
                                      "pointer, variadic rules, who cleans the stack.")
    call.add_argument("prototype", help="a C prototype, e.g. 'int f(struct point, double, const char *)'")
    call.add_argument("--abi", default="native", help="the target (x86_64-linux, i386-linux, aarch64-linux, "
                      "arm-linux-gnueabihf, x86_64-windows, native)")
    call.add_argument("--struct", action="append", default=[], metavar="[TAG=]MODEL",
                      help="a CStruct/CUnion the prototype names, as file.py:Model or module:Model; it answers to "
                           "its class name and its lower-case name unless TAG= says otherwise (repeatable)")
    call.add_argument("--varargs", default="", help="the C types of one call's variadic arguments, comma-separated")
    call.add_argument("--picture", action="store_true", help="also draw the registers and the stack at the call")
    call.add_argument("--dump", action="store_true", help="also show the registers and the stack area as a dump")
    call.add_argument("--html", metavar="FILE", help="write the registers and the stack area as an HTML view")

    ksy = sub.add_parser("ksy2py", help="a Kaitai Struct .ksy file as binmodel source to own and edit",
                         description="Write the models binmodel.kaitai.load makes from FILE.ksy as Python source: "
                                     "one class per type, enums as IntEnum, doc: as docstrings and comments.")
    ksy.add_argument("ksy", metavar="FILE.ksy", help="the .ksy file")
    ksy.add_argument("--output", "-o", default="-", help="the .py file to write (default: standard output)")
    ksy.add_argument("-I", dest="search", action="append", default=[], metavar="SEARCH_PATH",
                     help="a directory for imports (meta.imports), after the importing file's (repeatable)")

    convert = sub.add_parser("convert", help="a file's records as a Parquet or Arrow file, or NDJSON",
                             description="Write the records of FILE (--records PATH, 'records' by default where the "
                                         "model has them; else the file as one row) as a table: columns as "
                                         "binmodel.arrow.schema gives them. Needs pyarrow (pip install "
                                         "'binmodel[arrow]'). A pcap is read and written a batch at a time.")
    convert.add_argument("file", help="the file to read")
    _model_options(convert)
    convert.add_argument("--to", required=True, metavar="OUT",
                         help="out.parquet, out.arrow (Arrow IPC file), or - for NDJSON on standard output")
    convert.add_argument("--records", default=None, metavar="PATH",
                         help="the attribute holding the records (default: records, where the model has it)")
    convert.add_argument("--batch-size", type=_positive, default=65536, help="records a batch (default 65536)")
    convert.add_argument("--enums", choices=("int", "name"), default="int",
                         help="enums as their numbers (default) or dictionary-encoded names")

    sub.add_parser("formats", help="list the bundled formats")
    return parser


def _convert(args: argparse.Namespace) -> int:
    try:
        from . import arrowfiles
    except ImportError as exc:
        raise CliError(str(exc)) from None
    model = load_model(args.model, args.format)
    if not os.path.isfile(args.file):
        raise CliError("cannot read %s: no such file" % args.file)
    try:
        schema, batches, f = arrowfiles.batches(model, args.file, args.records or None, args.batch_size,
                                                _stream_reader(model), enums=args.enums)
    except ImportError as exc:
        raise CliError(str(exc)) from None
    with f:
        try:
            count = arrowfiles.write(schema, batches, args.to)
        except (OSError, ValueError) as exc:
            if isinstance(exc, (Error, BrokenPipeError)):
                raise
            raise CliError("cannot write %s: %s" % (args.to, getattr(exc, "strerror", None) or exc)) from None
    if args.to != "-":
        print("binmodel: %d records written to %s" % (count, args.to), file=sys.stderr)
    return 0


def _ksy2py(args: argparse.Namespace) -> int:
    """``binmodel ksy2py``: the source of a .ksy file's models, written or printed."""
    import pathlib

    from .kaitai.ksy import KaitaiError
    from .kaitai.source import ksy_to_source

    try:
        source = ksy_to_source(pathlib.Path(args.ksy), args.search)
    except KaitaiError as exc:  # (UnsupportedError too): the file and the YAML path
        raise CliError(str(exc)) from None
    if args.output == "-":
        sys.stdout.write(source)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(source)
    except OSError as exc:
        raise CliError("cannot write %s: %s" % (args.output, exc.strerror or exc)) from None
    return 0


def _call(args: argparse.Namespace) -> int:
    """``binmodel call``: the explanation of one prototype on one ABI."""
    from .cabi.calls import Signature, parse_prototype

    structs = {}
    for item in args.struct:
        tag, _, spec = item.rpartition("=") if "=" in item.split(":")[0] else ("", "", item)
        model = load_model(spec, None)
        if getattr(model, "_bm_c", None) is None:
            raise CliError("%s is not a CStruct or CUnion" % spec)
        names = [tag] if tag else [model.__name__, model.__name__.lower()]
        for name in names:
            structs[name] = model
    sig = parse_prototype(args.prototype, structs)
    extra = []
    if args.varargs.strip():
        probe = parse_prototype("void f(%s)" % args.varargs, structs)
        extra = [t for _, t in probe.args]
    call = Signature.explain(sig, abi=args.abi, varargs=extra)
    print(call.table())
    if args.picture:
        print()
        print(call.picture())
    if args.dump:
        print()
        print(call.dump(), end="")
    if args.html:
        try:
            with open(args.html, "w", encoding="utf-8") as f:
                f.write(call.html())
        except OSError as exc:
            raise CliError("cannot write %s: %s" % (args.html, exc.strerror or exc)) from None
    return 0



def _report_kept(trace: Any) -> None:
    """Say how many parts were kept as malformed (dumps and views show them in red; the exit status then says
    that the data did not all parse)."""
    kept = len(trace.errors) - (trace.error is not None)
    if kept:
        print("binmodel: %d part%s of the data did not parse and %s kept as malformed"
              % (kept, "" if kept == 1 else "s", "is" if kept == 1 else "are"), file=sys.stderr)

def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "formats":
            from .formats import FORMATS

            for name, model in sorted(FORMATS.items()):
                print("%-8s %s" % (name, format_summary(model)))
            return 0
        if args.command == "layout":
            table = load_model(args.model, args.format).layout()
            print(table.to_markdown() if args.markdown else table)
            return 0
        if args.command == "diff":
            return _diff(args)
        if args.command == "call":
            return _call(args)
        if args.command == "ksy2py":
            return _ksy2py(args)
        if args.command == "convert":
            return _convert(args)
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
            _report_kept(trace)
            return 0 if not trace.errors else 1
        from .dump import dump

        model = load_model(args.model, args.format)
        streamed = _stream_reader(model) if args.file == "-" and args.items is not None and not args.offset else None
        data = read_input(args.file) if streamed is None else _read_records(streamed, args.items)
        if args.offset and args.offset >= len(data):
            raise CliError("--offset %d is past the end of %s (%d bytes)" % (
                args.offset, "standard input" if args.file == "-" else args.file, len(data)))
        if args.json:
            return _json(model, data)
        _warn_without_rich(args.color)
        trace = dump(model, data, color=args.color, depth=args.depth, max_rows=args.rows,
                     width=args.width, offset=args.offset, length=args.length, items=args.items,
                     legend=not args.no_legend)
        _report_kept(trace)
        return 0 if not trace.errors else 1
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


def format_summary(model: Any) -> str:
    """A format's one-line summary: the first paragraph of its docstring, as one sentence."""
    paragraph = (model.__doc__ or "").strip().split("\n\n")[0]
    text = " ".join(paragraph.split()).replace("``", "")
    if not text:
        return "The %s model." % model.__name__
    return text if text.endswith((".", "!", "?")) else text + "."


def _warn_without_rich(color: str) -> None:
    """``--color always`` without rich installed prints plain text: say why, once."""
    if color != "always":
        return
    try:
        import rich  # noqa: F401
    except ImportError:
        print("binmodel: colour needs rich (pip install 'binmodel[cli]'); printing without colour", file=sys.stderr)


def _json(model: Any, data: bytes) -> int:
    """``dump --json``: the value as ``to_dict(json=True)`` gives it, which ``from_dict`` reads back."""
    import json

    from .convert import json_ready

    value = model.parse(data)  # (a ParseError: one line on stderr, exit status 1)
    json.dump(json_ready(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


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
