"""Open exports of incidents: JSON (SPEC §6), ACLED-like CSV, and GeoJSON for maps.

All three are built from one record per incident, so every format says the same thing: the fused
event, its verdict with the clause, and every source with the sentences that support it.

Records for readers other than monitors are `protect`ed: a source marked sensitive (an observer's
or an informant's report) keeps its evidence but not its outlet, url or id, and an incident it
supports is placed no finer than its district (its governorate where the gazetteer knows no
district), so neither a name nor a point leads back to the person who reported it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from io import StringIO
from typing import Any

from sqlalchemy import select

from ceasefire.fuse import summarise
from ceasefire.gazetteer import Gazetteer
from ceasefire.model import ActorMention, Claim, Incident, Place, PlaceMention, Precision
from ceasefire.pipeline import Knowledge
from ceasefire.store import DocumentRow, Store, now

FORMATS = ("json", "csv", "geojson")
CSV_COLUMNS = (
    "event_id",
    "event_date",
    "date_to",
    "event_type",
    "actor1",
    "actor2",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "fatalities",
    "notes",
    "source",
    "independent_sources",
    "review_status",
    "verdict",
    "violator",
    "reason",
    "clause",
)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _actors(
    mentions: Iterable[ActorMention], knowledge: Knowledge, on: date | None
) -> list[dict[str, Any]]:
    """Each actor with its side on the incident's date, as the verdict saw it (a group that
    later joined an excluded coalition was still a party before)."""
    sides = knowledge.sides
    out = []
    for m in mentions:
        known = m.actor in knowledge.actors if m.actor else False
        out.append(
            {
                "actor": m.actor,
                "name": knowledge.actors.get(m.actor).name if known and m.actor else m.text,
                "side": sides.side(m.actor, on),
            }
        )
    return out


@dataclass(frozen=True)
class Cited:
    """What a record says of a source document: its metadata, not its text."""

    id: str
    external_id: str | None
    outlet: str | None
    url: str | None
    published_at: date | None
    duplicate_of: str | None
    sensitive: bool


def cited(store: Store, ids: Iterable[str]) -> dict[str, Cited]:
    """The metadata of these documents, without reading their raw bytes and text."""
    wanted = sorted(set(ids))
    columns = [getattr(DocumentRow, name) for name in Cited.__dataclass_fields__]
    found: dict[str, Cited] = {}
    with store.session() as s:
        for i in range(0, len(wanted), 500):
            query = select(*columns).where(DocumentRow.id.in_(wanted[i : i + 500]))
            found.update((row[0], Cited(*row)) for row in s.execute(query))
    return found


FINE = (Precision.EXACT, Precision.TOWN, None)  # what a protected incident may not be placed at


def coarse_place(place: PlaceMention | None, gazetteer: Gazetteer) -> PlaceMention | None:
    """Where a protected incident is shown: its district's centre, else its governorate's; a
    place that is no finer than a district already stays as it is."""
    if place is None or place.precision not in FINE:
        return place
    known = gazetteer.get(place.place) if place.place and place.place in gazetteer else None
    admin1 = place.admin1 or (known.admin1 if known else None)
    admin2 = known.admin2 if known else None

    def area(wanted: Precision, name: str | None) -> Place | None:
        matches = (p for p in gazetteer if p.precision is wanted and p.admin1 == admin1)
        return next((p for p in matches if p.name == name), None)

    found = (area(Precision.DISTRICT, admin2) if admin2 else None) or area(
        Precision.GOVERNORATE, admin1
    )
    if found is None:  # nothing coarser is known: the country only
        return PlaceMention(None, place.country or "", place.country, country=place.country)
    return PlaceMention(
        found.id,
        found.name,
        found.name,
        found.lat,
        found.lon,
        found.admin1,
        found.country,
        found.precision,
    )


def protected(incident: Incident, gazetteer: Gazetteer) -> Incident:
    """The incident as those who may not know its sources see it: placed coarsely, in its
    summary and its verdict's explanation too."""
    fine = incident.place
    coarse = replace(incident, place=coarse_place(fine, gazetteer))
    coarse.summary = summarise(coarse)
    if fine is not None and coarse.place is not fine and coarse.verdict is not None:
        explanation = coarse.verdict.explanation
        for named in {fine.name, fine.text} - {None, ""}:
            explanation = explanation.replace(named, coarse.place.name or "")
        coarse.verdict = replace(coarse.verdict, explanation=explanation)
    return coarse


