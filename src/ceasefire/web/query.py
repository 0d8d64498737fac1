"""Finding the incidents a viewer asked for and may see, in export-record shape, protected
(see `export`) for those who may not see who sent a sensitive report."""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from datetime import date
from typing import Any

from ceasefire import export, review
from ceasefire.model import EventType, Incident, Reason, VerdictStatus
from ceasefire.pipeline import Knowledge
from ceasefire.store import Store
from ceasefire.web.auth import Viewer


@dataclass(frozen=True)
class BBox:
    """west, south, east, north in degrees (GeoJSON's order)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        parts = text.split(",")
        if len(parts) != 4:
            raise ValueError("bbox is west,south,east,north")
        west, south, east, north = (float(p) for p in parts)
        if west > east or south > north:
            raise ValueError("bbox west must not exceed east, nor south north")
        return cls(west, south, east, north)


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    party: str | None = None
    verdict: VerdictStatus | None = None
    type: EventType | None = None
    bbox: BBox | None = None
    outside_territory: bool = True  # incidents judged outside the agreement's territory too

    def store_filters(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "violator": self.party,
            "verdict": self.verdict.value if self.verdict else None,
            "event_type": self.type.value if self.type else None,
            "bbox": astuple(self.bbox) if self.bbox else None,
            "hide_reason": None if self.outside_territory else Reason.OUTSIDE_TERRITORY.value,
        }


def scope(viewer: Viewer, filters: Filters) -> dict[str, Any]:
    """The store filters for what `viewer` asked for and may see. An area asked for by someone
    who may not see sensitive sources leaves out the incidents those place: the answers to
    ever smaller boxes would tell where such an incident is, finer than its district."""
    found = {**filters.store_filters(), **viewer.scope()}
    if filters.bbox is not None and not viewer.sees_sources:
        found["hide_sensitive"] = True
    return found


def matching(
    store: Store, viewer: Viewer, filters: Filters, *, limit: int | None = None, offset: int = 0
) -> list[Incident]:
    """The incidents matching `filters` that `viewer` may see, oldest first."""
    return store.incidents(limit=limit, offset=offset, **scope(viewer, filters))


def count(store: Store, viewer: Viewer, filters: Filters) -> int:
    return store.count_incidents(**scope(viewer, filters))


def records(
    store: Store, knowledge: Knowledge, incidents: list[Incident], viewer: Viewer
) -> list[dict[str, Any]]:
    """Export records (SPEC §6) for these incidents, in their order, as `viewer` may see them."""
    return export.records(store, knowledge, incidents, protect=not viewer.sees_sources)


def shown(
    store: Store, knowledge: Knowledge, incidents: list[Incident], viewer: Viewer
) -> list[Incident]:
    """The incidents as `viewer` may see them: those resting on a sensitive report placed
    coarsely, unless the viewer sees sources."""
    if viewer.sees_sources:
        return incidents
    sensitive = store.sensitive_incidents(i.id for i in incidents if i.id is not None)
    return [export.protected(i, knowledge.gazetteer) if i.id in sensitive else i for i in incidents]


def history(store: Store, viewer: Viewer, incident_id: int) -> list[review.ReviewEntry]:
    """The incident's review history as `viewer` may see it: where a monitor corrected the place
    of an incident resting on a sensitive report is withheld, like its place."""
    entries = review.history(store, incident_id)
    if viewer.sees_sources or not store.sensitive_incidents([incident_id]):
        return entries
    withheld = ["withheld", "withheld"]
    return [
        replace(e, changes={k: withheld if k == "place" else v for k, v in e.changes.items()})
        for e in entries
    ]


def points(
    store: Store, knowledge: Knowledge, viewer: Viewer, filters: Filters
) -> list[dict[str, Any]]:
    """`Store.incident_points` for what `viewer` asked for, placed as they may see them."""
    found = store.incident_points(**scope(viewer, filters))
    if viewer.sees_sources:
        return found
    sensitive = store.sensitive_incidents(p["id"] for p in found)
    protected = store.incidents(ids=sensitive, include_merged=True)
    coarse = {i.id: i.place for i in shown(store, knowledge, protected, viewer)}
    placed = []
    for point in found:
        if point["id"] in coarse:
            place = coarse[point["id"]]
            if place is None or place.lat is None or place.lon is None:
                continue  # known to the country only: not a point on a map
            point = {**point, "lat": place.lat, "lon": place.lon}
        placed.append(point)
    return placed


def one(store: Store, viewer: Viewer, incident_id: int) -> Incident | None:
    """The incident if it exists and the viewer may see it (merged ones included)."""
    found = store.incidents(ids=[incident_id], include_merged=True, **viewer.scope())
    return found[0] if found else None
