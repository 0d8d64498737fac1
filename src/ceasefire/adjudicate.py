"""Apply an agreement to an incident: a verdict, the clause it rests on and a readable sentence.

The rules run in a fixed order and the first that decides wins: territory, dates, excluded
perpetrators, unidentified perpetrators, excluded targets, prohibited acts, and last the acts of
non-parties or acts no clause prohibits. Which acts are prohibited, and by which clause, is read
from the agreement, so amending the agreement file changes the verdicts without code changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ceasefire.agreement import (
    EXCLUDED,
    GUARANTOR,
    OTHER,
    UNKNOWN,
    Sides,
    clause_of_kind,
    prohibiting,
)
from ceasefire.model import (
    ActorKind,
    ActorMention,
    Agreement,
    Clause,
    EventType,
    Incident,
    Reason,
    Verdict,
    VerdictStatus,
)

_ACTS = {
    EventType.AIRSTRIKE: "an airstrike",
    EventType.SHELLING: "shelling",
    EventType.GROUND_ATTACK: "a ground attack",
    EventType.CLASH: "a clash",
    EventType.BOMBING: "a bombing",
    EventType.SIEGE: "a siege",
    EventType.TERRITORY_SEIZURE: "a seizure of territory",
    EventType.ATTACK_ON_CIVILIANS: "an attack on civilians",
    EventType.HUMANITARIAN_OBSTRUCTION: "an obstruction of humanitarian access",
    EventType.OTHER: "an action",
}


@dataclass(frozen=True)
class _Participant:
    """An actor of the incident as the agreement sees it."""

    label: str  # how the explanation names it
    side: str
    party: str | None  # the party its acts count for
    civilian: bool


@dataclass(frozen=True)
class _Case:
    incident: Incident
    agreement: Agreement
    perpetrators: tuple[_Participant, ...]
    targets: tuple[_Participant, ...]

    @property
    def clash(self) -> bool:
        return self.incident.event_type is EventType.CLASH

    @property
    def ground_combat(self) -> bool:
        """Acts where armed forces meet on the ground: a clash, a ground attack, a seizure."""
        return self.incident.event_type in _GROUND_COMBAT

    @property
    def needs_counterpart(self) -> bool:
        """Ground combat is fought between two armed forces: a clash, an assault on positions,
        a seizure of ground, which is taken from whoever held it. Without that counterpart it
        cannot be said whether the act was the permitted fight against an excluded group."""
        return self.ground_combat

    def parties(self) -> list[str]:
        """The parties the perpetrators act for, in order of mention."""
        return list(dict.fromkeys(p.party for p in self.perpetrators if p.party))


def adjudicate(incident: Incident, agreement: Agreement, sides: Sides) -> Verdict:
    """The verdict on one incident under one version of an agreement."""
    case = _case(incident, agreement, sides)
    for rule in _RULES:
        verdict = rule(case)
        if verdict is not None:
            return verdict
    return _no_party_act(case)


def rejudge(incident: Incident, agreement: Agreement, sides: Sides) -> Verdict:
    """The verdict afresh after new evidence or a review; a party's dispute stands until a
    monitor answers it, whatever else changed."""
    verdict = adjudicate(incident, agreement, sides)
    return replace(verdict, disputed=bool(incident.verdict and incident.verdict.disputed))


def _case(incident: Incident, agreement: Agreement, sides: Sides) -> _Case:
    on = incident.date_to or incident.date_from
    perpetrators = tuple(_participant(m, sides, on) for m in incident.perpetrators)
    targets = tuple(_participant(m, sides, on) for m in incident.targets)
    if incident.event_type is EventType.CLASH and all(
        t.side == UNKNOWN or t.civilian for t in targets
    ):
        ours, theirs = _opponents(perpetrators)
        perpetrators, targets = ours, (*theirs, *targets)
    if incident.event_type is EventType.CLASH and _should_swap(perpetrators, targets):
        # In a clash both sides fight: who is listed as perpetrator says nothing about who
        # started it, so put the side that can be attributed first.
        perpetrators, targets = targets, perpetrators
    return _Case(incident, agreement, perpetrators, targets)


def _opponents(
    participants: tuple[_Participant, ...],
) -> tuple[tuple[_Participant, ...], tuple[_Participant, ...]]:
    """ "Regime forces and IS clashed", "fighting between X and Y" misread: a clash is fought
    between two sides, so when the report names no identified force as target (at most
    "gunmen", "unidentified warplanes" overhead or civilians caught in it), participants of
    different sides are opponents rather than allies."""
    camps = [p.party or p.side for p in participants if p.side != UNKNOWN]
    if len(set(camps)) < 2:
        return participants, ()
    first = camps[0]
    ours = tuple(p for p in participants if p.side == UNKNOWN or (p.party or p.side) == first)
    return ours, tuple(p for p in participants if p not in ours)


def _should_swap(perpetrators: Sequence[_Participant], targets: Sequence[_Participant]) -> bool:
    if any(p.party for p in perpetrators):
        return False
    if any(t.party for t in targets):
        return True
    return all(p.side == UNKNOWN for p in perpetrators) and any(t.side != UNKNOWN for t in targets)


def _participant(mention: ActorMention, sides: Sides, on: date | None) -> _Participant:
    side = sides.side(mention.actor, on)
    party = sides.party(mention.actor, on)
    actor = sides.actors.get(mention.actor) if mention.actor in sides.actors else None
    civilian = actor is not None and actor.kind is ActorKind.CIVILIANS
    if actor is None:
        label = f'"{mention.text}" (not identified)'
    elif civilian:
        label = mention.text  # "residents", "a family": the report's own words read best
    elif side == UNKNOWN:
        label = actor.name.lower()  # a registered "unidentified ..." actor
    elif side == EXCLUDED:
        label = f"{actor.name} (excluded from the ceasefire)"
    elif side == GUARANTOR:
        answers = f" answering for the {party} side" if party else ""
        label = f"{actor.name} (guarantor{answers})"
    elif side == OTHER:
        label = f"{actor.name} (not a party)"
    else:
        label = f"{actor.name} (party: {side})"
    return _Participant(label, side, party, civilian)


_GROUND_COMBAT = (EventType.CLASH, EventType.GROUND_ATTACK, EventType.TERRITORY_SEIZURE)


# --- the rules, in order ------------------------------------------------------------------------


def _outside_territory(case: _Case) -> Verdict | None:
    place = case.incident.place
    territory = case.agreement.territory
    if place is None or place.country is None or place.country in territory:
        return None
    return _verdict(
        case,
        VerdictStatus.NOT_A_VIOLATION,
        Reason.OUTSIDE_TERRITORY,
        clause_of_kind(case.agreement, "scope"),
        f"{place.country} is outside the territory the agreement covers ({', '.join(territory)})",
    )


def _outside_period(case: _Case) -> Verdict | None:
    incident, agreement = case.incident, case.agreement
    clause = clause_of_kind(agreement, "period")
    last = incident.date_to or incident.date_from
    first = incident.date_from or incident.date_to
    start = agreement.effective_from
    if last is not None and last < start.date():
        when = start.isoformat(timespec="minutes")
        return _verdict(
            case,
            VerdictStatus.NOT_A_VIOLATION,
            Reason.BEFORE_EFFECTIVE_DATE,
            clause,
            f"that was before the ceasefire took effect on {when}",
        )
    end = agreement.effective_until
    if end is not None and first is not None and first > end.date():
        return _verdict(
            case,
            VerdictStatus.NOT_A_VIOLATION,
            Reason.AFTER_EFFECTIVE_UNTIL,
            clause,
            f"that was after the ceasefire ended on {end:%Y-%m-%d}",
        )
    return None


def _led_by_excluded(participants: Sequence[_Participant]) -> bool:
    """Whether the first force a report names on a side is an excluded group: "JFS and rebel
    factions attacked" is a JFS operation that rebels join, while "rebels backed by JFS" is the
    rebels' own, which JFS only supports."""
    named = [p for p in participants if p.side != UNKNOWN and not p.civilian]
    return bool(named) and named[0].side == EXCLUDED


