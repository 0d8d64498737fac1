"""Reading reports into Documents (SPEC §3, "Input documents").

Bad input never stops a run: each rejected file, line or feed entry comes out as a one-line
`InputError` in the stream, so the caller keeps going and can count what it skipped and why.

A document's id is the sha256 of its raw bytes, so re-ingesting the same bytes is a no-op:
- a .txt/.md/.html file: the whole file, as read;
- a JSONL record: the bytes of its line without the line ending (and without a UTF-8 byte order
  mark on the first line, which belongs to the file, not the record);
- a feed entry: its content (or, failing that, its summary) as the feed gives it, UTF-8 encoded;
  feeds carry no byte-exact entry, and the content is what was reported.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import charset_normalizer
import feedparser

from ceasefire.clean import clean_text, extract_html
from ceasefire.errors import InputError
from ceasefire.model import Document

MB = 1024 * 1024
MAX_FILE_BYTES = 20 * MB  # a .txt/.html/feed file, or one JSONL line
MAX_TEXT_BYTES = 2 * MB  # the text of one document, before cleaning

PLAIN_SUFFIXES = (".txt", ".text", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
FEED_SUFFIXES = (".xml", ".rss", ".atom")

# Among equally readable single-byte decodings of Western text, Windows-1252 is the one a file
# saved without a declared encoding almost always uses (the WHATWG default for such text).
PREFERRED_FALLBACK = "cp1252"
MAX_CHAOS = 0.1  # charset-normalizer's "mess" ratio above which a decoding is not text
SNIFF_BYTES = 8192

_HEADER_LINE = re.compile(
    r"(date):?[ \t]+(\S+)[ \t]*|(outlet|url|title|sensitive):[ \t]*(\S.*?)[ \t]*", re.IGNORECASE
)
_YES_NO = {"yes": True, "true": True, "no": False, "false": False}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_STRING_FIELDS = ("url", "outlet", "title", "language")


@dataclass(frozen=True)
class _Defaults:
    """Metadata given on the command line: it fills in only what a record does not say."""

    outlet: str | None
    published: date | None


def read_documents(
    paths: Iterable[Path], outlet: str | None = None, published: date | None = None
) -> Iterator[Document | InputError]:
    """Each document in `paths` (files or directories, walked in sorted order), or the error
    that rejected a file, line or entry."""
    defaults = _Defaults(outlet, published)
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for file in _walk(path):
                yield from _read_file(file, defaults)
        else:
            yield from _read_file(path, defaults)


def parse_published(value: str) -> date:
    """An ISO date or date-time, strictly; a date-time keeps its own calendar day."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return datetime.fromisoformat(value).date()


