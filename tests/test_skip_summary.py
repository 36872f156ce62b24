"""The end of a run lists what was skipped and the command that enables it (tests/skip_summary.py).

A small suite of tests that skip for the reasons this project's tests give (a missing browser, a missing
package, a missing compiler, another platform) runs in a child pytest with the project's hook; its last
lines must group them and name the commands, and the closing "N passed, N skipped" line must stay last.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import skip_summary

HERE = pathlib.Path(__file__).resolve().parent

SUITE = textwrap.dedent('''
    import pytest

    def test_runs():
        pass

    @pytest.mark.parametrize("n", range(3))
    def test_browser(n):
        pytest.skip("/usr/bin/chromium is missing")

    def test_numpy():
        pytest.importorskip("numpy_not_here_at_all")

    def test_dissect():
        pytest.skip("could not import 'dissect.cstruct': No module named 'dissect'")

    def test_compiler():
        pytest.skip("no compiler for aarch64-linux on this machine")

    @pytest.mark.skipif(True, reason="the syscall examples are for Linux x86-64")
    def test_platform():
        pass
''')


def test_the_last_lines_say_what_was_skipped_and_how_to_enable_it(tmp_path):
    (tmp_path / "conftest.py").write_text("from skip_summary import pytest_terminal_summary  # noqa: F401\n")
    (tmp_path / "test_some.py").write_text(SUITE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE)] + sys.path))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull,
                           "--rootdir", str(tmp_path), str(tmp_path)], capture_output=True, text=True, env=env,
                          cwd=str(tmp_path), timeout=300)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[-1].startswith("1 passed, 7 skipped")  # the closing line CI reads stays last
    block = lines[lines.index(next(line for line in lines if "7 tests skipped on this machine" in line)):-1]
    text = "\n".join(block)
    assert "3  /usr/bin/chromium is missing" in text and "apt-get install -y chromium" in text
    numpy_line = next(line for line in block if "numpy_not_here_at_all" in line)
    assert numpy_line.rstrip().endswith("(not on this platform/interpreter)" if skip_summary.PYPY
                                        else "pip install -e '.[test]'")
    assert "pip install -e '.[bench]'" in text  # dissect.cstruct
    assert "apt-get install -y clang" in text
    assert "(not on this platform/interpreter)" in text and "Linux x86-64" in text


def test_every_reason_the_suite_gives_has_a_command():
    """The skip messages written in this project's tests map to a command (or to 'not on this platform')."""
    expected = {
        "/usr/bin/chromium is missing": "apt-get install -y chromium",
        "no compiler for x86_64-windows on this machine": "apt-get install -y clang",
        "no compiler for i386-linux on this machine": "apt-get install -y gcc",
        "gcc -m32 cannot compile here: fatal error: bits/libc-header-start.h": "apt-get install -y gcc-multilib",
        "could not import 'dissect.cstruct': No module named 'dissect'": "pip install -e '.[bench]'",
        "could not import 'rich': No module named 'rich'": "pip install -e '.[cli]'",
        "could not import 'dpkt': No module named 'dpkt'": "pip install -e '.[test]'",
        "no zip command": "apt-get install -y zip",
        "javac/javap not found: apt-get install -y default-jdk-headless": "apt-get install -y default-jdk-headless",
        "Europe/Paris is not installed": "apt-get install -y tzdata",
        "no /usr/share/zoneinfo on this machine": "apt-get install -y tzdata",
        "the syscall examples are for Linux x86-64": None,
    }
    for reason, command in expected.items():
        assert skip_summary.remedy(reason) == command, reason
    numpy = skip_summary.remedy("could not import 'numpy': No module named 'numpy'")
    assert numpy == (None if skip_summary.PYPY else "pip install -e '.[test]'")


def test_numpy_and_construct_come_with_the_test_extra_on_cpython():
    text = (HERE.parent / "pyproject.toml").read_text()
    test_extra = text.split("test = [", 1)[1].split("]", 1)[0]
    assert "\"numpy>=1.22; platform_python_implementation == 'CPython'\"" in test_extra
    assert '"construct==2.10.70"' in test_extra