def _only_excluded(participants: Sequence[_Participant]) -> bool:
    named = [p for p in participants if p.side != UNKNOWN]
    return bool(named) and all(p.side == EXCLUDED for p in named)


def _only_armed_non_parties(participants: Sequence[_Participant]) -> bool:
    return bool(participants) and all(
        p.side != UNKNOWN and not p.party and not p.civilian for p in participants
    )


def _excluded_perpetrator(case: _Case) -> Verdict | None:
    if not any(p.side == EXCLUDED for p in case.perpetrators):
        return None
    clause = clause_of_kind(case.agreement, "permitted")
    if case.parties() and _only_excluded(case.targets):
        return _against_excluded(case)  # rebels and JFS fighting IS: no party is attacked
    if case.parties() and _only_armed_non_parties(case.targets):
        # rebels and JFS fighting the SDF: whoever of them did it, no party was attacked
        return _non_party_target(case)
    joint = case.clash or (case.ground_combat and not _led_by_excluded(case.perpetrators))
    if joint and case.parties() and any(t.party for t in case.targets):
        return _against_joint_force(case)
    if case.parties() and not _led_by_excluded(case.perpetrators):
        return _verdict(
            case,
            VerdictStatus.UNDETERMINED,
            Reason.JOINT_WITH_EXCLUDED,
            clause,
            "a party acted together with a group excluded from the ceasefire, so whether the "
            "act breaches it cannot be decided without knowing who did what",
        )
    return _verdict(
        case,
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_ACTOR,
        clause,
        "the ceasefire does not bind groups excluded from it, so their acts are not violations",
    )


