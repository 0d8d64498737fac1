"""Fuse claims about the same real-world event into one incident, and count its sources.

Many reports describe one event; each becomes a claim. A claim joins an incident when the two
could be the same event: compatible act, the same or a nearby place, overlapping dates and no
contradicting actors. Copies of one article, and several articles from one outlet, count once.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from datetime import date, timedelta

from ceasefire.agreement import EXCLUDED, Sides
from ceasefire.gazetteer import EARTH_KM, haversine_km
from ceasefire.model import (
    ActorMention,
    Claim,
    DatePrecision,
    EventType,
    Incident,
    PlaceMention,
    Precision,
    ReviewStatus,
    Source,
)

# Acts that reports of one event describe differently ("bombardment" is an airstrike to one
# outlet and shelling to another; a battle is a clash, an attack or a capture).
_FAMILIES: tuple[frozenset[EventType], ...] = (
    frozenset({EventType.AIRSTRIKE, EventType.SHELLING, EventType.BOMBING}),
    frozenset({EventType.GROUND_ATTACK, EventType.CLASH, EventType.TERRITORY_SEIZURE}),
    frozenset({EventType.SIEGE, EventType.HUMANITARIAN_OBSTRUCTION}),
)
_GROUND = _FAMILIES[1]
_ANY_FAMILY = frozenset({EventType.ATTACK_ON_CIVILIANS, EventType.OTHER})
_PRECISION_ORDER = list(Precision)
NEARBY_KM = 10.0  # villages a few km apart are different events; one town's suburbs are not
NEARBY_TOWNS_KM = 1.5  # two reports of battles for two towns: only duplicate gazetteer entries
DATE_SLACK = timedelta(days=1)  # "overnight" and time-zone slips, unless both dates are exact
MAX_SPAN_ACROSS_REPORTS = timedelta(days=2)


def becomes_incident(claim: Claim, effective_from: date) -> bool:
    """Plans, speculation, denials, characterisations and history stay claims only.

    A month named as a whole ("in December") that began before the agreement is history even
    when the agreement took effect on its last day.
    """
    if not claim.factuality.is_factual:
        return False
    if claim.date_precision is DatePrecision.MONTH and claim.date_from:
        return claim.date_from >= effective_from
    return claim.date_to is None or claim.date_to >= effective_from


def source_key(document_id: str, sources: Mapping[str, Source]) -> str:
    """Who independently stands behind a document: its original's outlet, or the original."""
    source = sources[document_id]
    head = sources.get(source.duplicate_of or document_id, source)
    return f"outlet:{head.outlet.casefold()}" if head.outlet else f"doc:{head.document_id}"


def types_compatible(a: EventType, b: EventType) -> bool:
    if a == b or a in _ANY_FAMILY or b in _ANY_FAMILY:
        return True
    return any(a in family and b in family for family in _FAMILIES)


def _km(a: PlaceMention, b: PlaceMention) -> float:
    return haversine_km(a.lat or 0, a.lon or 0, b.lat or 0, b.lon or 0)


def _is_coarse(place: PlaceMention) -> bool:
    return place.precision not in (None, Precision.EXACT, Precision.TOWN)


def _is_town(place: PlaceMention) -> bool:
    return place.precision is Precision.TOWN


def _is_wide(place: PlaceMention) -> bool:
    return place.precision not in (None, Precision.EXACT, Precision.TOWN)


def _places_compatible(
    a: PlaceMention | None, b: PlaceMention | None, *, same_document: bool, battle: bool = False
) -> bool:
    """Within one report a coarse or missing place defers to the finer one; across reports a
    governorate or a region says too little to tie two events together. A strike is placed by
    the nearest town each outlet knows, but a battle is fought for a village: two reports of
    fighting for two villages report two battles (`battle`)."""
    if a is None or b is None:
        return same_document
    if a.country and b.country and a.country != b.country:
        return False
    if a.place is not None and a.place == b.place:
        # "the eastern countryside of Aleppo" in two reports may be two battles a day's drive
        # apart: a region or a governorate ties the claims of one report only
        return same_document or not (_is_wide(a) or _is_wide(b))
    if _is_coarse(a) or _is_coarse(b):
        return same_document and bool(a.admin1) and a.admin1 == b.admin1
    if None in (a.lat, a.lon, b.lat, b.lon):
        return False
    if battle and not same_document and _is_town(a) and _is_town(b):
        return _km(a, b) <= NEARBY_TOWNS_KM
    return _km(a, b) <= NEARBY_KM


