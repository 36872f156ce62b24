"""ELF, as specified by the System V Application Binary Interface, generic ABI ("gABI", edition
4.1 and the 2013 draft), chapter 4 "Object Files" and chapter 5 "Program Loading and Dynamic
Linking" (the same layouts as the Tool Interface Standard "Executable and Linking Format (ELF)
Specification" version 1.2).

Modelled: the ELF header (4.1 "ELF Header", e_ident in "ELF Identification"), the section header
table ("Sections", Figure 4-8), the program header table (5.1 "Program Header", Figure 5-1), string
tables ("String Table") and symbol tables ("Symbol Table", Figure 4-15) decoded where the section
type says so (SHT_STRTAB, SHT_SYMTAB, SHT_DYNSYM). Every other section's contents are bytes.

Layout: a file is ``e_ident``, then one of four bodies chosen by EI_CLASS and EI_DATA (32/64-bit,
little/big-endian; the big-endian ones are the little-endian models re-resolved by subclassing).
A body holds the rest of the ELF header, then the whole rest of the file as ``image`` bytes, then
the tables as ``Pointer(..., overwrite=True)`` fields: on build the image is written first and the
tables over it, so the gaps, padding and overlapping regions (segments cover sections) of a real
file come back byte for byte, and an edit to a header, a symbol or a string reaches the file.

Names are a derived view, not parse-time lookups: ``sh_name``/``st_name`` are offsets into a
string table (often into the middle of another string), so ``ELF.section_names()`` and
``ELF.symbol_names()`` read them from the decoded tables on demand. String table text is Latin-1
(one character per byte, so offsets are character positions and every byte survives).

Not modelled: extended section numbering (e_shnum 0 with the count in section 0's sh_size, SHN_XINDEX),
relocation, dynamic, note, hash and version sections (bytes), compressed sections (bytes), and moving
things: a section that grows does not shift the sections after it.
"""

from __future__ import annotations

import enum
from typing import Any, Dict, List, Optional, Union

from ..expr import count_of, this
from ..fields import Array, Bits, Bytes, Const, CString, Enum, Flags, If, Pointer, Sized, Switch, u8, u16, u32, u64
from ..model import Struct


class ElfClass(enum.IntEnum):
    """EI_CLASS (Figure 4-5)."""

    ELFCLASSNONE = 0
    ELFCLASS32 = 1
    ELFCLASS64 = 2


class ElfData(enum.IntEnum):
    """EI_DATA (Figure 4-6)."""

    ELFDATANONE = 0
    ELFDATA2LSB = 1
    ELFDATA2MSB = 2


class OsAbi(enum.IntEnum):
    """EI_OSABI (Figure 4-7); unknown values stay ints."""

    ELFOSABI_NONE = 0
    ELFOSABI_HPUX = 1
    ELFOSABI_NETBSD = 2
    ELFOSABI_GNU = 3
    ELFOSABI_SOLARIS = 6
    ELFOSABI_AIX = 7
    ELFOSABI_IRIX = 8
    ELFOSABI_FREEBSD = 9
    ELFOSABI_TRU64 = 10
    ELFOSABI_MODESTO = 11
    ELFOSABI_OPENBSD = 12
    ELFOSABI_OPENVMS = 13
    ELFOSABI_NSK = 14
    ELFOSABI_AROS = 15
    ELFOSABI_FENIXOS = 16
    ELFOSABI_CLOUDABI = 17
    ELFOSABI_OPENVOS = 18
    ELFOSABI_ARM_AEABI = 64
    ELFOSABI_ARM = 97
    ELFOSABI_STANDALONE = 255


class ElfType(enum.IntEnum):
    """e_type; unknown (OS- and processor-specific) values stay ints."""

    ET_NONE = 0
    ET_REL = 1
    ET_EXEC = 2
    ET_DYN = 3
    ET_CORE = 4