def _unidentified_perpetrator(case: _Case) -> Verdict | None:
    if any(p.side != UNKNOWN for p in case.perpetrators):
        return None
    targets = case.targets
    if any(t.side == EXCLUDED for t in targets) and not any(t.party for t in targets):
        return _against_excluded(case)
    return _verdict(
        case,
        VerdictStatus.UNDETERMINED,
        Reason.UNKNOWN_PERPETRATOR,
        prohibiting(case.agreement, case.incident.event_type),
        "the perpetrator is not identified, so the act cannot be attributed to a party",
    )


def _excluded_target(case: _Case) -> Verdict | None:
    if not case.parties() or not any(t.side == EXCLUDED for t in case.targets):
        return None
    if case.ground_combat:
        return _against_joint_force(case)
    if any(t.party for t in case.targets) and not _led_by_excluded(case.targets):
        return _verdict(
            case,
            VerdictStatus.UNDETERMINED,
            Reason.JOINT_WITH_EXCLUDED,
            clause_of_kind(case.agreement, "permitted"),
            "the target was a party fighting together with a group excluded from the ceasefire, "
            "and operations against the excluded group are permitted",
        )
    return _against_excluded(case)


def _against_joint_force(case: _Case) -> Verdict:
    """A battle on the ground (a clash, an assault, the taking of a position) in which one side
    fights alongside an excluded group: the agreement binds the opposition to separate from
    those groups, and a force that fights as one with them is fought as one, so the fighting is
    read as the permitted fight against the excluded group. Acts from a distance (a strike or
    shelling of a mixed target or by a mixed force) stay undetermined: there, who was aimed at,
    or who fired, still matters."""
    return _verdict(
        case,
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
        clause_of_kind(case.agreement, "permitted"),
        "one side of the fighting fought alongside a group excluded from the ceasefire, and "
        "fighting against excluded groups is permitted",
    )


def _against_excluded(case: _Case) -> Verdict:
    return _verdict(
        case,
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
        clause_of_kind(case.agreement, "permitted"),
        "operations against groups excluded from the ceasefire are permitted",
    )


