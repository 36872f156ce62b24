"""The Java class file model against ``javac`` and ``javap``: classes javac compiles in the test run (from
tests/java: constants of every kind, long and double taking two slots, strings with NUL and a character
outside the BMP, an interface with a default method, an enum, an abstract class, a lambda, a native
varargs method); every constant pool entry, the header and every field and method (name, descriptor,
flags) compared with what ``javap -v -p`` prints; rebuilt byte for byte; built from objects with the
counts and attribute lengths derived; an edited string read back by javap."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from binmodel import Error, ParseError
from binmodel import Struct as Struct_
from binmodel.formats import FORMATS
from binmodel.formats.javaclass import AccessFlags, ClassFile, Code, CpInfo, Member, Tag
from construct_models import construct_model

JAVA = Path(__file__).resolve().parent / "java"
INSTALL = "apt-get install -y default-jdk-headless"


def tools():
    if not (shutil.which("javac") and shutil.which("javap")):
        pytest.skip("javac/javap not found: %s" % INSTALL)


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    tools()
    out = tmp_path_factory.mktemp("classes")
    subprocess.run(["javac", "-g", "-d", str(out), *map(str, sorted(JAVA.glob("*.java")))], check=True,
                   capture_output=True, timeout=300)
    return {p.stem: p.read_bytes() for p in sorted(out.glob("*.class"))}


def javap(data, tmp_path, name="X"):
    path = tmp_path / (name + ".class")
    path.write_bytes(data)
    return subprocess.run(["javap", "-v", "-p", str(path)], check=True, capture_output=True, text=True,
                          timeout=120).stdout


POOL = re.compile(r"^\s*#(\d+) = (\w+)\s+(.*?)(?:\s+// .*)?$")


def javap_pool(text):
    """{index: (kind, argument text)} from javap's "Constant pool:" section."""
    section = text[text.index("Constant pool:"):text.index("\n{")]
    return {int(m.group(1)): (m.group(2), m.group(3).strip())
            for m in map(POOL.match, section.splitlines()[1:]) if m}


def javap_members(text):
    """[(name, descriptor, flags)] of the fields and methods, in file order, from javap's body."""
    body = text[text.index("\n{"):]
    out, name = [], None
    for line in body.splitlines():
        if re.match(r"^  \S", line) and line.rstrip().endswith(";"):
            head = line.strip()[:-1]
            name = "<clinit>" if head == "static {}" else head.split("(")[0].split()[-1] if "(" in head \
                else head.split(" = ")[0].split()[-1]
        m = re.match(r"^    descriptor: (.*)$", line)
        if m:
            descriptor = m.group(1)
        m = re.match(r"^    flags: \(0x([0-9a-f]{4})\)", line)
        if m and name is not None:
            out.append((name, descriptor, int(m.group(1), 16)))
            name = None
    return out


