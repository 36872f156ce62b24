"""The ELF model against pyelftools, on binaries from the machine and objects compiled in the test run."""

import glob
import io
import pathlib
import shutil
import subprocess

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import ELF
from binmodel.formats.elf import SectionFlags, SectionType, SymbolBinding, SymbolType

elffile = pytest.importorskip("elftools.elf.elffile")
enums = pytest.importorskip("elftools.elf.enums")

SOURCE = """
int counter = 3;
static int hidden;
extern int ext(int);
int add(int a, int b) { hidden += a; return ext(a) + b + counter; }
const char *msg = "hi";
"""

# clang targets that emit objects without libraries: all four ELF variants (class x byte order)
CLANG_TARGETS = {
    "i386-linux-gnu": (32, "little"),
    "arm-linux-gnueabi": (32, "little"),
    "powerpc-linux-gnu": (32, "big"),
    "aarch64_be-linux-gnu": (64, "big"),
    "powerpc64-linux-gnu": (64, "big"),
}


def _machine_files():
    files = [pathlib.Path("/bin/ls"), pathlib.Path("/usr/lib/x86_64-linux-gnu/crt1.o")]
    shared = sorted(glob.glob("/usr/lib/x86_64-linux-gnu/libpython3*.so.1.0")) or sorted(
        glob.glob("/usr/lib/x86_64-linux-gnu/libz.so.*"))
    files += [pathlib.Path(p) for p in shared[:1]]
    return [f for f in files if f.is_file()]


MACHINE_FILES = _machine_files()


def _compile(tmp_path, name, cmd):
    src = tmp_path / "s.c"
    src.write_text(SOURCE)
    out = tmp_path / (name + ".o")
    result = subprocess.run(cmd + ["-c", str(src), "-o", str(out)], capture_output=True)
    if result.returncode != 0:
        pytest.skip("%s cannot compile here: %s" % (" ".join(cmd), result.stderr.decode()[-200:]))
    return out.read_bytes()


@pytest.fixture(scope="module")
def objdir(tmp_path_factory):
    return tmp_path_factory.mktemp("elf")


def _gcc_object(objdir, *flags):
    if shutil.which("gcc") is None:
        pytest.skip("no gcc")
    return _compile(objdir, "gcc" + "".join(flags), ["gcc", "-O1", *flags])


def _clang_object(objdir, target):
    if shutil.which("clang") is None:
        pytest.skip("no clang")
    return _compile(objdir, target, ["clang", "--target=" + target, "-O1"])


# --- comparison with pyelftools ------------------------------------------------

def _raw(value, mapping):
    """pyelftools gives known enum values as names: back to the number."""
    return mapping[value] if isinstance(value, str) else value


def _encoding(struct, name):
    return next(sc.encoding for sc in struct.subcons if sc.name == name)


