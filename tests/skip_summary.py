"""The end of a test run says what was skipped and the one command that enables it.

``pytest_terminal_summary`` (registered by conftest.py) groups the skip reasons of the run by what is
missing, and prints one line for each: how many tests, why, and the command to run, e.g.::

    == 34 tests skipped on this machine; to run them:
      12  /usr/bin/chromium is missing                     apt-get install -y chromium
       6  could not import 'numpy'                         pip install -e '.[bench]'

Reasons no install can change (another platform, another Python) are counted on one line of their own.
"""

from __future__ import annotations

import platform
import re
from typing import Dict, Iterable, List, Optional, Tuple

PYPY = platform.python_implementation() == "PyPy"

# (pattern in the skip reason, the command that enables it); first match wins
REMEDIES: List[Tuple[str, Optional[str]]] = [
    (r"chromium", "apt-get install -y chromium"),
    (r"playwright", None if PYPY else "pip install -e '.[test]'"),
    (r"numpy", None if PYPY else "pip install -e '.[test]'"),
    (r"'construct", "pip install -e '.[test]'"),
    (r"'dissect", "pip install -e '.[bench]'"),
    (r"'rich", "pip install -e '.[cli]'"),
    (r"'(PIL|Pillow)", None if PYPY else "pip install -e '.[test]'"),
    (r"'(dpkt|dns|mido|elftools|hypothesis|typing_extensions|msgpack|kaitaistruct|fontTools)", "pip install -e '.[test]'"),
    (r"'mypy", None if PYPY else "pip install -e '.[lint]'"),
    (r"mkdocs", "pip install -e '.[docs]'"),
    (r"no clang|no compiler for (aarch64|arm|x86_64-windows)", "apt-get install -y clang"),
    (r"cannot compile here|-m32", "apt-get install -y gcc-multilib"),
    (r"no gcc|needs gcc|no compiler for (x86_64-linux|i386)", "apt-get install -y gcc"),
    (r"no zip command", "apt-get install -y zip"),
    (r"javac", "apt-get install -y default-jdk-headless"),
    (r"no (tar|gzip) command", "apt-get install -y tar gzip"),
    (r"zoneinfo|^[A-Z][a-z]+(/[A-Za-z_]+)* is not installed$|^UTC is not installed", "apt-get install -y tzdata"),
    (r"python3-venv|make a virtual environment", "apt-get install -y python3-venv"),
    (r"package index cannot be reached", "(network access to the package index)"),
    (r"Kaitai's test suite is not at", "(Kaitai's test suite in ../shared/kaitai-tests, or BINMODEL_KAITAI_TESTS=DIR)"),
    (r"node is not installed", "apt-get install -y nodejs npm"),
    (r"Kaitai's compiler is not installed",
     "npm install --prefix .kaitai-compiler kaitai-struct-compiler@0.11.0 js-yaml@4.1.0"),
    (r"kaitaistruct runtime", "pip install -e '.[test]'"),
]


def _reason(report: object) -> str:
    longrepr = getattr(report, "longrepr", None)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = str(longrepr or "")
    return re.sub(r"^Skipped: ", "", text).strip()


def remedy(reason: str) -> Optional[str]:
    for pattern, command in REMEDIES:
        if re.search(pattern, reason, re.I):
            return command
    return None


def group(reasons: Iterable[str]) -> List[Tuple[int, str, Optional[str]]]:
    """(count, a reason, command) per command, most tests first; command None: nothing to install."""
    by: Dict[Tuple[Optional[str], str], List[str]] = {}
    for reason in reasons:
        command = remedy(reason)
        by.setdefault((command, "" if command else reason), []).append(reason)  # nothing to install: one line each
    out = []
    for (command, _), found in by.items():
        shown = sorted(set(found), key=found.count, reverse=True)
        text = shown[0] if len(shown) == 1 else "%s (and %d other reasons)" % (shown[0], len(shown) - 1)
        out.append((len(found), text, command))
    out.sort(key=lambda row: (row[2] is None, -row[0]))
    return out


def lines(reasons: List[str]) -> List[str]:
    if not reasons:
        return []
    out = ["%d test%s skipped on this machine; to run them:" % (len(reasons), "s" * (len(reasons) != 1))]
    for count, text, command in group(reasons):
        if len(text) > 70:
            text = text[:69] + "…"
        out.append("  %4d  %-72s %s" % (count, text, command or "(not on this platform/interpreter)"))
    return out


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    reasons = [_reason(r) for r in terminalreporter.stats.get("skipped", [])]
    found = lines(reasons)
    if found:
        terminalreporter.write_sep("=", found[0], bold=True)
        for line in found[1:]:
            terminalreporter.write_line(line)
