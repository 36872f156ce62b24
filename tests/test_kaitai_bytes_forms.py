"""Terminators, padding and transformed regions against Kaitai Struct's own compiler and runtime.

Each model is the binmodel spelling of a .ksy of Kaitai's test suite (``formats/``); both parse the
input its .kst names (or, where the suite has no .kst for it, the input its sibling tests use) and
every value must agree. Every parse also builds back to the bytes it read.
"""

from __future__ import annotations

from typing import Any, Callable, List, Tuple

import pytest

import kaitai_truth as kt
from binmodel import (
    Bytes,
    CString,
    Rol,
    Ror,
    Sized,
    String,
    Struct,
    Transformed,
    Xor,
    Zlib,
    i32le,
    this,
    u8,
)


class TermBytes(Struct):  # term_bytes.ksy
    s1: bytes = Bytes(terminator=b"|")
    s2: bytes = Bytes(terminator=b"|", consume=False)
    s3: bytes = Bytes(terminator=b"@", include=True)


class TermBytes2(Struct):  # term_bytes2.ksy
    s1: bytes = Bytes(terminator=b"|")
    s2: bytes = Bytes(terminator=b"|", include=True)
    s3: bytes = Bytes(terminator=b"@", consume=False)


class TermBytes3(Struct):  # term_bytes3.ksy
    s1: bytes = Bytes(terminator=b"|", consume=False)
    s2: bytes = Bytes(terminator=b"@", consume=False)
    s3: bytes = Bytes(terminator=b"@")


class TermStrz(Struct):  # term_strz.ksy
    s1: str = CString(terminator=b"|")
    s2: str = CString(terminator=b"|", consume=False)
    s3: str = String(terminator=b"@", include=True)


class S1Type(Struct):
    value: str = CString(terminator=b"|", eos_error=False)


class S2Type(Struct):
    value: str = CString(terminator=b"|", consume=False, eos_error=False)


class S3Type(Struct):
    value: str = CString(terminator=b"@", include=True, eos_error=False)


class TermStrz4(Struct):  # term_strz4.ksy
    s1: S1Type = Sized(3, S1Type)
    skip_term1: int = u8()
    s2: S2Type = Sized(3, S2Type)
    skip_term2: int = u8()
    s3: S3Type = Sized(3, S3Type)


class StrPadTerm(Struct):  # str_pad_term.ksy (Kaitai pads nothing away unless pad-right is given)
    str_pad: str = String(20, pad=b"@")
    str_term: str = String(20, terminator=b"@", strip=False)
    str_term_and_pad: str = String(20, terminator=b"@", pad=b"+")
    str_term_include: str = String(20, terminator=b"@", include=True, strip=False)


class BytesPadTerm(Struct):  # bytes_pad_term.ksy
    str_pad: bytes = Bytes(20, pad=b"@")
    str_term: bytes = Bytes(20, terminator=b"@")
    str_term_and_pad: bytes = Bytes(20, terminator=b"@", pad=b"+")
    str_term_include: bytes = Bytes(20, terminator=b"@", include=True)


class ProcessXorConst(Struct):  # process_xor_const.ksy
    key: int = u8()
    buf: bytes = Transformed(Bytes(greedy=True), Xor(0xFF))


class ProcessXorValue(Struct):  # process_xor_value.ksy
    key: int = u8()
    buf: bytes = Transformed(Bytes(greedy=True), Xor(this.key))


class ProcessXor4Const(Struct):  # process_xor4_const.ksy
    key: bytes = Bytes(4)
    buf: bytes = Transformed(Bytes(greedy=True), Xor(b"\xec\xbb\xa3\x14"))


class ProcessXor4Value(Struct):  # process_xor4_value.ksy
    key: bytes = Bytes(4)
    buf: bytes = Transformed(Bytes(greedy=True), Xor(this.key))


class ProcessRotate(Struct):  # process_rotate.ksy
    buf1: bytes = Transformed(Bytes(5), Rol(3))
    buf2: bytes = Transformed(Bytes(5), Ror(3))
    key: int = u8()
    buf3: bytes = Transformed(Bytes(5), Rol(this.key))


