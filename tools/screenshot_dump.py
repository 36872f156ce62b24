"""Make docs/images/dump.png: a real ``binmodel dump`` of the bundled PNG, in colour.

The dump is rendered by rich to SVG (its terminal export), then Debian's
headless Chromium turns the SVG into a PNG. Run from the repository root:
``python tools/screenshot_dump.py`` (needs rich and /usr/bin/chromium).
"""

import io
import pathlib
import subprocess
import sys
import tempfile

from rich.console import Console
from rich.text import Text

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from binmodel.dump import dump_lines  # noqa: E402
from binmodel.formats import PNG  # noqa: E402


def main() -> None:
    data = (ROOT / "src" / "binmodel" / "samples" / "idle_16.png").read_bytes()
    lines = dump_lines(PNG.parse_trace(data), 16, 2, legend=True, items=4, columns=118)
    console = Console(record=True, width=118, color_system="truecolor", force_terminal=True, file=io.StringIO())
    for line in lines:
        console.print(Text.assemble(*[(t, s or "") for t, s in line]), soft_wrap=True)
    with tempfile.TemporaryDirectory() as tmp:
        svg = pathlib.Path(tmp) / "dump.svg"
        svg.write_text(console.export_svg(title="binmodel dump idle_16.png --format png  --items 4 --rows 2"))
        out = ROOT / "docs" / "images" / "dump.png"
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--hide-scrollbars", "--screenshot=%s" % out,
                        "--window-size=1480,%d" % (len(lines) * 24 + 120), svg.as_uri()],
                       check=True, capture_output=True)
    print("wrote", out)


if __name__ == "__main__":
    main()
