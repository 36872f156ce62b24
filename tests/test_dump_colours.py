"""Neighbouring fields in the terminal dump are clearly different colours, on every gallery format.

The dump of each format's sample (the bundled PNG and the samples tests/test_format_fuzz.py makes with the
standard library and the independent packages) is rendered as a 256-colour terminal shows it; every field
line's colour is read back from its escape code, turned into RGB with the xterm-256 table and into CIELAB
here (not with binmodel's own code), and any two consecutive field lines of different fields must be at
least DELTA_E apart (CIE76). In the PNG dump before the fix, ``length`` was xterm 78 and ``type`` 79, 21.5 apart.
"""

from __future__ import annotations

import pathlib
import re

import pytest

import binmodel
from binmodel.dump import dump_lines, render, shape
from binmodel.formats import FORMATS, PNG
from test_format_fuzz import SAMPLES

DELTA_E = 30.0
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def xterm_rgb(index: int):
    """The RGB of an xterm 256-colour index: 16 system colours, the 6x6x6 cube, 24 greys."""
    system = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
              (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
              (255, 0, 255), (0, 255, 255), (255, 255, 255)]
    if index < 16:
        return system[index]
    if index < 232:
        levels = [0, 95, 135, 175, 215, 255]
        i = index - 16
        return levels[i // 36], levels[i // 6 % 6], levels[i % 6]
    grey = 8 + 10 * (index - 232)
    return grey, grey, grey


def lab(rgb):
    """sRGB (0..255) to CIELAB, D65 white (the CIE formulas, written out here for the test)."""
    def to_linear(c):
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(to_linear, rgb)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    white = (0.95047, 1.0, 1.08883)
    eps, kappa = 0.008856, 903.3
    fx, fy, fz = [(t ** (1 / 3) if t > eps else (kappa * t + 16) / 116) for t in (v / w for v, w in zip(xyz, white))]
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def field_colours(text: str):
    """(path, xterm index) of every field line (``path = value``), in order, from 256-colour output."""
    out = []
    for line in text.splitlines():
        colour, label = None, None
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            m = SGR.fullmatch(part)
            if m:
                codes = m.group(1).split(";")
                colour = int(codes[codes.index("38") + 2]) if "38" in codes and codes[codes.index("38") + 1] == "5" \
                    else (None if m.group(1) in ("0", "") else colour)
            elif " = " in part and colour is not None and not part.startswith(" "):
                label = part.split(" = ")[0].split(" (C: ")[0].strip()
                out.append((label, colour))
                break
    return out


def samples():
    png = (pathlib.Path(binmodel.__file__).parent / "samples" / "idle_16.png").read_bytes()
    yield "png (bundled sample)", PNG, lambda tmp: png
    for name in sorted(SAMPLES):
        yield name, FORMATS[name], SAMPLES[name]


@pytest.mark.parametrize("name, model, make", list(samples()), ids=[s[0] for s in samples()])
def test_neighbouring_fields_are_clearly_different_colours(name, model, make, tmp_path):
    data = make(tmp_path)
    trace = model.parse_trace(data)
    assert trace.error is None
    text = render(dump_lines(trace, 16, 2), True, "256")
    fields = field_colours(text)
    assert len(fields) >= 3, text[:500]
    close = []
    for (pa, ca), (pb, cb) in zip(fields, fields[1:]):
        if shape(pa) == shape(pb):  # the same field of two array elements: one colour on purpose
            continue
        distance = sum((p - q) ** 2 for p, q in zip(lab(xterm_rgb(ca)), lab(xterm_rgb(cb)))) ** 0.5
        if distance < DELTA_E:
            close.append("%s (%d) / %s (%d): %.1f" % (pa, ca, pb, cb, distance))
    assert not close, "\n".join(close[:20])


def test_the_test_sees_the_old_near_colours():
    """xterm 78 and 79 (the issue's length and type) are closer than DELTA_E; 78 and 167 are not."""
    def d(a, b):
        return sum((p - q) ** 2 for p, q in zip(lab(xterm_rgb(a)), lab(xterm_rgb(b)))) ** 0.5

    assert d(78, 79) < DELTA_E < d(78, 167)
    assert field_colours("\x1b[38;5;78mchunks[0].length = 13\x1b[0m") == [("chunks[0].length", 78)]