def _dates_compatible(claim: Claim, incident: Claim | Incident, *, same_document: bool) -> bool:
    """Overlapping dates; across reports both must be dated to within a couple of days, since
    "in recent days" at one place fits every event there that week."""
    if None in (claim.date_from, claim.date_to, incident.date_from, incident.date_to):
        return same_document and claim.date_from is None and incident.date_from is None
    assert claim.date_from and claim.date_to and incident.date_from and incident.date_to
    if (
        not same_document
        and max(claim.date_to - claim.date_from, incident.date_to - incident.date_from)
        > MAX_SPAN_ACROSS_REPORTS
    ):
        return False
    exact = (
        claim.date_precision is DatePrecision.DAY and incident.date_precision is DatePrecision.DAY
    )
    slack = timedelta(0) if exact else DATE_SLACK
    return (
        claim.date_from <= incident.date_to + slack and incident.date_from <= claim.date_to + slack
    )


def _forces(mentions: Iterable[ActorMention], roots: Mapping[str, str]) -> set[str]:
    """The forces named, each as its top-level actor: "regime jets" in one report and
    "government forces" in another are the same force."""
    return {roots.get(m.actor, m.actor) for m in mentions if m.actor}


def _actors_compatible(
    claim: Claim, incident: Incident, *, same_document: bool, roots: Mapping[str, str]
) -> bool:
    """No contradiction: where both name participants, they share one; across reports that
    each name both sides, one report's participants include the other's, so a clash with one
    group never absorbs a clash with another at the same place."""
    ours = _forces(claim.perpetrators, roots) | _forces(claim.targets, roots)
    theirs = _forces(incident.perpetrators, roots) | _forces(incident.targets, roots)
    if not ours or not theirs:
        return True
    if same_document or len(ours) < 2 or len(theirs) < 2:
        return bool(ours & theirs)
    return ours <= theirs or theirs <= ours


def _names_excluded(item: Claim | Incident, sides: Sides) -> bool:
    return any(
        sides.side(m.actor, on=item.date_from) == EXCLUDED
        for m in (*item.perpetrators, *item.targets)
        if m.actor
    )


def _names_both_sides(item: Claim | Incident) -> bool:
    return any(m.actor for m in item.perpetrators) and any(m.actor for m in item.targets)


def _exclusion_agrees(claim: Claim, incident: Incident, sides: Sides) -> bool:
    """Across reports that each name both sides of a fight, both or neither name a group
    excluded from the ceasefire. Whether a party fought alongside such a group decides the
    verdict, so a report of the army fighting rebels never takes in another's Jabhat Fateh
    al-Sham: each stays judged on what it says. A report naming one side leaves the other open."""
    if not (_names_both_sides(claim) and _names_both_sides(incident)):
        return True
    return _names_excluded(claim, sides) == _names_excluded(incident, sides)


def same_event(
    claim: Claim,
    incident: Incident,
    *,
    same_document: bool = False,
    roots: Mapping[str, str] | None = None,
    members: Iterable[Claim] = (),
    same_report: Iterable[str] = (),
    sides: Sides | None = None,
) -> bool:
    """Could the claim report the incident? `same_document`: the incident already has a claim
    from the claim's own report; `roots` maps actor ids to their top-level actor; `members`, the
    incident's claims, must each overlap the claim in time too, so a chain of day-apart reports
    never grows into one week-long incident (`same_report`: the ids of the claim's own report
    and its copies); `sides`, the agreement's, keeps apart reports that disagree on whether an
    excluded group took part."""
    return (
        types_compatible(claim.event_type, incident.event_type)
        and _places_compatible(
            claim.place,
            incident.place,
            same_document=same_document,
            battle=claim.event_type in _GROUND and incident.event_type in _GROUND,
        )
        and _dates_compatible(claim, incident, same_document=same_document)
        and _actors_compatible(claim, incident, same_document=same_document, roots=roots or {})
        and (same_document or sides is None or _exclusion_agrees(claim, incident, sides))
        and all(
            _dates_compatible(
                claim,
                other,
                same_document=other.document_id in {claim.document_id, *same_report},
            )
            for other in members
        )
    )