class JustStr(Struct):
    str: str = String(greedy=True)


class ProcessToUser(Struct):  # process_to_user.ksy
    buf1: JustStr = Transformed(Bytes(5), Rol(3), JustStr)


class ZlibWithHeader78(Struct):  # zlib_with_header_78.ksy
    data: bytes = Transformed(Bytes(greedy=True), Zlib())


class Inflated(Struct):
    num: int = i32le()


class ZlibSurrounded(Struct):  # zlib_surrounded.ksy
    pre: bytes = Bytes(4)
    zlib: Inflated = Transformed(Bytes(12), Zlib(), Inflated)
    post: bytes = Bytes(4)


def _fields(*names: str) -> Callable[[Any], List[Any]]:
    def get(obj: Any) -> List[Any]:
        out = []
        for name in names:
            value = obj
            for part in name.split("."):
                value = getattr(value, part)
            out.append(value)
        return out
    return get


CASES: List[Tuple[str, str, Any, Tuple[str, ...]]] = [
    ("term_bytes", "term_strz.bin", TermBytes, ("s1", "s2", "s3")),
    ("term_bytes2", "term_strz.bin", TermBytes2, ("s1", "s2", "s3")),
    ("term_bytes3", "term_strz.bin", TermBytes3, ("s1", "s2", "s3")),
    ("term_strz", "term_strz.bin", TermStrz, ("s1", "s2", "s3")),
    ("term_strz4", "term_strz.bin", TermStrz4, ("s1.value", "skip_term1", "s2.value", "skip_term2", "s3.value")),
    ("str_pad_term", "str_pad_term.bin", StrPadTerm,
     ("str_pad", "str_term", "str_term_and_pad", "str_term_include")),
    ("str_pad_term", "str_pad_term_empty.bin", StrPadTerm,
     ("str_pad", "str_term", "str_term_and_pad", "str_term_include")),
    ("bytes_pad_term", "str_pad_term.bin", BytesPadTerm,
     ("str_pad", "str_term", "str_term_and_pad", "str_term_include")),
    ("bytes_pad_term", "str_pad_term_empty.bin", BytesPadTerm,
     ("str_pad", "str_term", "str_term_and_pad", "str_term_include")),
    ("process_xor_const", "process_xor_1.bin", ProcessXorConst, ("key", "buf")),
    ("process_xor_value", "process_xor_1.bin", ProcessXorValue, ("key", "buf")),
    ("process_xor4_const", "process_xor_4.bin", ProcessXor4Const, ("key", "buf")),
    ("process_xor4_value", "process_xor_4.bin", ProcessXor4Value, ("key", "buf")),
    ("process_rotate", "process_rotate.bin", ProcessRotate, ("buf1", "buf2", "key", "buf3")),
    ("process_to_user", "process_rotate.bin", ProcessToUser, ("buf1.str",)),
    ("zlib_with_header_78", "zlib_with_header_78.bin", ZlibWithHeader78, ("data",)),
    ("zlib_surrounded", "zlib_surrounded.bin", ZlibSurrounded, ("pre", "zlib.num", "post")),
]


@pytest.mark.parametrize("ksy, source, model, names", CASES, ids=["%s-%s" % (c[0], c[1]) for c in CASES])
def test_values_match_kaitai(ksy: str, source: str, model: Any, names: Tuple[str, ...]) -> None:
    reason = kt.missing()
    if reason is not None:
        pytest.skip(reason)
    data = kt.source_file(source)
    theirs = kt.kaitai_parse(ksy, data)
    ours = model.parse(data, allow_trailing=True)
    assert _fields(*names)(ours) == _fields(*names)(theirs)
    built = model.build(ours)
    assert built == data[:len(built)]  # an unedited parse builds back to the bytes it read
    # (a last terminator left unconsumed belongs to what follows: it is not written)
    assert model.parse(built + data[len(built):], allow_trailing=True) == ours