def _walk(root: Path) -> Iterator[Path]:
    """Files under `root` in sorted order, skipping hidden files and directories."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder, name)


def _read_file(path: Path, defaults: _Defaults) -> Iterator[Document | InputError]:
    try:
        info = path.stat()
    except OSError as exc:
        yield InputError(path, f"cannot read ({exc.strerror or exc})")
        return
    if not stat.S_ISREG(info.st_mode):
        yield InputError(path, "not a regular file")
        return
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(_READERS))
        yield InputError(path, f"unknown file type {path.suffix or '(none)'!r} (expected {known})")
        return
    if reader is not _read_jsonl and info.st_size > MAX_FILE_BYTES:
        yield InputError(path, f"too large ({_mb(info.st_size)} > {_mb(MAX_FILE_BYTES)})")
        return
    try:
        yield from reader(path, defaults)
    except InputError as exc:
        yield exc
    except OSError as exc:
        yield InputError(path, f"cannot read ({exc.strerror or exc})")


def _read_plain(path: Path, defaults: _Defaults) -> Iterator[Document]:
    raw = path.read_bytes()
    text = _decode(path, raw)
    if not text.strip():
        raise InputError(path, "empty file")
    meta, published, text = _header(path, text)
    yield _document(
        path, raw, text, content_type="text/plain", defaults=defaults, published=published, **meta
    )


def _read_html(path: Path, defaults: _Defaults) -> Iterator[Document]:
    raw = path.read_bytes()
    html = _decode(path, raw, declared=_declared_charset(raw))
    if not html.strip():
        raise InputError(path, "empty file")
    yield _document(path, raw, html, content_type="text/html", defaults=defaults)


def _read_jsonl(path: Path, defaults: _Defaults) -> Iterator[Document | InputError]:
    """One document per line, streamed: a bad line is reported and the next one read."""
    records = 0
    with path.open("rb") as stream:
        if _is_binary(stream.read(SNIFF_BYTES)):
            raise InputError(path, "binary file")
        stream.seek(0)
        for number, line, size in _lines(stream):
            if line is None:
                problem = f"too large ({_mb(size)} > {_mb(MAX_FILE_BYTES)})"
                yield InputError(path, problem, number)
                continue
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            records += 1
            try:
                yield _jsonl_record(path, number, line, defaults)
            except InputError as exc:
                yield exc
    if not records:
        raise InputError(path, "empty file")


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None, int]]:
    """(number, bytes without the line ending, size); an over-long line is skipped, not held."""
    number = 0
    while line := stream.readline(MAX_FILE_BYTES + 1):
        number += 1
        size = len(line)
        if size > MAX_FILE_BYTES:
            while line and not line.endswith(b"\n"):
                line = stream.readline(MB)
                size += len(line)
            yield number, None, size
        else:
            yield number, line.removesuffix(b"\n").removesuffix(b"\r"), size


def _jsonl_record(path: Path, number: int, line: bytes, defaults: _Defaults) -> Document:
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not UTF-8 text ({exc.reason} at byte {exc.start})", number
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed JSON: {exc.msg} (column {exc.colno})", number) from exc
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {type(record).__name__}", number)
    fields = {name: _string_field(path, number, record, name) for name in _STRING_FIELDS}
    external_id = record.get("id")
    if external_id is not None and not isinstance(external_id, str | int):
        raise InputError(path, "field 'id' must be a string or a number", number)
    published = None
    value = _string_field(path, number, record, "published_at")
    if value is not None:
        try:
            published = parse_published(value)
        except ValueError as exc:
            problem = f"bad published_at {value!r}: expected an ISO date or date-time"
            raise InputError(path, problem, number) from exc
    sensitive = record.get("sensitive", False)
    if not isinstance(sensitive, bool):
        raise InputError(path, "field 'sensitive' must be true or false", number)
    text, html = (_string_field(path, number, record, name) for name in ("text", "html"))
    if text is None and html is None:
        raise InputError(path, "record has no 'text' or 'html'", number)
    body, content_type = (text, "text/plain") if text and text.strip() else (html, "text/html")
    if not body or not body.strip():
        raise InputError(path, "empty document", number)
    return _document(
        path,
        line,
        body,
        content_type=content_type,
        defaults=defaults,
        published=published,
        outlet=fields["outlet"],
        url=fields["url"],
        title=fields["title"],
        language=fields["language"],
        external_id=None if external_id is None else str(external_id),
        line=number,
        sensitive=sensitive,
    )


def _string_field(path: Path, number: int, record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError(path, f"field {name!r} must be a string", number)
    return value


def _read_feed(path: Path, defaults: _Defaults) -> Iterator[Document | InputError]:
    """Each RSS/Atom entry as a document; the feed's title names the outlet unless one is given."""
    feed = feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries:
        if feed.get("bozo"):
            raise InputError(path, f"not an RSS/Atom feed ({feed.get('bozo_exception')})")
        raise InputError(path, "feed has no entries")
    defaults = _Defaults(defaults.outlet or feed.feed.get("title") or None, defaults.published)
    for number, entry in enumerate(feed.entries, 1):
        try:
            yield _feed_entry(path, number, entry, defaults)
        except InputError as exc:
            yield exc


def _feed_entry(path: Path, number: int, entry: Any, defaults: _Defaults) -> Document:
    detail = entry["content"][0] if entry.get("content") else entry.get("summary_detail")
    body = (detail or {}).get("value") or ""
    if not body.strip():
        raise InputError(path, f"entry {number} ({entry.get('link', 'no link')}): empty document")
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    html = "html" in (detail.get("type") or "text/html")
    return _document(
        path,
        body.encode("utf-8"),
        body,
        content_type="text/html" if html else "text/plain",
        defaults=defaults,
        published=date(*stamp[:3]) if stamp else None,
        url=entry.get("link"),
        title=entry.get("title"),
        entry=number,
    )