def _merge_roles(claims: list[Claim]) -> tuple[list[ActorMention], list[ActorMention]]:
    """Perpetrators and targets over all claims, each actor once, in the role it was first
    given: reports of a clash name its sides in either order, and the fused incident must not
    make a side fight itself. Unresolved mentions only where nothing resolved."""
    roles: dict[str, tuple[str, ActorMention]] = {}
    unresolved: dict[str, list[ActorMention]] = {"perpetrator": [], "target": []}
    for claim in claims:
        sides = (("perpetrator", claim.perpetrators), ("target", claim.targets))
        if _names_sides_reversed(claim, roles):
            sides = (("target", claim.perpetrators), ("perpetrator", claim.targets))
        for role, mentions in sides:
            for m in mentions:
                if m.actor:
                    roles.setdefault(m.actor, (role, m))
                elif all(u.text != m.text for u in unresolved[role]):
                    unresolved[role].append(m)

    def of(role: str) -> list[ActorMention]:
        return [m for r, m in roles.values() if r == role] or unresolved[role][:1]

    return of("perpetrator"), of("target")


def _names_sides_reversed(claim: Claim, roles: Mapping[str, tuple[str, ActorMention]]) -> bool:
    """ "Y and Z fought X" after "X fought Y": the claim names the sides the other way round, so
    Z, Y's ally, joins Y's side, not X's."""
    agree = disagree = 0
    for role, mentions in (("perpetrator", claim.perpetrators), ("target", claim.targets)):
        for m in mentions:
            if m.actor in roles:
                if roles[m.actor][0] == role:
                    agree += 1
                else:
                    disagree += 1
    return disagree > agree


def _finest_place(claims: list[Claim]) -> PlaceMention | None:
    places = [c.place for c in claims if c.place is not None]
    if not places:
        return None
    counts = Counter(p.place or p.text for p in places)
    return min(
        places,
        key=lambda p: (
            _PRECISION_ORDER.index(p.precision) if p.precision else len(_PRECISION_ORDER),
            -counts[p.place or p.text],
        ),
    )


def _dates(claims: list[Claim]) -> tuple[date | None, date | None, DatePrecision]:
    dated = [c for c in claims if c.date_from and c.date_to]
    if not dated:
        return None, None, DatePrecision.RANGE
    start = max(c.date_from for c in dated if c.date_from)
    end = min(c.date_to for c in dated if c.date_to)
    if start <= end:  # every report agrees on this window
        precision = DatePrecision.DAY if start == end else DatePrecision.RANGE
        return start, end, precision
    narrowest = min(dated, key=lambda c: (c.date_to - c.date_from, c.date_from))  # type: ignore[operator]
    return narrowest.date_from, narrowest.date_to, narrowest.date_precision


def _fatalities(claims: list[Claim]) -> tuple[int | None, int | None]:
    """The highest toll reported: later reports raise tolls as bodies are recovered."""
    mins = [c.fatalities_min for c in claims if c.fatalities_min is not None]
    maxes = [c.fatalities_max for c in claims if c.fatalities_max is not None]
    low = max(mins) if mins else None
    high = max(maxes) if maxes else None
    if low is not None and high is not None and high < low:
        high = low
    return low, high


