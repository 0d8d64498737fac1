"""Signed positions: a party's acceptance of an agreement version, and its responses.

A party's representative accepts an agreement version by signing a statement with their own key
(`ceasefire.keys`: only their password opens it). The statement is canonical JSON naming the
agreement, the version, the SHA-256 of the agreement text as stored, the party, the signer, their
key and the time; the signature covers exactly those bytes, so anyone with the signer's public key
can check it, and an acceptance cannot be carried over to a text the party never saw. Storing it
is an audited write signed with the same key, so `ceasefire log verify` also names an edited one.

A response to an incident is signed through the log: the event that stored it is signed by whoever
filed it and pins the row's digest. `response_signatures` reads that event back and checks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceasefire import audit
from ceasefire.actors import ActorRegistry
from ceasefire.agreement import load_agreement
from ceasefire.errors import InputError
from ceasefire.keys import Signer, verify_signature
from ceasefire.review import NotAllowed
from ceasefire.store import AcceptanceRow, AgreementRow, ResponseRow, Store, now
from ceasefire.users import find_user

ACCEPTANCE = "ceasefire-acceptance-1"  # in every statement, so a later format cannot pass for it
RESPONSES = ResponseRow.__tablename__


@dataclass(frozen=True)
class Signature:
    """Who signed a stored position and whether the signature still covers it (problem None:
    it verifies)."""

    signer: str
    key_id: str
    at: str
    problem: str | None

    @property
    def verifies(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Acceptance(Signature):
    """A stored acceptance, as its signed statement tells it."""

    id: int
    agreement_id: str
    version: str
    party: str


def text_hash(source: str) -> str:
    """The SHA-256 of an agreement's text as stored: what an acceptance commits to."""
    return audit.sha256(source.encode("utf-8"))


def accept(
    store: Store, signer: Signer, *, party: str | None = None, version: str | None = None
) -> Acceptance:
    """Sign the acceptance of an agreement version (the active one unless `version` names
    another of the same agreement) for the signer's own party."""
    user = find_user(store, signer.name)
    if user is None or not user.active or user.key_id != signer.key_id:
        raise NotAllowed(f"{signer.name} is not an active user signing with their own key")
    if user.role != "party" or not user.party:
        raise NotAllowed(f"{user.name} ({user.role}) does not speak for a party")
    party = party or user.party
    if party != user.party:
        raise NotAllowed(f"{user.name} speaks for {user.party}, not for {party}")
    with store.session() as s:
        agreement = _agreement(s, version)
    where = f"{agreement.id}@{agreement.version}"
    parsed = load_agreement(
        Path(f"{store.url}#agreement"), ActorRegistry(store.actors()), text=agreement.source
    )
    if party not in {p.id for p in parsed.parties}:
        raise NotAllowed(f"{party} is not a party to {where}")
    digest = text_hash(agreement.source)
    details = {"by": user.name, "party": party, "agreement_sha256": digest}
    with store.session("agreement.accept", subject=where, details=details, signer=signer) as s:
        now_stored = s.get(AgreementRow, (agreement.id, agreement.version))
        if now_stored is None or text_hash(now_stored.source) != digest:
            raise InputError(where, "the agreement changed while it was being accepted; try again")
        earlier = s.scalars(
            select(AcceptanceRow).where(
                AcceptanceRow.agreement_id == agreement.id,
                AcceptanceRow.version == agreement.version,
                AcceptanceRow.agreement_sha256 == digest,
                AcceptanceRow.party == party,
            )
        ).first()
        if earlier is not None:
            raise InputError(where, f"{party} has already accepted it (signed by {earlier.signer})")
        statement = audit.canonical(
            {
                "statement": ACCEPTANCE,
                "agreement": agreement.id,
                "version": agreement.version,
                "agreement_sha256": digest,
                "party": party,
                "signer": signer.name,
                "key": signer.key_id,
                "at": now().isoformat(timespec="seconds"),
            }
        )
        row = AcceptanceRow(
            agreement_id=agreement.id,
            version=agreement.version,
            agreement_sha256=digest,
            party=party,
            signer=signer.name,
            key_id=signer.key_id,
            statement=statement.decode(),
            signature=signer.sign(statement),
        )
        s.add(row)
        s.flush()
    return _acceptance(row, store.signing_keys(), {(agreement.id, agreement.version): digest})