class Machine(enum.IntEnum):
    """e_machine (a selection of the gABI's list); unknown values stay ints."""

    EM_NONE = 0
    EM_M32 = 1
    EM_SPARC = 2
    EM_386 = 3
    EM_68K = 4
    EM_88K = 5
    EM_IAMCU = 6
    EM_860 = 7
    EM_MIPS = 8
    EM_S370 = 9
    EM_PARISC = 15
    EM_SPARC32PLUS = 18
    EM_PPC = 20
    EM_PPC64 = 21
    EM_S390 = 22
    EM_ARM = 40
    EM_SH = 42
    EM_SPARCV9 = 43
    EM_IA_64 = 50
    EM_X86_64 = 62
    EM_AVR = 83
    EM_MSP430 = 105
    EM_AARCH64 = 183
    EM_RISCV = 243
    EM_BPF = 247
    EM_LOONGARCH = 258


class SectionType(enum.IntEnum):
    """sh_type (Figure 4-9, and the GNU values on Linux); unknown values stay ints."""

    SHT_NULL = 0
    SHT_PROGBITS = 1
    SHT_SYMTAB = 2
    SHT_STRTAB = 3
    SHT_RELA = 4
    SHT_HASH = 5
    SHT_DYNAMIC = 6
    SHT_NOTE = 7
    SHT_NOBITS = 8
    SHT_REL = 9
    SHT_SHLIB = 10
    SHT_DYNSYM = 11
    SHT_INIT_ARRAY = 14
    SHT_FINI_ARRAY = 15
    SHT_PREINIT_ARRAY = 16
    SHT_GROUP = 17
    SHT_SYMTAB_SHNDX = 18
    SHT_RELR = 19
    SHT_GNU_ATTRIBUTES = 0x6FFFFFF5
    SHT_GNU_HASH = 0x6FFFFFF6
    SHT_GNU_LIBLIST = 0x6FFFFFF7
    SHT_GNU_VERDEF = 0x6FFFFFFD
    SHT_GNU_VERNEED = 0x6FFFFFFE
    SHT_GNU_VERSYM = 0x6FFFFFFF


class SectionFlags(enum.IntFlag):
    """sh_flags (Figure 4-11); OS- and processor-specific bits are kept."""

    SHF_WRITE = 0x1
    SHF_ALLOC = 0x2
    SHF_EXECINSTR = 0x4
    SHF_MERGE = 0x10
    SHF_STRINGS = 0x20
    SHF_INFO_LINK = 0x40
    SHF_LINK_ORDER = 0x80
    SHF_OS_NONCONFORMING = 0x100
    SHF_GROUP = 0x200
    SHF_TLS = 0x400
    SHF_COMPRESSED = 0x800


class SegmentType(enum.IntEnum):
    """p_type (Figure 5-2, and the GNU values on Linux); unknown values stay ints."""

    PT_NULL = 0
    PT_LOAD = 1
    PT_DYNAMIC = 2
    PT_INTERP = 3
    PT_NOTE = 4
    PT_SHLIB = 5
    PT_PHDR = 6
    PT_TLS = 7
    PT_GNU_EH_FRAME = 0x6474E550
    PT_GNU_STACK = 0x6474E551
    PT_GNU_RELRO = 0x6474E552
    PT_GNU_PROPERTY = 0x6474E553


class SegmentFlags(enum.IntFlag):
    """p_flags (Figure 5-3); OS- and processor-specific bits are kept."""

    PF_X = 0x1
    PF_W = 0x2
    PF_R = 0x4


class SymbolBinding(enum.IntEnum):
    """ELF32_ST_BIND / ELF64_ST_BIND values (Figure 4-17): what ``st_bind`` reads as (unknown values stay ints)."""

    STB_LOCAL = 0
    STB_GLOBAL = 1
    STB_WEAK = 2
    STB_GNU_UNIQUE = 10


