"""Review and the right of reply: what people do to incidents after the pipeline made them.

Monitors (and admins) verify, reject, merge and correct incidents; each is one recorded review
action, in one audited transaction, and the verdict is recomputed from the agreement afterwards,
so a correction can never leave a stale verdict behind. Reviews outlast new reports: when later
claims are fused into a reviewed incident, its review status and the fields a monitor corrected
(`Incident.corrected`, read back from the review record) stand, and the rest is fused again.
A party's representative answers an incident attributed to their party (deny, explain,
counter-claim): the answer is kept beside the evidence and marks the verdict disputed, and changes
nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceasefire.adjudicate import rejudge
from ceasefire.errors import InputError
from ceasefire.fuse import build_incident, summarise
from ceasefire.keys import Signer
from ceasefire.model import ActorMention, EventType, Incident, PlaceMention, ReviewStatus
from ceasefire.pipeline import Knowledge
from ceasefire.store import (
    CORRECTED_FIELDS,
    IncidentRow,
    ResponseRow,
    ReviewRow,
    Store,
    VerdictRow,
    now,
)
from ceasefire.users import User

REVIEWERS = ("admin", "monitor")
RESPONSE_KINDS = ("deny", "explain", "counter_claim")
CORRECTABLE = tuple(CORRECTED_FIELDS)
MAX_RESPONSE = 20_000


class NotAllowed(Exception):
    """The user's role does not permit the action."""


class NotFound(LookupError):
    """No such incident (or not one that can take the action)."""


@dataclass(frozen=True)
class ReviewEntry:
    incident_id: int
    action: str
    reviewer: str
    at: datetime
    changes: dict[str, Any]
    note: str


@dataclass(frozen=True)
class Response:
    id: int
    incident_id: int
    party: str
    kind: str
    text: str
    author: str
    at: datetime


def _require_reviewer(user: User) -> None:
    if user.role not in REVIEWERS:
        raise NotAllowed(f"{user.name} ({user.role}) may not review incidents")


def _load(store: Store, session: Session, incident_id: int) -> tuple[Incident, IncidentRow]:
    """The incident as stored; read inside the write transaction, so nobody changes it between
    this reading and the write."""
    row = session.get(IncidentRow, incident_id)  # the first statement: takes the write lock
    found = store.incidents(ids=[incident_id], include_merged=True)
    if row is None or not found:
        raise NotFound(f"no incident {incident_id}")
    if found[0].review_status is ReviewStatus.MERGED:
        raise NotFound(f"incident {incident_id} was merged into incident {row.merged_into}")
    return found[0], row


def _judge(incident: Incident, knowledge: Knowledge) -> None:
    incident.verdict = rejudge(incident, knowledge.agreement, knowledge.sides)


def _verdict_view(incident: Incident) -> Any:
    v = incident.verdict
    return None if v is None else [v.status.value, v.violator, v.reason.value]


def _record(
    session: Session,
    incident_id: int,
    action: str,
    reviewer: str,
    changes: dict[str, Any],
    note: str,
) -> None:
    session.add(
        ReviewRow(
            incident_id=incident_id,
            action=action,
            reviewer=reviewer,
            at=now(),
            changes=changes,
            note=note,
        )
    )


def set_status(
    store: Store,
    knowledge: Knowledge,
    incident_id: int,
    status: ReviewStatus,
    user: User,
    *,
    note: str = "",
    signer: Signer | None = None,
) -> Incident:
    """Verify or reject an incident."""
    _require_reviewer(user)
    if status not in (ReviewStatus.VERIFIED, ReviewStatus.REJECTED):
        raise InputError("action", f"a review sets verified or rejected, not {status.value}")
    action = "verify" if status is ReviewStatus.VERIFIED else "reject"
    with store.session(
        f"review.{action}",
        subject=f"incident {incident_id}",
        details={"by": user.name},
        signer=signer,
    ) as s:
        incident, _ = _load(store, s, incident_id)
        old_status, old_verdict = incident.review_status.value, _verdict_view(incident)
        incident.review_status = status
        _judge(incident, knowledge)
        store.save_incident(s, incident)
        changes: dict[str, Any] = {"review_status": [old_status, status.value]}
        if _verdict_view(incident) != old_verdict:
            changes["verdict"] = [old_verdict, _verdict_view(incident)]
        _record(s, incident_id, action, user.name, changes, note)
    return incident