def javap_escape(text):
    return "".join("\\u%04x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)


def text_of(cls, index):
    return cls.constant_pool[index - 1].info


def expected_argument(entry, cls):
    info = entry.info
    if entry.tag == Tag.Utf8:
        return javap_escape(info)
    if entry.tag in (Tag.Integer,):
        return str(info)
    if entry.tag == Tag.Long:
        return "%dl" % info
    if entry.tag in (Tag.Class, Tag.String, Tag.MethodType, Tag.Module, Tag.Package):
        return "#%d" % info
    if entry.tag in (Tag.Fieldref, Tag.Methodref, Tag.InterfaceMethodref):
        return "#%d.#%d" % (info.class_index, info.name_and_type_index)
    if entry.tag == Tag.NameAndType:
        return "#%d:#%d" % (info.name_index, info.descriptor_index)
    if entry.tag == Tag.MethodHandle:
        return "%d:#%d" % (info.reference_kind, info.reference_index)
    if entry.tag in (Tag.Dynamic, Tag.InvokeDynamic):
        return "#%d:#%d" % (info.bootstrap_method_attr_index, info.name_and_type_index)
    return None  # floats and doubles: compared by value below


def compare_with_javap(cls, text):
    pool = javap_pool(text)
    assert sorted(pool) == [i + 1 for i, e in enumerate(cls.constant_pool) if not e.unusable]
    for index, (kind, argument) in pool.items():
        entry = cls.constant_pool[index - 1]
        assert entry.tag.name == kind, index
        if entry.tag in (Tag.Long, Tag.Double):
            assert cls.constant_pool[index].unusable and cls.constant_pool[index].tag is None
        expected = expected_argument(entry, cls)
        if expected is None:
            assert float(argument.rstrip("fd")) == pytest.approx(entry.info, rel=1e-6), index
        else:
            assert argument == expected, index
    header = re.search(r"minor version: (\d+)\s+major version: (\d+)\s+flags: \(0x([0-9a-f]+)\).*?"
                       r"this_class: #(\d+).*?super_class: #(\d+).*?interfaces: (\d+), fields: (\d+), "
                       r"methods: (\d+), attributes: (\d+)", text, re.S)
    assert header is not None
    assert [int(g, 16 if i == 2 else 10) for i, g in enumerate(header.groups())] == [
        cls.minor_version, cls.major_version, cls.access_flags, cls.this_class, cls.super_class,
        len(cls.interfaces), len(cls.fields), len(cls.methods), len(cls.attributes)]
    ours = [(text_of(cls, m.name_index), text_of(cls, m.descriptor_index), int(m.access_flags))
            for m in cls.fields + cls.methods]
    this_name = text_of(cls, cls.constant_pool[cls.this_class - 1].info).split("/")[-1]
    theirs = [("<init>" if name == this_name else name, d, f) for name, d, f in javap_members(text)]
    assert ours == theirs


def test_every_class_matches_javap_and_rebuilds(classes, tmp_path):
    assert {"Worked", "Shape", "Colour", "Base", "Square"} <= set(classes)
    for name, data in classes.items():
        cls = ClassFile.parse(data)
        compare_with_javap(cls, javap(data, tmp_path, name))
        assert ClassFile.build(cls) == data, name


def test_long_and_double_take_two_slots_and_strings_keep_nul(classes):
    cls = ClassFile.parse(classes["Worked"])
    longs = [i for i, e in enumerate(cls.constant_pool) if e.tag in (Tag.Long, Tag.Double)]
    assert longs and all(cls.constant_pool[i + 1] == CpInfo(unusable=True, tag=None, info=None) for i in longs)
    texts = [e.info for e in cls.constant_pool if e.tag == Tag.Utf8]
    assert "nul\x00inside and an emoji \U0001F600" in texts
    assert cls.constant_pool_count == len(cls.constant_pool) + 1


def test_code_and_other_attributes_decoded(classes):
    cls = ClassFile.parse(classes["Worked"])
    names = {text_of(cls, a.attribute_name_index): a.info for m in cls.methods for a in m.attributes}
    assert isinstance(names["Code"], Code) and isinstance(names["Exceptions"], list)
    code = next(a.info for m in cls.methods if text_of(cls, m.name_index) == "mix" for a in m.attributes
                if isinstance(a.info, Code))
    assert code.exception_table and code.exception_table[0].catch_type > 0
    inner = {text_of(cls, a.attribute_name_index) for a in code.attributes}
    assert {"LineNumberTable", "LocalVariableTable", "StackMapTable"} <= inner
    source = next(a.info for a in cls.attributes if text_of(cls, a.attribute_name_index) == "SourceFile")
    assert text_of(cls, source) == "Worked.java"
    square = ClassFile.parse(classes["Square"])
    native = next(m for m in square.methods if text_of(square, m.name_index) == "poke")
    assert native.access_flags & AccessFlags.ACC_NATIVE and native.attributes == []


def forget_derived(value):
    """A class file's ``to_dict()`` with every derived count and length taken out."""
    if isinstance(value, list):
        return [forget_derived(v) for v in value]
    if isinstance(value, dict):
        return {k: forget_derived(v) for k, v in value.items() if k not in ("constant_pool_count", "attribute_length")}
    return value


def test_build_from_objects_derives_counts_and_lengths(classes):
    for data in classes.values():
        fresh = forget_derived(ClassFile.parse(data).to_dict())
        assert "constant_pool_count" not in fresh
        assert ClassFile.build(fresh) == data
        assert ClassFile.build(ClassFile.from_dict(fresh)) == data


def test_edited_string_is_read_by_javap(classes, tmp_path):
    cls = ClassFile.parse(classes["Worked"])
    entry = next(e for e in cls.constant_pool if e.tag == Tag.Utf8 and e.info.startswith("nul"))
    entry.info = "edited \x00 \U0001F680 longer than before"
    out = ClassFile.build(cls)
    text = javap(out, tmp_path, "Worked")
    assert "edited \\u0000 \U0001F680 longer than before" in text
    compare_with_javap(ClassFile.parse(out), text)


def test_a_member_without_attributes_builds(classes):
    cls = ClassFile.parse(classes["Shape"])
    cls.fields.append(Member(access_flags=AccessFlags.ACC_PUBLIC | AccessFlags.ACC_STATIC | AccessFlags.ACC_FINAL,
                             name_index=cls.methods[0].name_index, descriptor_index=cls.methods[0].descriptor_index,
                             attributes=[]))
    assert ClassFile.parse(ClassFile.build(cls)).fields[-1].attributes == []


def test_bad_input_names_the_field_and_offset(classes):
    data = classes["Worked"]
    with pytest.raises(ParseError) as info:
        ClassFile.parse(b"\xca\xfe\xba\xbf" + data[4:])
    assert info.value.path == "magic" and info.value.offset == 0
    with pytest.raises(ParseError) as info:
        ClassFile.parse(data[:10] + b"\x02" + data[11:])  # the first entry's tag: 2 is no tag
    assert info.value.path == "constant_pool[0].tag" and info.value.offset == 10
    with pytest.raises(ParseError):
        ClassFile.parse(data[:-3])
    last = ClassFile.parse(data).attributes[-1]
    at = len(data) - 6 - last.attribute_length  # the last attribute's name index: point it past the pool
    with pytest.raises(Error) as info:
        ClassFile.parse(data[:at] + b"\xff\xff" + data[at + 2:])
    assert info.value.path.startswith("attributes[")
    assert FORMATS["javaclass"] is ClassFile




def test_construct_model_reads_the_same_files(classes):
    c = construct_model("javaclass")
    for data in classes.values():
        ours, theirs = ClassFile.parse(data), c.ClassFile.parse(data)
        used = [e for e in ours.constant_pool if not e.unusable]
        assert [(e.tag.name, e.info if not isinstance(e.info, Struct_) else e.info.to_dict()) for e in used] == \
            [(str(e.tag), e.info if not hasattr(e.info, "items") else
              {k: v for k, v in e.info.items() if not k.startswith("_")}) for e in theirs.constant_pool]
        assert [(m.name_index, m.descriptor_index, int(m.access_flags)) for m in ours.fields + ours.methods] == \
            [(m.name_index, m.descriptor_index, sum(v for k, v in c.ACCESS.items() if m.access_flags[k]))
             for m in theirs.fields + theirs.methods]
        assert c.ClassFile.build(theirs) == data
