"""The SQLite database header model on databases sqlite3 makes in the test run, checked with PRAGMAs."""

import sqlite3

import pytest

from binmodel import ParseError
from binmodel.cli import main
from binmodel.formats import Database
from binmodel.formats.sqlite import TextEncoding

CASES = [  # page_size, journal mode, encoding, user_version, application_id
    (512, "delete", "UTF-8", 0, 0),
    (4096, "wal", "UTF-8", 7, 0x4D504244),
    (8192, "delete", "UTF-16le", 123456, 1),
    (65536, "wal", "UTF-16be", 1, 0x7FFFFFFF),
]


def make(path, page_size, journal, encoding, user_version, application_id):
    con = sqlite3.connect(str(path))

    def run(sql, *args):  # fetch everything: PyPy does not finish a statement until its rows are read
        return con.execute(sql, *args).fetchall()

    run("PRAGMA page_size = %d" % page_size)
    run("PRAGMA encoding = '%s'" % encoding)
    run("PRAGMA journal_mode = %s" % journal)
    run("PRAGMA user_version = %d" % user_version)
    run("PRAGMA application_id = %d" % application_id)
    run("CREATE TABLE song (id INTEGER PRIMARY KEY, title TEXT, length REAL)")
    run("CREATE TABLE blob_store (k TEXT, v BLOB)")
    run("CREATE INDEX song_title ON song(title)")
    con.executemany("INSERT INTO song (title, length) VALUES (?, ?)", [("t%d" % i, i / 3) for i in range(2000)])
    con.executemany("INSERT INTO blob_store VALUES (?, ?)", [("k%d" % i, bytes(140000)) for i in range(12)])
    con.commit()
    run("DELETE FROM blob_store WHERE rowid % 2 = 0")  # leaves free pages
    con.commit()
    con.close()
    return path.read_bytes()


def pragmas(path):
    con = sqlite3.connect(str(path))
    try:
        return {name: con.execute("PRAGMA %s" % name).fetchone()[0]
                for name in ("page_size", "page_count", "freelist_count", "schema_version", "user_version",
                             "application_id", "encoding", "journal_mode")}
    finally:
        con.close()


@pytest.mark.parametrize("case", CASES, ids=["%d-%s-%s" % c[:3] for c in CASES])
def test_header_matches_pragmas_and_rebuilds(tmp_path, case):
    path = tmp_path / "db.sqlite"
    raw = make(path, *case)
    db = Database.parse(raw)
    h = db.header
    p = pragmas(path)
    assert (65536 if h.page_size == 1 else h.page_size) == p["page_size"] == case[0]
    assert h.database_size == p["page_count"] == len(db.pages) + 1 == len(raw) // p["page_size"]
    assert h.freelist_pages == p["freelist_count"] > 0
    assert h.schema_cookie == p["schema_version"]
    assert h.user_version == p["user_version"]
    assert h.application_id == p["application_id"]
    assert {TextEncoding.UTF8: "UTF-8", TextEncoding.UTF16LE: "UTF-16le",
            TextEncoding.UTF16BE: "UTF-16be"}[h.text_encoding] == p["encoding"]
    wal = p["journal_mode"] == "wal"
    assert (h.write_version, h.read_version) == ((2, 2) if wal else (1, 1))
    assert h.version_valid_for == h.file_change_counter
    assert h.sqlite_version_number == sqlite3.sqlite_version_info[0] * 1000000 + \
        sqlite3.sqlite_version_info[1] * 1000 + sqlite3.sqlite_version_info[2]
    assert Database.build(db) == raw


def test_edited_user_version_is_what_sqlite_reads(tmp_path):
    path = tmp_path / "db.sqlite"
    db = Database.parse(make(path, *CASES[1]))
    db.header.user_version = 0xCAFE
    db.header.application_id = 99
    path.write_bytes(Database.build(db))
    p = pragmas(path)
    assert (p["user_version"], p["application_id"]) == (0xCAFE, 99)
    con = sqlite3.connect(str(path))
    assert con.execute("SELECT count(*) FROM song").fetchone()[0] == 2000
    con.close()


def test_truncated_and_corrupted_databases_raise_parse_error(tmp_path):
    raw = make(tmp_path / "db.sqlite", *CASES[0])
    for cut in (0, 10, 99, 100, 511, len(raw) - 1):
        with pytest.raises(ParseError):
            Database.parse(raw[:cut])
    bad = bytearray(raw)
    bad[0:6] = b"MySQL "
    with pytest.raises(ParseError) as err:
        Database.parse(bytes(bad))
    assert err.value.path == "header.header_string"
    bad = bytearray(raw)
    bad[16:18] = b"\x00\x00"  # page size 0: page 1 cannot hold the header
    with pytest.raises(ParseError):
        Database.parse(bytes(bad))


def test_cli_dump_sqlite(tmp_path, capsys):
    path = tmp_path / "db.sqlite"
    make(path, *CASES[1])
    assert main(["dump", str(path), "--format", "sqlite", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "header.application_id = %d" % CASES[1][4] in out
