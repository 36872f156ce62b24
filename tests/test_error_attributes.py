"""Every error the test suite makes has attributes that agree with its message: a message that names what
was expected has ``.expected``, one that names what was found has ``.found``, and neither holds text
made for the message (a list of repr'd strings). Runs last (``suite_wide``), over one error of each
message the rest of the suite made (recorded through ``binmodel.errors.on_error`` in conftest)."""

import re

import pytest

pytestmark = pytest.mark.suite_wide


def disagreements():
    from conftest import RAISED_ERRORS

    for reason, error in RAISED_ERRORS.items():
        quoted = re.search(r"\b\w+(Error|Exception|Warning): ", reason)  # a user function's own words
        if quoted:
            reason = reason[:quoted.start()]
        if re.search(r"\bexpected\b", reason) and error.expected is None:
            yield "no .expected", error
        if re.search(r"\bfound\b", reason) and error.found is None and not re.search(r"\bfound None\b", reason):
            yield "no .found", error
        for name in ("expected", "found"):
            value = getattr(error, name)
            if isinstance(value, list) and value and all(isinstance(v, str) and v[:1] in "'\"" for v in value):
                yield ".%s holds repr'd text" % name, error
        if error.path and not str(error).startswith(error.path):
            yield "message does not start with .path", error
        if error.offset is not None and "at offset %d " % error.offset not in str(error) + " ":
            yield "message does not give .offset", error


def test_every_error_raised_agrees_with_its_message(request):
    from conftest import RAISED_ERRORS

    if len(request.session.items) < 500:
        pytest.skip("checks the errors the whole suite made: run the whole suite")
    assert len(RAISED_ERRORS) > 200  # (the suite makes errors of every kind; this is not a stub)
    found = ["%s: %s %r (expected=%r, found=%r)" % (what, type(e).__name__, str(e), e.expected, e.found)
             for what, e in disagreements()]
    assert not found, "\n".join(found[:40])


# --- the observations of the first-hour review, replayed --------------------------------------------

import enum  # noqa: E402

from binmodel import Bits, BuildError, Bytes, Enum, ParseError, String, Struct, this, u8, u16  # noqa: E402


class Kind(enum.IntEnum):
    HELLO = 1


class Message(Struct, endian="big"):
    kind: Kind = Enum(u8, Kind)
    urgent: int = Bits(1)
    rest: int = Bits(7)
    name: str = String(prefix=u8, encoding="utf-8")


def test_a_value_of_the_wrong_kind_says_what_was_expected():
    with pytest.raises(BuildError) as caught:
        Message.build(Message(kind="HELLO", urgent=0, rest=0, name=""))
    assert (caught.value.path, caught.value.expected, caught.value.found) == ("kind", "int or enum member", "HELLO")
    with pytest.raises(BuildError) as caught:
        Message.build(Message(kind=Kind.HELLO, urgent=1.0, rest=0, name=""))
    assert (caught.value.path, caught.value.expected, caught.value.found) == ("urgent", "int", 1.0)


def test_an_unknown_key_names_itself():
    with pytest.raises(BuildError) as caught:
        Message.build({"kind": 1, "urgent": 0, "rest": 0, "name": "", "bogus": 1})
    error = caught.value
    assert (error.path, error.found) == ("bogus", "bogus")
    assert error.expected == ["kind", "urgent", "rest", "name"] and "'bogus'" in str(error)


def test_one_byte_is_one_byte():
    class One(Struct):
        a: int = u8()

    with pytest.raises(ParseError, match="expected 1 byte for u8, found 0"):
        One.parse(b"")


def test_a_text_too_long_for_its_prefix_says_it_is_its_length():
    with pytest.raises(BuildError) as caught:
        Message.build(Message(kind=Kind.HELLO, urgent=0, rest=0, name="x" * 300))
    error = caught.value
    assert error.path == "name" and (error.expected, error.found) == ("<= 255 bytes", 300)
    assert "takes 300 bytes, more than its u8 length prefix holds (at most 255)" in str(error)


def test_bytes_too_long_for_their_prefix_too():
    class Blob(Struct, endian="big"):
        data: bytes = Bytes(prefix=u16)
        n: int = u8()
        tail: bytes = Bytes(this.n)

    with pytest.raises(BuildError, match="takes 70000 bytes, more than its u16be length prefix"):
        Blob.build(Blob(data=bytes(70000), n=0, tail=b""))
