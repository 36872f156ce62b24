"""Java class files, as specified by "The Java Virtual Machine Specification, Java SE 17 Edition",
chapter 4 ("The class File Format"): 4.1 (ClassFile), 4.4 (the constant pool), 4.5 (fields), 4.6
(methods), 4.7 (attributes) and 4.4.7 (modified UTF-8).

A class file is the magic ``0xCAFEBABE``, the version, the constant pool, the access flags, this and
the super class, the interfaces, the fields, the methods and the attributes. The constant pool has
``constant_pool_count - 1`` slots, numbered from 1; each entry is a tag byte and what it says (4.4).
A ``CONSTANT_Long`` or ``CONSTANT_Double`` takes two slots (4.4.5): the next slot holds nothing and may
not be used. Here the list ``constant_pool`` has one item a slot, so entry ``#n`` is
``constant_pool[n - 1]``, as ``javap`` numbers them: the slot after a long or a double is an item that
reads no bytes (``unusable`` true, ``tag`` and ``info`` ``None``). Text (CONSTANT_Utf8) is modified
UTF-8: NUL is two bytes and a character outside the BMP is its two UTF-16 surrogates, three bytes each.

An attribute is its name (a constant pool index), its length and its bytes; the ones decoded here are
chosen by the name the index refers to: ``Code``, ``ConstantValue``, ``Exceptions``, ``SourceFile``,
``LineNumberTable``; the others keep their bytes.
"""

from __future__ import annotations

import enum
from typing import List, Optional, Union

from ..expr import count_of, len_of, this, where
from ..fields import (
    Array,
    Bytes,
    Computed,
    Const,
    Enum,
    Field,
    Flags,
    If,
    Lazy,
    Sized,
    String,
    Switch,
    Transformed,
    f32,
    f64,
    i32,
    i64,
    u8,
    u16,
    u32,
)
from ..model import Struct
from ..transforms import Codec


class Tag(enum.IntEnum):
    """Constant pool tags (4.4, table 4.4-B)."""

    Utf8 = 1
    Integer = 3
    Float = 4
    Long = 5
    Double = 6
    Class = 7
    String = 8
    Fieldref = 9
    Methodref = 10
    InterfaceMethodref = 11
    NameAndType = 12
    MethodHandle = 15
    MethodType = 16
    Dynamic = 17
    InvokeDynamic = 18
    Module = 19
    Package = 20


class AccessFlags(enum.IntFlag):
    """Access flags of classes (4.1, table 4.1-B), fields (4.5) and methods (4.6): one set, as the bits
    do not collide within each kind (0x0020 is ACC_SUPER on a class, ACC_SYNCHRONIZED on a method)."""

    ACC_PUBLIC = 0x0001
    ACC_PRIVATE = 0x0002
    ACC_PROTECTED = 0x0004
    ACC_STATIC = 0x0008
    ACC_FINAL = 0x0010
    ACC_SUPER = 0x0020  # class; ACC_SYNCHRONIZED on a method
    ACC_VOLATILE = 0x0040  # field; ACC_BRIDGE on a method
    ACC_TRANSIENT = 0x0080  # field; ACC_VARARGS on a method
    ACC_NATIVE = 0x0100
    ACC_INTERFACE = 0x0200
    ACC_ABSTRACT = 0x0400
    ACC_STRICT = 0x0800
    ACC_SYNTHETIC = 0x1000
    ACC_ANNOTATION = 0x2000
    ACC_ENUM = 0x4000
    ACC_MODULE = 0x8000  # class; ACC_MANDATED on a parameter


class ModifiedUtf8:
    """Modified UTF-8 (4.4.7) to and from UTF-8: NUL as ``C0 80``, characters outside the BMP as two
    3-byte surrogates. (A lone surrogate, which Java strings may hold, has no UTF-8 form: a ParseError.)"""

    def decode(self, data: bytes) -> bytes:
        text = data.replace(b"\xc0\x80", b"\0").decode("utf-8", "surrogatepass")
        return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be").encode("utf-8")

    def encode(self, data: bytes) -> bytes:
        units = data.decode("utf-8").encode("utf-16-be")
        text = "".join(chr(int.from_bytes(units[i:i + 2], "big")) for i in range(0, len(units), 2))
        return text.encode("utf-8", "surrogatepass").replace(b"\0", b"\xc0\x80")


class Ref(Struct, endian="big"):
    """CONSTANT_Fieldref, _Methodref, _InterfaceMethodref (4.4.2)."""

    class_index: int = u16()
    name_and_type_index: int = u16()