def merge(
    store: Store,
    knowledge: Knowledge,
    incident_id: int,
    into: int,
    user: User,
    *,
    note: str = "",
    signer: Signer | None = None,
) -> Incident:
    """Merge incident `incident_id` into `into`: one event reported twice. Its claims move over,
    the survivor is fused again from all of them and judged again; the merged one stays, marked
    merged, so links to it still lead somewhere."""
    _require_reviewer(user)
    if incident_id == into:
        raise InputError("into", "an incident cannot be merged into itself")
    details = {"by": user.name, "into": into}
    with store.session(
        "review.merge", subject=f"incident {incident_id}", details=details, signer=signer
    ) as s:
        gone, gone_row = _load(store, s, incident_id)
        survivor, _ = _load(store, s, into)
        claim_ids = survivor.claim_ids + gone.claim_ids
        claims = store.claims(ids=claim_ids)
        sources = store.sources({c.document_id for c in claims})
        merged = build_incident(claims, sources, existing=survivor)
        merged.verdict = survivor.verdict
        _judge(merged, knowledge)
        gone_row.review_status = ReviewStatus.MERGED.value
        gone_row.merged_into = into
        store.save_incident(s, merged)  # points all the claims at the survivor
        _record(s, incident_id, "merge", user.name, {"merged_into": [None, into]}, note)
        changes = {"absorbed": [None, incident_id]}
        if _verdict_view(merged) != _verdict_view(survivor):
            changes["verdict"] = [_verdict_view(survivor), _verdict_view(merged)]
        _record(s, into, "merge", user.name, changes, note)
    return merged


def _actors(knowledge: Knowledge, field: str, value: Any) -> list[ActorMention]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(field, "a list of actor ids")
    unknown = [v for v in value if v not in knowledge.actors]
    if unknown:
        raise InputError(field, f"unknown actor {unknown[0]!r}")
    return [ActorMention(actor=v, text=knowledge.actors.get(v).name) for v in value]


def _place(knowledge: Knowledge, value: Any) -> PlaceMention:
    if not isinstance(value, str) or value not in knowledge.gazetteer:
        raise InputError("place", f"{value!r} is not a place id of the gazetteer")
    p = knowledge.gazetteer.get(value)
    return PlaceMention(p.id, p.name, p.name, p.lat, p.lon, p.admin1, p.country, p.precision)


