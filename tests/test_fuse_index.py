"""The fusion candidate index: a claim is weighed against a few incidents, never fewer than
could match, so fusion gives exactly what weighing every incident gives."""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from ceasefire.actors import load_actors
from ceasefire.agreement import Sides, load_agreement
from ceasefire.fuse import (
    DATE_SLACK,
    REACH_KM,
    Candidates,
    build_incident,
    fuse,
    nearby_box,
    report_of,
    same_event,
)
from ceasefire.gazetteer import EARTH_KM, haversine_km
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
    ReviewStatus,
    Source,
    Span,
)
from ceasefire.pipeline import BATCH_SIZE, Pipeline, _windows, init_store
from ceasefire.store import Store
from synthetic import records, write_jsonl


def _moved(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    """The point `km` from (lat, lon) on `bearing` degrees, longitude kept in [-180, 180]."""
    p, lam, b, d = math.radians(lat), math.radians(lon), math.radians(bearing), km / EARTH_KM
    p2 = math.asin(math.sin(p) * math.cos(d) + math.cos(p) * math.sin(d) * math.cos(b))
    lam2 = lam + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p), math.cos(d) - math.sin(p) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(lam2) + 540) % 360 - 180


def _town(ident: str | None, lat: float | None, lon: float | None, **kw: object) -> PlaceMention:
    fields: dict = {"admin1": "Idleb", "country": "SY", "precision": Precision.TOWN, **kw}
    return PlaceMention(ident, ident or "the village", ident, lat, lon, **fields)


CENTRE = (35.61, 36.56)
HERE = _town("centre", *CENTRE)
SAME_ID_NO_POINT = _town("centre", None, None, precision=None)
SAME_ID_ELSEWHERE = _town("centre", *_moved(*CENTRE, 3, 200), precision=Precision.EXACT)
DISTRICT = _town("centre", *CENTRE, precision=Precision.DISTRICT)
BATTLE_NEAR = _town("battle-near", *_moved(*CENTRE, 1.4, 90))
INSIDE = _town("inside", *_moved(*CENTRE, REACH_KM - 0.05, 10))
FAR = _town("far", 32.62, 36.10)
# Places that test every branch of `_places_compatible`: one place id with and without a point,
# towns just inside and outside each fusion distance, coarse places, another country, and pairs
# astride the date line and around a pole, where a latitude/longitude grid would go wrong.
PLACES: list[PlaceMention | None] = [
    None,
    HERE,
    SAME_ID_NO_POINT,
    SAME_ID_ELSEWHERE,
    DISTRICT,
    _town("idleb", 35.8, 36.6, precision=Precision.GOVERNORATE),
    BATTLE_NEAR,
    INSIDE,
    _town("outside", *_moved(*CENTRE, REACH_KM + 0.05, 10)),
    _town("across", *CENTRE, country="TR"),
    _town(None, None, None, precision=None),
    FAR,
    _town("east-of-line", 10.0, 179.97, country="FJ"),
    _town("west-of-line", 10.0, -179.97, country="FJ"),
    _town("pole-a", 89.95, 0.0, country="AQ"),
    _town("pole-b", 89.95, 120.0, country="AQ"),
]
SOURCES = {
    "a": Source("a", "Levant Wire", None),
    "a-copy": Source("a-copy", "Northern Monitor", "a"),
    "b": Source("b", "Orient Daily", None),
    "b-copy": Source("b-copy", None, "b"),
    "c": Source("c", None, None),
    "d": Source("d", "Levant Wire", None),
}
ACTORS = [
    ActorMention("syrian-government-forces", "regime forces"),
    ActorMention("syrian-air-force", "regime jets"),
    ActorMention("opposition", "rebels"),
    ActorMention("jabhat-fateh-al-sham", "Fateh al-Sham"),
    ActorMention(None, "gunmen"),
]
TYPES = [
    EventType.AIRSTRIKE,
    EventType.SHELLING,
    EventType.CLASH,
    EventType.TERRITORY_SEIZURE,
    EventType.SIEGE,
    EventType.OTHER,
]


