"""Type checkers see field types and constructor signatures (mypy over examples/), and the stub is current."""

import importlib.util
import pathlib
import platform
import re
import subprocess
import sys

import pytest

import binmodel.fields as fields

ROOT = pathlib.Path(__file__).resolve().parent.parent
needs_mypy = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None or platform.python_implementation() != "CPython",
    reason="mypy runs on CPython (CI installs it there)",
)


def run_mypy(*paths):
    cmd = [sys.executable, "-m", "mypy", "--no-incremental", "--python-version", "3.10",
           "--config-file", str(ROOT / "pyproject.toml"), *paths]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


@needs_mypy
def test_examples_type_check_cleanly():
    result = run_mypy("examples/typed_models.py")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_mypy
def test_checker_rejects_each_marked_line():
    source = (ROOT / "tests" / "typing_errors.py").read_text().splitlines()
    marked = {i + 1 for i, line in enumerate(source) if "# error:" in line}
    result = run_mypy("tests/typing_errors.py")
    reported = {int(m.group(1)) for m in re.finditer(r"typing_errors\.py:(\d+): error", result.stdout)}
    assert reported == marked, result.stdout


def test_stub_is_generated_from_the_current_generator():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_fields_stub
    finally:
        sys.path.pop(0)
    assert gen_fields_stub.STUB.read_text() == gen_fields_stub.render()
    assert gen_fields_stub.C_STUB.read_text() == gen_fields_stub.render_c()


def test_stub_declares_exactly_the_runtime_names():
    stub = (ROOT / "src" / "binmodel" / "fields.pyi").read_text()
    declared = set(re.findall(r"^def (\w+)\(", stub, re.M))
    runtime = {n for n, v in vars(fields).items() if not n.startswith("_")
               and (callable(v) or isinstance(v, fields._Scalar)) and getattr(v, "__module__", fields.__name__)
               in (fields.__name__, None) and not isinstance(v, type)}
    runtime |= set(fields._SCALARS)
    assert declared - {"to_node", "resolve_lazy"} == runtime - {"to_node", "as_expr", "resolve_lazy"}


def test_c_stub_declares_exactly_the_runtime_names():
    import binmodel.cabi.types as ctypes_module

    stub = (ROOT / "src" / "binmodel" / "cabi" / "types.pyi").read_text()
    declared = set(re.findall(r"^def (\w+)\(", stub, re.M))
    runtime = set(ctypes_module.C_TYPES) | {"CEnum", "Aligned", "CName"}
    assert declared == runtime
