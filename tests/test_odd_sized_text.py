"""A NUL-ended text of a two-byte encoding in a region of an odd number of bytes, ended by padding.

Kaitai's suite reads ``size: 9`` of UTF-16LE with ``pad-right: 0x2b`` (``str_pad_term_utf16``): the pad
bytes are stripped, then the text ends at the first NUL code unit. ``CString("utf-16-le", size=9,
pad=b"+")`` reads it the same way: compared with Kaitai's generated code on regions made of random text,
terminators and padding; then round trips. One difference is kept on purpose: Kaitai strips pad bytes
one by one, so a text whose last code unit ends with a pad byte (``41 2b``) leaves it an odd number of
bytes that it cannot decode; binmodel strips whole code units (as for every fixed-size text) and reads it.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kaitai_truth
from binmodel import CString, Struct
from binmodel.errors import DefinitionError, ParseError


class Padded(Struct):
    s: str = CString("utf-16-le", size=9, pad=b"+")


KSY = """meta:
  id: odd_utf16
  encoding: UTF-16LE
seq:
  - id: s
    size: 9
    type: strz
    pad-right: 0x2b
"""

_TEXT = st.text(st.characters(min_codepoint=1, max_codepoint=0xD7FF), max_size=4)


def _region(rng: random.Random) -> bytes:
    """9 bytes: some text, maybe a NUL unit, then pad bytes or anything."""
    text = "".join(chr(rng.choice([0x41, 0x200, 0x2B, 0x2B2B, 0x412B, rng.randrange(1, 0xD7FF)]))
                   for _ in range(rng.randrange(0, 5))).encode("utf-16-le")
    if rng.random() < 0.5:
        text += b"\0\0"
    filler = [b"+", b"\0", bytes([rng.randrange(256)])]
    while len(text) < 9:
        text += rng.choice(filler)
    return text[:9]


def _kaitai_body(raw: bytes) -> bytes:
    """The bytes Kaitai decodes: pad bytes stripped one by one, then up to the first aligned NUL unit."""
    body = raw.rstrip(b"+")
    for i in range(0, len(body) - 1, 2):
        if body[i:i + 2] == b"\0\0":
            return body[:i]
    return body


def test_values_match_kaitai():
    reason = kaitai_truth.missing()
    if reason is not None:
        pytest.skip(reason)
    rng = random.Random(9)
    regions = [kaitai_truth.source_file("str_pad_term_utf16.bin")[20:29]] + [_region(rng) for _ in range(300)]
    decoded = 0
    for raw in regions:
        try:
            theirs = kaitai_truth.kaitai_parse("odd_utf16", raw, KSY).s
        except UnicodeDecodeError:
            try:
                Padded.parse(raw)
            except ParseError:
                continue
            assert len(_kaitai_body(raw)) % 2, raw  # (only where byte-wise stripping left an odd number)
            continue
        assert Padded.parse(raw).s == theirs, raw
        assert Padded.build(Padded.parse(raw)) == raw
        decoded += 1
    assert decoded > 100


@given(_TEXT)
def test_build_then_parse(text):
    raw = Padded.build(Padded(s=text))
    assert len(raw) == 9 and Padded.parse(raw).s == text


def test_an_odd_size_needs_padding():
    with pytest.raises(DefinitionError, match="code units"):
        CString("utf-16-le", size=9)
