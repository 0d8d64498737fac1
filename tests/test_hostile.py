"""Hostile input: generated files for every reader and loader, and for the store's ingest.

The property everywhere: no crash, only `InputError`; its message is one line naming the file;
and input that is rejected leaves everything stored as it was. Over 10,000 generated cases run
by default; the readers and loaders take most of them, the full pipeline (spaCy) a few hundred.
Examples are derandomized, so a run in CI is reproducible.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ceasefire import audit, ingest
from ceasefire.actors import BUNDLED_ACTORS, load_actors
from ceasefire.agreement import BUNDLED_AGREEMENT, load_agreement
from ceasefire.cli import app
from ceasefire.errors import InputError
from ceasefire.gazetteer import read_places
from ceasefire.model import Document
from ceasefire.pipeline import Pipeline, init_store
from ceasefire.store import ClaimRow, DocumentRow, IncidentRow, PlaceRow, Store

HOSTILE = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies -------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ufeff",
        "2017-01-10",
        "2017-02-30",
        "2017-01-10T25:61:00",
        "2017-01-10T10:00:00+02:00",
        "99999-01-01",
        "date 2017-01-10",
        "<p>Rebels shelled Hama.</p>",
        "<script>alert(1)</script>",
        "Regime forces shelled Nawa on Tuesday, killing 3 people.",
        "\u202e\u0627\u0644\u0628\u0627\u0628",
        "line one\nline two\r\nline three",
    ]
)
VALUES = JSON | TRICKY
RECORD = st.dictionaries(
    st.sampled_from(["id", "url", "outlet", "title", "published_at", "language", "text", "html"])
    | st.text(max_size=6),
    VALUES,
    max_size=8,
)
LINE = (
    RECORD.map(lambda r: json.dumps(r).encode())
    | JSON.map(lambda v: json.dumps(v).encode())
    | st.text(max_size=60).map(str.encode)
    | st.binary(max_size=60)
)
JSONL = st.tuples(
    st.lists(LINE, max_size=6),
    st.sampled_from([b"\n", b"\r\n"]),
    st.sampled_from([b"", b"\xef\xbb\xbf"]),
).map(lambda t: t[2] + t[1].join(t[0]))
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1", "koi8-r", "utf-8-sig"])
TEXT = st.tuples(
    st.sampled_from(["", "date 2017-01-10\n", "date: 2017-02-30\n", "Date 17-1-1\n"]),
    st.text(max_size=400) | TRICKY,
    ENCODINGS,
).map(lambda t: (t[0] + t[1]).encode(t[2], errors="replace"))
HTML_BITS = st.sampled_from(
    [
        "<html>",
        "<head><meta charset='koi8-r'>",
        '<meta charset="nonsense">',
        "<title>",
        "</title>",
        "<body>",
        "<article>",
        "<p>",
        "</p>",
        "<nav>Home | World</nav>",
        "<script>var x = '</p>';</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "&amp;",
        "&#0;",
        "&#xD800;",
        "<figure><figcaption>Photo: AFP</figcaption></figure>",
        "Government forces shelled the town of Nawa on Tuesday, killing four people. ",
    ]
)
HTML = st.lists(HTML_BITS | st.text(max_size=40), max_size=25).map(
    lambda parts: "".join(parts).encode("utf-8", errors="replace")
)
FEED_ITEM = st.tuples(
    st.text(max_size=30) | TRICKY, st.text(max_size=200) | TRICKY, TRICKY | st.text(max_size=20)
).map(
    lambda t: (
        f"<item><title>{t[0]}</title><description>{t[1]}</description>"
        f"<pubDate>{t[2]}</pubDate><link>{t[0]}</link></item>"
    )
)
FEED = st.lists(FEED_ITEM, max_size=4).map(
    lambda items: (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8", errors="replace")
)
FILES = st.one_of(
    st.tuples(st.just(".txt"), TEXT | st.binary(max_size=500)),
    st.tuples(st.just(".html"), HTML | st.binary(max_size=300)),
    st.tuples(st.just(".jsonl"), JSONL),
    st.tuples(st.just(".xml"), FEED | st.binary(max_size=300)),
)


def one_line(error: InputError, path: Path) -> None:
    message = str(error)
    assert message.startswith(str(path)), message
    assert "\n" not in message and "\r" not in message, message


def read_all(path: Path) -> list[Document]:
    documents = []
    for item in ingest.read_documents([path]):
        if isinstance(item, InputError):
            one_line(item, path)
        else:
            assert isinstance(item, Document)
            assert item.text.strip() and item.id and item.source_path == str(path)
            assert len(item.text.encode()) <= ingest.MAX_TEXT_BYTES
            documents.append(item)
    return documents


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


# --- readers ----------------------------------------------------------------------------------


@settings(HOSTILE, max_examples=2000)
@given(data=TEXT | st.binary(max_size=800))
def test_text_files(scratch, data):
    path = scratch / "doc.txt"
    path.write_bytes(data)
    read_all(path)


@settings(HOSTILE, max_examples=1000)
@given(data=HTML | st.binary(max_size=400))
def test_html_files(scratch, data):
    path = scratch / "page.html"
    path.write_bytes(data)
    read_all(path)


@settings(HOSTILE, max_examples=2600)
@given(data=JSONL)
def test_jsonl_files(scratch, data):
    path = scratch / "feed.jsonl"
    path.write_bytes(data)
    read_all(path)


@settings(HOSTILE, max_examples=800)
@given(data=FEED | st.binary(max_size=400))
def test_rss_files(scratch, data):
    path = scratch / "feed.xml"
    path.write_bytes(data)
    read_all(path)


# --- loaders ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def actors():
    return load_actors()


AGREEMENT_TEXT = BUNDLED_AGREEMENT.read_text("utf-8")
AGREEMENT_DATA = yaml.safe_load(AGREEMENT_TEXT)
ACTORS_DATA = yaml.safe_load(BUNDLED_ACTORS.read_text("utf-8"))


def _slots(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            out.append((value, key))
            _slots(child, out)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.append((value, index))
            _slots(child, out)
    return out


@st.composite
def mutated_yaml(draw: st.DrawFn, base: Any, text: str) -> str:
    """The file with a few of its nodes deleted, replaced or duplicated, or with its text
    damaged: what a hurried edit does to a curated file."""
    if draw(st.integers(0, 4)) == 0:
        position = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        return text[:position] + draw(st.text(max_size=8)) + text[position + cut :]
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(data, [])
        if not slots:
            break
        parent, key = slots[draw(st.integers(0, len(slots) - 1))]
        operation = draw(st.sampled_from(["delete", "replace", "duplicate"]))
        if operation == "delete":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(VALUES)
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key] = [parent[key], parent[key]]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@settings(HOSTILE, max_examples=1500)
@given(text=mutated_yaml(AGREEMENT_DATA, AGREEMENT_TEXT))
def test_agreement_files(actors, text):
    path = Path("hostile-agreement.yaml")
    try:
        load_agreement(path, actors, text=text)
    except InputError as error:
        one_line(error, path)


@settings(HOSTILE, max_examples=400)
@given(text=mutated_yaml(ACTORS_DATA, BUNDLED_ACTORS.read_text("utf-8")))
def test_actor_registry_files(scratch, text):
    path = scratch / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_actors(path)
    except InputError as error:
        one_line(error, path)


CELL = (
    st.text(max_size=12)
    | st.sampled_from(["35.6", "-91", "181", "nan", "inf", "1e999", "36,5", "", "Idlib", "P"])
    | st.integers(-200, 200).map(str)
)
HEADER = st.lists(
    st.sampled_from(["name", "lat", "lon", "latitude", "lng", "admin1", "admin2", "aliases"])
    | st.sampled_from(["kind", "country", "population"])
    | st.text(max_size=6),
    max_size=8,
)
CSV = st.tuples(HEADER, st.lists(st.lists(CELL, max_size=9), max_size=6)).map(
    lambda t: "\n".join(",".join(row) for row in [t[0], *t[1]])
)
GEONAMES = st.lists(st.lists(CELL, min_size=17, max_size=20), max_size=5).map(
    lambda rows: "\n".join("\t".join(row) for row in rows)
)


@settings(HOSTILE, max_examples=1500)
@given(
    text=CSV | GEONAMES,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_gazetteer_files(scratch, text, encoding):
    path = scratch / "places.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    try:
        for place in read_places(path):
            assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
    except InputError as error:
        one_line(error, path)


# --- the store --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    store = Store.open(str(tmp_path_factory.mktemp("hostile-store") / "h.db"))
    init_store(store)
    return Pipeline(store)


def snapshot(store: Store) -> tuple[Any, ...]:
    counted = (DocumentRow, ClaimRow, IncidentRow, PlaceRow)
    return (store.head(), *(store.count(row) for row in counted))


@settings(HOSTILE, max_examples=300)
@given(file=FILES)
def test_rejected_input_changes_nothing_stored(pipeline, scratch, file):
    suffix, data = file
    path = scratch / f"upload{suffix}"
    path.write_bytes(data)
    before = snapshot(pipeline.store)
    report = pipeline.run([path])
    for problem in report.rejected:
        assert "\n" not in problem and problem.startswith(str(path))
    if report.stored == 0:
        assert snapshot(pipeline.store) == before
    else:
        assert snapshot(pipeline.store)[0] != before[0]


def test_the_store_still_verifies_after_the_hostile_run(pipeline):
    result = audit.verify(pipeline.store)
    assert result.ok, result.summary()


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("hostile-cli") / "c.db"
    assert CliRunner().invoke(app, ["--db", str(db), "init"]).exit_code == 0
    return db


@settings(HOSTILE, max_examples=60)
@given(
    agreement=mutated_yaml(AGREEMENT_DATA, AGREEMENT_TEXT),
    places=CSV | GEONAMES,
)
def test_bad_agreement_and_gazetteer_files_leave_the_store_as_it_was(
    cli_store, scratch, agreement, places
):
    runner = CliRunner()
    for command, name, text in (
        ("init --agreement", "agreement.yaml", agreement),
        ("gazetteer import", "places.csv", places),
    ):
        path = scratch / name
        path.write_text(text, encoding="utf-8")
        before = Store.open(str(cli_store)).head()
        words = command.split()
        result = runner.invoke(app, ["--db", str(cli_store), *words, str(path)])
        if result.exit_code != 0:
            assert result.output.strip().splitlines() == [result.output.strip()]
            assert result.output.startswith(f"error: {path}")
            assert Store.open(str(cli_store)).head() == before


def test_uploads_over_the_size_limits_get_a_clear_error_and_store_nothing(cli_store, tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as stream:
        stream.truncate(ingest.MAX_FILE_BYTES + 1)  # sparse: nothing is written
    long_text = tmp_path / "long.txt"
    sentence = "Rebels shelled a district of Hama on Friday, killing two people.\n"
    long_text.write_text(sentence * (ingest.MAX_TEXT_BYTES // len(sentence) + 1))
    line = tmp_path / "line.jsonl"
    with line.open("w") as stream:
        stream.write('{"text": "' + "x" * (ingest.MAX_FILE_BYTES + 1) + '"}\n{"text": 1}\n')
    before = Store.open(str(cli_store)).head()
    result = CliRunner().invoke(
        app, ["--db", str(cli_store), "ingest", str(big), str(long_text), str(line)]
    )
    assert result.exit_code == 1
    rejected = [r for r in result.output.splitlines() if r.startswith("rejected:")]
    assert rejected == [
        f"rejected: {big}: too large (20.0 MB > 20 MB)",
        f"rejected: {long_text}: too large (2.0 MB of text > 2 MB)",
        f"rejected: {line}:1: too large (20.0 MB > 20 MB)",
        f"rejected: {line}:2: field 'text' must be a string",
    ]
    assert Store.open(str(cli_store)).head() == before
