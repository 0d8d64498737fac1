"""Reading reports: every format, metadata precedence, and every way input can be bad."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from datetime import date
from pathlib import Path

import pytest

from ceasefire import ingest
from ceasefire.errors import InputError
from ceasefire.ingest import read_documents
from ceasefire.model import Document

STRIKE = (
    "Russian warplanes struck the town of Maarat al-Numan in Idlib province on Sunday, killing "
    "three members of a rebel faction, a monitor said."
)
CLASH = (
    "Government forces and allied militias clashed with rebels near Basima in the Wadi Barada "
    "valley, the Syrian Observatory for Human Rights said."
)
AID = "An aid convoy reached the besieged town of Madaya on Tuesday for the first time in months."


def read(*paths: Path, **defaults: object) -> list[Document | InputError]:
    return list(read_documents(paths, **defaults))  # type: ignore[arg-type]


def only_document(items: list[Document | InputError]) -> Document:
    assert len(items) == 1 and isinstance(items[0], Document), items
    return items[0]


def only_error(items: list[Document | InputError]) -> InputError:
    assert len(items) == 1 and isinstance(items[0], InputError), items
    return items[0]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jsonl(path: Path, *lines: dict[str, object] | str) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


# --- plain text -----------------------------------------------------------------------------


def test_a_text_file_keeps_its_bytes_and_is_named_by_their_hash(tmp_path: Path) -> None:
    path = tmp_path / "strike.txt"
    raw = f"{STRIKE}\r\nShare this article\r\n\r\n{CLASH}\r\n".encode()
    path.write_bytes(raw)
    doc = only_document(read(path))
    assert doc.raw == raw
    assert doc.id == sha256(raw)
    assert doc.text == f"{STRIKE}\n\n{CLASH}"
    assert doc.content_type == "text/plain"
    assert doc.source_path == str(path)
    assert doc.title is None and doc.external_id is None and doc.published_at is None


@pytest.mark.parametrize("suffix", [".text", ".md", ".TXT"])
def test_other_plain_text_suffixes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"report{suffix}"
    path.write_text(STRIKE)
    assert only_document(read(path)).text == STRIKE


def test_ids_are_stable_and_follow_the_bytes_not_the_file_name(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    first.write_text(STRIKE)
    second.write_text(STRIKE)
    other.write_text(STRIKE + " ")
    ids = [only_document(read(p)).id for p in (first, second, first, other)]
    assert ids[0] == ids[1] == ids[2] != ids[3]


def test_a_leading_date_line_is_the_publication_date(tmp_path: Path) -> None:
    path = tmp_path / "dated.txt"
    path.write_text(f"date 2017-01-25\n{STRIKE}\n")
    doc = only_document(read(path, published=date(2017, 2, 1), outlet="SOHR"))
    assert doc.published_at == date(2017, 1, 25)
    assert doc.text == STRIKE
    assert doc.outlet == "SOHR"
    assert doc.raw.startswith(b"date 2017-01-25\n")


def test_command_line_metadata_fills_in_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "undated.txt"
    path.write_text(STRIKE)
    doc = only_document(read(path, published=date(2017, 2, 1), outlet="SOHR"))
    assert (doc.published_at, doc.outlet) == (date(2017, 2, 1), "SOHR")


def test_a_bad_date_line_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-date.txt"
    path.write_text(f"date 2017-13-45\n{STRIKE}\n")
    error = only_error(read(path))
    assert error.line == 1
    assert str(error).startswith(f"{path}:1: bad date line")


def test_a_text_mentioning_a_date_first_is_not_a_date_line(tmp_path: Path) -> None:
    path = tmp_path / "mention.txt"
    path.write_text(f"Date palms burned in Idlib on 2017-01-25.\n{STRIKE}\n")
    doc = only_document(read(path))
    assert doc.published_at is None
    assert doc.text.startswith("Date palms burned")


# --- HTML -----------------------------------------------------------------------------------

PAGE = f"""<html><head><meta charset="utf-8">
<title>Warplanes strike Idlib town | Levant Wire</title>
<meta property="og:site_name" content="Levant Wire">
<meta property="article:published_time" content="2017-01-08T11:00:00Z"></head>
<body><nav><a href="/">Home</a></nav><article><h1>Warplanes strike Idlib town</h1>
<p>{STRIKE}</p><p>{CLASH}</p><p>Share this article</p></article></body></html>"""


def test_an_html_file_gives_its_article_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    doc = only_document(read(path, published=date(2017, 2, 1)))
    assert doc.raw == PAGE.encode()
    assert doc.id == sha256(PAGE.encode())
    assert doc.content_type == "text/html"
    assert doc.title == "Warplanes strike Idlib town"
    assert doc.published_at == date(2017, 1, 8)  # the page's own date beats the command line
    assert doc.outlet == "Levant Wire"
    assert STRIKE in doc.text.split("\n\n") and CLASH in doc.text.split("\n\n")
    assert "Share" not in doc.text and "Home" not in doc.text


def test_an_outlet_on_the_command_line_beats_the_page_site_name(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(PAGE)
    assert only_document(read(path, outlet="Levant Wire Arabic")).outlet == "Levant Wire Arabic"


def test_a_declared_charset_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "arabic.html"
    body = "قصفت الطائرات بلدة معرة النعمان في ريف إدلب يوم الأحد"
    path.write_bytes(
        f'<html><head><meta charset="windows-1256"></head><body><p>{body}</p></body></html>'.encode(
            "cp1256"
        )
    )
    assert only_document(read(path)).text == body


def test_broken_html_still_gives_its_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.html"
    path.write_text(f"<div><p>{STRIKE}<p>{CLASH}</b></span></table>")
    doc = only_document(read(path))
    assert STRIKE in doc.text and CLASH in doc.text


def test_html_with_no_article_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty-page.html"
    path.write_text("<html><head><script>var a = 1;</script></head><body></body></html>")
    assert only_error(read(path)).problem == "no article text after cleaning"


# --- JSONL ----------------------------------------------------------------------------------


def test_jsonl_records_carry_their_own_metadata(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "batch.jsonl",
        {
            "id": "syr-001",
            "url": "https://monitor.example/1",
            "outlet": "Monitor",
            "title": "Strike on Maarat al-Numan",
            "published_at": "2017-01-08",
            "language": "en",
            "text": STRIKE,
            "gold": {"type": "airstrike"},
        },
        {"id": 17, "published_at": "2017-01-09T22:30:00Z", "text": CLASH},
    )
    first, second = read(path, outlet="Command Line", published=date(2017, 3, 1))
    assert isinstance(first, Document) and isinstance(second, Document)
    assert first.external_id == "syr-001"
    assert (first.url, first.outlet, first.title) == (
        "https://monitor.example/1",
        "Monitor",
        "Strike on Maarat al-Numan",
    )
    assert first.published_at == date(2017, 1, 8)
    assert first.text == STRIKE
    assert second.external_id == "17"
    assert second.published_at == date(2017, 1, 9)  # the record's own day, not converted
    assert second.outlet == "Command Line"  # fills in what the record does not say
    lines = path.read_bytes().split(b"\n")
    assert (first.raw, second.raw) == (lines[0], lines[1])
    assert (first.id, second.id) == (sha256(lines[0]), sha256(lines[1]))
    assert first.source_path == str(path)


def test_a_jsonl_record_without_a_date_takes_the_command_line_one(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "batch.jsonl", {"text": STRIKE})
    assert only_document(read(path, published=date(2017, 3, 1))).published_at == date(2017, 3, 1)


def test_a_jsonl_record_may_carry_html(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "pages.jsonl", {"id": "p1", "html": PAGE})
    doc = only_document(read(path))
    assert doc.content_type == "text/html"
    assert doc.title == "Warplanes strike Idlib town"
    assert STRIKE in doc.text


def test_jsonl_line_endings_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    first = json.dumps({"id": "a", "text": STRIKE}).encode()
    second = json.dumps({"id": "b", "text": CLASH}).encode()
    path.write_bytes(codecs.BOM_UTF8 + first + b"\r\n\r\n   \r\n" + second + b"\r\n")
    docs = read(path)
    assert [d.raw for d in docs if isinstance(d, Document)] == [first, second]
    assert [d.id for d in docs if isinstance(d, Document)] == [sha256(first), sha256(second)]


def test_bad_jsonl_lines_are_reported_and_the_good_ones_come_through(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "mixed.jsonl",
        {"id": "1", "text": STRIKE},
        '{"id": "2", "text": "unterminated',
        {"id": "3", "text": CLASH},
        {"id": "4", "title": "no body"},
        {"id": "5", "text": AID, "published_at": "last Tuesday"},
        {"id": "6", "text": "   "},
        "[1, 2, 3]",
        {"id": "8", "text": AID, "url": 42},
        {"id": "9", "text": "Share this article"},
        {"id": "10", "text": AID},
    )
    items = read(path)
    assert [d.external_id for d in items if isinstance(d, Document)] == ["1", "3", "10"]
    errors = {e.line: e.problem for e in items if isinstance(e, InputError)}
    assert set(errors) == {2, 4, 5, 6, 7, 8, 9}
    assert errors[2].startswith("malformed JSON: Unterminated string")
    assert errors[4] == "record has no 'text' or 'html'"
    assert errors[5].startswith("bad published_at 'last Tuesday'")
    assert errors[6] == "empty document"
    assert errors[7] == "expected a JSON object, got list"
    assert errors[8] == "field 'url' must be a string"
    assert errors[9] == "no article text after cleaning"
    assert str(next(e for e in items if isinstance(e, InputError))).startswith(f"{path}:2: ")


def test_a_jsonl_line_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    good = json.dumps({"text": STRIKE}).encode()
    path.write_bytes(good + b"\n" + '{"text": "caf\u00e9"}'.encode("latin-1") + b"\n")
    first, second = read(path)
    assert isinstance(first, Document)
    assert isinstance(second, InputError) and second.line == 2
    assert second.problem.startswith("not UTF-8 text")


def test_an_over_long_jsonl_line_is_skipped_not_held(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 1000)
    path = jsonl(
        tmp_path / "long.jsonl", {"text": "x " * 2000}, {"text": STRIKE}, {"text": "y " * 600}
    )
    first, second, third = read(path)
    assert isinstance(first, InputError) and first.line == 1
    assert first.problem.startswith("too large (")
    assert isinstance(second, Document) and second.text == STRIKE
    assert isinstance(third, InputError) and third.line == 3


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "stream.jsonl", {"text": STRIKE}, {"text": CLASH})
    items = read_documents([path])
    assert isinstance(next(items), Document)
    with path.open("a") as stream:  # written after the first record was read
        stream.write(json.dumps({"text": AID}) + "\n")
    assert [d.text for d in items if isinstance(d, Document)] == [CLASH, AID]


# --- feeds ----------------------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Levant Wire</title><link>https://levantwire.example/</link>
<item><title>Warplanes strike Idlib town</title><link>https://levantwire.example/1</link>
<pubDate>Sun, 08 Jan 2017 10:00:00 GMT</pubDate><description>Short summary only.</description>
<content:encoded><![CDATA[<p>{STRIKE}</p><p>Share this article</p>]]></content:encoded></item>
<item><title>Clashes near Basima</title><link>https://levantwire.example/2</link>
<description>&lt;p&gt;{CLASH}&lt;/p&gt;</description></item>
<item><title>Nothing here</title><link>https://levantwire.example/3</link></item>
</channel></rss>"""


