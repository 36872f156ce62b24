"""The worked formats of docs/formats.md (ICO, Java class, sfnt, MessagePack) written with Construct 2.10,
to compare the lines each library needs (tools/line_count.py) on models that do the same work: each is
tested on the same files as the binmodel model (tests/test_format_<name>.py)."""
