"""Kaitai Struct's own test specifications run against the importer: ``python -m binmodel.kaitai.conformance DIR``.

``DIR`` is a checkout of Kaitai's test suite (``formats/``, ``src/``, ``spec/ks/*.kst``). For every .kst:
load ``formats/ID.ksy``, parse ``src/DATA``, then evaluate each assert's ``actual`` on the parsed object and
compare it with ``expected`` (both Kaitai expressions); an ``exception`` test must raise a ``ParseError``
of the matching kind. A test passes on its asserts; every test that parses is also built back, and a
passing test whose build is not its input (or the prefix of it that Kaitai reads) says why in its line
(``pass (round trip: ...)``). One line per test, then ``N passed, M failed``; the exit status is 0
whatever the counts (the figure is the result).
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import math
import pathlib
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from ..errors import Error, ParseError
from . import expr as kx
from .ksy import KaitaiError, UnsupportedError, attr_name, read_yaml
from .loader import load, scope_of
from .suite import PROCESSES, SuiteTypes


@dataclasses.dataclass
class Result:
    """One test's outcome: ``status`` is "pass", "fail" or "unsupported"; ``detail`` says why."""

    name: str
    status: str
    detail: str = ""

    def line(self) -> str:
        if self.status == "pass":
            return "%s: pass%s" % (self.name, " (%s)" % self.detail if self.detail else "")
        return "%s: %s: %s" % (self.name, self.status, self.detail)


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, enum.Enum):
        text = "%s::%s" % (type(value).__name__, getattr(value, "ks_name", value.name))
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def same(actual: Any, expected: Any) -> bool:
    """Kaitai's equality for test values: enums by class and value, bytes against integer lists, floats
    to six decimal places (as Kaitai's generated tests compare them), ``null`` only with None, a bit
    field of one bit (0 or 1 in binmodel, a boolean in Kaitai) with a boolean; else ``==`` of the same kinds."""
    if actual is None or expected is None:
        return actual is expected
    if isinstance(expected, enum.Enum) or isinstance(actual, enum.Enum):
        if isinstance(expected, enum.Enum) and isinstance(actual, enum.Enum):
            return type(actual).__qualname__ == type(expected).__qualname__ and actual.value == expected.value
        return False
    if isinstance(actual, (bytes, bytearray, list)) and isinstance(expected, (bytes, bytearray, list)):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, bool) or isinstance(actual, bool):
        if isinstance(expected, bool) and type(actual) is int and actual in (0, 1):
            return actual == int(expected)
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(actual, float) or isinstance(expected, float):
        if not isinstance(actual, (int, float)) or not isinstance(expected, (int, float)):
            return False
        if math.isnan(actual) or math.isnan(expected):
            return math.isnan(actual) and math.isnan(expected)
        return actual == expected or round(actual - expected, 6) == 0
    if isinstance(actual, (int, float)) != isinstance(expected, (int, float)):
        return False
    return bool(actual == expected)


_EXCEPTIONS: Dict[str, Callable[[Error], bool]] = {
    # Kaitai's exception names, and what the matching binmodel error says
    "EndOfStreamError": lambda e: isinstance(e, ParseError) and _is_end_of_data(e),
    "ValidationNotEqualError": lambda e: _invalid(e, "==") or (isinstance(e, ParseError) and not _is_end_of_data(e)
                                                               and "is not valid" not in e.reason),
    "ValidationLessThanError": lambda e: _invalid(e, ">="),
    "ValidationGreaterThanError": lambda e: _invalid(e, "<="),
    "ValidationNotAnyOfError": lambda e: _invalid(e, "any of"),
    "ValidationNotInEnumError": lambda e: _invalid(e, "a member of"),
    "ValidationExprError": lambda e: _invalid(e, ""),
    "UndecidedEndiannessError": lambda e: isinstance(e, ParseError) and e.reason.startswith("no byte order"),
    "ConversionError": lambda e: isinstance(e, ParseError) and "not an integer" in str(e),
}