def summarise(incident: Incident) -> str:
    """A one-line description for tables and map pop-ups."""
    who = ", ".join(m.text for m in incident.perpetrators) or "Unidentified perpetrators"
    what = incident.event_type.value.replace("_", " ")
    parts = [f"{who}: {what}"]
    if incident.targets:
        parts.append("against " + ", ".join(m.text for m in incident.targets))
    if incident.place:
        parts.append(f"in {incident.place.name or incident.place.text}")
    if incident.date_from:
        when = incident.date_from.isoformat()
        if incident.date_to and incident.date_to != incident.date_from:
            when += f" to {incident.date_to.isoformat()}"
        parts.append(f"on {when}")
    text = " ".join(parts)
    if incident.fatalities_min:
        text += f"; at least {incident.fatalities_min} killed"
    return text


def build_incident(
    claims: list[Claim], sources: Mapping[str, Source], existing: Incident | None = None
) -> Incident:
    """The fused view of an incident's claims; keeps the id, any review decision and the fields
    a monitor corrected."""
    types = Counter(c.event_type for c in claims)
    event_type = max(types, key=lambda t: (types[t], t not in _ANY_FAMILY))
    date_from, date_to, precision = _dates(claims)
    fat_min, fat_max = _fatalities(claims)
    best: dict[str, float] = {}  # each independent source's most confident claim
    for c in claims:
        key = source_key(c.document_id, sources)
        best[key] = max(best.get(key, 0.0), c.confidence)
    n_sources = len(best)
    doubt = math.prod(1 - c for c in best.values())
    perpetrators, targets = _merge_roles(claims)
    status = ReviewStatus.CORROBORATED if n_sources > 1 else ReviewStatus.REPORTED
    if existing and existing.review_status not in (
        ReviewStatus.REPORTED,
        ReviewStatus.CORROBORATED,
    ):
        status = existing.review_status
    incident = Incident(
        id=existing.id if existing else None,
        event_type=event_type,
        claim_ids=[c.id for c in claims if c.id is not None],
        perpetrators=perpetrators,
        targets=targets,
        place=_finest_place(claims),
        date_from=date_from,
        date_to=date_to,
        date_precision=precision,
        fatalities_min=fat_min,
        fatalities_max=fat_max,
        independent_sources=n_sources,
        confidence=round(1 - doubt, 3),
        summary="",
        review_status=status,
        verdict=existing.verdict if existing else None,  # rejudged, its dispute kept
    )
    if existing:  # what a monitor corrected stands, whatever the claims say
        for name in existing.corrected:
            setattr(incident, name, getattr(existing, name))
        if {"date_from", "date_to"} & set(existing.corrected):
            incident.date_precision = existing.date_precision
        incident.corrected = existing.corrected
    incident.summary = summarise(incident)
    return incident


def _reports(claims: list[Claim], sources: Mapping[str, Source]) -> dict[str, set[str]]:
    """The documents of these claims, by the report each comes from."""
    found: dict[str, set[str]] = {}
    for claim in claims:
        found.setdefault(report_of(claim, sources), set()).add(claim.document_id)
    return found


def report_of(claim: Claim, sources: Mapping[str, Source]) -> str:
    """The report a claim comes from: a near-duplicate copy is its original's report."""
    source = sources.get(claim.document_id)
    return (source.duplicate_of if source else None) or claim.document_id


# --- which incidents a claim could fuse with ----------------------------------------------------
#
# Across reports two claims fuse only when neither place is coarse and the places are one
# gazetteer place or two points within the fusion distance (`_places_compatible`); a coarse or
# missing place ties the claims of one report only. So a claim need only be weighed against its
# own report's incidents, its place's, and those whose point is near its own: a few, however
# many incidents a busy week holds.

REACH_KM = max(NEARBY_KM, NEARBY_TOWNS_KM)  # the farthest apart two fused places can be
# REACH_KM as an angle, with a margin for rounding. It is also the grid's cell on the unit
# sphere: two points within REACH_KM differ by less than that in each of x, y and z, so they lie
# in the same or adjacent cells, anywhere on Earth (poles and the date line included).
_RADIUS = 1.001 * REACH_KM / EARTH_KM


