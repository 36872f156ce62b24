"""The line counts docs/formats.md and the worked formats' pages state are the ones tools/line_count.py
measures now (so an edit to a model that changes its length fails here until the pages say so)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import line_count  # noqa: E402


def test_the_counter_skips_blanks_comments_docstrings_and_imports():
    source = '"""doc\nstring"""\nimport os\nfrom a import (\n    b,\n)\n\n# comment\nx = 1  # code\n' \
             'def f():\n    """doc"""\n    return """not a docstring"""\n'
    assert line_count.count(source) == 3


def test_pages_state_the_measured_counts():
    measured = line_count.worked()
    assert sorted(measured) == sorted(line_count.WORKED)
    table = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    total_m = total_c = 0
    for name, (model, whole, construct) in measured.items():
        page = (ROOT / "docs" / "formats" / (name + ".md")).read_text(encoding="utf-8")
        assert "**binmodel %d lines**" % model in page, name
        assert "**Construct %d lines**" % construct in page, name
        if whole != model:
            assert "(%d with the" % whole in page, name
        row = "| %s | %d | %d | %d | %d%% |" % (name, model, whole, construct, round(100 * construct / model))
        assert row in table, row
        total_m, total_c = total_m + model, total_c + construct
    assert "needs about %d%%" % round(100 * total_c / total_m) in table