def _invalid(e: Error, label: str) -> bool:
    """A value a ``valid:`` refused, by the part Kaitai's error names (the importer's labels: "== 1",
    ">= 0", "<= 9", "any of ...", "a member of ...", or the ``expr:`` text)."""
    if not isinstance(e, ParseError) or "is not valid" not in e.reason:
        return False
    text = str(e.expected)
    if label:
        return text.startswith(label)
    return not text.startswith(("==", ">=", "<=", "any of", "a member of"))


def _is_end_of_data(e: ParseError) -> bool:
    text = e.reason
    return (isinstance(e.expected, int) and isinstance(e.found, int) and e.found < e.expected) or \
        "end of" in text or "no terminator" in text or "not found" in text


def _exception_name(spec: Any) -> str:
    """Kaitai's exception name, without the type in brackets (``ValidationNotEqualError<u4>``)."""
    if isinstance(spec, dict):
        spec = spec.get("type", "")
    return str(spec).split("<")[0]


def run_one(kst: pathlib.Path, suite: pathlib.Path) -> Result:
    """Run one .kst file."""
    name = kst.stem
    try:
        spec = read_yaml(kst.read_text(encoding="utf-8"), kst.name)
    except (KaitaiError, OSError, UnicodeError) as exc:
        return Result(name, "fail", "cannot read the test: %s" % exc)
    if not isinstance(spec, dict) or not isinstance(spec.get("id"), str) or not isinstance(spec.get("data"), str):
        return Result(name, "fail", "the test has no id: or data:")
    formats = suite / "formats"
    paths = [formats / "ks_path", formats]
    try:  # with the routines and opaque types the suite supplies as code (binmodel.kaitai.suite)
        model = load(formats / (spec["id"] + ".ksy"), paths, processes=PROCESSES,
                     opaque_types=SuiteTypes(formats, paths))
    except UnsupportedError as exc:
        return Result(name, "unsupported", str(exc))
    except KaitaiError as exc:
        return Result(name, "fail", "refused: %s" % exc)
    try:
        data = (suite / "src" / spec["data"]).read_bytes()
    except OSError as exc:
        return Result(name, "fail", "cannot read the input: %s" % exc)
    expected_error = spec.get("exception")
    try:
        parsed = model.parse(data, allow_trailing=True)
    except ParseError as exc:
        if expected_error is not None:
            kind = _exception_name(expected_error)
            check = _EXCEPTIONS.get(kind)
            if check is None:
                return Result(name, "unsupported", "exception %s has no binmodel counterpart yet (got: %s)" % (kind, exc))
            if check(exc):
                return Result(name, "pass")
            return Result(name, "fail", "expected %s, got ParseError: %s" % (kind, exc))
        return Result(name, "fail", "parse failed: %s" % exc)
    except Error as exc:
        return Result(name, "fail", "parse failed with %s: %s" % (type(exc).__name__, exc))
    if expected_error is not None:
        return Result(name, "fail", "expected %s, but the input parsed" % _exception_name(expected_error))
    scope = scope_of(model)
    env = kx.Env(root=parsed, enum=scope.enum_member, attr=attr_name)
    for i, check in enumerate(spec.get("asserts") or ()):
        if not isinstance(check, dict) or "actual" not in check or ("expected" not in check and "exception" not in check):
            return Result(name, "fail", "asserts[%d] needs actual: and expected:" % i)
        actual_text, expected_text = check["actual"], check.get("expected")
        try:
            actual = kx.evaluate(kx.parse(actual_text), parsed, env, str(actual_text))
        except kx.UnsupportedExpr as exc:
            return Result(name, "unsupported", "asserts[%d] actual %s: %s" % (i, actual_text, exc.reason))
        except kx.KaitaiExprError as exc:
            return Result(name, "fail", "asserts[%d] actual: %s" % (i, exc))
        except Error as exc:  # a value read when first used (a parse instance, a value instance) that fails
            if "exception" not in check:
                return Result(name, "fail", "asserts[%d] %s: reading it failed: %s" % (i, actual_text, exc))
            kind = _exception_name(check["exception"])
            matches = _EXCEPTIONS.get(kind)
            if matches is None or not matches(exc):
                return Result(name, "fail", "asserts[%d] %s: expected %s, got %s: %s"
                              % (i, actual_text, kind, type(exc).__name__, exc))
            continue
        if "exception" in check:
            return Result(name, "fail", "asserts[%d] %s: expected %s, got %s"
                          % (i, actual_text, _exception_name(check["exception"]), _short(actual)))
        try:
            expected = None if expected_text in (None, "null") else \
                kx.evaluate(kx.parse(expected_text), parsed, env, str(expected_text))
        except kx.KaitaiExprError as exc:
            return Result(name, "fail", "asserts[%d] expected: %s" % (i, exc))
        if not same(actual, expected):
            return Result(name, "fail", "asserts[%d] %s: expected %s, got %s"
                          % (i, actual_text, _short(expected), _short(actual)))
    return Result(name, "pass", round_trip(model, parsed, data))


