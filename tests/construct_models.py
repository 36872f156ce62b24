"""The worked formats written again in Construct 2.10 (bench/construct_formats): the format tests parse their
files with them too, so the line counts in docs/formats.md compare working models."""

import importlib
import sys
from pathlib import Path

import pytest


def construct_model(name):
    """The Construct version of a worked format (skips where Construct is not installed)."""
    pytest.importorskip("construct")
    bench = str(Path(__file__).resolve().parent.parent / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    return importlib.import_module("construct_formats." + name)