def _prohibited_act(case: _Case) -> Verdict | None:
    clause = prohibiting(case.agreement, case.incident.event_type)
    parties = case.parties()
    if clause is None or not parties:
        return None
    finding = f"a prohibited act under clause {clause.id} ({clause.title})"
    unsettled = f"{finding}; which side started it is not established"
    if len(parties) > 1:
        return _violation(case, clause, None, unsettled)
    party = parties[0]
    targets = case.targets
    opposing = any(t.party and t.party != party for t in targets)
    if case.clash and opposing:
        return _violation(case, clause, None, unsettled)
    if opposing or any(t.civilian for t in targets):
        return _violation(case, clause, party, finding)
    if all(t.side == UNKNOWN for t in targets):
        if case.needs_counterpart:
            act = _ACTS[case.incident.event_type]
            return _verdict(
                case,
                VerdictStatus.UNDETERMINED,
                Reason.UNKNOWN_PERPETRATOR,
                clause,
                f"the other side of {act} is not identified, so it cannot be attributed",
            )
        return _violation(case, clause, party, finding)
    return None


def _no_party_act(case: _Case) -> Verdict:
    """What is left: no party acted, nothing prohibits the act, or a party hit a non-party."""
    parties = case.parties()
    if not parties:
        finding = "no party to the agreement is among the perpetrators"
        return _verdict(case, VerdictStatus.NOT_A_VIOLATION, Reason.NON_PARTY_ACTOR, None, finding)
    if prohibiting(case.agreement, case.incident.event_type) is None:
        finding = "no clause of the agreement prohibits this kind of act"
        return _verdict(case, VerdictStatus.NOT_A_VIOLATION, Reason.NOT_PROHIBITED, None, finding)
    identified = [t for t in case.targets if t.side != UNKNOWN]
    if identified and all(t.party == parties[0] for t in identified):
        finding = "the agreement does not cover fighting within one side"
        return _verdict(case, VerdictStatus.NOT_A_VIOLATION, Reason.NOT_PROHIBITED, None, finding)
    return _non_party_target(case)


def _non_party_target(case: _Case) -> Verdict:
    finding = "the target is not a party to the agreement"
    return _verdict(case, VerdictStatus.NOT_A_VIOLATION, Reason.NON_PARTY_ACTOR, None, finding)


_RULES: tuple[Callable[[_Case], Verdict | None], ...] = (
    _outside_territory,
    _outside_period,
    _excluded_perpetrator,
    _unidentified_perpetrator,
    _excluded_target,
    _prohibited_act,
)


# --- verdicts and their sentence ----------------------------------------------------------------


def _violation(case: _Case, clause: Clause, violator: str | None, finding: str) -> Verdict:
    return _verdict(
        case, VerdictStatus.VIOLATION, Reason.PROHIBITED_ACT_BY_PARTY, clause, finding, violator
    )


def _verdict(
    case: _Case,
    status: VerdictStatus,
    reason: Reason,
    clause: Clause | None,
    finding: str,
    violator: str | None = None,
) -> Verdict:
    if clause is not None and status is not VerdictStatus.VIOLATION:
        finding += f" (clause {clause.id}, {clause.title})"
    sentence = f"{_what_happened(case)}: {finding}."
    return Verdict(
        status=status,
        reason=reason,
        clause=clause.id if clause else None,
        explanation=sentence[0].upper() + sentence[1:],
        agreement_version=case.agreement.version,
        violator=violator,
    )


def _what_happened(case: _Case) -> str:
    incident = case.incident
    where = ""
    if incident.place is not None:
        where = f" in {incident.place.name or incident.place.text}"
    when = _dates(incident.date_from, incident.date_to)
    perpetrators = _join([p.label for p in case.perpetrators])
    targets = _join([t.label for t in case.targets])
    if case.clash and perpetrators and targets:
        return f"{perpetrators} clashed with {targets}{where}{when}"
    who = perpetrators or "unidentified perpetrators"
    act = _ACTS[incident.event_type]
    if targets:
        act = "an attack" if incident.event_type is EventType.ATTACK_ON_CIVILIANS else act
        act += f" against {targets}"
    return f"{who} carried out {act}{where}{when}"


def _dates(first: date | None, last: date | None) -> str:
    if first and last and first != last:
        return f" between {first.isoformat()} and {last.isoformat()}"
    day = first or last
    return f" on {day.isoformat()}" if day else ""


def _join(labels: list[str]) -> str:
    unique = list(dict.fromkeys(labels))
    if len(unique) < 2:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} and {unique[-1]}"
