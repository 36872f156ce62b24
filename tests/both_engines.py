"""A parse by the interpreter and by generated code, which must agree (tests of single models use it;
tests/test_compiled_matches_interpreter.py runs the same comparison over every model)."""

from binmodel import ParseError
from binmodel.parsing import compiled_parse
from binmodel.parsing import parse as interpreted_parse


def outcomes(model, data, offset=0, allow_trailing=False):
    """("value", repr) or ("error", path, offset, message), the same from both engines."""
    out = []
    for parse in (interpreted_parse, compiled_parse):
        try:
            out.append(("value", repr(parse(model._bm_node, data, offset, allow_trailing))))
        except ParseError as exc:
            out.append(("error", exc.path, exc.offset, str(exc)))
    assert out[0] == out[1]
    return out[0]
