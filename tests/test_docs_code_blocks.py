"""Every ```python block in README.md and docs/**/*.md runs as written.

The ```pycon blocks are doctests (``--doctest-glob='*.md'``, checked output and all); this runs the
```python blocks, which are meant to be pasted into a file or a shell. The blocks of one page run in order in
one namespace, as a reader pasting them one after the other would, and each page starts afresh: so a block
that uses a name must import or define it on its own page. A block that is deliberately illustrative
(it needs a device, a network, a file the reader has) is fenced as ```python no-run; there are few, and a test
keeps it so. A block for one machine only (a system call number) is fenced as ```python x86_64-linux and runs
there; elsewhere the page's test is skipped, saying so.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import platform
import re
import sys
from typing import List, Tuple

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


def blocks(page: pathlib.Path) -> List[Tuple[int, str, str]]:
    """(line, info string, code) of every fenced block of ``page``."""
    text = page.read_text(encoding="utf-8")
    out = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        indent = len(match.group("indent"))
        body = "".join(row[indent:] for row in match.group("body").splitlines(True))
        out.append((line, match.group("info").strip(), body))
    return out


MACHINE = "%s-%s" % (platform.machine(), sys.platform)
MACHINES = {"x86_64-linux": "x86_64-linux"}  # fence tag: the MACHINE it runs on


def python_pages() -> List[pathlib.Path]:
    return [p for p in PAGES if any(info.split()[:1] == ["python"] for _, info, _ in blocks(p))]


def test_pages_are_found():
    names = {str(p.relative_to(ROOT)) for p in python_pages()}
    assert {"README.md", "docs/c-structs.md"} <= names


def test_only_python_pycon_and_shell_or_text_fences():
    """A block fenced as ```py or ```Python would escape both this test and the doctests."""
    allowed = {"python", "pycon", "sh", "console", "text", ""}
    for page in PAGES:
        for line, info, _ in blocks(page):
            words = info.split()
            assert words[:1] == [] or words[0] in allowed, "%s:%d: ```%s" % (page, line, info)
            if words[:1] == ["python"]:
                assert all(w == "no-run" or w in MACHINES for w in words[1:]), "%s:%d: ```%s" % (page, line, info)


def test_few_blocks_are_illustrative():
    skipped = [(p.name, line) for p in PAGES for line, info, _ in blocks(p) if info == "python no-run"]
    runnable = [(p.name, line) for p in PAGES for line, info, _ in blocks(p) if info.startswith("python")
                and "no-run" not in info]
    assert len(skipped) <= 3 and len(skipped) < len(runnable), skipped


@pytest.mark.parametrize("page", python_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    namespace = {"__name__": "__docs__"}
    ran = 0
    for line, info, code in blocks(page):
        words = info.split()
        if words[:1] != ["python"] or "no-run" in words:
            continue
        for tag in words[1:]:
            if MACHINES[tag] != MACHINE:
                pytest.skip("%s:%d runs on %s only (this is %s)" % (page.name, line, tag, MACHINE))
        compiled = compile(code, "%s:%d" % (page.relative_to(ROOT), line + 1), "exec")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compiled, namespace)  # the page's own example code
        ran += 1
    assert ran > 0


def test_a_failing_block_fails(tmp_path):
    """The check above can fail: a page with the README's old ctypes block (no import) raises NameError."""
    page = tmp_path / "page.md"
    page.write_text("text\n\n```python\nctypes.CDLL(None)\n```\n")
    [(line, info, code)] = blocks(page)
    assert (line, info) == (3, "python")
    with pytest.raises(NameError, match="ctypes"):
        exec(compile(code, "page.md", "exec"), {})

