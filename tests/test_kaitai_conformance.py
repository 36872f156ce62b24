"""``python -m binmodel.kaitai.conformance DIR``: one line per Kaitai test specification, then the totals."""

from __future__ import annotations

import io
import pathlib
import re
import subprocess
import sys

import pytest

import kaitai_truth

pytest.importorskip("yaml", reason="could not import 'yaml': pip install -e '.[kaitai]'")

from binmodel.kaitai import conformance  # noqa: E402


def _suite(root: pathlib.Path) -> pathlib.Path:
    for d in ("formats", "src", "spec/ks"):
        (root / d).mkdir(parents=True)
    (root / "formats" / "pair.ksy").write_text(
        "meta:\n  id: pair\nseq:\n  - id: a\n    type: u1\n  - id: b\n    type: u1\n"
        "instances:\n  kind:\n    value: a\n    enum: kind\nenums:\n  kind:\n    1: one\n")
    (root / "formats" / "squeezed.ksy").write_text(
        "meta:\n  id: squeezed\nseq:\n  - id: a\n    size: 2\n    process: my_codec(3)\n")
    (root / "formats" / "long.ksy").write_text("meta:\n  id: long\nseq:\n  - id: a\n    type: u4le\n")
    (root / "src" / "two.bin").write_bytes(b"\x01\x02")
    (root / "src" / "three.bin").write_bytes(b"\x01\x02\x03")
    kst = root / "spec" / "ks"
    (kst / "pair_pass.kst").write_text(
        "id: pair\ndata: two.bin\nasserts:\n  - actual: a\n    expected: 1\n  - actual: b\n    expected: 0x2\n"
        "  - actual: kind\n    expected: pair::kind::one\n")
    (kst / "pair_fail.kst").write_text(
        "id: pair\ndata: two.bin\nasserts:\n  - actual: a\n    expected: 1\n  - actual: b * 10\n    expected: 3\n")
    (kst / "pair_trailing.kst").write_text("id: pair\ndata: three.bin\nasserts:\n  - actual: b\n    expected: 2\n")
    (kst / "squeezed.kst").write_text("id: squeezed\ndata: two.bin\nasserts: []\n")
    (kst / "long_eof.kst").write_text("id: long\ndata: three.bin\nexception: EndOfStreamError\n")
    (kst / "long_parses.kst").write_text("id: long\ndata: two.bin\nasserts:\n  - actual: a\n    expected: 1\n")
    return root


EXPECTED = """\
long_eof: pass
long_parses: fail: parse failed: a at offset 0 (0x0): expected 4 bytes for u32le, found 2
pair_fail: fail: asserts[1] b * 10: expected 3, got 20
pair_pass: pass
pair_trailing: pass (round trip of the 2 bytes read (of 3; the rest is not read))
squeezed: unsupported: squeezed.ksy: seq[0].process: not supported yet (process: my_codec(3) (custom processing \
routines)): give its codec to load(..., processes={'my_codec': ...})
3 passed, 3 failed
"""


def test_one_line_per_test_then_the_totals(tmp_path: pathlib.Path) -> None:
    suite = _suite(tmp_path)
    out = io.StringIO()
    results = conformance.run(suite, out)
    assert out.getvalue() == EXPECTED
    assert [r.status for r in results] == ["pass", "fail", "fail", "pass", "pass", "unsupported"]
    assert conformance.summary(results)[0] == ("(process: my_codec(3) (custom processing routines))", 1)


def test_the_command_exits_0_whatever_the_counts(tmp_path: pathlib.Path) -> None:
    suite = _suite(tmp_path)
    done = subprocess.run([sys.executable, "-m", "binmodel.kaitai.conformance", str(suite)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == EXPECTED


def test_values_compare_as_kaitai_means_them() -> None:
    same = conformance.same
    assert same(b"\x01\xff", b"\x01\xff") and same(b"\x01\xff", [1, 255]) and same([1, 2], b"\x01\x02")
    assert same(0.1 + 0.2, 0.3) and not same(0.31, 0.3) and same(float("nan"), float("nan"))
    assert same(1, True) and same(0, False) and not same(2, True) and not same(True, 1)
    assert same(None, None) and not same(0, None) and not same("1", 1) and not same(1, 1.5)


def test_on_kaitais_suite() -> None:
    if not (kaitai_truth.SUITE / "spec" / "ks").is_dir():
        pytest.skip("Kaitai's test suite is not at %s" % kaitai_truth.SUITE)
    out = io.StringIO()
    results = conformance.run(kaitai_truth.SUITE, out)
    lines = out.getvalue().splitlines()
    tests = sorted(p.stem for p in (kaitai_truth.SUITE / "spec" / "ks").glob("*.kst"))
    assert [line.split(":")[0] for line in lines[:-1]] == tests
    for line in lines[:-1]:
        assert re.match(r"^[a-z0-9_]+: (pass( \(.*\))?|fail: .+|unsupported: .+)$", line), line
    passed = sum(r.status == "pass" for r in results)
    assert lines[-1] == "%d passed, %d failed" % (passed, len(tests) - passed)
    # every unsupported test names the feature it needs, at a file and YAML path or in an assert
    for r in results:
        if r.status == "unsupported":
            assert "not supported yet" in r.detail or "asserts[" in r.detail or "exception" in r.detail, r.detail
    assert passed >= 158  # the importer's figure today (97%); it grows as the core gains Kaitai's features
    docs = _listed(DOCS.read_text(encoding="utf-8"))
    failing = sorted(r.name for r in results if r.status != "pass")
    unbuilt = sorted(r.name for r in results if r.status == "pass" and r.detail.startswith("round trip:"))
    assert docs["Tests that do not pass"] == failing, "docs/kaitai.md lists other failing tests than the runner"
    assert docs["Tests that pass but do not build back to their input"] == unbuilt
    assert "passes %d\n(%d%%)" % (passed, 100 * passed // len(tests)) in DOCS.read_text(encoding="utf-8")


DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "kaitai.md"


def _listed(text: str) -> dict:
    """The test names each ``### `` section of the docs lists (``- `name`: reason``)."""
    out: dict = {}
    section = None
    for line in text.splitlines():
        if line.startswith("### "):
            section = line[4:].strip()
            out[section] = []
        elif section is not None and line.startswith("- `"):
            out[section].append(line[3:line.index("`", 3)])
    return {k: sorted(v) for k, v in out.items()}
