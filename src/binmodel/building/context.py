"""What a build keeps beside the struct being written: the bytes pointers place elsewhere (``Patch``,
``apply_patches``), the size and count checks that wait until every part is known, and the errors
for cycles and for absent values that would not read back. The reference builder uses these.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ..errors import BuildError


class Patch:
    """Bytes written at an offset of the final output (absolute) or of a struct (``relative`` pointers);
    ``background``: the bytes a parse found in that output, for a gap before them (``binmodel.background``)."""

    __slots__ = ("offset", "data", "path", "overwrite", "background")

    def __init__(self, offset: int, data: bytes, path: str, overwrite: bool = False, background: Any = None) -> None:
        self.offset, self.data, self.path, self.overwrite = offset, data, path, overwrite
        self.background = background


class Cycle(BuildError):
    """A value needs bytes that are still being built (a derived length of the field being built)."""


def left_off(path: str, what: str) -> None:
    """The error for a value left absent (None) where more data follows it: it would not read back."""
    raise BuildError("is None (absent, as when the data ends before it), but %s: it would not read back; "
                     "give it a value" % what, path, expected="a value", found=None)


def apply_patches(out: bytearray, patches: List[Patch], may_grow: bool) -> None:
    """Write pointer data in offset order: over identical bytes, or past the end (a gap takes the bytes of
    the patch's background there, zeros past its end).

    An ``overwrite`` pointer replaces the bytes other fields wrote, but must agree with the bytes of
    the pointers written before it; every other pointer must agree with all the bytes under it.
    Patches go in offset order, so a gap is never written into later.
    """
    written: List[Tuple[int, int]] = []  # (start, end) of patches applied that may still overlap
    for p in sorted(patches, key=lambda p: p.offset):
        offset, data, end = p.offset, p.data, p.offset + len(p.data)
        if end > len(out) and not may_grow:
            raise BuildError("pointer data at %d..%d lies outside its struct (%d bytes)" % (offset, end, len(out)),
                             p.path, offset)
        written = [w for w in written if w[1] > offset]
        spans = [(max(a, offset), min(b, end)) for a, b in written] if p.overwrite else [(offset, end)]
        for a, b in spans:
            overlap = bytes(out[a:b])
            if overlap != data[a - offset:a - offset + len(overlap)]:
                what = "another pointer's" if p.overwrite else "other fields'"
                raise BuildError("pointer data at offset %d would overwrite %s bytes" % (offset, what), p.path,
                                 offset, expected=overlap, found=data)
        if offset > len(out):
            gap = bytes(p.background[len(out):offset]) if p.background is not None else b""
            out.extend(gap + b"\0" * (offset - len(out) - len(gap)))
        out[offset:end] = data
        written.append((offset, end))




class IoRegions:
    """Where each struct of one build is written, for ``Pointer(..., io=)`` data (which goes into the region
    the struct it names was built in, at an offset from that region's start).

    A region is the patch list of the ``Sized`` or ``Transformed`` region being built (or of the whole
    output). Data for a region still being built is one more patch there; for a region already built, it
    must agree with the bytes it holds; for a struct not built yet, it waits for it (``enter``)."""

    def __init__(self) -> None:
        self.of: Dict[int, Tuple[Any, List[Patch]]] = {}  # id(object) -> (object, its region's patches)
        self.built: Dict[int, Tuple[List[Patch], bytes]] = {}  # id(patch list) -> (it, the region's bytes)
        self.waiting: Dict[int, Tuple[Any, List[Patch]]] = {}  # id(object) -> (object, patches for its region)

    def enter(self, obj: Any, region: List[Patch]) -> None:
        """``obj`` is being built in ``region``: data waiting for it goes there."""
        self.of[id(obj)] = (obj, region)
        waiting = self.waiting.pop(id(obj), None)
        if waiting is not None:
            region.extend(waiting[1])

    def done(self, region: List[Patch], data: bytes) -> None:
        """``region`` is built: these are its bytes."""
        self.built[id(region)] = (region, data)

    def place(self, obj: Any, patch: Patch) -> None:
        """``patch`` goes at its offset in the region ``obj`` is built in."""
        hit = self.of.get(id(obj))
        if hit is None or hit[0] is not obj:
            self.waiting.setdefault(id(obj), (obj, []))[1].append(patch)
            return
        built = self.built.get(id(hit[1]))
        if built is None:
            hit[1].append(patch)
            return
        held = built[1][patch.offset:patch.offset + len(patch.data)]
        if held != patch.data:
            raise BuildError("its bytes go at offset %d of a region already built, which holds %r there; change "
                             "the fields of that region to change both" % (patch.offset, held), patch.path,
                             patch.offset, expected=held, found=patch.data)

    def finish(self) -> None:
        """The build is over: data still waiting names a struct that was not built."""
        for obj, patches in self.waiting.values():
            raise BuildError("its io= names a %s that this build does not write, so its bytes have no place"
                             % type(obj).__name__, patches[0].path, found=obj)