def test_each_rss_entry_is_a_document(tmp_path: Path) -> None:
    path = tmp_path / "feed.rss"
    path.write_text(RSS)
    first, second, third = read(path, published=date(2017, 3, 1))
    assert isinstance(first, Document) and isinstance(second, Document)
    assert first.text == STRIKE
    assert first.url == "https://levantwire.example/1"
    assert first.title == "Warplanes strike Idlib town"
    assert first.published_at == date(2017, 1, 8)
    assert first.outlet == "Levant Wire"
    assert first.raw == f"<p>{STRIKE}</p><p>Share this article</p>".encode()
    assert first.id == sha256(first.raw)
    assert second.text == CLASH
    assert second.published_at == date(2017, 3, 1)
    assert isinstance(third, InputError) and "entry 3" in third.problem


def test_an_atom_feed_and_a_command_line_outlet(tmp_path: Path) -> None:
    path = tmp_path / "feed.atom"
    path.write_text(
        f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Monitor updates</title>
<entry><title>Aid reaches Madaya</title><link href="https://monitor.example/aid"/>
<updated>2017-01-10T08:00:00Z</updated><content type="html">&lt;p&gt;{AID}&lt;/p&gt;</content>
</entry></feed>"""
    )
    doc = only_document(read(path, outlet="Monitor"))
    assert (doc.text, doc.url, doc.outlet) == (AID, "https://monitor.example/aid", "Monitor")
    assert doc.published_at == date(2017, 1, 10)


def test_a_file_that_is_not_a_feed_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.xml"
    path.write_text("this is <not a feed")
    assert "not an RSS/Atom feed" in only_error(read(path)).problem


# --- directories ----------------------------------------------------------------------------


def test_directories_are_walked_in_sorted_order_without_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.txt").write_text(CLASH)
    (tmp_path / "a" / "deep" / "1.txt").write_text(STRIKE)
    (tmp_path / "a" / "0.md").write_text(AID)
    (tmp_path / ".hidden.txt").write_text("hidden")
    (tmp_path / ".git" / "notes.txt").write_text("hidden")
    (tmp_path / "b" / "table.csv").write_text("a,b\n")
    items = read(tmp_path)
    assert [d.text for d in items if isinstance(d, Document)] == [AID, STRIKE, CLASH]
    error = only_error([e for e in items if isinstance(e, InputError)])
    assert error.problem.startswith("unknown file type '.csv'")


# --- bad input ------------------------------------------------------------------------------


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    error = only_error(read(tmp_path / "missing.txt"))
    assert error.problem == "cannot read (No such file or directory)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(STRIKE)
    path.chmod(0)
    assert only_error(read(path)).problem == "cannot read (Permission denied)"


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    assert only_error(read(path)).problem == "not a regular file"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\t\r\n  ", "empty file"),
        ("blank.html", b"   ", "empty file"),
        ("empty.jsonl", b"\n\n", "empty file"),
        (
            "boilerplate.txt",
            b"Share this article\n\nDonate now\n",
            "no article text after cleaning",
        ),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("dump.jsonl", b'{"text": "a"}\n\x00\x01\x02', "binary file"),
        ("controls.txt", bytes(range(1, 32)) * 4, "binary file"),
        ("report.pdf", b"%PDF-1.4", "unknown file type '.pdf' (expected"),
        ("README", b"notes", "unknown file type '(none)' (expected"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    error = only_error(read(path))
    assert error.problem.startswith(problem)
    assert str(error).startswith(f"{path}: ")


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.truncate(ingest.MAX_FILE_BYTES + 3 * ingest.MB)  # sparse: nothing is written
    assert only_error(read(path)).problem == "too large (23 MB > 20 MB)"


def test_a_text_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text((STRIKE + "\n") * (ingest.MAX_TEXT_BYTES // len(STRIKE) + 10))
    assert path.stat().st_size < ingest.MAX_FILE_BYTES
    problem = only_error(read(path)).problem
    assert problem.startswith("too large (2.") and problem.endswith(" MB of text > 2 MB)")


def test_a_windows_1252_file_is_decoded(tmp_path: Path) -> None:
    """Files saved on Windows without a BOM: decoded when detection is confident."""
    text = (
        "Rebels said the government\u2019s shelling of the caf\u00e9 district in Douma "
        "killed \u201cat least\u201d five people on Tuesday \u2013 the third such attack "
        "this week, according to residents who fled to the nearby town of Harasta."
    )
    path = tmp_path / "cp1252.txt"
    path.write_bytes(text.encode("cp1252"))
    doc = only_document(read(path))
    assert doc.text == text
    assert doc.raw == text.encode("cp1252")


def test_utf16_with_a_byte_order_mark_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes(STRIKE.encode("utf-16"))
    assert only_document(read(path)).text == STRIKE


def test_bytes_no_encoding_reads_as_text_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(128, 256)) * 8)
    error = only_error(read(path))
    assert error.problem.startswith("not UTF-8 text (invalid byte 0x80 at offset 0")


def test_reading_never_raises_on_a_mix_of_good_and_bad_paths(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(STRIKE)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00")
    items = read(tmp_path / "missing", bad, good)
    assert [type(i).__name__ for i in items] == ["InputError", "InputError", "Document"]


def test_a_header_block_gives_date_outlet_url_and_title(tmp_path: Path) -> None:
    path = tmp_path / "field.txt"
    path.write_text(
        f"date 2017-01-25\noutlet: Field team 3\nurl: https://example.org/r/17\n"
        f"title: Shelling near Nawa\n{STRIKE}\n"
    )
    doc = only_document(read(path, outlet="Fallback"))
    assert (doc.published_at, doc.outlet, doc.url, doc.title) == (
        date(2017, 1, 25),
        "Field team 3",
        "https://example.org/r/17",
        "Shelling near Nawa",
    )
    assert doc.text.startswith(STRIKE.split()[0])


def test_a_bad_date_in_the_header_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "field.txt"
    path.write_text(f"outlet: Field team 3\ndate 2017-02-30\n{STRIKE}\n")
    error = only_error(read(path))
    assert error.line == 2 and "bad date line" in error.problem
