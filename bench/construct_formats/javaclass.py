"""Java class files in Construct 2.10: the same structures as binmodel.formats.javaclass (the constant
pool with long and double taking two slots, modified UTF-8 text, access flags, fields, methods and the
attributes decoded by their name: Code, ConstantValue, SourceFile, Exceptions, LineNumberTable), with the
pool count and the attribute lengths rebuilt. The pool is the Construct way: its entries without the
unusable slots, read until the slots are used up."""

from construct import (
    Const,
    Double,
    Enum,
    ExprAdapter,
    FlagsEnum,
    Float32b,
    GreedyBytes,
    Int8ub,
    Int16ub,
    Int32sb,
    Int32ub,
    Int64sb,
    LazyBound,
    Prefixed,
    PrefixedArray,
    Rebuild,
    RepeatUntil,
    Struct,
    Switch,
    this,
)

TAGS = dict(Utf8=1, Integer=3, Float=4, Long=5, Double=6, Class=7, String=8, Fieldref=9, Methodref=10,
            InterfaceMethodref=11, NameAndType=12, MethodHandle=15, MethodType=16, Dynamic=17,
            InvokeDynamic=18, Module=19, Package=20)
ACCESS = dict(ACC_PUBLIC=0x0001, ACC_PRIVATE=0x0002, ACC_PROTECTED=0x0004, ACC_STATIC=0x0008,
              ACC_FINAL=0x0010, ACC_SUPER=0x0020, ACC_VOLATILE=0x0040, ACC_TRANSIENT=0x0080, ACC_NATIVE=0x0100,
              ACC_INTERFACE=0x0200, ACC_ABSTRACT=0x0400, ACC_STRICT=0x0800, ACC_SYNTHETIC=0x1000,
              ACC_ANNOTATION=0x2000, ACC_ENUM=0x4000, ACC_MODULE=0x8000)


def mutf8_decode(data):
    text = data.replace(b"\xc0\x80", b"\0").decode("utf-8", "surrogatepass")
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be")


def mutf8_encode(text):
    units = text.encode("utf-16-be")
    split = "".join(chr(int.from_bytes(units[i:i + 2], "big")) for i in range(0, len(units), 2))
    return split.encode("utf-8", "surrogatepass").replace(b"\0", b"\xc0\x80")


Index = Int16ub
Ref = Struct("class_index" / Index, "name_and_type_index" / Index)
CpInfo = Struct(
    "tag" / Enum(Int8ub, **TAGS),
    "info" / Switch(this.tag, {
        "Utf8": ExprAdapter(Prefixed(Int16ub, GreedyBytes), lambda b, c: mutf8_decode(b), lambda t, c: mutf8_encode(t)),
        "Integer": Int32sb, "Float": Float32b, "Long": Int64sb, "Double": Double,
        "Class": Index, "String": Index, "MethodType": Index, "Module": Index, "Package": Index,
        "Fieldref": Ref, "Methodref": Ref, "InterfaceMethodref": Ref,
        "NameAndType": Struct("name_index" / Index, "descriptor_index" / Index),
        "MethodHandle": Struct("reference_kind" / Int8ub, "reference_index" / Index),
        "Dynamic": Struct("bootstrap_method_attr_index" / Index, "name_and_type_index" / Index),
        "InvokeDynamic": Struct("bootstrap_method_attr_index" / Index, "name_and_type_index" / Index),
    }),
)


def slots(entries):
    return sum(2 if e.tag in ("Long", "Double") else 1 for e in entries)


def constant(root, index):
    """Entry ``#index`` of the pool (the slots after longs and doubles are not in the list)."""
    slot = 1
    for entry in root.constant_pool:
        if slot == index:
            return entry.info
        slot += 2 if entry.tag in ("Long", "Double") else 1
    raise IndexError(index)


Attribute = Struct(
    "attribute_name_index" / Index,
    "info" / Prefixed(Int32ub, Switch(lambda c: constant(c._root, c.attribute_name_index), {
        "Code": Struct(
            "max_stack" / Int16ub,
            "max_locals" / Int16ub,
            "code" / Prefixed(Int32ub, GreedyBytes),
            "exception_table" / PrefixedArray(Int16ub, Struct(
                "start_pc" / Int16ub, "end_pc" / Int16ub, "handler_pc" / Int16ub, "catch_type" / Index)),
            "attributes" / PrefixedArray(Int16ub, LazyBound(lambda: Attribute)),
        ),
        "ConstantValue": Index,
        "SourceFile": Index,
        "Exceptions": PrefixedArray(Int16ub, Index),
        "LineNumberTable": PrefixedArray(Int16ub, Struct("start_pc" / Int16ub, "line_number" / Int16ub)),
    }, default=GreedyBytes)),
)
Member = Struct(
    "access_flags" / FlagsEnum(Int16ub, **ACCESS),
    "name_index" / Index,
    "descriptor_index" / Index,
    "attributes" / PrefixedArray(Int16ub, Attribute),
)
ClassFile = Struct(
    "magic" / Const(0xCAFEBABE, Int32ub),
    "minor_version" / Int16ub,
    "major_version" / Int16ub,
    "constant_pool_count" / Rebuild(Int16ub, lambda c: slots(c.constant_pool) + 1),
    "constant_pool" / RepeatUntil(lambda e, lst, c: slots(lst) >= c.constant_pool_count - 1, CpInfo),
    "access_flags" / FlagsEnum(Int16ub, **ACCESS),
    "this_class" / Index,
    "super_class" / Index,
    "interfaces" / PrefixedArray(Int16ub, Index),
    "fields" / PrefixedArray(Int16ub, Member),
    "methods" / PrefixedArray(Int16ub, Member),
    "attributes" / PrefixedArray(Int16ub, Attribute),
)
