"""The store: migrations from an empty file, byte-exact documents, round trips of domain objects."""

from datetime import date

from sqlalchemy import inspect

from ceasefire.dedupe import DuplicateIndex
from ceasefire.model import (
    ActorMention,
    Claim,
    DatePrecision,
    Document,
    EventType,
    Factuality,
    Incident,
    PlaceMention,
    Precision,
    Reason,
    ReviewStatus,
    Span,
    Verdict,
    VerdictStatus,
)
from ceasefire.store import Store, database_url


def test_database_url_takes_paths_urls_and_the_environment(monkeypatch):
    monkeypatch.delenv("CEASEFIRE_DB", raising=False)
    assert database_url(None) == "sqlite:///ceasefire.db"
    assert database_url("x/y.db") == "sqlite:///x/y.db"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    monkeypatch.setenv("CEASEFIRE_DB", "from-env.db")
    assert database_url(None) == "sqlite:///from-env.db"


def test_migrations_create_the_schema_and_reopen_is_harmless(tmp_path):
    path = tmp_path / "s.db"
    Store.open(str(path)).close()
    store = Store.open(str(path))
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "documents",
        "claims",
        "incidents",
        "verdicts",
        "actors",
        "places",
        "agreements",
        "alembic_version",
    } <= tables
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_documents_claims_incidents_round_trip(tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    raw = "date 2017-01-10\nWarplanes struck Kafr Nabl.\r\n\xa0".encode()
    doc = Document(
        id="d1",
        raw=raw,
        text="Warplanes struck Kafr Nabl.",
        outlet="Levant Wire",
        published_at=date(2017, 1, 10),
        external_id="x-1",
    )
    place = PlaceMention("p1", "Kafr Nabl", "Kafr Nabl", 35.6, 36.5, "Idleb", "SY", Precision.TOWN)
    claim = Claim(
        document_id="d1",
        spans=[Span(0, 27, "Warplanes struck Kafr Nabl.")],
        event_type=EventType.AIRSTRIKE,
        perpetrators=[ActorMention("syrian-government-forces", "warplanes")],
        place=place,
        date_from=date(2017, 1, 10),
        date_to=date(2017, 1, 10),
        fatalities_min=3,
        fatalities_max=3,
        factuality=Factuality.REPORTED,
        confidence=0.7,
    )
    with store.session() as s:
        store.add_document(s, doc, signature=b"\x00\x01")
        s.flush()
        store.add_claims(s, [claim])
        incident = Incident(
            event_type=EventType.AIRSTRIKE,
            claim_ids=[claim.id],
            perpetrators=claim.perpetrators,
            targets=[],
            place=place,
            date_from=claim.date_from,
            date_to=claim.date_to,
            date_precision=DatePrecision.DAY,
            fatalities_min=3,
            fatalities_max=3,
            independent_sources=1,
            confidence=0.7,
            summary="s",
            verdict=Verdict(
                VerdictStatus.VIOLATION,
                Reason.PROHIBITED_ACT_BY_PARTY,
                "c1",
                "e",
                "1",
                violator="government",
            ),
        )
        store.save_incident(s, incident)
    assert store.documents()[0].raw == raw
    assert store.known_document_ids(["d1", "d2"]) == {"d1"}
    [back] = store.claims(incident_ids=[incident.id])
    assert back.place == place and back.spans == claim.spans and back.incident_id == incident.id
    [stored] = store.incidents(verdict="violation", violator="government")
    assert stored.claim_ids == [claim.id]
    assert stored.verdict == incident.verdict
    assert stored.review_status is ReviewStatus.REPORTED
    assert store.incidents(verdict="not_a_violation") == []
    assert store.incidents(date_from=date(2017, 1, 11)) == []


def _located(
    n: int, lat: float, lon: float, status: ReviewStatus, violator: str | None
) -> Incident:
    verdict = None
    if violator is not None:
        verdict = Verdict(
            VerdictStatus.VIOLATION, Reason.PROHIBITED_ACT_BY_PARTY, "c1", "e", "1", violator
        )
    return Incident(
        event_type=EventType.SHELLING,
        claim_ids=[],
        perpetrators=[],
        targets=[],
        place=PlaceMention(None, f"p{n}", lat=lat, lon=lon),
        date_from=date(2017, 1, n),
        date_to=date(2017, 1, n),
        date_precision=DatePrecision.DAY,
        fatalities_min=None,
        fatalities_max=None,
        independent_sources=1,
        confidence=0.5,
        summary=f"incident {n}",
        review_status=status,
        verdict=verdict,
    )


def test_incident_filters_bbox_visibility_and_pages_run_in_the_store(tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    made = [
        _located(1, 36.2, 37.1, ReviewStatus.VERIFIED, "government"),
        _located(2, 33.5, 36.3, ReviewStatus.REPORTED, "government"),
        _located(3, 35.9, 36.6, ReviewStatus.REPORTED, "opposition"),
        _located(4, 35.0, 38.5, ReviewStatus.CORROBORATED, None),
        _located(5, 36.3, 37.2, ReviewStatus.VERIFIED, "opposition"),
    ]
    with store.session("test.incidents") as s:
        for incident in made:
            store.save_incident(s, incident)
    summaries = lambda found: [i.summary for i in found]  # noqa: E731
    north = {"bbox": (36.0, 35.5, 38.0, 37.0)}
    assert summaries(store.incidents(**north)) == ["incident 1", "incident 3", "incident 5"]
    assert store.count_incidents(**north) == 3
    points = store.incident_points(violator="opposition", **north)
    assert [(p["lat"], p["lon"], p["verdict"]) for p in points] == [
        (35.9, 36.6, "violation"),
        (36.3, 37.2, "violation"),
    ]
    assert summaries(store.incidents(bbox=(36.3, 33.5, 36.3, 33.5))) == ["incident 2"]
    public = {"review_status": "verified"}
    assert summaries(store.incidents(**public)) == ["incident 1", "incident 5"]
    party = {"review_status": "verified", "or_violator": "government"}
    assert summaries(store.incidents(**party)) == ["incident 1", "incident 2", "incident 5"]
    assert summaries(store.incidents(limit=2, offset=1)) == ["incident 2", "incident 3"]
    assert store.count_incidents(violator="opposition", **north) == 2
    assert summaries(store.incidents(limit=1, offset=1, violator="opposition", **north)) == [
        "incident 5"
    ]
    assert store.count_incidents() == 5 and store.incidents(offset=5) == []


def test_the_duplicate_index_reads_back_only_the_signatures_it_compares(tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    index = DuplicateIndex()
    article = (
        "Government forces shelled the eastern quarters of Douma on Monday morning, killing "
        "three civilians and wounding eleven others, according to the local council, which "
        "said the shells fell near a school and a bakery in the crowded market street."
    )
    other = "An unrelated bulletin about the weather in Latakia and the price of bread. " * 3
    with store.session() as s:
        for doc_id, text in (("d1", article), ("d2", other)):
            doc = Document(id=doc_id, raw=text.encode(), text=text)
            store.add_document(s, doc, signature=index.signature_bytes(text))
    assert set(store.signatures_of(["d1", "d2", "missing"])) == {"d1", "d2"}
    asked: list[str] = []

    def load(ids: list[str]) -> dict[str, bytes]:
        asked.extend(ids)
        return store.signatures_of(ids)

    restored = DuplicateIndex(load=load, cache=0)
    for doc_id, signature, duplicate_of in store.signatures():
        restored.restore(doc_id, signature, duplicate_of)
    assert restored.add("copy", text=article + " The council appealed for help.") == "d1"
    assert asked == ["d1"]
