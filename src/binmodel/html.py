"""An interactive, self-contained HTML view of parsed data: the hex bytes and the field tree side by side.

``to_html(model, data)`` parses ``data`` with ``model.parse_trace`` and returns one HTML page with
its CSS and JavaScript inline: no network, no server, it works from ``file://``. Every byte is
coloured by its innermost field (all ``chunks[*].length`` share one colour, as in ``binmodel dump``:
the same ``shape()`` folding; the fields of one struct get a family of hues); hovering a byte names
its field with indices, type and value, clicking selects it in the tree and back. A failed parse
shows everything read up to the failure and marks the failing byte with the error message.

Hex rows and tree nodes are created lazily (only the rows in view exist in the page, a node's
children are made when it is expanded), so large files stay responsive; see docs/html.md for the
measured sizes.
"""

from __future__ import annotations

import array
import base64
import hashlib
import html
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .dump import shape, value_text
from .parsing.context import Span, Trace
from .shown import notes_of

__all__ = ["to_html", "trace_to_html", "view_data", "write_html"]

KINDS = ("field", "struct", "array", "padding", "const", "bits", "malformed")
VALUE_LIMIT = 120  # characters of a value shown in the tree and status line
_CONTAINERS = ("struct", "array")


def _inside(path: str, outer: str) -> bool:
    """True when ``path`` names ``outer`` or something nested in it."""
    if not outer or path == outer:
        return True
    return path.startswith(outer) and path[len(outer)] in ".["


def _parents(spans: Sequence[Span]) -> List[int]:
    """The index of each span's enclosing struct/array span (-1 for the top); spans come in pre-order."""
    stack: List[int] = []
    out: List[int] = []
    for i, span in enumerate(spans):
        while stack and not (spans[stack[-1]].kind in _CONTAINERS and _inside(span.path, spans[stack[-1]].path)
                             and span.path != spans[stack[-1]].path):
            stack.pop()
        out.append(stack[-1] if stack else -1)
        stack.append(i)
    return out


def _colours(spans: Sequence[Span], parents: Sequence[int]) -> Tuple[List[int], List[str]]:
    """A colour per path shape: each struct's fields share a band of hues, neighbours differ."""
    shapes = [shape(span.path) for span in spans]
    families: Dict[str, List[str]] = {}
    for i, key in enumerate(shapes):
        family = shapes[parents[i]] if parents[i] >= 0 else None
        if family is None:
            continue
        members = families.setdefault(family, [])
        if key not in members:
            members.append(key)
    index: Dict[str, int] = {}
    colours: List[str] = []
    for number, members in enumerate(families.values()):
        base = (number * 137.508) % 360.0  # the golden angle spreads the families around the wheel
        for k, key in enumerate(members):
            hue = (base + ((k * 0.618034) % 1.0 - 0.5) * 110.0) % 360.0
            light = (82, 70, 76)[k % 3]
            index[key] = len(colours)
            colours.append("hsl(%d,70%%,%d%%)" % (round(hue), light))
    root = len(colours)
    colours.append("hsl(0,0%,88%)")
    return [index.get(key, root) for key in shapes], colours


def _value(span: Span) -> str:
    if span.kind == "array" and not isinstance(span.value, array.array):  # typed arrays show their numbers
        try:
            return "%d items" % len(span.value)
        except TypeError:
            return ""
    return value_text(span, VALUE_LIMIT)


def _noted(text: str, note: Optional[str]) -> str:
    """A value's text with what the model says it points at (``__bm_notes__``); a structure's is the note."""
    if note is None:
        return text
    return "%s \u2192 %s" % (text, note) if text else note