@st.composite
def claims(draw: st.DrawFn) -> Claim:
    first = draw(st.integers(1, 8))
    span = draw(st.sampled_from([0, 0, 1, 3]))
    dated = draw(st.booleans()) or draw(st.booleans())
    return Claim(
        document_id=draw(st.sampled_from(sorted(SOURCES))),
        spans=[Span(0, 9, "evidence.")],
        event_type=draw(st.sampled_from(TYPES)),
        perpetrators=draw(st.lists(st.sampled_from(ACTORS), max_size=2)),
        targets=draw(st.lists(st.sampled_from(ACTORS), max_size=2)),
        place=draw(st.sampled_from(PLACES)),
        date_from=date(2017, 1, first) if dated else None,
        date_to=date(2017, 1, first + span) if dated else None,
        date_precision=DatePrecision.DAY if span == 0 else DatePrecision.RANGE,
        fatalities_min=draw(st.none() | st.integers(0, 9)),
        factuality=Factuality.ASSERTED,
        confidence=draw(st.sampled_from([0.4, 0.6, 0.8])),
    )


def scan(
    new_claims: list[Claim],
    incidents: list[Incident],
    claims_of: dict[int, list[Claim]],
    sources: dict[str, Source],
    roots: dict[str, str],
    sides: Sides,
) -> list[Incident]:
    """`fuse` as it was before the index: every claim weighed against every incident."""
    groups = [list(claims_of.get(i.id or -1, [])) for i in incidents]
    reports: list[dict[str, set[str]]] = []
    for group in groups:
        reports.append({})
        for member in group:
            reports[-1].setdefault(report_of(member, sources), set()).add(member.document_id)
    touched: dict[int, Incident] = {}
    for claim in new_claims:
        report = report_of(claim, sources)
        match = next(
            (
                i
                for i, incident in enumerate(incidents)
                if same_event(
                    claim,
                    incident,
                    same_document=report in reports[i],
                    roots=roots,
                    members=groups[i],
                    same_report=reports[i].get(report, set()) | {claim.document_id},
                    sides=sides,
                )
            ),
            None,
        )
        if match is None:
            incidents.append(build_incident([claim], sources))
            groups.append([claim])
            reports.append({})
            match = len(incidents) - 1
        else:
            groups[match].append(claim)
            incidents[match] = build_incident(groups[match], sources, incidents[match])
        reports[match].setdefault(report, set()).add(claim.document_id)
        touched[match] = incidents[match]
    return list(touched.values())


@pytest.fixture(scope="module")
def judging() -> tuple[dict[str, str], Sides]:
    actors = load_actors()
    roots = {a.id: actors.lineage(a.id)[-1] for a in actors}
    return roots, Sides(load_agreement(None, actors), actors)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stored=st.lists(claims(), max_size=30), batch=st.lists(claims(), min_size=1, max_size=30))
def test_fusing_with_the_index_is_fusing_with_every_incident(stored, batch, judging):
    roots, sides = judging
    for n, claim in enumerate(stored + batch, start=1):
        claim.id = n
    # a first batch from an empty store, then a second against what it stored
    indexed: list[Incident] = []
    scanned: list[Incident] = []
    touched = fuse(copy.deepcopy(stored), indexed, {}, SOURCES, roots, sides)
    assert touched == scan(copy.deepcopy(stored), scanned, {}, SOURCES, roots, sides)
    assert indexed == scanned
    by_id = {c.id: c for c in stored}
    for n, incident in enumerate(indexed, start=1):
        incident.id = n
    indexed.sort(key=lambda i: (i.date_from or date.min, i.id or -1))  # as the store gives them
    claims_of = {i.id or -1: [by_id[c] for c in i.claim_ids] for i in indexed}
    scanned = copy.deepcopy(indexed)
    touched = fuse(copy.deepcopy(batch), indexed, claims_of, SOURCES, roots, sides)
    assert touched == scan(copy.deepcopy(batch), scanned, claims_of, SOURCES, roots, sides)
    assert indexed == scanned


def _incident_at(place: PlaceMention, report: str) -> tuple[Candidates, Incident]:
    incident = build_incident([Claim(report, [], EventType.AIRSTRIKE, place=place)], SOURCES)
    index = Candidates()
    index.add(0, incident, [report])
    return index, incident