class SymbolType(enum.IntEnum):
    """ELF32_ST_TYPE / ELF64_ST_TYPE values (Figure 4-18): what ``st_type`` reads as (unknown values stay ints)."""

    STT_NOTYPE = 0
    STT_OBJECT = 1
    STT_FUNC = 2
    STT_SECTION = 3
    STT_FILE = 4
    STT_COMMON = 5
    STT_TLS = 6
    STT_GNU_IFUNC = 10


class ElfIdent(Struct):
    """e_ident[EI_NIDENT] ("ELF Identification", Figure 4-4): byte-sized, the same in every variant."""

    ei_mag: bytes = Const(b"\x7fELF")
    ei_class: ElfClass = Enum(u8, ElfClass)
    ei_data: ElfData = Enum(u8, ElfData)
    ei_version: int = u8()
    ei_osabi: OsAbi = Enum(u8, OsAbi)
    ei_abiversion: int = u8()
    ei_pad: bytes = Bytes(7)


class Elf32_Sym(Struct, endian="little"):
    """Elf32_Sym ("Symbol Table", Figure 4-15); st_info split as ELF32_ST_BIND / ELF32_ST_TYPE."""

    st_name: int = u32()
    st_value: int = u32()
    st_size: int = u32()
    st_bind: SymbolBinding = Enum(Bits(4), SymbolBinding)
    st_type: SymbolType = Enum(Bits(4), SymbolType)
    st_other: int = u8()
    st_shndx: int = u16()


class Elf64_Sym(Struct, endian="little"):
    """Elf64_Sym ("Symbol Table", Figure 4-15); st_info split as ELF64_ST_BIND / ELF64_ST_TYPE."""

    st_name: int = u32()
    st_bind: SymbolBinding = Enum(Bits(4), SymbolBinding)
    st_type: SymbolType = Enum(Bits(4), SymbolType)
    st_other: int = u8()
    st_shndx: int = u16()
    st_value: int = u64()
    st_size: int = u64()


SectionContents = Union[List[Elf32_Sym], List[Elf64_Sym], List[str], bytes, None]


def _contents(sym: type) -> object:
    """A section's contents, at sh_offset, read as its sh_type says; SHT_NOBITS sections have none."""
    return If(this.sh_type != SectionType.SHT_NOBITS, Pointer(this.sh_offset, Switch(this.sh_type, {
        SectionType.SHT_SYMTAB: Sized(this.sh_size, Array(sym, greedy=True)),
        SectionType.SHT_DYNSYM: Sized(this.sh_size, Array(sym, greedy=True)),
        SectionType.SHT_STRTAB: Sized(this.sh_size, Array(CString("latin-1"), greedy=True)),
    }, default=Bytes(this.sh_size)), overwrite=True), default=None)


class Elf32_Shdr(Struct, endian="little"):
    """Elf32_Shdr ("Sections", Figure 4-8), and the section's contents (not part of the header)."""

    sh_name: int = u32()
    sh_type: SectionType = Enum(u32, SectionType)
    sh_flags: SectionFlags = Flags(u32, SectionFlags)
    sh_addr: int = u32()
    sh_offset: int = u32()
    sh_size: int = u32()
    sh_link: int = u32()
    sh_info: int = u32()
    sh_addralign: int = u32()
    sh_entsize: int = u32()
    contents: SectionContents = _contents(Elf32_Sym)  # type: ignore[assignment]


class Elf64_Shdr(Struct, endian="little"):
    """Elf64_Shdr ("Sections", Figure 4-8), and the section's contents (not part of the header)."""

    sh_name: int = u32()
    sh_type: SectionType = Enum(u32, SectionType)
    sh_flags: SectionFlags = Flags(u64, SectionFlags)
    sh_addr: int = u64()
    sh_offset: int = u64()
    sh_size: int = u64()
    sh_link: int = u32()
    sh_info: int = u32()
    sh_addralign: int = u64()
    sh_entsize: int = u64()
    contents: SectionContents = _contents(Elf64_Sym)  # type: ignore[assignment]