def reaches_across_reports(place: PlaceMention | None) -> bool:
    """Whether a place can tie claims of different reports at all."""
    return place is not None and not _is_coarse(place)


def nearby_box(lat: float, lon: float) -> tuple[float, float, float, float]:
    """West, south, east and north bounds holding every point within REACH_KM of this one
    (the whole circle of longitude near a pole or the date line), for a store's range query."""
    south, north = lat - math.degrees(_RADIUS), lat + math.degrees(_RADIUS)
    if south <= -90 or north >= 90:
        return -180.0, south, 180.0, north
    spread = math.degrees(math.asin(math.sin(_RADIUS) / math.cos(math.radians(lat))))
    if lon - spread < -180 or lon + spread > 180:
        return -180.0, south, 180.0, north
    return lon - spread, south, lon + spread, north


def _cell(place: PlaceMention) -> tuple[int, int, int] | None:
    if place.lat is None or place.lon is None:
        return None
    if not (math.isfinite(place.lat) and math.isfinite(place.lon)):
        return None  # no distance to it is ever within reach
    lat, lon = math.radians(place.lat), math.radians(place.lon)
    point = (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))
    x, y, z = (math.floor(c / _RADIUS) for c in point)
    return x, y, z


class Candidates:
    """The incidents each claim could fuse with, by position in the list `fuse` works on.

    An incident is filed under each report it holds, and, where its place can tie reports,
    under its place id and its grid cell; a claim's candidates are those filed under its
    report, its place id or the 27 cells around its point. Always every incident the claim
    could match, usually a few more: `same_event` decides. An incident filed again after it
    changed keeps its old keys too, which only adds candidates."""

    def __init__(self) -> None:
        self._filed: defaultdict[Hashable, set[int]] = defaultdict(set)

    def add(self, position: int, incident: Incident, reports: Iterable[str]) -> None:
        for key in _keys(incident.place, reports, around=False):
            self._filed[key].add(position)

    def of(self, claim: Claim, report: str) -> list[int]:
        """Positions of the claim's candidates, in order."""
        found: set[int] = set()
        for key in _keys(claim.place, (report,), around=True):
            found.update(self._filed.get(key, ()))
        return sorted(found)


def _keys(
    place: PlaceMention | None, reports: Iterable[str], *, around: bool
) -> Iterator[Hashable]:
    for report in reports:
        yield "report", report
    if place is None or not reaches_across_reports(place):
        return
    if place.place is not None:
        yield "place", place.place
    cell = _cell(place)
    if cell is None:
        return
    if not around:
        yield "cell", *cell
        return
    for step in itertools.product((-1, 0, 1), repeat=3):
        yield "cell", *(c + d for c, d in zip(cell, step, strict=True))


def fuse(
    new_claims: Iterable[Claim],
    incidents: list[Incident],
    claims_of: dict[int, list[Claim]],
    sources: Mapping[str, Source],
    roots: Mapping[str, str] | None = None,
    sides: Sides | None = None,
) -> list[Incident]:
    """Attach each new claim to a matching incident or open a new one; return those touched.

    `incidents` are the candidates already stored (with ids) and `claims_of` their claims; new
    incidents are appended to `incidents` without an id, so later claims can join them too. A
    claim joins the first incident in that order it could report; only those `Candidates`
    finds are weighed, which gives the same answer as weighing them all.
    """
    groups = [list(claims_of.get(i.id or -1, [])) for i in incidents]  # by position
    # each candidate's reports and their documents, kept as claims join, so a claim is weighed
    # against an incident without walking the incident's claims again
    reports = [_reports(group, sources) for group in groups]
    index = Candidates()
    for position, incident in enumerate(incidents):
        index.add(position, incident, reports[position])
    touched: dict[int, Incident] = {}
    for claim in new_claims:
        report = report_of(claim, sources)
        match = next(
            (
                i
                for i in index.of(claim, report)
                if same_event(
                    claim,
                    incidents[i],
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
        index.add(match, incidents[match], (report,))
        touched[match] = incidents[match]
    return list(touched.values())