class NameAndType(Struct, endian="big"):
    """CONSTANT_NameAndType (4.4.6)."""

    name_index: int = u16()
    descriptor_index: int = u16()


class MethodHandle(Struct, endian="big"):
    """CONSTANT_MethodHandle (4.4.8)."""

    reference_kind: int = u8(valid=range(1, 10))
    reference_index: int = u16()


class Dynamic(Struct, endian="big"):
    """CONSTANT_Dynamic, _InvokeDynamic (4.4.10)."""

    bootstrap_method_attr_index: int = u16()
    name_and_type_index: int = u16()


ConstantInfo = Union[str, int, float, Ref, NameAndType, MethodHandle, Dynamic, None]


class CpInfo(Struct, endian="big"):
    """One constant pool slot: an entry, or the unusable slot after a long or a double (no bytes)."""

    unusable: bool = Computed(where(this._index == 0, False,
                                    (this._prev.tag == Tag.Long) | (this._prev.tag == Tag.Double)))
    tag: Optional[Tag] = If(~this.unusable, Enum(u8, Tag, strict=True), default=None)
    info: ConstantInfo = Field(Switch(this.tag, {
        None: Computed(None),
        Tag.Utf8: Transformed(Bytes(prefix=u16), Codec(ModifiedUtf8()), String(greedy=True)),
        Tag.Integer: i32, Tag.Float: f32, Tag.Long: i64, Tag.Double: f64,
        (Tag.Class, Tag.String, Tag.MethodType, Tag.Module, Tag.Package): u16,  # an index
        (Tag.Fieldref, Tag.Methodref, Tag.InterfaceMethodref): Ref,
        Tag.NameAndType: NameAndType,
        Tag.MethodHandle: MethodHandle,
        (Tag.Dynamic, Tag.InvokeDynamic): Dynamic,
    }), default=None)


class ExceptionEntry(Struct, endian="big"):
    """One entry of a Code attribute's exception table."""

    start_pc: int = u16()
    end_pc: int = u16()
    handler_pc: int = u16()
    catch_type: int = u16()


class LineNumber(Struct, endian="big"):
    start_pc: int = u16()
    line_number: int = u16()


class Code(Struct, endian="big"):
    """The Code attribute (4.7.3), after its name and length."""

    max_stack: int = u16()
    max_locals: int = u16()
    code: bytes = Bytes(prefix=u32)
    exception_table: List[ExceptionEntry] = Array(ExceptionEntry, prefix=u16)
    attributes: List[Attribute] = Array(Lazy(lambda: Attribute), prefix=u16)  # a model inside itself


AttributeInfo = Union[Code, int, List[int], List[LineNumber], bytes]


class Attribute(Struct, endian="big"):
    """attribute_info (4.7): the name is a constant pool index; what follows is chosen by that name."""

    attribute_name_index: int = u16()
    attribute_length: int = u32(derive=len_of("info"))
    # an expression cannot read a field of a list item (this.pool[i].info): the name is looked up in a function
    info: AttributeInfo = Sized(this.attribute_length, Switch(
        lambda this: this._root.constant_pool[this.attribute_name_index - 1].info, {
            "Code": Code,
            ("ConstantValue", "SourceFile"): u16,  # an index
            "Exceptions": Array(u16, prefix=u16),
            "LineNumberTable": Array(LineNumber, prefix=u16),
        }, default=Bytes(greedy=True)))


class Member(Struct, endian="big"):
    """field_info (4.5) and method_info (4.6)."""

    access_flags: AccessFlags = Flags(u16, AccessFlags)
    name_index: int = u16()
    descriptor_index: int = u16()
    attributes: List[Attribute] = Array(Attribute, prefix=u16)


class ClassFile(Struct, endian="big"):
    """A Java class file (ClassFile, JVMS 4.1): version, constant pool, flags, fields, methods, attributes."""

    magic: int = Const(0xCAFEBABE, u32)
    minor_version: int = u16()
    major_version: int = u16()
    constant_pool_count: int = u16(derive=count_of("constant_pool") + 1)
    constant_pool: List[CpInfo] = Array(CpInfo, count=this.constant_pool_count - 1)
    access_flags: AccessFlags = Flags(u16, AccessFlags)
    this_class: int = u16()
    super_class: int = u16()
    interfaces: List[int] = Array(u16, prefix=u16)
    fields: List[Member] = Array(Member, prefix=u16)
    methods: List[Member] = Array(Member, prefix=u16)
    attributes: List[Attribute] = Array(Attribute, prefix=u16)