def test_a_claim_is_weighed_only_against_incidents_near_it_or_of_its_own_report():
    index, _ = _incident_at(HERE, "a")
    far = Claim("b", [], EventType.AIRSTRIKE, place=FAR)
    assert index.of(far, "b") == []
    assert index.of(far, "a") == [0]  # its own report's incident, whatever the place
    for near in (BATTLE_NEAR, INSIDE, SAME_ID_NO_POINT, SAME_ID_ELSEWHERE):
        assert index.of(Claim("b", [], EventType.AIRSTRIKE, place=near), "b") == [0]
    coarse = Claim("b", [], EventType.AIRSTRIKE, place=DISTRICT)  # ties one report's claims only
    assert index.of(coarse, "b") == []


@pytest.mark.parametrize(
    "centre", [CENTRE, (0.0, 0.0), (10.0, 179.99), (-33.9, -179.95), (89.97, 45.0), (-89.99, 0.0)]
)
def test_every_point_within_reach_is_in_the_box_and_the_neighbouring_cells(centre):
    west, south, east, north = nearby_box(*centre)
    index, _ = _incident_at(_town("here", *centre), "a")
    for bearing in range(0, 360, 5):
        for km in (0.5, REACH_KM * 0.999):
            lat, lon = _moved(*centre, km, bearing)
            assert haversine_km(*centre, lat, lon) <= REACH_KM
            assert south <= lat <= north and west <= lon <= east, (bearing, km)
            there = Claim("b", [], EventType.AIRSTRIKE, place=_town("there", lat, lon))
            assert index.of(there, "b") == [0], (bearing, km)


def _stored_incident(place: PlaceMention, first: int, last: int, **kw: object) -> Incident:
    claim = Claim("x", [], EventType.SHELLING, place=place)
    claim.date_from, claim.date_to = date(2017, 1, first), date(2017, 1, last)
    incident = build_incident([claim], {"x": Source("x", None, None)})
    for name, value in kw.items():
        setattr(incident, name, value)
    return incident


def test_the_store_returns_incidents_at_or_near_the_batch_places_or_of_its_reports(tmp_path):
    store = Store.open(str(tmp_path / "candidates.db"))
    try:
        incidents = {
            "near": _stored_incident(INSIDE, 10, 10),
            "same id, no point": _stored_incident(SAME_ID_NO_POINT, 9, 11),
            "far": _stored_incident(FAR, 10, 10),
            "far, copy's report": _stored_incident(FAR, 10, 10),
            "far, the report": _stored_incident(FAR, 11, 11),
            "near, began long before": _stored_incident(HERE, 1, 10),
            "near, another week": _stored_incident(HERE, 20, 20),
            "near, merged": _stored_incident(HERE, 10, 10, review_status=ReviewStatus.MERGED),
        }
        with store.session("ingest", subject="test") as s:
            for doc_id, duplicate_of in (("orig", None), ("copy", "orig"), ("other", None)):
                doc = Document(doc_id, doc_id.encode(), doc_id, duplicate_of=duplicate_of)
                store.add_document(s, doc, None)
            s.flush()
            reported = [Claim(d, [], EventType.SHELLING) for d in ("copy", "orig", "other")]
            store.add_claims(s, reported)
            incidents["far, copy's report"].claim_ids = [reported[0].id or 0]
            incidents["far, the report"].claim_ids = [reported[1].id or 0]
            incidents["far"].claim_ids = [reported[2].id or 0]
            store.save_incidents(s, list(incidents.values()))
        ids = {i.id: name for name, i in incidents.items()}
        found = store.fusion_candidates(
            (date(2017, 1, 9), date(2017, 1, 11)),
            near_from=date(2017, 1, 7),
            # more places than SQLite nests conditions deep, all but one far away
            boxes=[nearby_box(*CENTRE)] + [nearby_box(-30, lon / 10) for lon in range(1500)],
            place_ids=["centre"],
            reports=["orig"],
        )
        assert {ids[i] for i in found} == {
            "near",
            "same id, no point",
            "far, copy's report",
            "far, the report",
        }
    finally:
        store.close()


