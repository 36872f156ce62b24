"""The documentation site (mkdocs.yml): every page is in the navigation, and ``mkdocs build --strict`` passes
with the API reference generated from the docstrings. CI builds it too (.ci/run)."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def nav_pages():
    nav = CONFIG[CONFIG.index("\nnav:"):]
    return re.findall(r"^\s*-\s(?:.*[\s\"'])?([\w./-]+\.md)\s*$", nav, re.M)


def test_every_page_is_in_the_navigation_and_every_entry_exists():
    pages = sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md"))
    listed = nav_pages()
    assert sorted(listed) == pages
    assert len(listed) == len(set(listed))
    # pages the project may gain are listed once they exist
    for optional in ("architecture.md",):
        assert (optional in listed) == (ROOT / "docs" / optional).exists()


def test_the_api_reference_names_the_public_modules():
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for module in ("binmodel.model.Struct", "binmodel.fields", "binmodel.errors", "binmodel.cabi.model"):
        assert "::: %s" % module in api


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("material")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=600,
                          env={"PATH": "", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="binmodel.model.Struct.parse"' in api and 'id="binmodel.cabi.model.CStruct.alignment"' in api
    assert "Read an instance from" in api  # Struct.parse's own docstring
    assert (tmp_path / "site" / "formats" / "png" / "index.html").exists()
    shutil.rmtree(str(tmp_path / "site"))
