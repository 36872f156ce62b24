# Lines a type checker must reject; tests/test_typing.py runs mypy on this file and
# checks that each line marked "error" is reported (and no other).
from examples.typed_models import Header, Kind, Record

Header(kind=Kind.DATA, flags="high", level=3)  # error: flags is an int
Header(flags=1, level=3)  # error: kind is required
Header(kind=Kind.DATA, flags=1, level=3, bogus=1)  # error: no such field
Record(header=Header(kind=Kind.END, flags=0, level=0), payload="text", name="x", label="y", values=[])  # error: bytes
Record(header=Header(kind=Kind.END, flags=0, level=0), payload=b"", name="x", label="y", values=[], length=3)  # error: derived
title: bytes = Record.parse(b"").name  # error: name is a str
from examples.typed_models import Reading  # noqa: E402

Reading(sensor=1, value=0.5)  # error: flags is required
Reading(sensor=1, value="x", flags=0)  # error: value is a float
Reading(sensor=1, value=0.5, flags=0, _spare=0)  # error: unnamed bit-fields are not arguments
from examples.typed_models import Frame  # noqa: E402

Frame(magic=1, src=b"\xc0\0\2\x08", mac="aa:bb:cc:dd:ee:ff", sent=None, celsius=1.0)  # error: src is an address
Frame(magic=1, src=Frame.parse(b"").src, mac="aa:bb:cc:dd:ee:ff", celsius=1.0)  # error: sent is required
stamp: int = Frame.parse(b"").sent  # error: sent is a datetime
degrees: str = Frame.parse(b"").celsius  # error: celsius is a float
