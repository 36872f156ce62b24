"""The benchmark harness (bench/run.py) runs every workload at --size tiny, in-process.

Only that it completes and that every implementation passes its cross-check
against the hand-written struct reference: no timing is asserted. Skipped
where the peers (construct, dissect.cstruct, numpy: the `bench` extra) are missing.

The skips happen inside the fixture, not at import: test_compiled_matches_interpreter
imports every test module, and a module-level skip would skip that test too.
"""

import importlib.util
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent / "bench" / "run.py"
WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6"]


@pytest.fixture(scope="module")
def bench():
    pytest.importorskip("construct")
    pytest.importorskip("dissect.cstruct")
    pytest.importorskip("numpy")
    if not BENCH.exists():
        pytest.skip("bench/run.py is not in this tree")
    spec = importlib.util.spec_from_file_location("binmodel_bench_run", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # models resolve their annotations in their module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.parametrize("key", WORKLOADS)
def test_workload_runs_and_cross_checks_at_tiny_size(bench, key):
    text, rows = bench.run("tiny", [key], repeats=1)  # run() asserts the cross-checks
    assert list(rows) == [key]
    assert "### %s:" % key in text
    ran = {row.impl.name for row in rows[key] if row.seconds is not None}
    assert bench.REF in ran
    assert "binmodel" in ran
    assert {"Construct", "Construct compiled", "dissect.cstruct"} <= ran
    missing = {row.impl.name for row in rows[key] if row.seconds is None}
    assert missing <= {"binmodel.bulk.parse_array"}  # the only optional one: binmodel's bulk path


def test_the_kaitai_workload_cross_checks_binmodel_against_kaitais_generated_code(bench):
    pytest.importorskip("yaml")
    text, rows = bench.run("tiny", ["W7"], repeats=1)  # run() asserts the cross-checks
    assert "### W7:" in text
    ran = {(row.operation.name, row.impl.name) for row in rows["W7"] if row.seconds is not None}
    for op in ("parse xored", "parse indexed"):
        assert (op, bench.REF) in ran and (op, "binmodel (from .ksy)") in ran
    kaitai = [row for row in rows["W7"] if row.impl.name.startswith("Kaitai")]
    assert len(kaitai) == 2
    sys.path.insert(0, str(BENCH.parent))
    try:
        import kaitai_formats
    finally:
        sys.path.pop(0)
    if kaitai_formats.kaitai_missing() is None:  # with Kaitai's compiler here, its code was checked and timed
        assert all(row.seconds is not None for row in kaitai)


def test_command_line_prints_the_tables(bench, capsys):
    assert bench.main(["--size", "tiny", "--only", "w5,W4", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(bench.versions().split(" · ")[0])
    assert "### W4:" in out and "### W5:" in out and "### W1:" not in out
    assert "| vs struct |" in out and "1.00x" in out


def test_cross_check_refuses_a_wrong_implementation(bench):
    values = [(1, 2), (3, 4)]
    good = bench.Impl(bench.REF, lambda: list(values))
    wrong = bench.Impl("wrong", lambda: [(1, 2), (3, 5)])
    op = bench.Operation("parse", 2, 8, [good, wrong])
    workload = bench.Workload("WX", "test", [op])
    with pytest.raises(AssertionError, match="record 1"):
        bench.cross_check(op, workload)
    short = bench.Impl("short", lambda: [(1, 2)])
    with pytest.raises(AssertionError, match="decoded 1 records"):
        bench.cross_check(bench.Operation("parse", 2, 8, [good, short]), workload)
    builds = bench.Operation("build", 1, 2, [bench.Impl(bench.REF, lambda: b"ab"), bench.Impl("bad", lambda: b"ac")],
                             compare="bytes", expected=b"ab")
    with pytest.raises(AssertionError, match="different bytes"):
        bench.cross_check(builds, workload)


def test_unknown_workload_is_an_error(bench):
    with pytest.raises(ValueError, match="W9"):
        bench.run("tiny", ["W9"], repeats=1)