def incident_record(
    incident: Incident,
    claims: list[Claim],
    documents: Mapping[str, Cited],
    knowledge: Knowledge,
    *,
    protect: bool = False,
) -> dict[str, Any]:
    """One incident in the shape of the export contract; `protect`ed, see the module."""
    if protect and any(documents[c.document_id].sensitive for c in claims):
        incident = protected(incident, knowledge.gazetteer)
    place = incident.place
    verdict = incident.verdict
    when = incident.date_to or incident.date_from
    by_document: dict[str, list[dict[str, Any]]] = {}
    for claim in claims:
        evidence = by_document.setdefault(claim.document_id, [])
        for span in claim.spans:
            item = {"text": span.text, "start": span.start, "end": span.end}
            if item not in evidence:
                evidence.append(item)
    sources = []
    for doc_id, evidence in by_document.items():
        doc = documents[doc_id]
        hidden = protect and doc.sensitive
        sources.append(
            {
                "document": doc.id,
                "external_id": None if hidden else doc.external_id,
                "outlet": None if hidden else doc.outlet,
                "url": None if hidden else doc.url,
                "published_at": _iso(doc.published_at),
                "duplicate_of": doc.duplicate_of,
                "evidence": sorted(evidence, key=lambda e: e["start"]),
            }
        )
    sources.sort(key=lambda s: (s["published_at"] or "", s["document"]))
    return {
        "id": str(incident.id),
        "type": incident.event_type.value,
        "summary": incident.summary,
        "date_from": _iso(incident.date_from),
        "date_to": _iso(incident.date_to),
        "date_precision": incident.date_precision.value,
        "place": None
        if place is None
        else {
            "name": place.name or place.text,
            "admin1": place.admin1,
            "country": place.country,
            "lat": place.lat,
            "lon": place.lon,
            "precision": place.precision.value if place.precision else None,
        },
        "perpetrators": _actors(incident.perpetrators, knowledge, when),
        "targets": _actors(incident.targets, knowledge, when),
        "fatalities": {"min": incident.fatalities_min, "max": incident.fatalities_max},
        "verdict": None
        if verdict is None
        else {
            "status": verdict.status.value,
            "violator": verdict.violator,
            "reason": verdict.reason.value,
            "clause": verdict.clause,
            "explanation": verdict.explanation,
            "disputed": verdict.disputed,
            "agreement_version": verdict.agreement_version,
        },
        "review_status": incident.review_status.value,
        "confidence": incident.confidence,
        "independent_sources": incident.independent_sources,
        "sources": sources,
    }


def gather(store: Store, knowledge: Knowledge, **filters: Any) -> list[dict[str, Any]]:
    """Export records for the incidents matching `filters` (see `Store.incidents`)."""
    return records(store, knowledge, store.incidents(**filters))


def records(
    store: Store, knowledge: Knowledge, incidents: list[Incident], *, protect: bool = False
) -> list[dict[str, Any]]:
    """Export records for these incidents, in their order; `protect`ed, see the module."""
    claims_of: dict[int, list[Claim]] = {}
    for claim in store.claims(incident_ids=[i.id for i in incidents if i.id is not None]):
        claims_of.setdefault(claim.incident_id or -1, []).append(claim)
    documents = cited(store, (c.document_id for group in claims_of.values() for c in group))
    return [
        incident_record(i, claims_of.get(i.id or -1, []), documents, knowledge, protect=protect)
        for i in incidents
    ]


def to_json(records: list[dict[str, Any]], knowledge: Knowledge) -> str:
    payload = {
        "agreement": knowledge.agreement.id,
        "agreement_version": knowledge.agreement.version,
        "generated_at": now().isoformat(timespec="seconds"),
        "incidents": records,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _names(actors: list[dict[str, Any]]) -> str:
    return "; ".join(a["name"] for a in actors)


def csv_row(record: dict[str, Any]) -> dict[str, Any]:
    place = record["place"] or {}
    verdict = record["verdict"] or {}
    evidence = [e["text"] for s in record["sources"] for e in s["evidence"]]
    return {
        "event_id": record["id"],
        "event_date": record["date_from"],
        "date_to": record["date_to"],
        "event_type": record["type"],
        "actor1": _names(record["perpetrators"]),
        "actor2": _names(record["targets"]),
        "admin1": place.get("admin1"),
        "location": place.get("name"),
        "latitude": place.get("lat"),
        "longitude": place.get("lon"),
        "fatalities": record["fatalities"]["min"],
        "notes": " ".join(evidence),
        "source": "; ".join(sorted({s["outlet"] or s["document"] for s in record["sources"]})),
        "independent_sources": record["independent_sources"],
        "review_status": record["review_status"],
        "verdict": verdict.get("status"),
        "violator": verdict.get("violator"),
        "reason": verdict.get("reason"),
        "clause": verdict.get("clause"),
    }


def to_csv(records: list[dict[str, Any]]) -> str:
    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(r) for r in records)
    return out.getvalue()


def to_geojson(records: list[dict[str, Any]], knowledge: Knowledge) -> str:
    features = []
    for record in records:
        place = record["place"] or {}
        has_point = place.get("lat") is not None and place.get("lon") is not None
        features.append(
            {
                "type": "Feature",
                "id": record["id"],
                "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]}
                if has_point
                else None,
                "properties": record,
            }
        )
    payload = {
        "type": "FeatureCollection",
        "agreement": knowledge.agreement.id,
        "features": features,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def render(fmt: str, records: list[dict[str, Any]], knowledge: Knowledge) -> str:
    if fmt == "json":
        return to_json(records, knowledge)
    if fmt == "csv":
        return to_csv(records)
    if fmt == "geojson":
        return to_geojson(records, knowledge)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
