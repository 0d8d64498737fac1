"""The store: migrations from an empty file, byte-exact documents, round trips of domain objects."""

from datetime import date

from sqlalchemy import inspect

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