def _date(field: str, value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(field, f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _corrected(knowledge: Knowledge, incident: Incident, fields: Mapping[str, Any]) -> Incident:
    """The incident with the reviewer's values; every value checked against the registries."""
    unknown = set(fields) - set(CORRECTABLE)
    if unknown or not fields:
        raise InputError(
            "changes", f"correct some of {', '.join(CORRECTABLE)} (got {sorted(unknown) or 'none'})"
        )
    new = replace(incident)
    if "type" in fields:
        try:
            new.event_type = EventType(fields["type"])
        except ValueError as exc:
            raise InputError("type", f"{fields['type']!r} is not an event type") from exc
    for role in ("perpetrators", "targets"):
        if role in fields:
            setattr(new, role, _actors(knowledge, role, fields[role]))
    if "place" in fields:
        new.place = _place(knowledge, fields["place"])
    if "date_from" in fields:
        new.date_from = _date("date_from", fields["date_from"])
    if "date_to" in fields:
        new.date_to = _date("date_to", fields["date_to"])
    if new.date_from and new.date_to and new.date_from > new.date_to:
        raise InputError("date_to", "ends before date_from")
    new.corrected = tuple(sorted({*incident.corrected, *(CORRECTED_FIELDS[f] for f in fields)}))
    new.summary = summarise(new)
    return new


def _view(incident: Incident, field: str) -> Any:
    if field == "type":
        return incident.event_type.value
    if field in ("perpetrators", "targets"):
        return [m.actor or m.text for m in getattr(incident, field)]
    if field == "place":
        return incident.place.place or incident.place.text if incident.place else None
    value = getattr(incident, field)
    return value.isoformat() if value else None


def correct(
    store: Store,
    knowledge: Knowledge,
    incident_id: int,
    fields: Mapping[str, Any],
    user: User,
    *,
    note: str = "",
    signer: Signer | None = None,
) -> Incident:
    """Correct the incident's type, actors, place or dates (`CORRECTABLE`), and judge it again."""
    _require_reviewer(user)
    details = {"by": user.name, "fields": sorted(fields)}
    with store.session(
        "review.correct", subject=f"incident {incident_id}", details=details, signer=signer
    ) as s:
        incident, _ = _load(store, s, incident_id)
        new = _corrected(knowledge, incident, fields)
        _judge(new, knowledge)
        store.save_incident(s, new)
        changes = {f: [_view(incident, f), _view(new, f)] for f in fields}
        if _verdict_view(new) != _verdict_view(incident):
            changes["verdict"] = [_verdict_view(incident), _verdict_view(new)]
        _record(s, incident_id, "correct", user.name, changes, note)
    return new


def respond(
    store: Store,
    incident_id: int,
    user: User,
    kind: str,
    text: str,
    *,
    signer: Signer | None = None,
) -> Response:
    """A party's answer to an incident attributed to it; the verdict becomes disputed."""
    if user.role != "party" or not user.party:
        raise NotAllowed(f"{user.name} ({user.role}) does not speak for a party")
    if kind not in RESPONSE_KINDS:
        raise InputError("kind", f"{kind!r} is not one of {', '.join(RESPONSE_KINDS)}")
    text = text.strip()
    if not text or len(text) > MAX_RESPONSE:
        raise InputError("text", f"a response is 1 to {MAX_RESPONSE} characters")
    details = {"by": user.name, "party": user.party, "kind": kind}
    with store.session(
        "response.file", subject=f"incident {incident_id}", details=details, signer=signer
    ) as s:
        incident, _ = _load(store, s, incident_id)
        verdict_row = s.get(VerdictRow, incident_id)
        if incident.verdict is None or incident.verdict.violator != user.party or not verdict_row:
            raise NotAllowed(f"incident {incident_id} is not attributed to {user.party}")
        row = ResponseRow(
            incident_id=incident_id,
            party=user.party,
            kind=kind,
            text=text,
            author=user.name,
            at=now(),
        )
        s.add(row)
        verdict_row.disputed = True
        s.flush()
        return Response(row.id, incident_id, row.party, kind, text, user.name, row.at)


def history(store: Store, incident_id: int) -> list[ReviewEntry]:
    """The review actions on an incident, oldest first."""
    query = select(ReviewRow).where(ReviewRow.incident_id == incident_id).order_by(ReviewRow.id)
    with store.session() as s:
        return [
            ReviewEntry(r.incident_id, r.action, r.reviewer, r.at, dict(r.changes), r.note)
            for r in s.scalars(query)
        ]


def responses(store: Store, incident_id: int) -> list[Response]:
    """The parties' answers to an incident, oldest first."""
    query = select(ResponseRow).where(ResponseRow.incident_id == incident_id)
    with store.session() as s:
        return [
            Response(r.id, r.incident_id, r.party, r.kind, r.text, r.author, r.at)
            for r in s.scalars(query.order_by(ResponseRow.id))
        ]


def as_json(item: ReviewEntry | Response) -> dict[str, Any]:
    data = asdict(item)
    data["at"] = item.at.isoformat(timespec="seconds")
    return data
