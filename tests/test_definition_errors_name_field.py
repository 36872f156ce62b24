"""Every ``DefinitionError`` raised while a model is defined names the class and the field (``NoAnn.n: ...``),
whether the metaclass finds the problem or a field type refuses its arguments while the class body runs."""

from __future__ import annotations

import importlib.util
import pickle
import textwrap

import pytest

from binmodel import DefinitionError, Struct, u8

HEADER = """\
import enum
from typing import Optional
from binmodel import *
from binmodel.cabi import CStruct, c_int, c_float, c_uint, CEnum, Aligned

class Colour(enum.Enum):
    RED = 1
"""

# (base and class keywords, the bad field's line); the bad field is always "bad", after a good field "ok"
CASES = [
    ('Struct, endian="big"', "bad: int"),
    ('Struct, endian="big"', "bad: int = Field(int)"),
    ('Struct', "bad: int = u16()"),
    ('Struct', "bad: float = f32()"),
    ('Struct, endian="big"', "bad: bytes = Bytes(-1)"),
    ('Struct, endian="big"', "bad: bytes = Bytes('x')"),
    ('Struct, endian="big"', "bad: bytes = Bytes(prefix=f32)"),
    ('Struct, endian="big"', "bad: int = Int(bits=12)"),
    ('Struct, endian="big"', "bad: float = Float(bits=8)"),
    ('Struct, endian="big"', "bad: str = String(3, encoding='no-such-codec')"),
    ('Struct, endian="big"', "bad: str = String(3, encoding='utf-16-le')"),
    ('Struct, endian="big"', "bad: str = String(3, encoding='ascii', pad=b'ab')"),
    ('Struct, endian="big"', "bad: str = CString('utf-16-le', size=3)"),
    ('Struct, endian="big"', "bad: list = Array(u8)"),
    ('Struct, endian="big"', "bad: list = Array(u8, count=2, until=lambda x: True)"),
    ('Struct, endian="big"', "bad: list = Array(u8, until=3)"),
    ('Struct, endian="big"', "bad: object = Sized(4, None)"),
    ('Struct, endian="big"', "bad: object = Lazy(3)"),
    ('Struct, endian="big"', "bad: int = Const(5)"),
    ('Struct, endian="big"', "bad: None = Padding(-1)"),
    ('Struct, endian="big"', "bad: None = Align(0)"),
    ('Struct, endian="big"', "bad: object = Switch(this.ok, {})"),
    ('Struct, endian="big"', "bad: object = Enum(u8, 3)"),
    ('Struct, endian="big"', "bad: object = Enum(Bytes(2), Colour)"),
    ('Struct, endian="big"', "bad: object = Flags(u8, Colour)"),
    ('Struct, endian="big"', "bad: int = Bits(0)"),
    ('Struct, endian="big"', "bad: int = Bits(3, order='sideways')"),
    ('Struct, endian="big"', "bad: int = TextInt(0)"),
    ('Struct, endian="big"', "bad: list = u8(default=[])"),
    ('Struct, endian="big"', "bad = u8()"),
    ('CStruct, abi="x86_64-linux"', "bad: int = c_int(bits=-1)"),
    ('CStruct, abi="x86_64-linux"', "bad: float = c_float(bits=3)"),
    ('CStruct, abi="x86_64-linux"', "bad: int = c_int(aligned=3)"),
    ('CStruct, abi="x86_64-linux"', "bad: int = c_int(unnamed=True)"),
    ('CStruct, abi="x86_64-linux"', "bad: int = c_int(bits=0)"),
    ('CStruct, abi="x86_64-linux"', "bad: int = c_int(bits=40)"),
    ('CStruct, abi="x86_64-linux"', "bad: object = CEnum(3)"),
    ('CStruct, abi="x86_64-linux"', "bad: object = Aligned(3, c_int)"),
    ('CStruct, abi="x86_64-linux"', "bad: bytes = Bytes(prefix=u8)"),
]


def define(tmp_path, base: str, line: str, multiline: bool = False) -> None:
    if multiline:  # the call spread over lines, as formatters write long ones
        head, _, rest = line.partition("(")
        line = head + "(\n        " + rest.replace(", ", ",\n        ")
    source = HEADER + textwrap.dedent("""
        class Model({base}):
            ok: int = {ok}
            {line}
        """).format(base=base, ok="c_uint()" if "CStruct" in base else "u8()", line=line)
    path = tmp_path / "bad_model.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("bad_model", str(path))
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("base, line", CASES)
def test_definition_errors_name_class_and_field(tmp_path, base, line, multiline):
    with pytest.raises(DefinitionError) as exc:
        define(tmp_path, base, line, multiline and "(" in line)
    assert str(exc.value).startswith("Model.bad"), str(exc.value)
    assert str(exc.value).count("Model.bad") == 1, str(exc.value)


def test_the_issue_example():
    with pytest.raises(DefinitionError) as exc:
        class NoAnn(Struct, endian="big"):
            n: int
    assert str(exc.value).startswith("NoAnn.n: ")
    assert "u32()" in str(exc.value)  # and says what to write


def test_without_source_the_previous_field_is_named():
    with pytest.raises(DefinitionError) as exc:
        exec(compile("class Model(Struct, endian='big'):\n    ok: int = u8()\n    bad: bytes = Bytes(-1)\n",
                     "<no file>", "exec"), {"Struct": Struct, "u8": u8, "Bytes": __import__("binmodel").Bytes})
    assert str(exc.value).startswith("Model (the field after ok): Bytes size")


def test_outside_a_class_body_nothing_is_added():
    from binmodel import Bytes

    with pytest.raises(DefinitionError) as exc:
        Bytes(-1)
    assert str(exc.value) == "Bytes size must be a non-negative int or a reference, not -1"
    again = pickle.loads(pickle.dumps(exc.value))
    assert str(again) == str(exc.value) and isinstance(again, DefinitionError)


def test_a_model_nested_in_a_class_names_itself_not_the_outer_class():
    with pytest.raises(DefinitionError) as exc:
        class Outer:
            class Inner(Struct):
                n: int = __import__("binmodel").u16()
    assert str(exc.value).startswith("Inner.n: u16 has no byte order")
