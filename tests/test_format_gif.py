"""The GIF model against Pillow, on single-frame and animated GIFs Pillow writes in the test run."""

import copy
import io

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import GIF
from binmodel.formats.gif import (
    EXTENSION_INTRODUCER,
    TRAILER,
    ApplicationExtension,
    Block,
    CommentExtension,
    Extension,
    GraphicControlExtension,
    ImageDescriptor,
    PlainTextExtension,
    joined,
    sub_blocks,
)

Image = pytest.importorskip("PIL.Image")

PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]


def frames(count, size=(23, 17)):
    out = []
    for i in range(count):
        frame = Image.new("P", size, i % 5)
        frame.putpalette(PALETTE)
        for x in range(size[0]):
            frame.putpixel((x, (x * (i + 2)) % size[1]), (x + i) % 5)
        out.append(frame)
    return out


def save(images, **options):
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=len(images) > 1, append_images=images[1:], **options)
    return out.getvalue()


SAMPLES = {
    "plain": lambda: save(frames(1)),
    "transparent": lambda: save(frames(1), transparency=2),
    "big": lambda: save(frames(1, size=(300, 200))),  # image data over many sub-blocks
    "animated": lambda: save(frames(3), duration=[100, 250, 40], loop=0, comment=b"made by binmodel's tests",
                             disposal=2),
    "animated-transparent": lambda: save(frames(4), duration=70, loop=3, transparency=4),
}


def images(gif):
    return [b.body for b in gif.blocks if isinstance(b.body, ImageDescriptor)]


def extensions(gif, kind):
    return [b.body.body for b in gif.blocks if isinstance(b.body, Extension) and isinstance(b.body.body, kind)]


def control_of_each_frame(gif):
    """The graphic control extension in force for each image (the last one before it), or None."""
    out, pending = [], None
    for block in gif.blocks:
        if isinstance(block.body, Extension) and isinstance(block.body.body, GraphicControlExtension):
            pending = block.body.body
        elif isinstance(block.body, ImageDescriptor):
            out.append(pending)
            pending = None
    return out


def check_against_pillow(data, gif):
    im = Image.open(io.BytesIO(data))
    assert im.info["version"] == b"GIF" + gif.version.encode()
    screen = gif.logical_screen_descriptor
    assert (screen.logical_screen_width, screen.logical_screen_height) == im.size
    assert screen.background_color_index == im.info.get("background", 0)
    if gif.global_color_table is not None:
        assert len(gif.global_color_table) == 2 << screen.size_of_global_color_table
        table = [v for c in gif.global_color_table for v in (c.red, c.green, c.blue)]
        assert im.getpalette()[:len(table)] == table[:len(im.getpalette())]
    assert im.n_frames == len(images(gif))
    comments = extensions(gif, CommentExtension)
    if comments:
        assert im.info["comment"] == joined(comments[0].comment_data)
    apps = extensions(gif, ApplicationExtension)
    if apps:
        app = apps[0]
        assert app.application_identifier + app.application_authentication_code == b"NETSCAPE2.0"
        loop = joined(app.application_data)
        assert im.info["loop"] == int.from_bytes(loop[1:3], "little") == app.loop_count  # Pillow's reading
    for i, (image, control) in enumerate(zip(images(gif), control_of_each_frame(gif))):
        im.seek(i)
        box = im.tile[0][1] if im.tile else None
        if box is not None:
            assert im.tile[0][3][0] == image.lzw_minimum_code_size
            assert box == (image.image_left_position, image.image_top_position,
                           image.image_left_position + image.image_width,
                           image.image_top_position + image.image_height)
        if control is not None:
            assert im.info.get("duration", 0) == control.delay_time * 10
            if control.transparent_color_flag and (i == 0 or "transparency" in im.info):
                assert im.info["transparency"] == control.transparent_color_index  # later frames are RGB(A)
        im.load()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_fields_match_pillow_and_rebuild(name):
    data = SAMPLES[name]()
    gif = GIF.parse(data)
    assert gif.blocks[-1].introducer == TRAILER
    check_against_pillow(data, gif)
    assert GIF.build(gif) == data


