"""Cleaning: from a received page or text to the article a reader sees (SPEC §4).

Extraction favours recall: a missed sentence is a missed incident, while a stray menu line is
harmless. Boilerplate goes by whole-paragraph patterns kept as data (`data/boilerplate.yaml`), so
a sentence is never dropped because a word like "donate" or "photo" occurs in it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import trafilatura
from pydantic import BaseModel, ConfigDict, Field, field_validator
from trafilatura.settings import Document as Extraction

from ceasefire.yamlfile import load_yaml

BOILERPLATE_FILE = Path(__file__).parent / "data" / "boilerplate.yaml"

# A short paragraph found again inside a longer one is a caption or pull quote repeated as text.
# Below three words it is a heading ("Wadi Barada"); the search is quadratic, so very long
# documents are only checked for exact repeats.
CAPTION_WORDS = (3, 40)
CAPTION_SEARCH_MAX_PARAGRAPHS = 500

_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff\x00-\x08\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\x0b\x0c\x1c-\x1e\x85]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_WORD = re.compile(r"\w+")
_HAS_DOCUMENT = re.compile(r"<\s*(?:html|body)\b", re.IGNORECASE)
_LIBRARY_ERRORS = (AssertionError, LookupError, TypeError, ValueError)


class _Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    regex: str
    max_words: int = Field(gt=0)
    case_sensitive: bool = False

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regular expression: {exc}") from exc
        return value


class _BoilerplateFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patterns: list[_Pattern]


@dataclass(frozen=True)
class Boilerplate:
    """Whole-paragraph patterns, each tested only on paragraphs up to its word limit."""

    patterns: tuple[tuple[str, re.Pattern[str], int], ...]

    @classmethod
    def load(cls, path: Path = BOILERPLATE_FILE) -> Boilerplate:
        """Read and validate a patterns file; a bad entry raises InputError with its line."""
        spec = load_yaml(path, _BoilerplateFile)
        return cls(
            tuple(
                (
                    p.name,
                    re.compile(p.regex, re.DOTALL | (0 if p.case_sensitive else re.IGNORECASE)),
                    p.max_words,
                )
                for p in spec.patterns
            )
        )

    def match(self, paragraph: str) -> str | None:
        """The name of the first pattern the whole paragraph matches, if any."""
        words = len(paragraph.split())
        for name, regex, max_words in self.patterns:
            if words <= max_words and regex.fullmatch(paragraph):
                return name
        return None


@lru_cache(maxsize=1)
def default_boilerplate() -> Boilerplate:
    return Boilerplate.load()


@dataclass(frozen=True)
class HtmlArticle:
    """The article in a web page and what the page says about itself."""

    title: str | None
    text: str
    published: date | None = None
    outlet: str | None = None
    url: str | None = None


def extract_html(html: str, url: str | None = None) -> HtmlArticle:
    """Extract the article and its metadata; broken or empty HTML gives empty text, never raises.

    The publication date is read only from the page's markup (meta tags, time elements, URL),
    never guessed from dates in the article, which name the events rather than the report.
    """
    if not _HAS_DOCUMENT.search(html[:4096]):
        html = f"<html><body>{html}</body></html>"  # a fragment, e.g. a feed entry
    found = _bare_extraction(html, url)
    text = found.text if found is not None and found.text else ""
    if not text.strip():
        text = trafilatura.html2txt(html) or ""
    if found is None:
        return HtmlArticle(title=None, text=clean_text(text))
    return HtmlArticle(
        title=(found.title or "").strip() or None,
        text=clean_text(text),
        published=_iso_date(found.date),
        outlet=(found.sitename or "").strip() or None,
        url=found.url or url,
    )


def _bare_extraction(html: str, url: str | None) -> Extraction | None:
    """trafilatura's article and metadata. Its date search fails on some odd markup (an assertion
    in lxml, with inline <svg> before the page), so the article is then extracted without it."""
    options = {"url": url, "favor_recall": True, "include_comments": False, "include_tables": True}
    dates = {"extensive_search": False, "original_date": True}
    try:
        return trafilatura.bare_extraction(
            html, with_metadata=True, date_extraction_params=dates, **options
        )
    except _LIBRARY_ERRORS:
        pass
    try:
        return trafilatura.bare_extraction(html, **options)
    except _LIBRARY_ERRORS:
        return None


def clean_html(html: str, url: str | None = None) -> tuple[str | None, str]:
    """(title, cleaned article text) of a web page."""
    article = extract_html(html, url)
    return article.title, article.text


def clean_text(text: str) -> str:
    """Normalised article text: paragraphs separated by a blank line, boilerplate and repeats gone.

    Hard-wrapped text (e-mail, wire printouts) is re-flowed into paragraphs first, so a sentence
    broken across lines stays one sentence for extraction.
    """
    boilerplate = default_boilerplate()
    paragraphs = _paragraphs(_normalise(text), boilerplate)
    return "\n\n".join(_drop_repeats(paragraphs, boilerplate))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")
    return _INVISIBLE.sub("", text)


def _paragraphs(text: str, boilerplate: Boilerplate) -> list[str]:
    """Paragraphs from lines: a blank line ends one, a boilerplate line is one of its own, and
    so is each line unless the text is hard-wrapped and the line was cut for width mid-sentence."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    width = _wrap_width(lines)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line or boilerplate.match(line):
            paragraphs.extend((_join(current), line))
            current = []
        elif current and width and _wrapped(current[-1], line, width):
            current.append(line)
        else:
            paragraphs.append(_join(current))
            current = [line]
    paragraphs.append(_join(current))
    return [p for p in paragraphs if p]


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text was filled to, or None for one paragraph per line."""
    lengths = [len(line) for line in lines if line]
    if len(lengths) < 3:
        return None
    width = max(lengths)
    if not 30 <= width <= 100:
        return None
    near_full = sum(1 for n in lengths if n >= width - 15)
    return width if near_full >= len(lengths) / 2 else None


def _wrapped(previous: str, line: str, width: int) -> bool:
    """Whether `line` continues `previous`: a word broken at a hyphen, or a first word that would
    not have fitted on it."""
    if previous[-1:] == "-" and previous[-2:-1].isalpha():
        return True
    if _SENTENCE_END.search(previous):
        return False
    first_word = line.split(" ", 1)[0]
    return len(previous) + 1 + len(first_word) > width


def _join(lines: list[str]) -> str:
    joined = ""
    for line in lines:
        if joined and not (joined.endswith("-") and joined[-2:-1].isalpha()):
            joined += " "
        joined += line
    return joined


def _key(paragraph: str) -> str:
    """Paragraph identity for repeats: case, punctuation and spacing do not matter."""
    return " ".join(_WORD.findall(paragraph.casefold()))


def _drop_repeats(paragraphs: list[str], boilerplate: Boilerplate) -> list[str]:
    """Drop boilerplate, all but the first of repeated paragraphs, and short paragraphs repeated
    inside another one (a caption under a photo and again as text, with or without its credit)."""
    keys = [_key(p) for p in paragraphs]
    counts = Counter(keys)
    search = len(paragraphs) <= CAPTION_SEARCH_MAX_PARAGRAPHS
    haystack = "\n".join(f" {k} " for k in keys) if search else ""
    low, high = CAPTION_WORDS
    kept: list[str] = []
    seen: set[str] = set()
    for paragraph, key in zip(paragraphs, keys, strict=True):
        if not key or key in seen or boilerplate.match(paragraph):
            continue
        seen.add(key)
        if (
            search
            and low <= key.count(" ") + 1 <= high
            and haystack.count(f" {key} ") > counts[key]
        ):
            continue
        kept.append(paragraph)
    return kept


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