def compare_with_pyelftools(data):
    """Every header field, program header, section header and symbol, binmodel against pyelftools."""
    elf = ELF.parse(data)
    ref = elffile.ELFFile(io.BytesIO(data))
    structs = ref.structs
    ident, rid = elf.e_ident, ref.header.e_ident
    assert bytes(rid.EI_MAG) == ident.ei_mag
    assert ident.ei_class == _raw(rid.EI_CLASS, enums.ENUM_EI_CLASS)
    assert ident.ei_data == _raw(rid.EI_DATA, enums.ENUM_EI_DATA)
    assert ident.ei_version == _raw(rid.EI_VERSION, enums.ENUM_E_VERSION)
    assert ident.ei_osabi == _raw(rid.EI_OSABI, enums.ENUM_EI_OSABI)
    assert ident.ei_abiversion == rid.EI_ABIVERSION
    assert ident.ei_pad == data[9:16]
    body, rh = elf.body, ref.header
    assert body.e_type == _raw(rh.e_type, _encoding(structs.Elf_Ehdr, "e_type"))
    assert body.e_machine == _raw(rh.e_machine, _encoding(structs.Elf_Ehdr, "e_machine"))
    assert body.e_version == _raw(rh.e_version, enums.ENUM_E_VERSION)
    for name in ("e_entry", "e_phoff", "e_shoff", "e_flags", "e_ehsize", "e_phentsize", "e_phnum",
                 "e_shentsize", "e_shnum", "e_shstrndx"):
        assert getattr(body, name) == rh[name], name

    assert len(body.program_headers) == ref.num_segments()
    p_type = _encoding(structs.Elf_Phdr, "p_type")
    for ours, seg in zip(body.program_headers, ref.iter_segments()):
        theirs = seg.header
        assert ours.p_type == _raw(theirs.p_type, p_type)
        for name in ("p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_flags", "p_align"):
            assert getattr(ours, name) == theirs[name], name

    names = elf.section_names()
    notes = elf.__bm_notes__()  # what dumps show beside sh_name and st_name
    assert len(body.section_headers) == ref.num_sections()
    sh_type = _encoding(structs.Elf_Shdr, "sh_type")
    symbols_seen = 0
    for i, (ours, sec) in enumerate(zip(body.section_headers, ref.iter_sections())):
        theirs = sec.header
        assert names[i] == sec.name
        assert notes.get("body.section_headers[%d].sh_name" % i, "") == sec.name
        assert ours.sh_type == _raw(theirs.sh_type, sh_type)
        for name in ("sh_name", "sh_flags", "sh_addr", "sh_offset", "sh_size", "sh_link", "sh_info",
                     "sh_addralign", "sh_entsize"):
            assert getattr(ours, name) == theirs[name], name
        if ours.sh_type != SectionType.SHT_NOBITS:
            assert elf.section_data(i) == sec.data()
        if ours.sh_type in (SectionType.SHT_SYMTAB, SectionType.SHT_DYNSYM):
            assert len(ours.contents) == sec.num_symbols()
            symbols_seen_here = 0
            for sym, sym_name, ref_sym in zip(ours.contents, elf.symbol_names(i), sec.iter_symbols()):
                e = ref_sym.entry
                assert sym_name == ref_sym.name
                assert notes.get("body.section_headers[%d].contents[%d].st_name" % (i, symbols_seen_here),
                                 "") == ref_sym.name
                symbols_seen_here += 1
                assert (sym.st_name, sym.st_value, sym.st_size) == (e.st_name, e.st_value, e.st_size)
                assert sym.st_bind == _raw(e.st_info.bind, enums.ENUM_ST_INFO_BIND)
                assert sym.st_type == _raw(e.st_info.type, enums.ENUM_ST_INFO_TYPE)
                for ours_value, theirs_value, kind in ((sym.st_bind, e.st_info.bind, SymbolBinding),
                                                       (sym.st_type, e.st_info.type, SymbolType)):
                    if isinstance(theirs_value, str) and theirs_value in kind.__members__:  # a value both name
                        assert type(ours_value) is kind and ours_value.name == theirs_value
                assert sym.st_shndx == _raw(e.st_shndx, enums.ENUM_ST_SHNDX)
                symbols_seen += 1
        if ours.sh_type == SectionType.SHT_STRTAB:
            assert "".join(s + "\0" for s in ours.contents).encode("latin-1") == sec.data()
    for i, seg in enumerate(ref.iter_segments()):
        assert elf.segment_data(i) == seg.data()
    return elf, symbols_seen


@pytest.mark.parametrize("path", MACHINE_FILES, ids=lambda p: p.name)
def test_machine_binaries_match_pyelftools_and_rebuild(path):
    data = path.read_bytes()
    elf, symbols = compare_with_pyelftools(data)
    assert symbols > 0
    assert ELF.build(elf) == data


def test_gcc_object_matches_pyelftools_and_rebuilds(objdir):
    data = _gcc_object(objdir)
    elf, symbols = compare_with_pyelftools(data)
    assert {"add", "counter", "hidden", "msg", "ext"} <= set(elf.symbol_names(elf.body.section_headers.index(
        elf.section(".symtab"))))
    assert ELF.build(elf) == data


def test_gcc_m32_object(objdir):
    data = _gcc_object(objdir, "-m32")
    elf, _ = compare_with_pyelftools(data)
    assert type(elf.body).__name__ == "Elf32LE"
    assert ELF.build(elf) == data


@pytest.mark.parametrize("target", sorted(CLANG_TARGETS))
def test_clang_cross_objects_cover_every_class_and_byte_order(objdir, target):
    data = _clang_object(objdir, target)
    elf, symbols = compare_with_pyelftools(data)
    bits, order = CLANG_TARGETS[target]
    assert type(elf.body).__name__ == "Elf%d%s" % (bits, "LE" if order == "little" else "BE")
    assert type(elf.body.section_headers[0]).__name__ == "Elf%d_Shdr" % bits
    assert symbols > 0
    assert ELF.build(elf) == data


# --- edit and rebuild -----------------------------------------------------------

def _symtab(elf):
    header = elf.section(".symtab")
    return elf.body.section_headers.index(header), header


