"""Finding the incidents a viewer asked for and may see, in export-record shape."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date
from typing import Any

from ceasefire import export
from ceasefire.model import EventType, Incident, ReviewStatus, VerdictStatus
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

    def store_filters(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "violator": self.party,
            "verdict": self.verdict.value if self.verdict else None,
            "event_type": self.type.value if self.type else None,
            "bbox": astuple(self.bbox) if self.bbox else None,
        }


def visibility(viewer: Viewer) -> dict[str, Any]:
    """`Viewer.sees` as store filters, so the database leaves out what the viewer may not see."""
    if viewer.sees_everything:
        return {}
    return {"review_status": ReviewStatus.VERIFIED.value, "or_violator": viewer.party}


def matching(
    store: Store, viewer: Viewer, filters: Filters, *, limit: int | None = None, offset: int = 0
) -> list[Incident]:
    """The incidents matching `filters` that `viewer` may see, oldest first."""
    scope = {**filters.store_filters(), **visibility(viewer)}
    return store.incidents(limit=limit, offset=offset, **scope)


def count(store: Store, viewer: Viewer, filters: Filters) -> int:
    return store.count_incidents(**filters.store_filters(), **visibility(viewer))


def records(store: Store, knowledge: Knowledge, incidents: list[Incident]) -> list[dict[str, Any]]:
    """Export records (SPEC §6) for these incidents, in their order."""
    if not incidents:
        return []
    ids = [i.id for i in incidents if i.id is not None]
    by_id = {r["id"]: r for r in export.gather(store, knowledge, ids=ids, include_merged=True)}
    return [by_id[str(i)] for i in ids if str(i) in by_id]


def one(store: Store, viewer: Viewer, incident_id: int) -> Incident | None:
    """The incident if it exists and the viewer may see it (merged ones included)."""
    found = store.incidents(ids=[incident_id], include_merged=True)
    return found[0] if found and viewer.sees(found[0]) else None