def _document(
    path: Path,
    raw: bytes,
    body: str,
    *,
    content_type: str,
    defaults: _Defaults,
    published: date | None = None,
    outlet: str | None = None,
    url: str | None = None,
    title: str | None = None,
    language: str | None = None,
    external_id: str | None = None,
    line: int | None = None,
    entry: int | None = None,
    sensitive: bool = False,
) -> Document:
    """Clean `body` and build the document.

    Metadata precedence: the record's own (JSONL field, feed entry, date line), then for the date
    the page's markup, then the command line. An outlet named on the command line wins over the
    page's site name, which is often only its domain.
    """
    where = f"entry {entry}: " if entry else ""
    if content_type == "text/html":
        article = extract_html(body, url)
        _check_size(path, article.text, where, line)
        text = article.text
        title = title or article.title
        url = url or article.url
        published = published or article.published
        outlet = outlet or defaults.outlet or article.outlet
    else:
        _check_size(path, body, where, line)
        text = clean_text(body)
    if not text:
        raise InputError(path, f"{where}no article text after cleaning", line)
    return Document(
        id=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        text=text,
        title=title,
        outlet=outlet or defaults.outlet,
        url=url,
        published_at=published or defaults.published,
        language=language or "en",
        external_id=external_id,
        source_path=str(path),
        content_type=content_type,
        sensitive=sensitive,
    )


def _check_size(path: Path, text: str, where: str, line: int | None) -> None:
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        problem = f"{where}too large ({_mb(size)} of text > {_mb(MAX_TEXT_BYTES)})"
        raise InputError(path, problem, line)


def _header(path: Path, text: str) -> tuple[dict[str, Any], date | None, str]:
    """Leading lines `date YYYY-MM-DD`, `outlet: NAME`, `url: URL`, `title: TEXT` and
    `sensitive: yes` are the report's metadata, as a field team writes it at the top of a
    plain-text report. A sensitive report's source is protected: who sent it is shown to
    monitors only, and others see the places it reports only to the district."""
    meta: dict[str, Any] = {}
    at: dict[str, int] = {}  # the line each key was given on
    rest = text
    number = 0
    while rest:
        line, _, after = rest.partition("\n")
        match = _HEADER_LINE.fullmatch(line.strip())
        key, value = (match[1] or match[3], match[2] or match[4]) if match else ("", "")
        if not match or key.lower() in meta:
            break
        number += 1
        meta[key.lower()] = value
        at[key.lower()] = number
        rest = after
    published = None
    lines = text.splitlines()
    if "date" in meta:
        given = meta.pop("date")
        try:
            published = date.fromisoformat(given)
        except ValueError as exc:
            problem = f"bad date line {lines[at['date'] - 1].strip()!r}: expected YYYY-MM-DD"
            raise InputError(path, problem, at["date"]) from exc
    if "sensitive" in meta:
        answer = meta.pop("sensitive").lower()
        if answer not in _YES_NO:
            given = lines[at["sensitive"] - 1].strip()
            problem = f"bad sensitive line {given!r}: expected yes or no"
            raise InputError(path, problem, at["sensitive"])
        meta["sensitive"] = _YES_NO[answer]
    return meta, published, rest


def _decode(path: Path, raw: bytes, declared: str | None = None) -> str:
    """Text from bytes: a BOM, else UTF-8, else the declared or a confidently detected encoding."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not valid {encoding} text ({exc.reason})") from exc
    if _is_binary(raw[:SNIFF_BYTES]):
        raise InputError(path, "binary file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        invalid = f"invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}"
    if declared:
        try:
            return raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    detected = _detect(raw)
    if detected is None:
        problem = f"not UTF-8 text ({invalid}; no other encoding detected with confidence)"
        raise InputError(path, problem)
    return detected


def _detect(raw: bytes) -> str | None:
    """charset-normalizer's decoding when it is readable text and not a guess among several."""
    results = [r for r in charset_normalizer.from_bytes(raw) if r.chaos <= MAX_CHAOS]
    if not results:
        return None
    chaos = min(r.chaos for r in results)
    coherence = max(r.coherence for r in results)
    best = [r for r in results if r.chaos <= chaos + 0.05 and r.coherence >= coherence - 0.1]
    for result in best:  # a result stands for every encoding that decodes the bytes alike
        if PREFERRED_FALLBACK in result.could_be_from_charset:
            return str(result)
    decodings = {str(r) for r in best}
    return decodings.pop() if len(decodings) == 1 else None


def _is_binary(head: bytes) -> bool:
    """NUL bytes, or control bytes that text does not have, in the first kilobytes."""
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
    return b"\0" in head or controls > len(head) / 10


def _declared_charset(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:SNIFF_BYTES])
    return match[1].decode("ascii") if match else None


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB" if size % MB else f"{size // MB} MB"


_READERS: dict[str, Callable[[Path, _Defaults], Iterator[Document | InputError]]] = {
    **dict.fromkeys(PLAIN_SUFFIXES, _read_plain),
    **dict.fromkeys(HTML_SUFFIXES, _read_html),
    **dict.fromkeys(JSONL_SUFFIXES, _read_jsonl),
    **dict.fromkeys(FEED_SUFFIXES, _read_feed),
}
