"""The HTML view (binmodel.html, ``binmodel html``): its embedded data, and its behaviour in a real browser.

The browser tests drive Debian's chromium through Playwright. They are skipped when either is
missing, except on CI (the ``CI`` variable set, on CPython): there they must run, so they fail.
Expected offsets come from an independent walk of the bytes (``struct``), not from binmodel.
"""

import base64
import hashlib
import json
import os
import pathlib
import platform
import re
import struct
import time

import pytest

import binmodel
from binmodel import Array, Bits, Bytes, Padding, Pointer, String, Struct, i16, this, u8, u16, u32
from binmodel.cli import main
from binmodel.dump import shape
from binmodel.formats import PNG
from binmodel.html import to_html, trace_to_html, view_data, write_html

SAMPLE = pathlib.Path(binmodel.__file__).parent / "samples" / "idle_16.png"
DATA = SAMPLE.read_bytes()
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
XSS = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def walk_chunks(data):
    """An independent chunk walk with struct: (offset, type, payload length) per chunk."""
    out, i = [], 8
    while i < len(data):
        (n,) = struct.unpack_from(">I", data, i)
        out.append((i, data[i + 4:i + 8], n))
        i += 12 + n
    return out


# --- small models of our own -------------------------------------------------------------------

class Point(Struct, endian="little"):
    x: int = i16()
    y: int = i16()


class Header(Struct, endian="big"):
    version: int = Bits(3)
    kind: int = Bits(5)
    count: int = u8()


class Record(Struct, endian="little"):
    start: Point
    end: Point
    name: str = String(prefix=u8, encoding="utf-8")
    _pad: None = Padding(2)


class Drawing(Struct, endian="little"):
    header: Header
    records: list = Array(Record, this.header.count)


class Gap(Struct):
    """A pointer leaves the bytes between the cursor and its target uncovered."""

    at: int = u8()
    value: int = Pointer(this.at, u8)


class Note(Struct, endian="little"):
    tag: int = u16()
    text: str = String(prefix=u8, encoding="utf-8")


class Rec(Struct, endian="little"):
    tag: int = u8()
    length: int = u16()
    payload: bytes = Bytes(this.length)


class Big(Struct, endian="little"):
    count: int = u32()
    records: list = Array(Rec, this.count)


def drawing_bytes(points, names, version=5, kind=9):
    """Drawing bytes made with struct, and the offset of every record (an independent layout)."""
    out = bytearray(struct.pack(">BB", (version << 5) | kind, len(names)))
    offsets = []
    for (x0, y0, x1, y1), name in zip(points, names):
        offsets.append(len(out))
        raw = name.encode("utf-8")
        out += struct.pack("<hhhhB", x0, y0, x1, y1, len(raw)) + raw + b"\0\0"
    return bytes(out), offsets


POINTS = [(1, -2, 300, 4), (-5, 6, 7, 8000), (9, 10, 11, 12), (13, -14, 15, 16)]
NAMES = ["one", "zwei", "trois", "quatre"]


def embedded(page):
    """The JSON data inside a page, as the browser would read it."""
    m = re.search(r'<script type="application/json" id="binmodel-data">(.*?)</script>', page, re.S)
    assert m, "no data element"
    return json.loads(m.group(1))


def paths_of(d):
    paths = []
    for name, parent in zip(d["name"], d["parent"]):
        paths.append(name if parent < 0 else paths[parent] + name)
    return paths


# --- without a browser -------------------------------------------------------------------------

