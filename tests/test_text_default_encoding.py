"""The one rule for a missing text encoding: ``String`` and ``CString`` without ``encoding=`` are UTF-8,
as docs/types.md says, checked against the standard library's UTF-8 codec."""

from __future__ import annotations

import codecs
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binmodel import CString, ParseError, String, Struct, u8

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12)


class NoEncoding(Struct):
    prefixed: str = String(prefix=u8)
    fixed: str = String(40)
    c: str = CString()
    c_fixed: str = CString(size=40)
    rest: str = String(greedy=True)


def test_every_text_field_without_encoding_is_utf8():
    for f in NoEncoding._bm_node.fields():
        assert codecs.lookup(f.type.encoding).name == codecs.lookup("utf-8").name, f.name  # type: ignore[attr-defined]
    assert [row.type for row in NoEncoding.layout().rows][:2] == ["String[u8 prefix](utf-8)", "String[40](utf-8)"]


@given(TEXT, TEXT, TEXT, TEXT, TEXT)
def test_bytes_are_the_stdlib_utf8_encoding(a, b, c, d, e):
    obj = NoEncoding(prefixed=a, fixed=b, c=c, c_fixed=d, rest=e)
    enc = [codecs.encode(x, "utf-8") for x in (a, b, c, d, e)]
    expected = (bytes([len(enc[0])]) + enc[0] + enc[1].ljust(40, b"\0") + enc[2] + b"\0"
                + enc[3].ljust(40, b"\0") + enc[4])
    if len(enc[0]) > 255 or len(enc[1]) > 40 or len(enc[3]) > 40:
        return
    assert NoEncoding.build(obj) == expected
    assert NoEncoding.parse(expected) == obj


def test_bytes_that_are_not_utf8_are_a_parse_error():
    latin = "café".encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        latin.decode("utf-8")  # the standard library refuses them too
    with pytest.raises(ParseError) as exc:
        NoEncoding.parse(bytes([len(latin)]) + latin + bytes(40) + b"\0" + bytes(40))
    assert exc.value.path == "prefixed" and "utf-8" in str(exc.value)


def test_the_docs_state_the_rule():
    types = (pathlib.Path(__file__).parent.parent / "docs" / "types.md").read_text(encoding="utf-8")
    assert "Without one, `String` and `CString` are **UTF-8**" in types
    assert "UTF-8" in (String.__doc__ or "") and "UTF-8" in (CString.__doc__ or "")