class Elf32_Phdr(Struct, endian="little"):
    """Elf32_Phdr (5.1 "Program Header", Figure 5-1)."""

    p_type: SegmentType = Enum(u32, SegmentType)
    p_offset: int = u32()
    p_vaddr: int = u32()
    p_paddr: int = u32()
    p_filesz: int = u32()
    p_memsz: int = u32()
    p_flags: SegmentFlags = Flags(u32, SegmentFlags)
    p_align: int = u32()


class Elf64_Phdr(Struct, endian="little"):
    """Elf64_Phdr (5.1 "Program Header", Figure 5-1)."""

    p_type: SegmentType = Enum(u32, SegmentType)
    p_flags: SegmentFlags = Flags(u32, SegmentFlags)
    p_offset: int = u64()
    p_vaddr: int = u64()
    p_paddr: int = u64()
    p_filesz: int = u64()
    p_memsz: int = u64()
    p_align: int = u64()


class Elf32LE(Struct, endian="little"):
    """The 32-bit ELF header after e_ident (Figure 4-3), the rest of the file, and its tables."""

    e_type: ElfType = Enum(u16, ElfType)
    e_machine: Machine = Enum(u16, Machine)
    e_version: int = u32()
    e_entry: int = u32()
    e_phoff: int = u32()
    e_shoff: int = u32()
    e_flags: int = u32()
    e_ehsize: int = u16()
    e_phentsize: int = u16()
    e_phnum: int = u16(derive=count_of("program_headers"))
    e_shentsize: int = u16()
    e_shnum: int = u16(derive=count_of("section_headers"))
    e_shstrndx: int = u16()
    image: bytes = Bytes(greedy=True)
    program_headers: List[Elf32_Phdr] = Pointer(
        this.e_phoff, Array(Sized(this.e_phentsize, Elf32_Phdr), count=this.e_phnum), overwrite=True)
    section_headers: List[Elf32_Shdr] = Pointer(
        this.e_shoff, Array(Sized(this.e_shentsize, Elf32_Shdr), count=this.e_shnum), overwrite=True)


class Elf64LE(Struct, endian="little"):
    """The 64-bit ELF header after e_ident (Figure 4-3), the rest of the file, and its tables."""

    e_type: ElfType = Enum(u16, ElfType)
    e_machine: Machine = Enum(u16, Machine)
    e_version: int = u32()
    e_entry: int = u64()
    e_phoff: int = u64()
    e_shoff: int = u64()
    e_flags: int = u32()
    e_ehsize: int = u16()
    e_phentsize: int = u16()
    e_phnum: int = u16(derive=count_of("program_headers"))
    e_shentsize: int = u16()
    e_shnum: int = u16(derive=count_of("section_headers"))
    e_shstrndx: int = u16()
    image: bytes = Bytes(greedy=True)
    program_headers: List[Elf64_Phdr] = Pointer(
        this.e_phoff, Array(Sized(this.e_phentsize, Elf64_Phdr), count=this.e_phnum), overwrite=True)
    section_headers: List[Elf64_Shdr] = Pointer(
        this.e_shoff, Array(Sized(this.e_shentsize, Elf64_Shdr), count=this.e_shnum), overwrite=True)


class Elf32BE(Elf32LE, endian="big"):
    """Elf32LE in big-endian order (ELFDATA2MSB): its Phdr, Shdr and Sym become big-endian too."""


class Elf64BE(Elf64LE, endian="big"):
    """Elf64LE in big-endian order (ELFDATA2MSB): its Phdr, Shdr and Sym become big-endian too."""


ElfBody = Union[Elf32LE, Elf64LE]
Header = Union[Elf32_Shdr, Elf64_Shdr]


