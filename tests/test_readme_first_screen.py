"""The README's first screen, replayed as written: its two ```sh commands pasted into a fresh shell.

A copy of this checkout (the files git knows, as they are on disk now) goes to a temporary folder; each command
runs there in ``bash`` with a bare environment (no virtual environment active, ``PATH`` without any venv's
``bin``), as a new user's terminal would. "See it" runs to the end: a venv, an install from PyPI and the dump.
"Test it" makes its venv and installs the test tools as written; its ``python -m pytest`` runs the whole suite
only to collect it (``PYTEST_ADDOPTS=--collect-only``): running it in full here would run this file again.
"""

from __future__ import annotations

import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NESTED = "BINMODEL_README_REPLAY"
# pip's own words when the package index cannot be reached: then the machine is offline, and the test skips
OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
           "No matching distribution found", "Could not find a version that satisfies")


def sh_commands() -> list:
    return [m.group(1).strip() for m in re.finditer(r"^```sh\n(.*?)^```", README, re.M | re.S)]


def first_screen() -> str:
    return README[:README.index("## A first model")]


def test_the_first_screen_has_the_two_commands():
    see, test = sh_commands()[:2]
    for command in (see, test):
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
        assert "\n" not in command  # one line: one paste
    assert see.endswith("binmodel dump src/binmodel/samples/idle_16.png --format png --color always")
    assert test.endswith("pip install -e '.[test]' && python -m pytest")
    screen = first_screen()
    assert "from a checkout of this repository" in screen.lower()
    assert "externally-managed-environment" in screen and "<" not in screen.replace("<br>", "")


def _python3_with_venv() -> str:
    """The first ``python3`` on PATH outside any virtual environment, if it can make one."""
    venvs = {os.environ.get("VIRTUAL_ENV", ""), sys.prefix} - {sys.base_prefix, ""}
    path = [d for d in os.environ.get("PATH", os.defpath).split(os.pathsep)
            if d and not any(os.path.abspath(d).startswith(os.path.abspath(v) + os.sep) for v in venvs)]
    found = shutil.which("python3", path=os.pathsep.join(path))
    if found is None:
        pytest.skip("no python3 on PATH outside a virtual environment")
    ok = subprocess.run([found, "-c", "import venv, ensurepip"], capture_output=True)
    if ok.returncode != 0:
        pytest.skip("%s cannot make a virtual environment (apt-get install -y python3-venv)" % found)
    return os.pathsep.join(path)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    if os.environ.get(NESTED):
        pytest.skip("inside the README's own test run")
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=str(ROOT),
                            capture_output=True, check=True).stdout.decode().split("\0")
    copy = tmp_path_factory.mktemp("checkout")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(str(source), str(copy / name))
    return copy


def run_fresh_shell(command: str, cwd: pathlib.Path, **extra: str) -> subprocess.CompletedProcess:
    env = {"PATH": _python3_with_venv(), "HOME": str(cwd.parent), "LANG": "C.UTF-8", NESTED: "1"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "SSL_CERT_FILE", "PIP_CACHE_DIR", "TMPDIR"):
        if name in os.environ:
            env[name] = os.environ[name]
    if "PIP_CACHE_DIR" not in env:  # HOME is new: keep the user's pip cache, so the test does not fetch it all again
        env["PIP_CACHE_DIR"] = os.path.join(os.path.expanduser("~"), ".cache", "pip")
    env.update(extra)
    done = subprocess.run(["bash", "-c", command], cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=1200)
    if done.returncode != 0 and any(word in done.stdout + done.stderr for word in OFFLINE):
        pytest.skip("the package index cannot be reached from here")
    return done


def test_see_it_pasted_into_a_fresh_shell(checkout):
    done = run_fresh_shell(sh_commands()[0], checkout)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "\x1b[" in out  # --color always, with rich installed by the [cli] extra
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "chunks[0].length = 13 (0xd)" in plain and "chunks[0].type = b'IHDR'" in plain
    assert (checkout / ".venv" / "bin" / "binmodel").exists()


def test_test_it_pasted_into_a_fresh_shell(checkout):
    done = run_fresh_shell(sh_commands()[1], checkout, PYTEST_ADDOPTS="--collect-only")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    collected = re.search(r"^(\d+) tests? collected", done.stdout, re.M) or re.search(
        r"(\d+) tests? collected", done.stdout)
    assert collected and int(collected.group(1)) > 500, done.stdout[-2000:]
    assert "error" not in done.stdout.lower().split("collected")[-1]
    # the test extra brings what a fresh machine can run: numpy's bulk-array tests run, none is skipped
    if platform.python_implementation() == "CPython":
        bulk = run_fresh_shell(". .venv/bin/activate && python -m pytest tests/test_bulk.py", checkout)
        last = bulk.stdout.strip().splitlines()[-1]
        assert bulk.returncode == 0 and "passed" in last and "skipped" not in last, bulk.stdout[-2000:]
