"""The agreement being monitored, and which side of it each actor stands on.

Sides are not a property of an actor: they come from the agreement's designations (party
membership, exclusion, guarantee), each with its basis and date, and are inherited down the actor
registry's parent chain. Keeping them in the agreement file makes the line between parties and
excluded groups a record a reviewer can read and amend.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.errors import InputError
from ceasefire.model import ActorKind, Agreement, Clause, Designation, EventType, Guarantor, Party
from ceasefire.yamlfile import line_of, load_yaml, read_yaml

BUNDLED_AGREEMENT = Path(__file__).parent / "data" / "agreements" / "syria-2016-12.yaml"

# Sides that are not parties. A party id may not take one of these names.
GUARANTOR = "guarantor"
EXCLUDED = "excluded"
OTHER = "other"
UNKNOWN = "unknown"

Loc = tuple[str | int, ...]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _DesignationEntry(_Entry):
    actor: str
    basis: str = Field(min_length=1)
    since: date | None = None


class _PartyEntry(_Entry):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    members: list[_DesignationEntry] = Field(min_length=1)


class _GuarantorEntry(_Entry):
    actor: str
    answers_for: str | None = None


class _ClauseEntry(_Entry):
    id: str = Field(min_length=1)
    kind: Literal["prohibited", "permitted", "scope", "period"]
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    acts: list[EventType] = []


class _AgreementFile(_Entry):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    signed: date
    effective_from: AwareDatetime
    effective_until: AwareDatetime | None = None
    territory: list[CountryCode] = Field(min_length=1)
    parties: list[_PartyEntry] = Field(min_length=1)
    guarantors: list[_GuarantorEntry] = []
    excluded: list[_DesignationEntry] = []
    clauses: list[_ClauseEntry] = Field(min_length=1)


def load_agreement(
    path: Path | None = None, actors: ActorRegistry | None = None, *, text: str | None = None
) -> Agreement:
    """Read an agreement file (the bundled one by default), checked against the actor registry.

    `text`, when given, is the file's content as stored, and `path` only names it in errors.
    """
    path = path or BUNDLED_AGREEMENT
    actors = actors if actors is not None else load_actors()
    doc = load_yaml(path, _AgreementFile, text)
    problem = _first_problem(doc, actors)
    if problem is not None:
        loc, message = problem
        _, node = read_yaml(path, text)
        raise InputError(path, message, line_of(node, loc) if node is not None else None)
    return Agreement(
        id=doc.id,
        version=doc.version,
        title=doc.title,
        signed=doc.signed,
        effective_from=doc.effective_from,
        effective_until=doc.effective_until,
        territory=tuple(doc.territory),
        parties=tuple(
            Party(p.id, p.name, tuple(_designation(m) for m in p.members)) for p in doc.parties
        ),
        guarantors=tuple(Guarantor(g.actor, g.answers_for) for g in doc.guarantors),
        excluded=tuple(_designation(d) for d in doc.excluded),
        clauses=tuple(Clause(c.id, c.title, c.text, c.kind, tuple(c.acts)) for c in doc.clauses),
    )


def _designation(entry: _DesignationEntry) -> Designation:
    return Designation(entry.actor, " ".join(entry.basis.split()), entry.since)


def _first_problem(doc: _AgreementFile, actors: ActorRegistry) -> tuple[Loc, str] | None:
    """The location and text of the first inconsistency, within the file or with the registry."""
    if doc.effective_until is not None and doc.effective_until <= doc.effective_from:
        return ("effective_until",), "effective_until must be after effective_from"
    clause_ids: set[str] = set()
    for i, clause in enumerate(doc.clauses):
        if clause.id in clause_ids:
            return ("clauses", i, "id"), f"duplicate clause id {clause.id!r}"
        clause_ids.add(clause.id)
        if clause.kind == "prohibited" and not clause.acts:
            return ("clauses", i, "kind"), "a prohibited clause must list the acts it prohibits"
        if clause.kind != "prohibited" and clause.acts:
            return ("clauses", i, "acts"), "only prohibited clauses list acts"
    party_ids: set[str] = set()
    party_of: dict[str, str] = {}
    for i, party in enumerate(doc.parties):
        if party.id in party_ids | {GUARANTOR, EXCLUDED, OTHER, UNKNOWN}:
            return ("parties", i, "id"), f"party id {party.id!r} is reserved or already used"
        party_ids.add(party.id)
        for j, member in enumerate(party.members):
            loc: Loc = ("parties", i, "members", j, "actor")
            if member.actor not in actors:
                return loc, f"unknown actor {member.actor!r}"
            if member.actor in party_of:
                return loc, f"{member.actor!r} is already a member of {party_of[member.actor]!r}"
            party_of[member.actor] = party.id
    excluded: set[str] = set()
    for i, entry in enumerate(doc.excluded):
        if entry.actor not in actors:
            return ("excluded", i, "actor"), f"unknown actor {entry.actor!r}"
        if entry.actor in excluded:
            return ("excluded", i, "actor"), f"{entry.actor!r} is already excluded"
        excluded.add(entry.actor)
    guarantors: set[str] = set()
    for i, guarantor in enumerate(doc.guarantors):
        if guarantor.actor not in actors:
            return ("guarantors", i, "actor"), f"unknown actor {guarantor.actor!r}"
        if guarantor.actor in guarantors | excluded | party_of.keys():
            return ("guarantors", i, "actor"), f"{guarantor.actor!r} is already designated"
        guarantors.add(guarantor.actor)
        if guarantor.answers_for is not None and guarantor.answers_for not in party_ids:
            return ("guarantors", i, "answers_for"), f"unknown party {guarantor.answers_for!r}"
    return None


def clause_of_kind(agreement: Agreement, kind: str) -> Clause | None:
    """The first clause of a kind ("scope", "period", "permitted"), the one a verdict cites."""
    return next((c for c in agreement.clauses if c.kind == kind), None)


def prohibiting(agreement: Agreement, act: EventType) -> Clause | None:
    """The first clause that prohibits an act, if any does."""
    return next((c for c in agreement.clauses if c.kind == "prohibited" and act in c.acts), None)


class Sides:
    """Each actor's side under an agreement, decided by its nearest designation.

    The actor's own designations are looked at first, then its parent's, and so on, so a unit
    follows its force unless it is designated itself. At one level an exclusion beats a party
    membership: a group that joined an excluded coalition is excluded from that date on.
    Passing `on` (the date of the act) ignores designations that only begin later.
    """

    def __init__(self, agreement: Agreement, actors: ActorRegistry) -> None:
        self.agreement = agreement
        self.actors = actors
        self._party_ids = {party.id for party in agreement.parties}
        self._answers_for = {g.actor: g.answers_for for g in agreement.guarantors}
        self._records: dict[str, list[tuple[str, Designation]]] = defaultdict(list)
        for party in agreement.parties:
            for member in party.members:
                self._records[member.actor].append((party.id, member))
        for entry in agreement.excluded:
            self._records[entry.actor].append((EXCLUDED, entry))
        for guarantor in agreement.guarantors:
            basis = f"Guarantor of the agreement {agreement.id}"
            if guarantor.answers_for:
                basis += f", answering for the {guarantor.answers_for} side"
            record = Designation(guarantor.actor, basis, agreement.signed)
            self._records[guarantor.actor].append((GUARANTOR, record))

    def _identified(self, actor_id: str | None) -> bool:
        return (
            actor_id is not None
            and actor_id in self.actors
            and self.actors.get(actor_id).kind is not ActorKind.UNIDENTIFIED
        )

    def _decide(self, actor_id: str | None, on: date | None) -> tuple[str, Designation] | None:
        if actor_id is None or not self._identified(actor_id):
            return None
        for ancestor in self.actors.lineage(actor_id):
            current = [
                (side, record)
                for side, record in self._records.get(ancestor, ())
                if on is None or record.since is None or record.since <= on
            ]
            if current:
                return min(current, key=lambda found: found[0] != EXCLUDED)
        return None

    def side(self, actor_id: str | None, on: date | None = None) -> str:
        """A party id, "guarantor", "excluded", "other" (known, no designation) or "unknown"."""
        if not self._identified(actor_id):
            return UNKNOWN
        decided = self._decide(actor_id, on)
        return decided[0] if decided else OTHER

    def party(self, actor_id: str | None, on: date | None = None) -> str | None:
        """The party the actor's acts count for: a guarantor's count for the one it answers for."""
        decided = self._decide(actor_id, on)
        if decided is None:
            return None
        side, record = decided
        if side == GUARANTOR:
            return self._answers_for[record.actor]
        return side if side in self._party_ids else None

    def designation(self, actor_id: str | None, on: date | None = None) -> Designation | None:
        """The record that decided the actor's side, for explanations."""
        decided = self._decide(actor_id, on)
        return decided[1] if decided else None