def round_trip(model: Any, parsed: Any, data: bytes) -> str:
    """What ``build(parse(data))`` gives, as the detail of a passing test: "" when it is ``data``, else
    the reason it is not (a test passes on its asserts; its round trip is reported beside)."""
    try:
        built = model.build(parsed)
    except Error as exc:
        return "round trip: build failed with %s: %s" % (type(exc).__name__, exc)
    if built == data:
        return ""
    if data.startswith(built):  # Kaitai reads a prefix and leaves the rest: the bytes read came back
        return "round trip of the %d bytes read (of %d; the rest is not read)" % (len(built), len(data))
    at = next((k for k, (a, b) in enumerate(zip(built, data)) if a != b), min(len(built), len(data)))
    return "round trip: build differs from the input at byte %d (%d bytes built, %d read)" % (at, len(built), len(data))


def run(suite: pathlib.Path, out: TextIO = sys.stdout, only: Sequence[str] = ()) -> List[Result]:
    """Run every .kst of ``suite/spec/ks`` (or those named in ``only``), printing one line each and the totals."""
    results: List[Result] = []
    for kst in sorted((suite / "spec" / "ks").glob("*.kst")):
        if only and kst.stem not in only:
            continue
        try:
            result = run_one(kst, suite)
        except RecursionError:
            result = Result(kst.stem, "fail", "recursion too deep")
        results.append(result)
        print(result.line(), file=out)
    passed = sum(r.status == "pass" for r in results)
    print("%d passed, %d failed" % (passed, len(results) - passed), file=out)
    return results


def summary(results: Sequence[Result]) -> List[Tuple[str, int]]:
    """The reasons tests did not pass, most frequent first (the feature an unsupported test needs)."""
    counts: Dict[str, int] = {}
    for r in results:
        if r.status == "pass":
            continue
        if r.status == "unsupported":
            key = _feature(r.detail)
        else:
            key = r.detail.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _feature(detail: str) -> str:
    """The feature an unsupported test needs: the parenthesis after "not supported yet" (nested ones kept)."""
    marker = "not supported yet ("
    start = detail.find(marker)
    if start < 0:
        return detail
    start += len(marker) - 1
    depth = 0
    for i in range(start, len(detail)):
        depth += {"(": 1, ")": -1}.get(detail[i], 0)
        if depth == 0:
            return detail[start:i + 1]
    return detail[start:]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m binmodel.kaitai.conformance",
                                     description="Run Kaitai Struct's test specifications against binmodel's importer.")
    parser.add_argument("suite", type=pathlib.Path, help="the test suite: formats/, src/, spec/ks/")
    parser.add_argument("--only", nargs="*", default=(), help="run only these tests (names of .kst files)")
    parser.add_argument("--summary", action="store_true", help="also print the reasons for failures, counted")
    args = parser.parse_args(argv)
    if not (args.suite / "spec" / "ks").is_dir():
        print("%s has no spec/ks directory" % args.suite, file=sys.stderr)
        return 2
    results = run(args.suite, only=args.only)
    if args.summary:
        for reason, count in summary(results):
            print("%4d  %s" % (count, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
