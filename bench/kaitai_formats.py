"""W7 of bench/run.py: two .ksy formats imported with ``binmodel.kaitai.load``, parsed by binmodel and by
the Python that Kaitai Struct's own compiler generates (with the ``kaitaistruct`` runtime), in one run.

- ``xored``: records whose payload is stored ``process: xor(key)`` (a ``Transformed`` region);
- ``indexed``: a table of offsets and, per entry, a parse instance (``pos:``, a lazy region ``Pointer``)
  that every implementation reads.

Kaitai's compiler is the npm package ``kaitai-struct-compiler`` driven by tools/kaitai/compile.js (its
directory: ``BINMODEL_KSC_DIR``, default ``.kaitai-compiler``); without node, the compiler or
``kaitaistruct`` its rows are ``n/a``.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
COMPILER_DIR = Path(os.environ.get("BINMODEL_KSC_DIR", ROOT / ".kaitai-compiler"))
SCRIPT = ROOT / "tools" / "kaitai" / "compile.js"

XORED = """
meta:
  id: xored
  endian: le
seq:
  - id: count
    type: u4
  - id: records
    type: record
    repeat: expr
    repeat-expr: count
types:
  record:
    seq:
      - id: key
        type: u1
      - id: len_body
        type: u2
      - id: body
        size: len_body
        process: xor(key)
        type: body
  body:
    seq:
      - id: a
        type: u4
      - id: b
        type: u2
      - id: rest
        size-eos: true
"""

INDEXED = """
meta:
  id: indexed
  endian: le
seq:
  - id: count
    type: u4
  - id: entries
    type: entry
    repeat: expr
    repeat-expr: count
types:
  entry:
    seq:
      - id: ofs
        type: u4
      - id: len_name
        type: u1
    instances:
      name:
        pos: ofs
        size: len_name
      value:
        pos: ofs + len_name
        type: u4
"""


def xored_data(n: int, rng: random.Random) -> Tuple[bytes, List[Tuple[Any, ...]]]:
    """``n`` records and what each decodes to: (key, a, b, rest)."""
    parts, values = [struct.pack("<I", n)], []
    for _ in range(n):
        key, a, b = rng.getrandbits(8), rng.getrandbits(32), rng.getrandbits(16)
        rest = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 24)))
        body = struct.pack("<IH", a, b) + rest
        parts.append(struct.pack("<BH", key, len(body)) + bytes(x ^ key for x in body))
        values.append((key, a, b, rest))
    return b"".join(parts), values


def indexed_data(n: int, rng: random.Random) -> Tuple[bytes, List[Tuple[Any, ...]]]:
    """``n`` entries whose names and values lie after the table: (name, value) each."""
    table_end = 4 + 5 * n
    heap, entries, values = bytearray(), [], []
    for i in range(n):
        name = b"entry%d" % i
        value = rng.getrandbits(32)
        entries.append(struct.pack("<IB", table_end + len(heap), len(name)))
        heap += name + struct.pack("<I", value)
        values.append((name, value))
    return struct.pack("<I", n) + b"".join(entries) + bytes(heap), values


def ref_xored(data: bytes) -> List[Tuple[Any, ...]]:
    """The hand-written reference: ``struct`` and a byte-wise xor."""
    (n,), off, out = struct.unpack_from("<I", data, 0), 4, []
    head = struct.Struct("<BH").unpack_from
    for _ in range(n):
        key, size = head(data, off)
        off += 3
        body = bytes(x ^ key for x in data[off:off + size])
        off += size
        a, b = struct.unpack_from("<IH", body, 0)
        out.append((key, a, b, body[6:]))
    return out


def ref_indexed(data: bytes) -> List[Tuple[Any, ...]]:
    (n,), out = struct.unpack_from("<I", data, 0), []
    entry = struct.Struct("<IB").unpack_from
    for i in range(n):
        ofs, size = entry(data, 4 + 5 * i)
        out.append((data[ofs:ofs + size], struct.unpack_from("<I", data, ofs + size)[0]))
    return out


def decode_xored(f: Any) -> List[Tuple[Any, ...]]:
    return [(r.key, r.body.a, r.body.b, bytes(r.body.rest)) for r in f.records]


def decode_indexed(f: Any) -> List[Tuple[Any, ...]]:
    return [(bytes(e.name), e.value) for e in f.entries]


def kaitai_missing() -> Optional[str]:
    """Why Kaitai's generated Python cannot run here, or None."""
    if shutil.which("node") is None:
        return "node not installed"
    if not (COMPILER_DIR / "node_modules" / "kaitai-struct-compiler").is_dir():
        return "kaitai-struct-compiler not installed (BINMODEL_KSC_DIR)"
    if importlib.util.find_spec("kaitaistruct") is None:
        return "kaitaistruct not installed"
    return None


def kaitai_class(name: str, text: str) -> Callable[[bytes], Any]:
    """``from_bytes`` of the top-level class Kaitai's compiler generates for ``text``."""
    out = Path(tempfile.mkdtemp(prefix="binmodel-bench-ksc-"))
    ksy = out / (name + ".ksy")
    ksy.write_text(text)
    env = dict(os.environ, NODE_PATH=str(COMPILER_DIR / "node_modules"))
    subprocess.run(["node", str(SCRIPT), str(out), str(ksy)], check=True, capture_output=True, env=env, timeout=120)
    spec = importlib.util.spec_from_file_location("bench_ksc_" + name, out / (name + ".py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    top = "".join(part.capitalize() for part in name.split("_"))
    return getattr(module, top).from_bytes  # type: ignore[no-any-return]