def test_versions():
    assert GIF.parse(SAMPLES["plain"]()).version == "87a"
    assert GIF.parse(SAMPLES["animated"]()).version == "89a"


def test_edit_durations_comment_and_append_a_frame():
    data = SAMPLES["animated"]()
    gif = GIF.parse(data)
    for control, delay in zip(control_of_each_frame(gif), (7, 8, 9)):
        control.delay_time = delay
    comment = extensions(gif, CommentExtension)[0]
    text = b"a comment longer than one sub-block: " + b"x" * 600
    comment.comment_data = sub_blocks(text)
    # a fourth frame: the third frame's control and image blocks again, with a new delay
    blocks = gif.blocks[-3:-1]
    extra = [copy.deepcopy(b) for b in blocks]
    extra[0].body.body.delay_time = 50
    gif.blocks[-1:-1] = extra
    out = GIF.build(gif)
    im = Image.open(io.BytesIO(out))
    assert im.n_frames == 4
    assert im.info["comment"] == text
    durations = []
    for i in range(4):
        im.seek(i)
        im.load()
        durations.append(im.info["duration"])
    assert durations == [70, 80, 90, 500]
    again = GIF.parse(out)
    assert [len(b.data_values) for b in extensions(again, CommentExtension)[0].comment_data] == [255, 255, 127, 0]
    check_against_pillow(out, again)


def test_edit_image_data_replaces_the_pixels():
    data = SAMPLES["animated"]()
    gif = GIF.parse(data)
    first, second = images(gif)[:2]
    assert first.image_width == second.image_width  # Pillow wrote both frames whole? else skip
    second.image_data = sub_blocks(joined(first.image_data))
    second.lzw_minimum_code_size = first.lzw_minimum_code_size
    second.image_left_position, second.image_top_position = first.image_left_position, first.image_top_position
    second.image_width, second.image_height = first.image_width, first.image_height
    out = GIF.build(gif)
    im = Image.open(io.BytesIO(out))
    im.seek(0)
    im.load()
    one = im.convert("RGB").tobytes()
    im.seek(1)
    im.load()
    assert im.convert("RGB").tobytes() == one


def test_other_extensions_round_trip_and_pillow_skips_them():
    data = SAMPLES["plain"]()
    gif = GIF.parse(data)
    text = PlainTextExtension(text_grid_left_position=0, text_grid_top_position=0, text_grid_width=8,
                              text_grid_height=8, character_cell_width=8, character_cell_height=8,
                              text_foreground_color_index=1, text_background_color_index=0,
                              plain_text_data=sub_blocks(b"hi"))
    unknown = [Block(introducer=EXTENSION_INTRODUCER, body=Extension(label=0x42, body=sub_blocks(b"opaque")))]
    gif.blocks[0:0] = [Block(introducer=EXTENSION_INTRODUCER, body=Extension(label=0x01, body=text))] + unknown
    gif.version = "89a"
    out = GIF.build(gif)
    again = GIF.parse(out)
    assert again.blocks[0].body.body.to_bytes() == text.to_bytes()
    assert again.blocks[0].body.body.text_grid_width == 8
    assert joined(again.blocks[0].body.body.plain_text_data) == b"hi"
    assert joined(again.blocks[1].body.body) == b"opaque"
    assert again.to_bytes() == out
    im = Image.open(io.BytesIO(out))
    im.load()
    base = Image.open(io.BytesIO(data))
    base.load()
    assert im.tobytes() == base.tobytes()


def test_truncated_and_corrupted_files_raise_parse_error():
    data = SAMPLES["animated"]()
    for n in range(0, len(data), 3):
        with pytest.raises(ParseError):
            GIF.parse(data[:n])
    gif = GIF.parse(data)
    at = len(data) - 1
    assert data[at] == TRAILER
    with pytest.raises(ParseError) as info:
        GIF.parse(data[:at] + b"\x99")
    assert info.value.path == "blocks[%d].body" % (len(gif.blocks) - 1)


def test_cli_dump(tmp_path, capsys):
    path = tmp_path / "anim.gif"
    path.write_bytes(SAMPLES["animated"]())
    assert main(["dump", str(path), "--format", "gif", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "logical_screen_descriptor.logical_screen_width = 23" in out
    assert "body.delay_time = 25" in out
