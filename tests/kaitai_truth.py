"""Kaitai Struct's own compiler and Python runtime as an independent truth for .ksy semantics.

``kaitai_parse("bits_simple")`` compiles ``formats/bits_simple.ksy`` from ``../shared/kaitai-tests``
with the npm package ``kaitai-struct-compiler`` (driven by ``tools/kaitai/compile.js``; ``.ci/run``
installs it into ``.kaitai-compiler/``) and parses the test's input file with the generated Python and
the ``kaitaistruct`` runtime. Tests compare binmodel's values with what this returns; they skip, with
the reason, where the suite, node or the packages are missing.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Dict, Optional

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUITE = pathlib.Path(os.environ.get("BINMODEL_KAITAI_TESTS", ROOT.parent / "shared" / "kaitai-tests"))
COMPILER_DIR = pathlib.Path(os.environ.get("BINMODEL_KSC_DIR", ROOT / ".kaitai-compiler"))
SCRIPT = ROOT / "tools" / "kaitai" / "compile.js"
INSTALL = ("npm install --prefix .kaitai-compiler --no-audit --no-fund "
           "kaitai-struct-compiler@0.11.0 js-yaml@4.1.0")

_OUT: Dict[str, pathlib.Path] = {}
_MODULES: Dict[str, Any] = {}


def missing() -> Optional[str]:
    """Why Kaitai's own tools cannot run here, or None when they can."""
    if not (SUITE / "formats").is_dir():
        return "Kaitai's test suite is not at %s" % SUITE
    if shutil.which("node") is None:
        return "node is not installed (apt-get install -y nodejs npm)"
    if not (COMPILER_DIR / "node_modules" / "kaitai-struct-compiler").is_dir():
        return "Kaitai's compiler is not installed: %s" % INSTALL
    if importlib.util.find_spec("kaitaistruct") is None:
        return "the kaitaistruct runtime is not installed: pip install kaitaistruct"
    return None


def source_file(name: str) -> bytes:
    """An input file of the suite (``src/``)."""
    return (SUITE / "src" / name).read_bytes()


def kaitai_module(name: str, ksy: Optional[pathlib.Path] = None) -> Any:
    """The Python module Kaitai's compiler makes of ``formats/NAME.ksy`` (or of the file ``ksy``), compiled
    once per session."""
    if name in _MODULES:
        return _MODULES[name]
    reason = missing()
    if reason is not None:
        raise RuntimeError(reason)
    out = _OUT.setdefault("dir", pathlib.Path(tempfile.mkdtemp(prefix="binmodel-ksc-")))
    env = dict(os.environ, NODE_PATH=str(COMPILER_DIR / "node_modules"))
    source = ksy if ksy is not None else SUITE / "formats" / (name + ".ksy")
    done = subprocess.run(["node", str(SCRIPT), str(out), str(source)],
                          capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError("Kaitai's compiler refused %s: %s" % (name, done.stderr.strip()[-500:]))
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    spec = importlib.util.spec_from_file_location("ksc_" + name, out / (name + ".py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    _MODULES[name] = module
    return module


def kaitai_parse(name: str, data: bytes, ksy_text: Optional[str] = None) -> Any:
    """``data`` parsed by Kaitai's generated code for ``formats/NAME.ksy`` (its top-level type), or for the
    .ksy text given (``meta: id:`` must be NAME): a test can ask Kaitai about a case its suite lacks."""
    ksy = None
    if ksy_text is not None and name not in _MODULES:
        out = _OUT.setdefault("dir", pathlib.Path(tempfile.mkdtemp(prefix="binmodel-ksc-")))
        ksy = out / (name + ".ksy")
        ksy.write_text(ksy_text)
    module = kaitai_module(name, ksy)
    top = "".join(part.capitalize() for part in name.split("_"))
    return getattr(module, top).from_bytes(data)