def view_data(trace: Trace, *, title: Optional[str] = None) -> Dict[str, Any]:
    """The view's data: the bytes (base64) and the spans as columns, as embedded in the page.

    Each span ``i`` has ``name[i]``, the part of its path after its parent's path (so
    ``path = path(parent) + name``), ``parent[i]`` (-1 at the top), ``off``, ``len``, ``kind``
    (an index into ``kinds``), ``type`` (an index into ``types``), ``value`` (the text ``dump``
    shows) and ``color`` (an index into ``colors``). ``incomplete`` lists the structs and arrays
    still open when the parse failed; their ``len`` reaches the furthest byte read in them.
    """
    spans = [span for span in trace.spans if span.source is None]  # (the decoded spans of transforms: not input bytes)
    data = trace.data
    parents = _parents(spans)
    colour_of, colours = _colours(spans, parents)
    sizes = [span.size for span in spans]
    incomplete: List[int] = []
    err = trace.error
    if err is not None:
        ends = [span.offset + span.size for span in spans]
        for i in range(len(spans) - 1, -1, -1):  # children come after parents: fold ends upwards
            if parents[i] >= 0:
                ends[parents[i]] = max(ends[parents[i]], ends[i])
        err_path = getattr(err, "path", None) or ""
        err_offset = getattr(err, "offset", None)
        for i, span in enumerate(spans):
            if span.kind in _CONTAINERS and span.size == 0 and (ends[i] > span.offset or _inside(err_path, span.path)):
                end = ends[i]
                if err_offset is not None and _inside(err_path, span.path):
                    end = max(end, min(err_offset, len(data)))
                sizes[i] = max(end - span.offset, 0)
                incomplete.append(i)
    types: Dict[str, int] = {}
    names: List[str] = []
    for i, span in enumerate(spans):
        parent = parents[i]
        names.append(span.path[len(spans[parent].path):] if parent >= 0 else span.path)
    error = None
    if err is not None:
        error = {"path": getattr(err, "path", None) or "", "offset": getattr(err, "offset", None),
                 "message": str(err)}
    type_of = [types.setdefault(span.type_name, len(types)) for span in spans]
    notes = notes_of(trace.spans)
    return {
        "version": 1,
        "title": title or "",
        "model": spans[0].type_name if spans else "",
        "size": len(data),
        "data": base64.b64encode(data).decode("ascii"),
        "kinds": list(KINDS),
        "types": list(types),
        "colors": colours,
        "name": names,
        "parent": parents,
        "off": [span.offset for span in spans],
        "len": sizes,
        "kind": [KINDS.index(span.kind) if span.kind in KINDS else 0 for span in spans],
        "type": type_of,
        "value": [_noted(_value(span), notes.get(span.path)) for span in spans],
        "color": colour_of,
        "incomplete": incomplete,
        "error": error,
    }


def _json_for_script(obj: Any) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' (they only occur in strings)."""
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def trace_to_html(trace: Trace, *, title: Optional[str] = None) -> str:
    """The HTML view of an existing parse trace (see ``to_html``)."""
    data = view_data(trace, title=title)
    page_title = title or "%s (%d bytes)" % (data["model"] or "binmodel", len(trace.data))
    data["title"] = page_title
    script = _SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return _PAGE.format(
        title=html.escape(page_title),
        csp="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-%s'" % digest,
        css=_CSS,
        data=_json_for_script(data),
        script=script,
    )


def to_html(model: Any, data: Any, *, title: Optional[str] = None) -> str:
    """One self-contained HTML page showing ``data`` parsed as ``model`` (also when the parse fails)."""
    return trace_to_html(model.parse_trace(data), title=title)


