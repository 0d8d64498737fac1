"""One test per adjudication rule, on incidents built by hand, against the bundled agreement."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.adjudicate import adjudicate
from ceasefire.agreement import Sides, load_agreement
from ceasefire.model import (
    ActorMention,
    Agreement,
    DatePrecision,
    EventType,
    Incident,
    PlaceMention,
    Reason,
    Verdict,
    VerdictStatus,
)

DAY = date(2017, 1, 10)


@pytest.fixture(scope="module")
def actors() -> ActorRegistry:
    return load_actors()


@pytest.fixture(scope="module")
def agreement(actors: ActorRegistry) -> Agreement:
    return load_agreement(actors=actors)


@pytest.fixture(scope="module")
def sides(agreement: Agreement, actors: ActorRegistry) -> Sides:
    return Sides(agreement, actors)


def mention(actor: str | ActorMention) -> ActorMention:
    return actor if isinstance(actor, ActorMention) else ActorMention(actor, actor)


def incident(
    event: EventType,
    perpetrators: tuple[str | ActorMention, ...] = (),
    targets: tuple[str | ActorMention, ...] = (),
    *,
    place: str = "Kafr Nabl",
    country: str = "SY",
    first: date = DAY,
    last: date | None = None,
) -> Incident:
    return Incident(
        event_type=event,
        claim_ids=[1],
        perpetrators=[mention(a) for a in perpetrators],
        targets=[mention(a) for a in targets],
        place=PlaceMention(None, place, name=place, country=country),
        date_from=first,
        date_to=last or first,
        date_precision=DatePrecision.DAY,
        fatalities_min=None,
        fatalities_max=None,
        independent_sources=1,
        confidence=0.8,
        summary="",
    )


def clause_id(agreement: Agreement, kind: str, act: EventType | None = None) -> str:
    return next(
        c.id for c in agreement.clauses if c.kind == kind and (act is None or act in c.acts)
    )


def judge(agreement: Agreement, sides: Sides, *args: object, **kwargs: object) -> Verdict:
    verdict = adjudicate(incident(*args, **kwargs), agreement, sides)  # type: ignore[arg-type]
    assert verdict.agreement_version == agreement.version
    assert verdict.explanation.endswith(".") and not verdict.explanation[0].islower()
    return verdict


# a. territory


def test_outside_the_territory_is_not_a_violation(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(
        agreement,
        sides,
        EventType.AIRSTRIKE,
        ("syrian-air-force",),
        place="Mosul",
        country="IQ",
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.OUTSIDE_TERRITORY,
    )
    assert verdict.clause == clause_id(agreement, "scope")
    assert "Mosul" in verdict.explanation and "IQ" in verdict.explanation


# b. dates


def test_before_the_effective_date(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(
        agreement,
        sides,
        EventType.SHELLING,
        ("syrian-government-forces",),
        first=date(2016, 12, 29),
    )
    assert verdict.reason is Reason.BEFORE_EFFECTIVE_DATE
    assert verdict.status is VerdictStatus.NOT_A_VIOLATION
    assert verdict.clause == clause_id(agreement, "period")


def test_a_range_reaching_the_effective_date_is_judged(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(
        agreement,
        sides,
        EventType.SHELLING,
        ("syrian-government-forces",),
        first=date(2016, 12, 28),
        last=date(2016, 12, 30),
    )
    assert verdict.status is VerdictStatus.VIOLATION


def test_after_the_agreement_ended(agreement: Agreement, sides: Sides) -> None:
    ended = replace(agreement, effective_until=agreement.effective_from + timedelta(days=30))
    verdict = judge(ended, sides, EventType.SHELLING, ("syrian-government-forces",), first=DAY)
    assert verdict.status is VerdictStatus.VIOLATION
    verdict = judge(
        ended, sides, EventType.SHELLING, ("syrian-government-forces",), first=date(2017, 3, 1)
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.AFTER_EFFECTIVE_UNTIL,
    )


# c. excluded perpetrators


def test_acts_of_excluded_groups_are_not_violations(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(agreement, sides, EventType.BOMBING, ("isis",), ("civilians",))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_ACTOR,
    )
    assert verdict.clause == clause_id(agreement, "permitted")
    assert "Islamic State (excluded" in verdict.explanation


def test_a_party_acting_with_an_excluded_group_is_undetermined(
    agreement: Agreement, sides: Sides
) -> None:
    """Shelling by a joint force: which of them fired is not known."""
    verdict = judge(
        agreement,
        sides,
        EventType.SHELLING,
        ("ahrar-al-sham", "jabhat-fateh-al-sham"),
        ("syrian-government-forces",),
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.UNDETERMINED,
        Reason.JOINT_WITH_EXCLUDED,
    )
    assert verdict.violator is None


@pytest.mark.parametrize(
    "event", [EventType.CLASH, EventType.GROUND_ATTACK, EventType.TERRITORY_SEIZURE]
)
def test_ground_fighting_with_a_force_alongside_an_excluded_group_is_permitted(
    agreement: Agreement, sides: Sides, event: EventType
) -> None:
    joint = ("free-syrian-army", "jabhat-fateh-al-sham")
    for perpetrators, targets in ((("tiger-forces",), joint), (joint, ("tiger-forces",))):
        verdict = judge(agreement, sides, event, perpetrators, targets)
        assert (verdict.status, verdict.reason) == (
            VerdictStatus.NOT_A_VIOLATION,
            Reason.EXCLUDED_TARGET,
        )
        assert verdict.clause == clause_id(agreement, "permitted")


# d. unidentified perpetrators


@pytest.mark.parametrize(
    "perpetrator", [ActorMention(None, "armed men on motorbikes"), "unidentified-armed-group"]
)
def test_unidentified_perpetrator_is_undetermined(
    agreement: Agreement, sides: Sides, perpetrator: str | ActorMention
) -> None:
    verdict = judge(agreement, sides, EventType.SHELLING, (perpetrator,), ("civilians",))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.UNDETERMINED,
        Reason.UNKNOWN_PERPETRATOR,
    )
    assert verdict.violator is None


def test_whoever_strikes_an_excluded_group_commits_no_violation(
    agreement: Agreement, sides: Sides
) -> None:
    verdict = judge(agreement, sides, EventType.AIRSTRIKE, ("unidentified-aircraft",), ("isis",))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )


def test_a_clash_is_judged_whichever_side_is_listed_first(
    agreement: Agreement, sides: Sides
) -> None:
    forward = judge(agreement, sides, EventType.CLASH, ("opposition",), ("tiger-forces",))
    backward = judge(agreement, sides, EventType.CLASH, ("tiger-forces",), ("opposition",))
    unlisted = judge(
        agreement,
        sides,
        EventType.CLASH,
        (ActorMention(None, "fighters"),),
        ("jaysh-al-islam", "hezbollah"),
    )
    # both parties took part, as perpetrators or targets: a violation by one of them
    for verdict in (forward, backward, unlisted):
        assert (verdict.status, verdict.violator) == (VerdictStatus.VIOLATION, None)
        assert "not established" in verdict.explanation


def test_a_clash_with_an_unidentified_side_is_undetermined(
    agreement: Agreement, sides: Sides
) -> None:
    verdict = judge(
        agreement, sides, EventType.CLASH, (ActorMention(None, "gunmen"),), ("tiger-forces",)
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.UNDETERMINED,
        Reason.UNKNOWN_PERPETRATOR,
    )


@pytest.mark.parametrize("event", [EventType.TERRITORY_SEIZURE, EventType.GROUND_ATTACK])
@pytest.mark.parametrize(
    "target", [(), (ActorMention(None, "the village"),), ("unidentified-armed-group",)]
)
def test_ground_combat_against_an_unnamed_side_is_undetermined(
    agreement: Agreement,
    sides: Sides,
    event: EventType,
    target: tuple[str | ActorMention, ...],
) -> None:
    """Ground is taken from, or assaulted where held by, someone: whether that was an excluded
    group is unknown."""
    verdict = judge(agreement, sides, event, ("tiger-forces",), target)
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.UNDETERMINED,
        Reason.UNKNOWN_PERPETRATOR,
    )
    assert "other side of" in verdict.explanation


def test_a_strike_on_an_unnamed_target_is_still_the_partys(
    agreement: Agreement, sides: Sides
) -> None:
    verdict = judge(agreement, sides, EventType.SHELLING, ("tiger-forces",), ("the village",))
    assert (verdict.status, verdict.violator) == (VerdictStatus.VIOLATION, "government")


def test_a_seizure_from_a_named_holder_is_judged_on_it(agreement: Agreement, sides: Sides) -> None:
    from_isis = judge(agreement, sides, EventType.TERRITORY_SEIZURE, ("tiger-forces",), ("isis",))
    from_rebels = judge(
        agreement, sides, EventType.TERRITORY_SEIZURE, ("tiger-forces",), ("jaysh-al-islam",)
    )
    assert from_isis.status is VerdictStatus.NOT_A_VIOLATION
    assert (from_rebels.status, from_rebels.violator) == (VerdictStatus.VIOLATION, "government")


def test_sides_of_a_clash_listed_together_are_opponents_despite_unidentified_targets(
    agreement: Agreement, sides: Sides
) -> None:
    """ "Amid strikes by unidentified warplanes, regime forces and IS exchanged shelling"."""
    verdict = judge(
        agreement,
        sides,
        EventType.CLASH,
        ("syrian-government-forces", "isis"),
        ("unidentified-aircraft",),
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )
    rebels = judge(
        agreement,
        sides,
        EventType.CLASH,
        ("syrian-government-forces", "jaysh-al-islam"),
        (ActorMention(None, "gunmen"),),
    )
    assert (rebels.status, rebels.violator) == (VerdictStatus.VIOLATION, None)


# e. excluded targets


def test_operations_against_excluded_groups_are_permitted(
    agreement: Agreement, sides: Sides
) -> None:
    verdict = judge(agreement, sides, EventType.AIRSTRIKE, ("russian-aerospace-forces",), ("isis",))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )
    assert verdict.clause == clause_id(agreement, "permitted")
    clash = judge(agreement, sides, EventType.CLASH, ("hayat-tahrir-al-sham",), ("tiger-forces",))
    assert clash.status is VerdictStatus.NOT_A_VIOLATION


def test_a_target_mixing_a_party_and_an_excluded_group_is_undetermined(
    agreement: Agreement, sides: Sides
) -> None:
    verdict = judge(
        agreement,
        sides,
        EventType.AIRSTRIKE,
        ("syrian-air-force",),
        ("free-syrian-army", "jabhat-fateh-al-sham"),
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.UNDETERMINED,
        Reason.JOINT_WITH_EXCLUDED,
    )


# f. prohibited acts by a party


def test_a_prohibited_act_by_a_party_is_a_violation(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(agreement, sides, EventType.AIRSTRIKE, ("syrian-government-forces",))
    assert (verdict.status, verdict.reason, verdict.violator) == (
        VerdictStatus.VIOLATION,
        Reason.PROHIBITED_ACT_BY_PARTY,
        "government",
    )
    assert verdict.clause == clause_id(agreement, "prohibited", EventType.AIRSTRIKE)
    for part in ("Syrian government forces", "government", "airstrike", "Kafr Nabl", "2017-01-10"):
        assert part in verdict.explanation
    assert verdict.clause in verdict.explanation


@pytest.mark.parametrize(
    ("event", "perpetrator", "target", "violator"),
    [
        (EventType.AIRSTRIKE, "russian-aerospace-forces", "opposition", "government"),
        (EventType.SHELLING, "turkey", "syrian-government-forces", "opposition"),
        (EventType.SHELLING, "jaysh-al-islam", "civilians", "opposition"),
        (EventType.GROUND_ATTACK, "hezbollah", "faylaq-al-rahman", "government"),
        (EventType.SIEGE, "4th-armoured-division", "civilians", "government"),
        (EventType.TERRITORY_SEIZURE, "tiger-forces", "ahrar-al-sham", "government"),
    ],
)
def test_violator_is_the_party_the_act_counts_for(
    agreement: Agreement,
    sides: Sides,
    event: EventType,
    perpetrator: str,
    target: str,
    violator: str,
) -> None:
    verdict = judge(agreement, sides, event, (perpetrator,), (target,))
    assert (verdict.status, verdict.violator) == (VerdictStatus.VIOLATION, violator)
    assert verdict.clause == clause_id(agreement, "prohibited", event)


def test_a_designation_counts_from_its_date(agreement: Agreement, sides: Sides) -> None:
    before = judge(
        agreement, sides, EventType.SHELLING, ("nour-al-din-al-zenki",), first=date(2017, 1, 20)
    )
    after = judge(
        agreement, sides, EventType.SHELLING, ("nour-al-din-al-zenki",), first=date(2017, 2, 20)
    )
    assert (before.status, before.violator) == (VerdictStatus.VIOLATION, "opposition")
    assert after.reason is Reason.EXCLUDED_ACTOR


# g. non-parties and acts nobody prohibits


@pytest.mark.parametrize(
    ("perpetrator", "target"),
    [("sdf", "isis"), ("us-led-coalition", "isis"), ("israel", "hezbollah"), ("turkey", "ypg")],
)
def test_acts_of_or_against_non_parties(
    agreement: Agreement, sides: Sides, perpetrator: str, target: str
) -> None:
    verdict = judge(agreement, sides, EventType.AIRSTRIKE, (perpetrator,), (target,))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.NON_PARTY_ACTOR,
    )


def test_acts_no_clause_prohibits(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(
        agreement, sides, EventType.OTHER, ("syrian-government-forces",), ("opposition",)
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.NOT_PROHIBITED,
    )


def test_fighting_within_one_side_is_not_covered(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(agreement, sides, EventType.CLASH, ("jaysh-al-islam",), ("faylaq-al-rahman",))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.NOT_PROHIBITED,
    )


def test_the_verdict_records_the_agreement_version(agreement: Agreement, sides: Sides) -> None:
    amended = replace(agreement, version="2017-05-amended")
    verdict = adjudicate(
        incident(EventType.SHELLING, ("syrian-government-forces",)), amended, sides
    )
    assert verdict.agreement_version == "2017-05-amended"


# g. who fights whom when a report says it loosely


def test_a_clash_with_no_target_is_between_the_sides_it_names(
    agreement: Agreement, sides: Sides
) -> None:
    # "Regime forces and IS clashed": opponents, not allies
    verdict = judge(agreement, sides, EventType.CLASH, ("syrian-government-forces", "isis"))
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )
    verdict = judge(agreement, sides, EventType.CLASH, ("opposition", "syrian-government-forces"))
    assert verdict.status is VerdictStatus.VIOLATION


def test_a_side_led_by_an_excluded_group_is_that_groups_operation(
    agreement: Agreement, sides: Sides
) -> None:
    # "JFS and rebel factions attacked regime positions": a JFS operation rebels join
    led = judge(
        agreement,
        sides,
        EventType.GROUND_ATTACK,
        ("jabhat-fateh-al-sham", "opposition"),
        ("syrian-government-forces",),
    )
    assert (led.status, led.reason) == (VerdictStatus.NOT_A_VIOLATION, Reason.EXCLUDED_ACTOR)
    # "regime forces clashed with JFS and rebel factions": an operation against JFS
    against = judge(
        agreement,
        sides,
        EventType.CLASH,
        ("syrian-government-forces",),
        ("jabhat-fateh-al-sham", "opposition"),
    )
    assert (against.status, against.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )


def test_parties_fighting_only_excluded_groups_commit_no_violation(
    agreement: Agreement, sides: Sides
) -> None:
    # "rebels backed by JFS battled IS": nobody but an excluded group is attacked
    verdict = judge(
        agreement, sides, EventType.CLASH, ("opposition", "jabhat-fateh-al-sham"), ("isis",)
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )


def test_a_joint_force_attacking_a_non_party_attacks_no_party(
    agreement: Agreement, sides: Sides
) -> None:
    """Whichever of rebels and JFS fought the SDF, no party to the agreement was attacked."""
    verdict = judge(
        agreement, sides, EventType.SHELLING, ("opposition", "jabhat-fateh-al-sham"), ("sdf",)
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.NON_PARTY_ACTOR,
    )
    # against civilians, who did it still matters
    civilians = judge(
        agreement, sides, EventType.SHELLING, ("opposition", "jabhat-fateh-al-sham"), ("civilians",)
    )
    assert civilians.reason is Reason.JOINT_WITH_EXCLUDED


def test_civilians_caught_in_a_clash_are_no_side_of_it(agreement: Agreement, sides: Sides) -> None:
    verdict = judge(
        agreement,
        sides,
        EventType.CLASH,
        ("syrian-government-forces", "isis"),
        ("civilians",),
    )
    assert (verdict.status, verdict.reason) == (
        VerdictStatus.NOT_A_VIOLATION,
        Reason.EXCLUDED_TARGET,
    )