class StringTable:
    """A decoded string table looked up by offset, as sh_name and st_name do ("String Table")."""

    def __init__(self, contents: Union[List[str], bytes, None]) -> None:
        if isinstance(contents, list):
            self.text = "".join(s + "\0" for s in contents)
        else:
            self.text = (contents or b"").decode("latin-1")

    def __getitem__(self, offset: int) -> str:
        end = self.text.find("\0", offset)
        if offset < 0 or end < 0:
            raise LookupError("no string at offset %d of a %d-byte string table" % (offset, len(self.text)))
        return self.text[offset:end]


class ELF(Struct):
    """An ELF file: e_ident, then the header, image and tables for its class and byte order."""

    e_ident: ElfIdent
    body: ElfBody = Switch(this.e_ident.ei_class, {
        ElfClass.ELFCLASS32: Switch(this.e_ident.ei_data, {ElfData.ELFDATA2LSB: Elf32LE, ElfData.ELFDATA2MSB: Elf32BE}),
        ElfClass.ELFCLASS64: Switch(this.e_ident.ei_data, {ElfData.ELFDATA2LSB: Elf64LE, ElfData.ELFDATA2MSB: Elf64BE}),
    })

    # --- derived views: names and bytes, read from the model on demand ---

    def _headers(self) -> List[Any]:
        return self.body.section_headers  # type: ignore[return-value]

    def string_table(self, index: int) -> StringTable:
        """Section ``index`` as a string table (its decoded strings, or its bytes)."""
        contents = self._headers()[index].contents
        return StringTable(contents if isinstance(contents, (list, bytes)) else None)

    def section_names(self) -> List[str]:
        """The name of every section, from the section header string table (e_shstrndx)."""
        headers = self._headers()
        if not headers or self.body.e_shstrndx >= len(headers):
            return ["" for _ in headers]
        names = self.string_table(self.body.e_shstrndx)
        return [names[h.sh_name] for h in headers]

    def __bm_notes__(self) -> Dict[str, str]:
        """The names ``sh_name`` and ``st_name`` point at, beside them in dumps and the HTML view."""
        notes: Dict[str, str] = {}
        for i, (header, name) in enumerate(zip(self._headers(), self.section_names())):
            if name:
                notes["body.section_headers[%d].sh_name" % i] = name
            if header.sh_type in (SectionType.SHT_SYMTAB, SectionType.SHT_DYNSYM):
                try:
                    symbols = self.symbol_names(i)
                except (LookupError, TypeError):  # a symbol table whose sh_link is not a string table
                    continue
                for j, symbol in enumerate(symbols):
                    if symbol:
                        notes["body.section_headers[%d].contents[%d].st_name" % (i, j)] = symbol
        return notes

    def section(self, name: str) -> Optional[Header]:
        """The first section header called ``name``, or None."""
        for header, found in zip(self._headers(), self.section_names()):
            if found == name:
                return header  # type: ignore[no-any-return]
        return None

    def symbol_names(self, index: int) -> List[str]:
        """The names of the symbols of symbol table section ``index``, from its sh_link string table."""
        header = self._headers()[index]
        names = self.string_table(header.sh_link)
        return [names[sym.st_name] for sym in header.contents]

    def symbols(self) -> Dict[str, List[Any]]:
        """Every symbol table section by name (.symtab, .dynsym) with its symbols."""
        names = self.section_names()
        return {names[i]: h.contents for i, h in enumerate(self._headers())
                if h.sh_type in (SectionType.SHT_SYMTAB, SectionType.SHT_DYNSYM)}

    def section_data(self, index: int) -> bytes:
        """The bytes of section ``index`` as the model would write them (b"" for SHT_NOBITS)."""
        header = self._headers()[index]
        if header.contents is None:
            return b""
        if isinstance(header.contents, bytes):
            return header.contents
        return self.to_bytes()[header.sh_offset:header.sh_offset + header.sh_size]

    def segment_data(self, index: int) -> bytes:
        """The p_filesz bytes at p_offset of segment ``index``, from the file as the model builds it."""
        header: Any = self.body.program_headers[index]
        return self.to_bytes()[header.p_offset:header.p_offset + header.p_filesz]