def _agreement(session: Session, version: str | None) -> AgreementRow:
    active = session.scalars(select(AgreementRow).where(AgreementRow.active)).first()
    if active is None:
        raise InputError("agreement", "store has no agreement; run `ceasefire init` first")
    if version is None or version == active.version:
        return active
    other = session.get(AgreementRow, (active.id, version))
    if other is None:
        raise InputError("--version", f"no version {version!r} of agreement {active.id}")
    return other


def acceptances(store: Store, agreement_id: str, version: str) -> list[Acceptance]:
    """Every acceptance of one agreement version, oldest first, each verified."""
    query = (
        select(AcceptanceRow)
        .where(AcceptanceRow.agreement_id == agreement_id, AcceptanceRow.version == version)
        .order_by(AcceptanceRow.id)
    )
    with store.session() as s:
        rows = list(s.scalars(query))
        sources = {
            (r.id, r.version): text_hash(r.source)
            for r in s.scalars(select(AgreementRow).where(AgreementRow.id == agreement_id))
        }
    keys = store.signing_keys()
    return [_acceptance(r, keys, sources) for r in rows]


def _acceptance(
    row: AcceptanceRow,
    keys: dict[str, audit.PublicKey],
    sources: dict[tuple[str, str], str],
) -> Acceptance:
    try:
        statement = json.loads(row.statement)
        at = str(statement.get("at", ""))
    except (TypeError, ValueError, AttributeError):
        statement, at = None, ""
    return Acceptance(
        signer=row.signer,
        key_id=row.key_id,
        at=at,
        problem=_acceptance_problem(row, statement, keys, sources),
        id=row.id,
        agreement_id=row.agreement_id,
        version=row.version,
        party=row.party,
    )


def _acceptance_problem(
    row: AcceptanceRow,
    statement: Any,
    keys: dict[str, audit.PublicKey],
    sources: dict[tuple[str, str], str],
) -> str | None:
    if not isinstance(statement, dict) or audit.canonical(statement).decode() != row.statement:
        return "the statement cannot be read"
    stored = {
        "statement": ACCEPTANCE,
        "agreement": row.agreement_id,
        "version": row.version,
        "agreement_sha256": row.agreement_sha256,
        "party": row.party,
        "signer": row.signer,
        "key": row.key_id,
    }
    if any(statement.get(field) != value for field, value in stored.items()):
        return "the stored fields differ from the signed statement"
    key = keys.get(row.key_id)
    if key is None:
        return f"signed with an unknown key {row.key_id:.16}"
    if key.owner != row.signer:
        return f"signed with {key.owner}'s key, not {row.signer}'s"
    if not verify_signature(key.public_key, bytes(row.signature), row.statement.encode()):
        return "the signature does not verify"
    current = sources.get((row.agreement_id, row.version))
    if current is None:
        return "the agreement version is no longer stored"
    if current != row.agreement_sha256:
        return "the agreement text changed after it was accepted"
    return None


def response_signatures(store: Store, incident_id: int) -> dict[int, Signature]:
    """Response id -> who signed the event that filed it, and whether that event and the row as
    stored now still agree. A response without such an event is missing from the result."""
    with store.session() as s:
        ids = {
            str(i)
            for i in s.scalars(select(ResponseRow.id).where(ResponseRow.incident_id == incident_id))
        }
    if not ids:
        return {}
    current = {key: digest for key, digest in store.row_digests(RESPONSES) if key in ids}
    keys = store.signing_keys()
    found: dict[int, Signature] = {}
    for event in store.events(action="response.file", subject=f"incident {incident_id}"):
        try:
            rows = json.loads(event.changes).get(RESPONSES, {})
        except (TypeError, ValueError, AttributeError):
            continue
        for key, digest in rows.items():
            if key not in ids:
                continue
            problem = audit.event_problem(event, keys)
            if problem is None and current.get(key) != digest:
                problem = "the response was changed after it was signed"
            found[int(key)] = Signature(event.actor, event.key_id, event.at, problem)
    return found