def write_html(model: Any, data: Any, path: Any, *, title: Optional[str] = None) -> Trace:
    """Write the view of ``data`` parsed as ``model`` to ``path``; return the trace (``.error`` on failure)."""
    trace = model.parse_trace(data)
    page = trace_to_html(trace, title=title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return trace  # type: ignore[no-any-return]


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="binmodel">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
<b id="title">{title}</b> <span id="summary"></span>
<span id="legend"><span class="key"><i class="p"></i>padding</span><span class="key"><i class="u"></i>not covered</span><span class="key"><i class="e"></i>parse error</span><span class="key"><i class="s"></i>selected</span></span>
<div id="error" hidden></div>
<div id="detail"></div>
</header>
<main>
<div id="hex" tabindex="0"><div id="hexspacer"><div id="hexrows"></div></div></div>
<div id="tree" tabindex="0"></div>
</main>
<footer id="status">&nbsp;</footer>
<script type="application/json" id="binmodel-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_CSS = r"""
:root { --rowh: 18px; --mono: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: flex; flex-direction: column; font: 13px/1.35 system-ui, sans-serif; color: #111; background: #fff; }
header { padding: 6px 10px; border-bottom: 1px solid #ccc; background: #f6f6f6; }
#summary { color: #555; margin-left: 1em; }
#legend { float: right; color: #555; }
.key { margin-left: 1em; white-space: nowrap; }
.key i { display: inline-block; width: 1.4em; height: 1em; vertical-align: -2px; margin-right: .3em; border: 1px solid #bbb; }
.key i.p { background: repeating-linear-gradient(45deg, #ddd 0 2px, #f4f4f4 2px 5px); }
.key i.u { background: repeating-linear-gradient(135deg, #fff 0 3px, #eee 3px 6px); }
.key i.e { background: #c00; }
.key i.s { box-shadow: inset 0 0 0 2px #1a56db; border: 0; }
#error { margin-top: 4px; padding: 3px 8px; background: #fde2e2; color: #8b0000; border: 1px solid #e99; cursor: pointer; }
#error[hidden] { display: none; }
#detail { margin-top: 4px; font: 12px var(--mono); white-space: pre; overflow: hidden; text-overflow: ellipsis; min-height: 1.4em; }
#detail b { font-weight: 600; }
main { flex: 1; display: flex; min-height: 0; }
#hex { flex: none; width: calc(82ch + 32px); overflow-y: scroll; overflow-x: hidden; font: 13px var(--mono); padding: 0 8px; border-right: 1px solid #ccc; outline: none; }
#hexspacer { position: relative; overflow: hidden; }
#hexrows { position: absolute; left: 0; top: 0; will-change: transform; }
.hrow { height: var(--rowh); line-height: var(--rowh); white-space: pre; display: flex; }
.hrow > span { display: inline-block; height: var(--rowh); cursor: default; }
.off { width: 10ch; color: #888; }
.off.errrow { color: #c00; font-weight: bold; }
.hx { width: 3ch; text-align: center; }
.hx.c7 { margin-right: 1ch; }
.gap { width: 2ch; }
.as { width: 1.2ch; text-align: center; }
.hx.u, .as.u { color: #999; background: repeating-linear-gradient(135deg, #fff 0 3px, #eee 3px 6px); }
.hx.x, .as.x { color: #bbb; background: #fafafa; }
.hx.m, .as.m { color: #8b0000; background: #fde2e2; }
.hx.p, .as.p { color: #666; background: repeating-linear-gradient(45deg, #ddd 0 2px, #f4f4f4 2px 5px); }
.hx.hov, .as.hov { color: #fff; background-image: linear-gradient(rgba(0,0,0,.55), rgba(0,0,0,.55)); }
.hx.sel, .as.sel { font-weight: bold; }
.hx.err, .as.err { color: #fff; background: #c00 !important; }
.hx.none, .as.none { visibility: hidden; }
#tree { flex: 1; overflow: auto; padding: 4px 0; min-width: 20em; outline: none; }
.node > .row { white-space: nowrap; padding: 0 8px 0 0; cursor: pointer; border: 1px solid transparent; }
.node > .row:hover { background: #f0f4ff; }
.node > .row.sel { background: #dbe6ff; border-color: #1a56db; }
.node > .row.hov { border-color: #000; }
.node > .row.hovanc { border: 1px dashed #666; }
.kids { padding-left: 1.3em; }
.tog { display: inline-block; width: 1.3em; text-align: center; color: #666; }
.sw { display: inline-block; width: .9em; height: .9em; margin-right: .35em; vertical-align: -1px; border: 1px solid rgba(0,0,0,.25); }
.sw.p { background: repeating-linear-gradient(45deg, #ccc 0 2px, #f4f4f4 2px 4px); }
.nm { font-weight: 600; }
.ty { color: #666; margin-left: .6em; font-size: 12px; }
.va { margin-left: .6em; font-family: var(--mono); font-size: 12px; white-space: pre; }
.rg { color: #999; margin-left: .6em; font-size: 11px; font-family: var(--mono); }
.inc { color: #c00; margin-left: .6em; font-size: 11px; }
.more, .errnode { padding-left: 1.3em; color: #1a56db; cursor: pointer; white-space: nowrap; }
.errnode { color: #c00; }
footer { border-top: 1px solid #ccc; background: #f6f6f6; padding: 4px 10px; font: 12px var(--mono); white-space: pre; overflow: hidden; text-overflow: ellipsis; min-height: 1.8em; }
"""

_SCRIPT = r"""
(function () {
"use strict";
var t0 = performance.now();
var D = JSON.parse(document.getElementById("binmodel-data").textContent);
var raw = atob(D.data), SIZE = raw.length, bytes = new Uint8Array(SIZE);
for (var q = 0; q < SIZE; q++) bytes[q] = raw.charCodeAt(q);
raw = null;
var N = D.off.length, off = D.off, len = D.len, kind = D.kind, par = D.parent, val = D.value;
var KB = D.kinds.indexOf("bits"), KP = D.kinds.indexOf("padding"), KM = D.kinds.indexOf("malformed");
var incomplete = {}; D.incomplete.forEach(function (i) { incomplete[i] = true; });
var paths = new Array(N), kids = new Array(N);
for (var i = 0; i < N; i++) {
  var p = par[i];
  paths[i] = p < 0 ? D.name[i] : paths[p] + D.name[i];
  if (p >= 0) (kids[p] || (kids[p] = [])).push(i);
}
// the innermost span of every byte (bit fields sharing bytes keep the first of their group)
var owner = new Int32Array(SIZE).fill(-1);
for (i = 0; i < N; i++) {
  if (kids[i]) continue;
  var a = off[i], b = Math.min(a + len[i], SIZE);
  for (var j = a; j < b; j++) {
    var o = owner[j];
    if (o >= 0 && kind[i] === KB && kind[o] === KB && off[o] === a && len[o] === len[i] && par[o] === par[i]) continue;
    owner[j] = i;
  }
}
// the innermost structure (or array) around every byte: the hex pane draws a line where it changes
var frameOf = new Int32Array(SIZE).fill(-1);
for (j = 0; j < SIZE; j++) if (owner[j] >= 0) frameOf[j] = par[owner[j]];
var ERR = D.error, errOff = ERR && ERR.offset != null ? ERR.offset : -1;
var parsedEnd = 0;
for (i = 0; i < N; i++) if (off[i] + len[i] > parsedEnd) parsedEnd = off[i] + len[i];

var $ = function (id) { return document.getElementById(id); };
var hex = $("hex"), spacer = $("hexspacer"), hexrows = $("hexrows"), tree = $("tree"), status = $("status");
function h2(n) { return (n < 16 ? "0" : "") + n.toString(16); }
function h8(n) { var s = n.toString(16); return "00000000".slice(s.length) + s; }
function label(i) { return paths[i] === "" ? "(" + D.types[D.type[i]] + ")" : paths[i]; }
function plural(n, w) { return n + " " + w + (n === 1 ? "" : "s"); }

$("summary").textContent = D.model + " \u00b7 " + SIZE.toLocaleString("en") + " bytes \u00b7 " + N.toLocaleString("en") + " spans" +
  (ERR ? " \u00b7 parse failed" : "");
if (ERR) {
  var eb = $("error");
  eb.hidden = false;
  eb.textContent = "parse error at " + (errOff >= 0 ? "0x" + h8(errOff) + " (" + errOff + ")" : "an unknown offset") +
    (ERR.path ? " in " + ERR.path : "") + ": " + ERR.message + "  \u2014 shown: everything parsed before it";
  eb.title = "click to show the failing byte";
}

// ---- state -----------------------------------------------------------------------------------
var hov = -1, hovByte = -1, sel = -1;
function range(i) { return i < 0 ? null : [off[i], off[i] + len[i]]; }
function ctxOf(i) { // the struct (or array) around a span, for a faint frame
  var p = i >= 0 ? par[i] : -1;
  return p >= 0 && paths[p] !== "" ? p : -1;
}

// ---- hex view: only the rows in view exist --------------------------------------------------
var ROWH = 18, BPR = 16, ROWS = Math.max(1, Math.ceil(SIZE / BPR)), TOTAL = ROWS * ROWH, MAXH = 8000000;
var SPH = Math.min(TOTAL, MAXH);
spacer.style.height = SPH + "px";
var pool = [], first = 0;
function scale() { var ch = hex.clientHeight; return TOTAL <= MAXH || SPH <= ch ? 1 : (TOTAL - ch) / (SPH - ch); }
function makeRow() {
  var r = document.createElement("div"); r.className = "hrow";
  var o = document.createElement("span"); o.className = "off"; r.appendChild(o);
  r._hx = []; r._as = [];
  for (var c = 0; c < BPR; c++) { var x = document.createElement("span"); x.className = "hx"; x._c = c; r.appendChild(x); r._hx.push(x); }
  var g = document.createElement("span"); g.className = "gap"; r.appendChild(g);
  for (c = 0; c < BPR; c++) { var y = document.createElement("span"); y.className = "as"; r.appendChild(y); r._as.push(y); }
  r._off = o;
  return r;
}
function fillRow(r, row) {
  r._row = row;
  r.style.display = row < ROWS ? "" : "none";
  var base = row * BPR;
  r._off.textContent = h8(base);
  r._off.className = "off" + (errOff >= base && errOff < base + BPR ? " errrow" : "");
  for (var c = 0; c < BPR; c++) {
    var b = base + c, x = r._hx[c], y = r._as[c];
    if (b < SIZE) {
      var v = bytes[b];
      x.textContent = h2(v); y.textContent = v >= 32 && v < 127 ? String.fromCharCode(v) : ".";
      x._b = y._b = b; x.setAttribute("data-o", b);
    } else {
      x.textContent = y.textContent = ""; x._b = y._b = -1; x.removeAttribute("data-o");
    }
  }
}
var pending = false;
function render() {
  pending = false;
  var ch = hex.clientHeight, st = hex.scrollTop, virt = st * scale();
  var top = Math.min(Math.floor(virt / ROWH), Math.max(ROWS - 1, 0));
  var into = virt - top * ROWH;
  var count = Math.ceil(ch / ROWH) + 2;
  while (pool.length < count) { var r = makeRow(); pool.push(r); hexrows.appendChild(r); }
  while (pool.length > count) hexrows.removeChild(pool.pop());
  first = top;
  for (var k = 0; k < count; k++) fillRow(pool[k], top + k);
  hexrows.style.transform = "translateY(" + (st - into) + "px)";
  paint();
}
function schedule() { if (!pending) { pending = true; requestAnimationFrame(render); } }
hex.addEventListener("scroll", schedule);
window.addEventListener("resize", function () { render(); });

function edges(b, R) { // which sides of byte b lie on the border of range R (as inset box-shadows)
  if (!R || b < R[0] || b >= R[1]) return 0;
  var col = b % BPR, e = 0;
  if (b - BPR < R[0]) e |= 1;                       // top
  if (b + BPR >= R[1]) e |= 2;                      // bottom
  if (col === 0 || b - 1 < R[0]) e |= 4;            // left
  if (col === BPR - 1 || b + 1 >= R[1] || b + 1 >= SIZE) e |= 8;  // right
  return e;
}
function shadow(e, w, c, out) {
  if (e & 1) out.push("inset 0 " + w + "px 0 " + c);
  if (e & 2) out.push("inset 0 -" + w + "px 0 " + c);
  if (e & 4) out.push("inset " + w + "px 0 0 " + c);
  if (e & 8) out.push("inset -" + w + "px 0 0 " + c);
}
function frameEdges(b) { // the sides of byte b where another structure begins (or the parsed bytes end)
  var f = frameOf[b], col = b % BPR, e = 0;
  if (f < 0) return 0;
  if (b < BPR || frameOf[b - BPR] !== f) e |= 1;
  if (b + BPR >= SIZE || frameOf[b + BPR] !== f) e |= 2;
  if (col === 0 || frameOf[b - 1] !== f) e |= 4;
  if (col === BPR - 1 || b + 1 >= SIZE || frameOf[b + 1] !== f) e |= 8;
  return e;
}
function paint() {
  var H = range(hov), S = range(sel), C = range(ctxOf(sel >= 0 ? sel : hov));
  for (var k = 0; k < pool.length; k++) {
    var r = pool[k];
    if (r._row >= ROWS) continue;
    for (var c = 0; c < BPR; c++) {
      paintCell(r._hx[c], H, S, C); paintCell(r._as[c], H, S, C);
    }
  }
}
function paintCell(x, H, S, C) {
  var b = x._b, cls = x.className.slice(0, 2);
  if (cls === "hx" && x._c === 7) cls += " c7";  // also past the end, so the ASCII column stays aligned
  if (b < 0) { x.className = cls + " none"; x.style.backgroundColor = ""; x.style.boxShadow = ""; return; }
  var o = owner[b];
  if (o < 0) cls += b >= parsedEnd && ERR ? " x" : " u";
  else if (kind[o] === KP) cls += " p";
  else if (kind[o] === KM) cls += " m";  // kept bytes that did not parse (on_error="keep")
  x.style.backgroundColor = o >= 0 && kind[o] !== KP && kind[o] !== KM ? D.colors[D.color[o]] : "";
  if (H && b >= H[0] && b < H[1]) cls += " hov";
  else if (hov < 0 && b === hovByte) cls += " hov";
  if (S && b >= S[0] && b < S[1]) cls += " sel";
  if (b === errOff) { cls += " err"; x.title = "parse error: " + ERR.message; }
  else if (x.title) x.title = "";
  x.className = cls;
  var sh = [];
  shadow(edges(b, H), 1, "#000", sh);
  shadow(edges(b, S), 2, "#1a56db", sh);
  shadow(edges(b, C), 1, "#7a8fb8", sh);
  if (!sh.length && cls.slice(0, 2) === "hx") shadow(frameEdges(b), 1, "rgba(0,0,0,.45)", sh);
  x.style.boxShadow = sh.join(",");
  x.classList.toggle("fr", !!frameEdges(b) && cls.slice(0, 2) === "hx");
}
function scrollHexTo(b) { // bring byte b into view (unless it already is)
  var row = Math.floor(b / BPR), ch = hex.clientHeight, s = scale();
  var vis = Math.floor(ch / ROWH);
  if (row >= first && row < first + vis - 1 && s === 1) return;
  var want = Math.max(0, row - Math.floor(vis / 3)) * ROWH / s;
  hex.scrollTop = want;
  render();
}

// ---- status line ----------------------------------------------------------------------------
function describe(i) {
  var t = D.types[D.type[i]], k = D.kinds[kind[i]], s = label(i) + "  " + t;
  if (k !== "field") s += " (" + k + (incomplete[i] ? ", incomplete" : "") + ")";
  if (k === "bits" && par[i] >= 0) {
    var group = (kids[par[i]] || []).filter(function (j) { return kind[j] === KB && off[j] === off[i] && len[j] === len[i]; });
    s += "  = " + val[i];
    if (group.length > 1) s += "   [bits of this byte group: " + group.map(function (j) {
      return paths[j].slice(paths[par[j]].length).replace(/^\./, "") + "=" + val[j]; }).join(", ") + "]";
  } else if (val[i] !== "") s += "  = " + val[i];
  else if (kids[i]) s += "  " + plural(kids[i].length, k === "array" ? "item" : "field");
  s += "   @0x" + h8(off[i]) + " (" + off[i] + "), " + plural(len[i], "byte");
  return s;
}
function describeByte(b) {
  var s = "0x" + h8(b) + " (" + b + ") = 0x" + h2(bytes[b]) + ":  ";
  if (b === errOff) return s + "parse error: " + ERR.message;
  if (ERR && b >= parsedEnd) return s + "not parsed (after the parse error)";
  return s + "not covered by any field";
}
function showDetail() {
  var d = $("detail");
  if (sel < 0) { d.textContent = "nothing selected: click a byte or a field"; return; }
  d.textContent = "selected: " + describe(sel);
  d.setAttribute("data-path", paths[sel]);
}
function showStatus() {
  showDetail();
  var text;
  if (hov >= 0) text = describe(hov);
  else if (hovByte >= 0) text = describeByte(hovByte);
  else if (sel >= 0) text = "selected: " + describe(sel);
  else text = ERR ? "parse error: " + ERR.message : "hover a byte or a field; click to select";
  if (hovByte >= 0 && hov >= 0 && hovByte === errOff) text += "   \u2014 parse error here: " + ERR.message;
  status.textContent = text;
}

// ---- tree: a node's children are made when it opens ------------------------------------------
var CHUNK = 500, nodeEl = new Array(N), treeHov = null;
function makeNode(i) {
  var n = document.createElement("div"); n.className = "node";
  var r = document.createElement("div"); r.className = "row"; r._i = i; r.setAttribute("data-path", paths[i]);
  r.title = label(i);  // the full path with indices; the row itself shows the name within its parent
  var tg = document.createElement("span"); tg.className = "tog"; tg.textContent = kids[i] ? "\u25b8" : "";
  var sw = document.createElement("span"); sw.className = "sw" + (kind[i] === KP ? " p" : "");
  if (kind[i] !== KP) sw.style.background = D.colors[D.color[i]];
  var nm = document.createElement("span"); nm.className = "nm";
  var name = par[i] < 0 ? (paths[i] || D.types[D.type[i]]) : D.name[i].replace(/^\./, "");
  nm.textContent = name;
  var ty = document.createElement("span"); ty.className = "ty"; ty.textContent = par[i] < 0 && !paths[i] ? "" : D.types[D.type[i]];
  var va = document.createElement("span"); va.className = "va";
  va.textContent = val[i] !== "" ? "= " + val[i] : "";
  var rg = document.createElement("span"); rg.className = "rg";
  rg.textContent = "@" + off[i].toString(16) + " +" + len[i];
  r.appendChild(tg); r.appendChild(sw); r.appendChild(nm); r.appendChild(ty); r.appendChild(va); r.appendChild(rg);
  if (incomplete[i]) { var inc = document.createElement("span"); inc.className = "inc"; inc.textContent = "incomplete: the parse failed inside"; r.appendChild(inc); }
  n.appendChild(r);
  n._row = r; n._tog = tg; n._open = false; n._kids = null;
  nodeEl[i] = n;
  return n;
}
function showPage(i, pg) { // children pg*CHUNK .. (pg+1)*CHUNK-1 of span i; the others stay placeholders
  var n = nodeEl[i], list = kids[i];
  if (!n._kids) {
    n._kids = document.createElement("div"); n._kids.className = "kids"; n._pages = [];
    for (var p = 0; p * CHUNK < list.length; p++) {
      var ph = document.createElement("div"), a = p * CHUNK, z = Math.min(list.length, a + CHUNK) - 1;
      ph.className = "more"; ph._more = i; ph._page = p;
      ph.textContent = "\u25b8 [" + a + " \u2026 " + z + "]  (" + plural(z - a + 1, "item") + ", click to show)";
      n._kids.appendChild(ph); n._pages.push(ph);
    }
    n.appendChild(n._kids);
  }
  var page = n._pages[pg];
  if (!page || page._done) return;
  page._done = true; page.className = "page"; page.textContent = "";
  var frag = document.createDocumentFragment();
  for (var k = pg * CHUNK, end = Math.min(list.length, k + CHUNK); k < end; k++) frag.appendChild(makeNode(list[k]));
  page.appendChild(frag);
}
function openNode(i, open, upto) {
  var n = nodeEl[i];
  if (!n || !kids[i]) return;
  if (open) { showPage(i, 0); if (upto != null) showPage(i, Math.floor(upto / CHUNK)); }
  n._open = open;
  if (n._kids) n._kids.style.display = open ? "" : "none";
  n._tog.textContent = open ? "\u25be" : "\u25b8";
}
function reveal(i) { // make the node of span i exist and be visible: open its ancestors
  var chain = [];
  for (var p = i; p >= 0; p = par[p]) chain.push(p);
  chain.reverse();
  for (var k = 0; k < chain.length - 1; k++) {
    var a = chain[k], pos = kids[a].indexOf(chain[k + 1]);
    if (!nodeEl[a]) return;
    openNode(a, true, pos);
  }
}
function scrollTreeTo(i) {
  var n = nodeEl[i]; if (!n) return;
  var r = n._row.getBoundingClientRect(), box = tree.getBoundingClientRect();
  if (r.top < box.top || r.bottom > box.bottom) tree.scrollTop += r.top - box.top - tree.clientHeight / 3;
}
function markTree() {
  if (treeHov) { treeHov.classList.remove("hov"); treeHov.classList.remove("hovanc"); treeHov = null; }
  if (hov >= 0) {
    var p = hov;
    while (p >= 0 && !(nodeEl[p] && nodeEl[p].isConnected && visibleNode(p))) p = par[p];
    if (p >= 0) { treeHov = nodeEl[p]._row; treeHov.classList.add(p === hov ? "hov" : "hovanc"); }
  }
}
function visibleNode(i) { for (var p = par[i]; p >= 0; p = par[p]) if (!nodeEl[p] || !nodeEl[p]._open) return false; return true; }
var selRow = null;
function markSel() {
  if (selRow) selRow.classList.remove("sel");
  selRow = sel >= 0 && nodeEl[sel] ? nodeEl[sel]._row : null;
  if (selRow) selRow.classList.add("sel");
}

// ---- interaction ----------------------------------------------------------------------------
function setHover(i, b) {
  if (i === hov && b === hovByte) return;
  hov = i; hovByte = b; paint(); markTree(); showStatus();
}
function select(i, from) {
  sel = i;
  if (i >= 0) {
    if (from !== "tree") { reveal(i); }
    markSel();
    if (from !== "tree") scrollTreeTo(i);
    if (from !== "hex" && len[i] > 0) scrollHexTo(off[i]);
  } else markSel();
  paint(); markTree(); showStatus();
}
hexrows.addEventListener("mouseover", function (e) {
  var b = e.target._b;
  if (b === undefined || b < 0) return;
  setHover(owner[b], b);
});
hex.addEventListener("mouseleave", function () { setHover(-1, -1); });
hexrows.addEventListener("click", function (e) {
  var b = e.target._b;
  if (b === undefined || b < 0) return;
  if (owner[b] >= 0) select(owner[b], "hex");
  else { select(-1, "hex"); hovByte = b; showStatus(); }
});
tree.addEventListener("click", function (e) {
  var t = e.target;
  if (t.classList.contains("more")) { showPage(t._more, t._page); return; }
  if (t.classList.contains("errnode")) { goToError(); return; }
  var r = t.closest(".row"); if (!r) return;
  var i = r._i;
  if (t.classList.contains("tog")) { openNode(i, !nodeEl[i]._open); markTree(); return; }
  select(i, "tree");
});
tree.addEventListener("dblclick", function (e) {
  var r = e.target.closest(".row"); if (r && kids[r._i]) openNode(r._i, !nodeEl[r._i]._open);
});
tree.addEventListener("mouseover", function (e) {
  var r = e.target.closest(".row"); if (r) setHover(r._i, -1);
});
tree.addEventListener("mouseleave", function () { setHover(-1, -1); });
function goToError() {
  if (errOff < 0) return;
  scrollHexTo(Math.min(errOff, Math.max(SIZE - 1, 0)));
  hovByte = errOff; showStatus(); hovByte = -1;
}
if (ERR) $("error").addEventListener("click", goToError);
document.addEventListener("keydown", function (e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  var k = e.key, s = sel;
  if (k === "Escape") { select(-1, "key"); return; }
  if (s < 0) return;
  var b = -1;
  if (k === "ArrowRight") b = off[s] + Math.max(len[s], 1);
  else if (k === "ArrowLeft") b = off[s] - 1;
  else if (k === "ArrowUp" && e.shiftKey) { if (par[s] >= 0) { select(par[s], "key"); e.preventDefault(); } return; }
  else return;
  while (b >= 0 && b < SIZE && owner[b] < 0) b += k === "ArrowRight" ? 1 : -1;
  if (b >= 0 && b < SIZE) { select(owner[b], "key"); e.preventDefault(); }
});

// ---- start ----------------------------------------------------------------------------------
var tops = [];
for (i = 0; i < N; i++) if (par[i] < 0) tops.push(i);
var frag = document.createDocumentFragment();
tops.forEach(function (i) { frag.appendChild(makeNode(i)); });
if (ERR) {
  var en = document.createElement("div"); en.className = "errnode";
  en.textContent = "\u2716 parse error" + (errOff >= 0 ? " at 0x" + h8(errOff) : "") + (ERR.path ? " in " + ERR.path : "") + ": " + ERR.message;
  frag.appendChild(en);
}
tree.appendChild(frag);
// open the first levels breadth first, while the tree stays short enough to take in at a glance
var BUDGET = 160, shown = tops.length, queue = tops.slice(), depthOf = {};
tops.forEach(function (i) { depthOf[i] = 0; });
while (queue.length) {
  var at = queue.shift(), ks = kids[at] || [];
  if (!ks.length || depthOf[at] >= 4) continue;
  if (depthOf[at] > 0 && (shown + ks.length > BUDGET || ks.length > 64)) continue;
  openNode(at, true); shown += Math.min(ks.length, CHUNK);
  ks.forEach(function (k) { depthOf[k] = depthOf[at] + 1; queue.push(k); });
}
render();
var firstField = -1;  // the first field with bytes of its own, selected so that its path and value are on screen
for (i = 0; i < N && firstField < 0; i++) if (!kids[i] && kind[i] !== KP && paths[i] !== "") firstField = i;
if (firstField >= 0) select(firstField, "start");
if (ERR && errOff >= 0) goToError();
showStatus();
document.documentElement.setAttribute("data-ready", "1");
document.documentElement.setAttribute("data-init-ms", String(Math.round(performance.now() - t0)));
})();
"""