@pytest.mark.parametrize("model,data", [(PNG, DATA), (Drawing, drawing_bytes(POINTS, NAMES)[0])])
def test_embedded_json_round_trips_the_spans(model, data):
    trace = model.parse_trace(data)
    assert trace.ok
    d = embedded(to_html(model, data))
    assert base64.b64decode(d["data"]) == data == trace.data
    got = list(zip(paths_of(d), d["off"], d["len"], [d["kinds"][k] for k in d["kind"]],
                   [d["types"][t] for t in d["type"]]))
    assert got == [(s.path, s.offset, s.size, s.kind, s.type_name) for s in trace.spans]
    assert d["error"] is None and d["incomplete"] == []
    # values: the text binmodel dump shows
    from binmodel.dump import value_text
    for s, v in zip(trace.spans, d["value"]):
        if s.kind != "array":
            assert v == value_text(s, 120)
    # one colour per path shape, and siblings in a struct differ
    by_shape = {}
    for path, colour in zip(paths_of(d), d["color"]):
        assert by_shape.setdefault(shape(path), colour) == colour
    children = {}
    for i, parent in enumerate(d["parent"]):
        if parent >= 0 and d["kinds"][d["kind"][parent]] == "struct":
            children.setdefault(parent, []).append(d["color"][i])
    for colours in children.values():
        assert len(set(colours)) == len(colours)


def test_png_chunk_offsets_agree_with_an_independent_walk():
    d = embedded(to_html(PNG, DATA))
    where = {p: (o, n) for p, o, n in zip(paths_of(d), d["off"], d["len"])}
    for i, (offset, _, n) in enumerate(walk_chunks(DATA)):
        assert where["chunks[%d]" % i] == (offset, 12 + n)
        assert where["chunks[%d].length" % i] == (offset, 4)


def test_text_from_data_and_title_cannot_close_the_script():
    data = struct.pack("<HB", 7, len(XSS)) + XSS.encode()
    page = to_html(Note, data, title=XSS)
    assert page.count("</script>") == 2  # the data element and the viewer, nothing from the file
    assert "<script>alert" not in page and "<img src=x" not in page
    assert XSS in embedded(page)["value"][-1]
    # the content security policy allows only the viewer's own script (by hash) and no network
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    assert "'sha256-%s'" % base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() in csp


def bad_name_length(data, starts):
    """The last record's name claims more bytes than there are."""
    bad = bytearray(data)
    bad[starts[-1] + 8] = 200
    return bytes(bad), starts[-1] + 8


def test_failed_parse_keeps_spans_error_and_open_structs():
    data, starts = bad_name_length(*drawing_bytes(POINTS, NAMES))
    trace = Drawing.parse_trace(data)
    d = view_data(trace)
    assert d["error"]["offset"] == trace.error.offset == starts + 1  # the name's bytes after its length
    assert d["error"]["path"] == "records[3].name" and d["error"]["message"] == str(trace.error)
    paths = paths_of(d)
    assert paths == [s.path for s in trace.spans]
    open_paths = {paths[i] for i in d["incomplete"]}
    assert open_paths == {"", "records", "records[3]"}
    where = dict(zip(paths, zip(d["off"], d["len"])))
    first = drawing_bytes(POINTS, NAMES)[1][0]
    assert where["records"] == (first, starts + 1 - first)  # up to the failing byte
    assert where["records[3]"] == (starts - 8, 9)
    assert where["records[3].end"] == (starts - 4, 4)


