"""GIF, as specified by CompuServe, "Graphics Interchange Format, Version 89a" (W3C copy), sections 17-27.

Section 17 (header: signature and version, ``87a`` or ``89a``), 18 (logical screen descriptor, its
packed fields as bit fields), 19 (global colour table, ``3 * 2 ** (size + 1)`` bytes), 20 (image
descriptor), 21 (local colour table), 22 (table-based image data: LZW minimum code size and data
sub-blocks, the LZW codes kept as bytes, not decompressed), 23 (graphic control extension), 24
(comment extension), 25 (plain text extension), 26 (application extension), 27 (trailer). Data
sub-blocks (section 15) are a size byte and that many bytes, ending at a block of size 0 (the block
terminator, section 16), which is kept as the last item of each list. Extensions with other labels
keep their data as sub-blocks.

Each block starts with its introducer byte (0x2C image separator, 0x21 extension introducer, 0x3B
trailer), read here as ``Block.introducer``; the block's fields follow in ``Block.body``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from ..expr import len_of, this
from ..fields import Array, Bits, Bytes, Const, If, String, Switch, u8, u16
from ..model import Struct

IMAGE_SEPARATOR = 0x2C
EXTENSION_INTRODUCER = 0x21
TRAILER = 0x3B


class SubBlock(Struct):
    """A data sub-block (section 15); size 0 is the block terminator (section 16)."""

    block_size: int = u8(derive=len_of("data_values"))
    data_values: bytes = Bytes(this.block_size)


def _is_terminator(block: SubBlock) -> bool:
    return not block.data_values


def SubBlocks() -> Any:
    """Data sub-blocks up to and including the block terminator."""
    return Array(SubBlock, until=_is_terminator)


class Color(Struct):
    """One colour table entry (sections 19 and 21)."""

    red: int = u8()
    green: int = u8()
    blue: int = u8()


class LogicalScreenDescriptor(Struct, endian="little", bit_order="msb"):
    """Logical screen descriptor (section 18)."""

    logical_screen_width: int = u16()
    logical_screen_height: int = u16()
    global_color_table_flag: int = Bits(1)
    color_resolution: int = Bits(3)
    sort_flag: int = Bits(1)
    size_of_global_color_table: int = Bits(3)
    background_color_index: int = u8()
    pixel_aspect_ratio: int = u8()


class ImageDescriptor(Struct, endian="little", bit_order="msb"):
    """Image descriptor (section 20) after the image separator, its local colour table (21) and
    table-based image data (22)."""

    image_left_position: int = u16()
    image_top_position: int = u16()
    image_width: int = u16()
    image_height: int = u16()
    local_color_table_flag: int = Bits(1)
    interlace_flag: int = Bits(1)
    sort_flag: int = Bits(1)
    reserved: int = Bits(2, default=0)
    size_of_local_color_table: int = Bits(3)
    local_color_table: Optional[List[Color]] = If(
        this.local_color_table_flag, Array(Color, count=lambda this: 2 << this.size_of_local_color_table),
        default=None)
    lzw_minimum_code_size: int = u8()
    image_data: List[SubBlock] = SubBlocks()


class GraphicControlExtension(Struct, endian="little", bit_order="msb"):
    """Graphic control extension (section 23), after its label 0xF9. ``delay_time`` is in 1/100 s."""

    block_size: int = Const(4, u8)
    reserved: int = Bits(3, default=0)
    disposal_method: int = Bits(3)
    user_input_flag: int = Bits(1)
    transparent_color_flag: int = Bits(1)
    delay_time: int = u16()
    transparent_color_index: int = u8()
    block_terminator: int = Const(0, u8)


class CommentExtension(Struct):
    """Comment extension (section 24), after its label 0xFE: 7-bit ASCII text in sub-blocks."""

    comment_data: List[SubBlock] = SubBlocks()


class PlainTextExtension(Struct, endian="little"):
    """Plain text extension (section 25), after its label 0x01."""

    block_size: int = Const(12, u8)
    text_grid_left_position: int = u16()
    text_grid_top_position: int = u16()
    text_grid_width: int = u16()
    text_grid_height: int = u16()
    character_cell_width: int = u8()
    character_cell_height: int = u8()
    text_foreground_color_index: int = u8()
    text_background_color_index: int = u8()
    plain_text_data: List[SubBlock] = SubBlocks()


class ApplicationExtension(Struct):
    """Application extension (section 26), after its label 0xFF (``NETSCAPE2.0`` holds the loop count)."""

    block_size: int = Const(11, u8)
    application_identifier: bytes = Bytes(8)
    application_authentication_code: bytes = Bytes(3)
    application_data: List[SubBlock] = SubBlocks()

    @property
    def loop_count(self) -> Optional[int]:
        """NETSCAPE2.0's loop count (0: forever), from its first sub-block (ID 1, then a u16le); None for
        another application or a block of another shape."""
        if self.application_identifier + self.application_authentication_code != b"NETSCAPE2.0":
            return None
        first = self.application_data[0].data_values if self.application_data else b""
        return int.from_bytes(first[1:3], "little") if len(first) == 3 and first[0] == 1 else None

    def __bm_notes__(self) -> Dict[str, str]:
        """The loop count beside the sub-block holding it, in dumps and the HTML view."""
        count = self.loop_count
        if count is None:
            return {}
        return {"application_data[0].data_values": "loop count %s" % (count or "0 (forever)")}


ExtensionBody = Union[GraphicControlExtension, CommentExtension, PlainTextExtension, ApplicationExtension,
                      List[SubBlock]]


class Extension(Struct):
    """An extension block after the extension introducer 0x21: its label, then the label's fields."""

    label: int = u8()
    body: ExtensionBody = Switch(this.label, {
        0xF9: GraphicControlExtension,
        0xFE: CommentExtension,
        0x01: PlainTextExtension,
        0xFF: ApplicationExtension,
    }, default=SubBlocks())


class Trailer(Struct):
    """The trailer (section 27): the byte 0x3B alone."""


class Block(Struct):
    """One block of the data stream (section 14, "Grammar"): an introducer and the block it introduces."""

    introducer: int = u8()
    body: Union[ImageDescriptor, Extension, Trailer] = Switch(this.introducer, {
        IMAGE_SEPARATOR: ImageDescriptor,
        EXTENSION_INTRODUCER: Extension,
        TRAILER: Trailer,
    })


class GIF(Struct):
    """A GIF data stream: header (section 17), logical screen descriptor (18), global colour table (19),
    then blocks up to the trailer (27)."""

    signature: bytes = Const(b"GIF")
    version: str = String(3, encoding="ascii")
    logical_screen_descriptor: LogicalScreenDescriptor
    global_color_table: Optional[List[Color]] = If(
        this.logical_screen_descriptor.global_color_table_flag,
        Array(Color, count=lambda this: 2 << this.logical_screen_descriptor.size_of_global_color_table),
        default=None)
    blocks: List[Block] = Array(Block, until=lambda block: block.introducer == TRAILER)


def sub_blocks(data: bytes) -> List[SubBlock]:
    """``data`` cut into sub-blocks of at most 255 bytes, then the block terminator."""
    return [SubBlock(data_values=data[i:i + 255]) for i in range(0, len(data), 255)] + [SubBlock(data_values=b"")]


def joined(blocks: List[SubBlock]) -> bytes:
    """The data of sub-blocks, concatenated (the LZW codes of an image, a comment's text)."""
    return b"".join(b.data_values for b in blocks)