class ScanningPipeline(Pipeline):
    """The pipeline as it was before the index: every stored incident overlapping a batch's
    dates is read and weighed against every claim."""

    def _fuse(self, claims: list[Claim], fresh: dict[str, Document]) -> list[Incident]:
        if not claims:
            return []
        found: dict[int, Incident] = {}
        for low, high in _windows(claims, slack=DATE_SLACK):
            for incident in self.store.incidents(date_from=low, date_to=high):
                found.setdefault(incident.id or -1, incident)
        candidates = sorted(found.values(), key=lambda i: (i.date_from or date.min, i.id or -1))
        claims_of: dict[int, list[Claim]] = {}
        for claim in self.store.claims(incident_ids=list(found)):
            claims_of.setdefault(claim.incident_id or -1, []).append(claim)
        documents = {c.document_id for c in claims}
        documents |= {c.document_id for group in claims_of.values() for c in group}
        sources = self.store.sources(documents)
        sources.update({d.id: Source(d.id, d.outlet, d.duplicate_of) for d in fresh.values()})
        return scan(claims, candidates, claims_of, sources, self.roots, self.sides)


def _feed(path: Path) -> Path:
    """A busy week: the generated reports squeezed into seven days, with copies of early
    reports coming in batches later, so claims meet stored incidents of their own report."""
    rows = records(2 * BATCH_SIZE + 20, seed=21)
    for n, row in enumerate(rows):
        row["published_at"] = (date(2017, 1, 9) + timedelta(days=n * 7 // len(rows))).isoformat()
    copies = [{**row, "id": f"copy-{row['id']}", "outlet": "Echo"} for row in rows[:12]]
    return write_jsonl(path, rows + copies)


def test_the_pipeline_stores_what_weighing_every_incident_stores(tmp_path: Path):
    corpus = _feed(tmp_path / "week.jsonl")
    results = []
    for kind in (Pipeline, ScanningPipeline):
        store = Store.open(str(tmp_path / f"{kind.__name__}.db"))
        try:
            knowledge = init_store(store)
            report = kind(store, knowledge, workers=1).run([corpus])
            incidents = [
                (i.id, i.event_type, i.place, i.date_from, i.claim_ids, i.independent_sources)
                for i in store.incidents()
            ]
            results.append((report.rows(), incidents, report.near_duplicates))
        finally:
            store.close()
    assert results[0] == results[1]
    _, incidents, copies = results[0]
    assert copies >= 12
    assert any(len(claim_ids) > 1 for *_, claim_ids, _ in incidents)  # something fused


def test_candidates_are_read_from_the_windows_days_not_from_the_whole_archive(tmp_path: Path):
    """On a feed that keeps its pace the incidents of a batch's days are as many in the tenth
    year as in the first, but the incidents begun before the window's end, and a widely copied
    report's copies, are ever more: no query may start from those (SQLite's plan, which without
    statistics is the same on a small store as on a large one)."""
    store = Store.open(str(tmp_path / "s.db"))
    statements: list[tuple[str, tuple]] = []

    def record(
        _conn: object, _cursor: object, statement: str, parameters: tuple, *_: object
    ) -> None:
        if statement.startswith("SELECT"):
            statements.append((statement, parameters))

    try:
        with store.session("ingest", subject="test") as s:
            store.add_document(s, Document("orig", b"orig", "orig"), None)
            s.flush()
            claim = Claim("orig", [], EventType.SHELLING)
            store.add_claims(s, [claim])
            incident = _stored_incident(HERE, 10, 10)
            incident.claim_ids = [claim.id or 0]
            store.save_incidents(s, [incident])
        event.listen(store.engine, "before_cursor_execute", record)
        found = store.fusion_candidates(
            (date(2017, 1, 9), date(2017, 1, 11)),
            near_from=date(2017, 1, 7),
            boxes=[nearby_box(32.62, 36.10)],  # FAR's
            place_ids=["far"],
            reports=["orig", "other"],
        )
        event.remove(store.engine, "before_cursor_execute", record)
        with store.engine.connect() as c:
            steps = [
                row[3]
                for statement, parameters in statements
                for row in c.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ]
    finally:
        store.close()
    assert found == {incident.id}  # of its report, and not near
    assert len(statements) == 4  # the places; the window, its claims, their documents
    reads = [step for step in steps if step.startswith(("SCAN", "SEARCH"))]
    assert any("ix_incidents_date_to" in step for step in reads)  # the reports' window
    assert any("(date_from>? AND date_from<?)" in step for step in reads)  # the places'
    assert not [step for step in reads if step.startswith("SCAN")]
    assert not [s for s in reads if "duplicate_of" in s or "(date_from<?)" in s]
    assert any("ix_claims_incident_id" in step for step in reads)