def test_write_html_and_cli(tmp_path, capsys):
    out = tmp_path / "view.html"
    assert write_html(PNG, DATA, out).ok
    assert embedded(out.read_text(encoding="utf-8"))["size"] == len(DATA)
    assert main(["html", str(SAMPLE), "--format", "png", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<title>%s as PNG</title>" % SAMPLE in page
    assert main(["html", str(SAMPLE), "-m", "binmodel.formats.png:PNG", "-o", "-", "--title", "t"]) == 0
    assert embedded(capsys.readouterr().out)["title"] == "t"
    broken = tmp_path / "broken.png"
    broken.write_bytes(DATA[:49])  # cut after chunk 1: the chunks end before IEND
    assert main(["html", str(broken), "-f", "png", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("binmodel: chunks at offset 49 (0x31)") and "\n" not in err
    assert embedded(out.read_text(encoding="utf-8"))["error"]["path"] == "chunks"
    kept = tmp_path / "kept.png"
    kept.write_bytes(DATA[:100])  # cut inside chunk 3: kept as Malformed, shown, and said as dump says it
    assert main(["html", str(kept), "-f", "png", "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip() == "binmodel: 1 part of the data did not parse and is kept as malformed"
    assert main(["dump", str(kept), "-f", "png", "--color", "never"]) == 1
    assert capsys.readouterr().err.strip() == "binmodel: 1 part of the data did not parse and is kept as malformed"
    assert main(["html", str(tmp_path / "missing"), "-f", "png", "-o", str(out)]) == 2
    assert main(["html", str(SAMPLE), "-f", "nosuch", "-o", str(out)]) == 2
    assert main(["html", str(SAMPLE), "-f", "png", "-o", str(tmp_path / "no" / "dir.html")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_trace_to_html_of_an_empty_model_and_data():
    class Empty(Struct):
        pass

    d = embedded(trace_to_html(Empty.parse_trace(b"")))
    assert d["size"] == 0 and paths_of(d) == [""]


# --- in a browser ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    must = bool(os.environ.get("CI")) and platform.python_implementation() == "CPython"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if must:
            pytest.fail("CI is set but playwright is not installed")
        pytest.skip("playwright is not installed")
    if not os.path.exists(CHROMIUM):
        if must:
            pytest.fail("CI is set but %s is missing" % CHROMIUM)
        pytest.skip("%s is missing" % CHROMIUM)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def view(browser, tmp_path):
    """open(html, width, height) -> a page showing it, with dialogs and script errors recorded."""
    pages = []

    def open_view(page_html, width=1400, height=800):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.dialogs, page.errors = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        path = tmp_path / ("view%d.html" % len(pages))
        path.write_text(page_html, encoding="utf-8")
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-ready]")
        pages.append(page)
        return page

    yield open_view
    for page in pages:
        assert page.errors == []
        page.close()


def offsets(page, selector):
    return sorted(int(o) for o in page.locator(selector).evaluate_all("els => els.map(e => e.dataset.o)"))


def in_view(page, selector, pane):
    """Whether the element lies inside the scrolled pane's visible box."""
    return page.evaluate("""([sel, pane]) => { const e = document.querySelector(sel).getBoundingClientRect(),
        b = document.getElementById(pane).getBoundingClientRect();
        return e.top >= b.top && e.bottom <= b.bottom; }""", [selector, pane])


def test_hover_names_the_field_and_highlights_exactly_its_bytes(view):
    page = view(to_html(PNG, DATA))
    offset, _, n = walk_chunks(DATA)[2]
    page.hover('.hx[data-o="%d"]' % (offset + 2))
    assert offsets(page, ".hx.hov") == list(range(offset, offset + 4))
    assert offsets(page, ".hx.sel") == list(range(8))  # the page opens with the first field selected
    status = page.text_content("#status")
    assert "chunks[2].length" in status and "= %d (0x%x)" % (n, n) in status and "u32be" in status
    # the chunk opens expanded, so the field's own node is framed; collapsed, the chunk's node is
    assert page.locator(".row.hov").evaluate_all("els => els.map(e => e.dataset.path)") == ["chunks[2].length"]
    page.click('.row[data-path="chunks[2]"] .tog')
    page.hover('.hx[data-o="%d"]' % (offset + 2))
    assert page.locator('.row.hovanc[data-path="chunks[2]"]').count() == 1
    page.click('.row[data-path="chunks[2]"] .tog')
    page.hover('.hx[data-o="%d"]' % (offset + 1))
    assert page.locator(".row.hov").evaluate_all("els => els.map(e => e.dataset.path)") == ["chunks[2].length"]
    # the same field of another chunk has the same colour; the neighbouring field another one
    colour = page.eval_on_selector('.hx[data-o="%d"]' % offset, "e => e.style.backgroundColor")
    other = walk_chunks(DATA)[1][0]
    assert page.eval_on_selector('.hx[data-o="%d"]' % other, "e => e.style.backgroundColor") == colour
    assert page.eval_on_selector('.hx[data-o="%d"]' % (offset + 4), "e => e.style.backgroundColor") != colour


def test_hover_inside_an_array_of_structs_names_the_element_and_bit_fields(view):
    data, starts = drawing_bytes(POINTS, NAMES)
    page = view(to_html(Drawing, data))
    page.hover('.hx[data-o="%d"]' % (starts[3] + 7))  # records[3].end.y, second byte
    status = page.text_content("#status")
    assert "records[3].end.y" in status and "= %d" % POINTS[3][3] in status
    assert offsets(page, ".hx.hov") == [starts[3] + 6, starts[3] + 7]
    page.hover('.hx[data-o="0"]')  # the bit group: version and kind share the byte
    status = page.text_content("#status")
    assert "header.version" in status and "version=5" in status and "kind=9" in status
    pad = starts[1] - 2  # records[0]._pad
    assert "p" in page.eval_on_selector('.hx[data-o="%d"]' % pad, "e => e.className").split()
    page.hover('.hx[data-o="%d"]' % pad)
    assert "records[0]._pad" in page.text_content("#status") and "padding" in page.text_content("#status")


def test_clicking_a_tree_node_selects_and_scrolls_to_its_bytes(view):
    page = view(to_html(PNG, DATA), height=400)  # the hex pane shows fewer rows than the file has
    offset, _, n = walk_chunks(DATA)[9]
    assert not page.locator('.hx[data-o="%d"]' % offset).is_visible() or not in_view(
        page, '.hx[data-o="%d"]' % offset, "hex")
    page.click('.row[data-path="chunks[9]"] .nm')
    assert offsets(page, ".hx.sel") == list(range(offset, offset + 12 + n))
    assert in_view(page, '.hx[data-o="%d"]' % offset, "hex")
    assert page.locator(".row.sel").evaluate_all("els => els.map(e => e.dataset.path)") == ["chunks[9]"]
    assert "chunks[9]" in page.text_content("#status")
    # the selected struct is framed: its first byte has a top and a left edge
    assert page.eval_on_selector('.hx[data-o="%d"]' % offset, "e => e.style.boxShadow").count("inset") >= 2
    # a nested struct (IHDR, open from the start) selects its whole extent
    page.click('.row[data-path="chunks[0].data"] .nm')
    assert offsets(page, ".hx.sel") == list(range(16, 16 + 13))


def test_clicking_a_byte_selects_its_field_and_scrolls_the_tree(view):
    page = view(to_html(PNG, DATA), height=300)
    offset, _, n = walk_chunks(DATA)[10]
    crc = offset + 8 + n
    page.evaluate("h => { const x = document.getElementById('hex'); x.scrollTop = %d; }" % ((crc // 16) * 18))
    page.wait_for_selector('.hx[data-o="%d"]' % crc)
    page.click('.hx[data-o="%d"]' % (crc + 1))
    sel = '.row.sel[data-path="chunks[10].crc"]'
    assert page.locator(sel).count() == 1
    assert in_view(page, sel, "tree")
    assert offsets(page, ".hx.sel") == list(range(crc, crc + 4))
    page.mouse.move(1300, 100)  # off the hex view: the status shows the selection
    page.dispatch_event("#hex", "mouseleave")
    assert page.text_content("#status").startswith("selected: chunks[10].crc")
    page.keyboard.press("Escape")
    assert offsets(page, ".hx.sel") == []


def test_failure_marker_at_the_error_offset_with_the_message(view):
    err_at = len(DATA)
    bad = DATA + b"PLT"  # three bytes after IEND: the parse fails there
    trace = PNG.parse_trace(bad)
    page = view(to_html(PNG, bad))
    marker = page.locator(".hx.err")
    assert marker.count() == 1 and marker.get_attribute("data-o") == str(err_at)
    assert str(trace.error) in marker.get_attribute("title")
    assert "0x%08x" % err_at in page.text_content("#error") and str(trace.error) in page.text_content("#error")
    assert str(trace.error) in page.text_content(".errnode")
    # everything parsed before it is shown; the bytes after it are marked as not parsed
    page.hover('.hx[data-o="%d"]' % (err_at - 8))  # (the view opens at the error)
    assert "chunks[11].type" in page.text_content("#status")
    after = err_at + 1
    assert "x" in page.eval_on_selector('.hx[data-o="%d"]' % after, "e => e.className").split()
    page.hover('.hx[data-o="%d"]' % after)
    assert "not parsed" in page.text_content("#status")


def test_a_chunk_with_a_bad_crc_is_kept_in_the_error_colour(view):
    bad = bytearray(DATA)
    crc_at = walk_chunks(DATA)[0][0] + 8 + 13  # IHDR's CRC, from the walk
    bad[crc_at] ^= 0xFF
    trace = PNG.parse_trace(bytes(bad))
    assert trace.error is None and [e.path for e in trace.errors] == ["chunks[0].crc"]
    page = view(to_html(PNG, bytes(bad)))
    assert page.locator(".hx.err").count() == 0
    assert "m" in page.eval_on_selector('.hx[data-o="%d"]' % crc_at, "e => e.className").split()
    page.hover('.hx[data-o="%d"]' % (crc_at + 4))  # the next chunk is parsed as usual
    assert "chunks[1].length" in page.text_content("#status")


def test_failure_inside_nested_structs_and_uncovered_bytes(view):
    data, at = bad_name_length(*drawing_bytes(POINTS, NAMES))
    page = view(to_html(Drawing, data))
    assert page.locator(".hx.err").get_attribute("data-o") == str(at + 1)
    assert page.locator('.row[data-path="records[3]"] .inc').count() == 1
    page.hover('.hx[data-o="%d"]' % (at - 1))
    assert "records[3].end.y" in page.text_content("#status")
    page = view(to_html(Gap, b"\x04\x00\x00\x00\x2a"))
    assert "u" in page.eval_on_selector('.hx[data-o="2"]', "e => e.className").split()
    page.hover('.hx[data-o="2"]')
    assert "not covered by any field" in page.text_content("#status")
    page.hover('.hx[data-o="4"]')
    assert "value" in page.text_content("#status") and "42" in page.text_content("#status")


def test_script_in_the_data_does_not_run_and_shows_as_text(view):
    data = struct.pack("<HB", 7, len(XSS)) + XSS.encode()
    page = view(to_html(Note, data, title=XSS))
    page.wait_for_timeout(200)
    assert page.dialogs == []
    assert page.title() == XSS
    assert XSS in page.text_content('.row[data-path="text"] .va')
    page.hover('.hx[data-o="3"]')
    assert XSS in page.text_content("#status")
    assert page.locator("img").count() == 0


def test_a_large_file_opens_quickly_with_a_bounded_dom(view):
    n, size = 40000, 128
    body = b"".join(struct.pack("<BH", i % 256, size) + bytes((i + k) % 256 for k in range(size)) for i in range(n))
    data = struct.pack("<I", n) + body  # 5.2 MB, 160,003 spans
    start = time.perf_counter()
    page_html = to_html(Big, data)
    made = time.perf_counter() - start
    start = time.perf_counter()
    page = view(page_html, height=900)
    opened = time.perf_counter() - start
    print("html view: %.1f MB file, to_html %.2fs, %.1f MB page, opened in %.2fs (script %s ms)"
          % (len(data) / 1e6, made, len(page_html) / 1e6, opened, page.get_attribute("html", "data-init-ms")))
    assert opened < 20  # about 1 s on the development machine (see docs/html.md)
    assert 0 < page.locator(".hrow").count() <= 100
    page.evaluate("() => { document.getElementById('hex').scrollTop = 1e9; }")
    last = len(data) - 1
    page.wait_for_selector('.hx[data-o="%d"]' % last)
    page.click('.hx[data-o="%d"]' % last)
    assert "records[%d].payload" % (n - 1) in page.text_content("#status")
    assert page.locator(".hrow").count() <= 100
    assert page.locator(".node").count() < 2000  # the tree made only the pages it shows
    assert page.locator('.row.sel[data-path="records[%d].payload"]' % (n - 1)).count() == 1


def test_tree_rows_name_their_full_path_and_a_short_last_row_keeps_the_ascii_column(view):
    assert 0 < len(DATA) % 16 <= 7  # the sample's last row ends before the 8th column
    page = view(to_html(PNG, DATA))  # chunks[0] and its IHDR open from the start
    assert page.get_attribute('.row[data-path="chunks[0].data.width"]', "title") == "chunks[0].data.width"
    page.click('.row[data-path="chunks[11]"] .nm')  # IEND: scrolls the hex view to the last row
    last_row = "%08x" % (len(DATA) - len(DATA) % 16)
    lefts = page.evaluate("""() => [...document.querySelectorAll('.hrow')].filter(r => r.style.display !== 'none')
        .map(r => [r.querySelector('.off').textContent, r.querySelector('.as').getBoundingClientRect().left])""")
    assert last_row in dict(lefts)
    assert len({left for _, left in lefts}) == 1  # the ASCII column starts at one x, the file's last row too


def test_opens_expanded_with_the_first_field_selected_and_structures_framed(view, tmp_path):
    """What is on screen before the mouse moves: the first levels of the tree, the first field's path, type,
    value and offset, and a line in the hex pane wherever one structure ends and another begins."""
    page = view(to_html(PNG, DATA))
    page.screenshot(path=str(tmp_path / "first-screen.png"))  # to look at: pytest --basetemp=DIR keeps it
    chunks = walk_chunks(DATA)
    for k, (_, kind, _n) in enumerate(chunks):  # every chunk and its fields are open from the start
        assert page.locator('.row[data-path="chunks[%d].length"]' % k).is_visible(), kind
    assert page.locator('.row[data-path="chunks[0].data.width"]').is_visible()  # IHDR, one level deeper
    assert page.locator(".row.sel").evaluate_all("els => els.map(e => e.dataset.path)") == ["signature"]
    detail = page.text_content("#detail")
    assert detail.startswith("selected: signature") and "Const(" in detail
    assert "= b'\\x89PNG\\r\\n\\x1a\\n'" in detail and "@0x00000000 (0), 8 bytes" in detail
    assert offsets(page, ".hx.sel") == list(range(8))
    assert page.get_attribute("#detail", "data-path") == "signature"
    # structure frames: each chunk's first and last byte lies on a frame line, a byte amid a chunk's data does not
    framed = set(offsets(page, ".hx.fr"))
    for start, kind, n in chunks:
        end = start + 12 + n - 1
        if end < 16 * page.locator(".hrow").count():
            assert {start, end} <= framed, kind
    plte_start, kind, n = chunks[3]
    middle = plte_start + 8 + 40  # a palette byte whose four neighbours are palette bytes too
    assert kind == b"PLTE" and 0 < middle % 16 < 15 and middle not in framed
    shadow = page.eval_on_selector('.hx[data-o="%d"]' % chunks[1][0], "e => getComputedStyle(e).boxShadow")
    assert "0.45" in shadow  # drawn, not only classed
    # IHDR (chunks[0].data, bytes 16..28) is a structure inside a structure: framed where it meets its chunk
    assert {16, 28, 29} <= framed


def test_typed_array_values_show_their_numbers():
    class Samples(Struct, endian="little"):
        n: int = u8()
        values: object = Array(u16, count=this.n, typed=True)

    data = bytes([3]) + struct.pack("<3H", 7, 8, 9)
    embedded_view = view_data(Samples.parse_trace(data))
    assert embedded_view["value"][2] == "[7, 8, 9]"
