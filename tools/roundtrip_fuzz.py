"""The longer round-trip fuzz job (issue 17): mutate each gallery format's sample file, and count the
inputs that parse and those that build back to exactly themselves.

    python tools/roundtrip_fuzz.py                 # 20000 mutations per format
    python tools/roundtrip_fuzz.py -n 2000 zip tar # fewer, some formats

The samples are the ones tests/test_format_fuzz.py makes (with the tools the tests use: Pillow, dpkt,
mido, javac...); CI runs the short seeded round there. Exit status 1 when an input that parses fails to
build back to itself (or raises anything but a binmodel error).
"""

from __future__ import annotations

import argparse
import pathlib
import random
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

import test_format_fuzz as fuzz  # noqa: E402
from binmodel import Error  # noqa: E402
from binmodel.formats import FORMATS  # noqa: E402


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three bytes changed, mostly near the start, where most structure is."""
    changed = bytearray(data)
    head = min(len(data), 2048)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(head if rng.random() < 0.8 else len(changed))
        changed[at] = rng.randrange(256)
    return bytes(changed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20000, help="mutations per format")
    parser.add_argument("--seed", default="roundtrip")
    parser.add_argument("formats", nargs="*", help="formats (default: all)")
    args = parser.parse_args()
    failed = False
    totals = [0, 0]
    for name in args.formats or sorted(fuzz.SAMPLES):
        try:
            data = fuzz.SAMPLES[name](pathlib.Path(tempfile.mkdtemp()))
        except BaseException as exc:  # (pytest.skip where a tool is missing)
            print("%-10s skipped: %s" % (name, exc))
            continue
        model, rng = FORMATS[name], random.Random("%s-%s" % (args.seed, name))
        parsed = same = 0
        for _ in range(args.n):
            bad = mutate(data, rng)
            try:
                value = model.parse(bad)
            except Error:
                continue
            parsed += 1
            try:
                same += model.build(value) == bad
            except Error:
                pass
        totals[0] += parsed
        totals[1] += same
        failed = failed or same != parsed
        print("%-10s %6d parsed, %6d built back exactly" % (name, parsed, same))
    print("all        %6d parsed, %6d built back exactly (%.1f%%)" % (totals[0], totals[1],
                                                                       100.0 * totals[1] / max(totals[0], 1)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