@pytest.mark.parametrize("target", ["native", "powerpc64-linux-gnu", "powerpc-linux-gnu"])
def test_rename_symbol_and_edit_section_flags(objdir, target):
    data = _gcc_object(objdir) if target == "native" else _clang_object(objdir, target)
    elf = ELF.parse(data)
    index, symtab = _symtab(elf)
    strtab = elf.body.section_headers[symtab.sh_link].contents
    strtab[strtab.index("add")] = "sub"  # same length: every offset stays valid
    text = elf.section(".text")
    text.sh_flags |= SectionFlags.SHF_WRITE
    counter = symtab.contents[elf.symbol_names(index).index("counter")]
    counter.st_bind = SymbolBinding.STB_WEAK
    counter.st_size = 0x1234
    out = ELF.build(elf)
    assert len(out) == len(data)

    ref = elffile.ELFFile(io.BytesIO(out))
    syms = ref.get_section_by_name(".symtab")
    names = [s.name for s in syms.iter_symbols()]
    assert "sub" in names and "add" not in names
    weak = syms.get_symbol_by_name("counter")[0]
    assert (weak.entry.st_info.bind, weak.entry.st_size) == ("STB_WEAK", 0x1234)
    flags = ref.get_section_by_name(".text").header.sh_flags
    assert flags & SectionFlags.SHF_WRITE and flags & SectionFlags.SHF_EXECINSTR
    changed = [i for i in range(len(data)) if data[i] != out[i]]
    assert len(changed) <= 3 + 1 + 2 + 2  # three letters, one flag byte, st_info, st_size
    assert compare_with_pyelftools(out)[0].section_names() == elf.section_names()


def test_dropping_a_program_header_recomputes_e_phnum():
    data = pathlib.Path("/bin/ls").read_bytes()
    elf = ELF.parse(data)
    count = len(elf.body.program_headers)
    del elf.body.program_headers[-1]
    out = ELF.build(elf)
    ref = elffile.ELFFile(io.BytesIO(out))
    assert ref.num_segments() == count - 1 == ELF.parse(out).body.e_phnum
    assert [s.header.p_vaddr for s in ref.iter_segments()] == [p.p_vaddr for p in elf.body.program_headers]


# --- bad input ------------------------------------------------------------------

def test_truncated_files_raise_parse_error(objdir):
    data = _gcc_object(objdir)
    for size in sorted({0, 3, 10, 16, 30, 52, 63, 64, 200, len(data) // 2, len(data) - 1}):
        with pytest.raises(ParseError):
            ELF.parse(data[:size])


def _patched(data, offset, raw):
    return data[:offset] + raw + data[offset + len(raw):]


def test_corrupt_headers_raise_parse_error(objdir):
    data = _gcc_object(objdir)  # x86-64, little-endian
    elf = ELF.parse(data)
    bad = [
        _patched(data, 0, b"\x7fELG"),                      # magic
        _patched(data, 4, b"\x03"),                         # EI_CLASS
        _patched(data, 5, b"\x00"),                         # EI_DATA
        _patched(data, 0x28, (len(data) + 8).to_bytes(8, "little")),  # e_shoff past the end
        _patched(data, 0x3A, (10).to_bytes(2, "little")),   # e_shentsize smaller than Elf64_Shdr
        _patched(data, 0x3C, (0xFFFF).to_bytes(2, "little")),  # e_shnum far too many
    ]
    shoff = elf.body.e_shoff
    strtab_index = elf.body.e_shstrndx
    header_at = shoff + 64 * strtab_index
    bad.append(_patched(data, header_at + 0x20, (len(data)).to_bytes(8, "little")))  # sh_size past the end
    strtab = elf.body.section_headers[strtab_index]
    bad.append(_patched(data, strtab.sh_offset + strtab.sh_size - 1, b"x"))  # string table without its NUL
    for i, raw in enumerate(bad):
        with pytest.raises(ParseError):
            ELF.parse(raw)
        assert len(raw) == len(data), i


def test_random_byte_flips_give_a_value_or_parse_error(objdir):
    import random

    data = _gcc_object(objdir)
    rng = random.Random(1)
    for _ in range(300):
        raw = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        try:
            elf = ELF.parse(bytes(raw))
        except ParseError:
            continue
        assert ELF.build(elf) == bytes(raw)


# --- command line -----------------------------------------------------------------

def test_cli_dump_of_an_object_file(objdir, capsys):
    data = _gcc_object(objdir)
    path = objdir / "dump.o"
    path.write_bytes(data)
    assert main(["dump", str(path), "--format", "elf", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "e_ident.ei_class = ELFCLASS64 (2)" in out
    assert "body.e_type = ET_REL (1)" in out
    assert "SHT_SYMTAB (2)" in out and "'counter'" in out
    path.write_bytes(data[:100])
    assert main(["dump", str(path), "-f", "elf", "--color", "never"]) == 1
    assert "error:" in capsys.readouterr().out
