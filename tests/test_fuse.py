"""Fusion: reports of one event become one incident; copies and one outlet count once."""

from datetime import date

import pytest

from ceasefire.actors import load_actors
from ceasefire.agreement import Sides, load_agreement
from ceasefire.fuse import becomes_incident, build_incident, fuse, same_event
from ceasefire.model import (
    ActorMention,
    Claim,
    DatePrecision,
    EventType,
    Factuality,
    PlaceMention,
    Precision,
    ReviewStatus,
    Source,
    Span,
)

EFFECTIVE = date(2016, 12, 30)
KAFR_NABL = PlaceMention(
    "kafr-nabl", "Kafr Nabl", "Kafr Nabl", 35.61, 36.56, "Idleb", "SY", Precision.TOWN
)
HASS = PlaceMention("hass", "Hass", "Hass", 35.58, 36.59, "Idleb", "SY", Precision.TOWN)
DARAA = PlaceMention("daraa", "Daraa", "Daraa", 32.62, 36.10, "Dar'a", "SY", Precision.TOWN)
IDLIB_PROVINCE = PlaceMention(
    "idleb", "Idlib province", "Idleb", 35.8, 36.6, "Idleb", "SY", Precision.GOVERNORATE
)
REGIME = ActorMention("syrian-government-forces", "regime forces")
RUSSIA = ActorMention("russian-armed-forces", "Russian jets")
ISIS = ActorMention("islamic-state", "ISIS")


def claim(
    doc: str,
    *,
    type_=EventType.AIRSTRIKE,
    place=KAFR_NABL,
    day=10,
    perps=(REGIME,),
    targets=(),
    killed=None,
    factuality=Factuality.ASSERTED,
    cid=None,
) -> Claim:
    when = date(2017, 1, day)
    return Claim(
        document_id=doc,
        spans=[Span(0, 10, "evidence.")],
        event_type=type_,
        perpetrators=list(perps),
        targets=list(targets),
        place=place,
        date_from=when,
        date_to=when,
        fatalities_min=killed,
        fatalities_max=killed,
        factuality=factuality,
        confidence=0.6,
        id=cid,
    )


SOURCES = {
    "a": Source("a", "Levant Wire", None),
    "b": Source("b", "Orient Daily", None),
    "a-copy": Source("a-copy", "Northern Monitor", "a"),
    "a2": Source("a2", "Levant Wire", None),
    "c": Source("c", None, None),
}


def test_non_factual_and_pre_ceasefire_claims_stay_claims():
    assert becomes_incident(claim("a"), EFFECTIVE)
    assert not becomes_incident(claim("a", factuality=Factuality.PLANNED), EFFECTIVE)
    assert not becomes_incident(claim("a", factuality=Factuality.DENIED), EFFECTIVE)
    history = claim("a")
    history.date_from = history.date_to = date(2016, 12, 12)
    assert not becomes_incident(history, EFFECTIVE)


def test_copies_and_one_outlet_count_once():
    def count(*docs: str) -> int:
        return build_incident([claim(d) for d in docs], SOURCES).independent_sources

    assert count("a", "a-copy") == 1
    assert count("a", "a2") == 1
    assert count("a", "b", "c") == 3


def test_reports_of_one_event_fuse_and_are_corroborated():
    incidents = []
    touched = fuse(
        [
            claim("a", cid=1, killed=4),
            claim("b", place=HASS, cid=2, killed=6, perps=(RUSSIA, REGIME)),
        ],
        incidents,
        {},
        SOURCES,
    )
    assert len(touched) == 1 and len(incidents) == 1
    incident = incidents[0]
    assert incident.claim_ids == [1, 2]
    assert incident.independent_sources == 2
    assert incident.review_status is ReviewStatus.CORROBORATED
    assert incident.fatalities_min == 6
    assert {m.actor for m in incident.perpetrators} == {REGIME.actor, RUSSIA.actor}
    assert incident.confidence > 0.6


def test_different_places_dates_or_acts_stay_apart():
    base = build_incident([claim("a", cid=1)], SOURCES)
    assert not same_event(claim("b", place=DARAA), base)
    assert not same_event(claim("b", day=20), base)
    assert not same_event(claim("b", type_=EventType.SIEGE), base)
    assert not same_event(claim("b", perps=(ISIS,)), base)
    assert not same_event(claim("b", day=11), base)
    assert same_event(claim("b", type_=EventType.SHELLING), base)


def test_battles_for_two_villages_stay_apart_though_strikes_near_them_fuse():
    battle = build_incident([claim("a", cid=1, type_=EventType.CLASH)], SOURCES)
    assert not same_event(claim("b", place=HASS, type_=EventType.CLASH), battle)
    assert same_event(claim("b", type_=EventType.TERRITORY_SEIZURE), battle)
    assert same_event(
        claim("b", place=HASS, type_=EventType.SHELLING),
        build_incident([claim("a", cid=1)], SOURCES),
    )


def test_a_day_of_slack_only_when_a_date_is_not_exact():
    base = build_incident([claim("a", cid=1)], SOURCES)
    overnight = claim("b", day=11)
    overnight.date_precision = DatePrecision.RANGE
    assert same_event(overnight, base)


def test_a_month_that_began_before_the_agreement_is_history():
    december = claim("a")
    december.date_from, december.date_to = date(2016, 12, 1), date(2016, 12, 31)
    december.date_precision = DatePrecision.MONTH
    assert not becomes_incident(december, EFFECTIVE)


def test_within_one_report_a_coarse_place_defers_to_the_finer_one():
    incidents = []
    fuse([claim("a", place=IDLIB_PROVINCE, cid=1), claim("a", cid=2)], incidents, {}, SOURCES)
    assert len(incidents) == 1
    assert incidents[0].place == KAFR_NABL


def test_across_reports_a_governorate_or_no_place_does_not_tie_events():
    incidents = []
    claims = [claim("a", cid=1), claim("b", place=IDLIB_PROVINCE, cid=2), claim("c", place=None)]
    fuse(claims, incidents, {}, SOURCES)
    assert len(incidents) == 3


def test_a_syndicated_copy_joins_without_raising_the_source_count():
    incidents = []
    fuse([claim("a", cid=1), claim("a-copy", cid=2)], incidents, {}, SOURCES)
    assert len(incidents) == 1
    assert incidents[0].independent_sources == 1
    assert incidents[0].review_status is ReviewStatus.REPORTED


def test_a_new_claim_joins_a_stored_incident_and_keeps_its_review():
    stored = build_incident([claim("a", cid=1)], SOURCES)
    stored.id = 7
    stored.review_status = ReviewStatus.VERIFIED
    incidents = [stored]
    touched = fuse([claim("b", cid=2)], incidents, {7: [claim("a", cid=1)]}, SOURCES)
    assert [i.id for i in touched] == [7]
    assert touched[0].claim_ids == [1, 2]
    assert touched[0].review_status is ReviewStatus.VERIFIED


def test_a_unit_and_its_parent_force_are_the_same_participant():
    jets = ActorMention("syrian-air-force", "regime jets")
    roots = {"syrian-air-force": "syrian-government-forces"}
    civilians = ActorMention("civilians", "shoppers")
    a = build_incident([claim("a", cid=1, targets=(civilians,))], SOURCES)
    b = claim("b", perps=(jets,), targets=(civilians,))
    b.perpetrators.append(ActorMention("hezbollah", "Hezbollah"))
    assert not same_event(b, a)
    assert same_event(b, a, roots=roots)


def _dated(doc: str, first: int, last: int) -> Claim:
    found = claim(doc, type_=EventType.CLASH)
    found.date_from, found.date_to = date(2017, 1, first), date(2017, 1, last)
    found.date_precision = DatePrecision.DAY if first == last else DatePrecision.RANGE
    return found


def test_a_chain_of_day_apart_reports_does_not_grow_one_incident():
    incidents = []
    fuse([_dated("a", 9, 10), _dated("b", 11, 11), _dated("c", 12, 13)], incidents, {}, SOURCES)
    # "c" overlaps the incident's date (the 11th, from "b") but not report "a"
    assert len(incidents) == 2


def test_across_reports_a_district_does_not_tie_events_but_within_one_it_does():
    near = PlaceMention(
        "kafr-nabl", "near Kafr Nabl", "Kafr Nabl", 35.61, 36.56, "Idleb", "SY", Precision.DISTRICT
    )
    one = build_incident([claim("a", place=near)], SOURCES)
    assert not same_event(claim("b", place=near), one)
    assert same_event(claim("a", place=near), one, same_document=True)


def test_a_report_naming_the_sides_the_other_way_round_keeps_allies_together():
    rebels = ActorMention("opposition", "rebels")
    backers = ActorMention("ahrar-al-sham", "Ahrar al-Sham")
    first = claim("a", type_=EventType.CLASH, perps=(REGIME,), targets=(rebels,), cid=1)
    second = claim("b", type_=EventType.CLASH, perps=(rebels, backers), targets=(REGIME,), cid=2)
    incident = build_incident([first, second], SOURCES)
    assert [m.actor for m in incident.perpetrators] == ["syrian-government-forces"]
    assert [m.actor for m in incident.targets] == ["opposition", "ahrar-al-sham"]


@pytest.fixture(scope="module")
def sides() -> Sides:
    actors = load_actors()
    return Sides(load_agreement(None, actors), actors)


def test_reports_that_disagree_on_an_excluded_group_taking_part_stay_apart(sides):
    """One report has the army fight rebels and Jabhat Fateh al-Sham, another the army fight
    rebels: fused, the second would become fighting alongside an excluded group."""
    rebels = ActorMention("opposition", "rebels")
    jfs = ActorMention("jabhat-fateh-al-sham", "Fateh al-Sham")
    battle = {"type_": EventType.CLASH, "perps": (REGIME,)}
    with_jfs = build_incident([claim("a", targets=(rebels, jfs), cid=1, **battle)], SOURCES)
    without = claim("b", targets=(rebels,), **battle)
    assert same_event(without, with_jfs)
    assert not same_event(without, with_jfs, sides=sides)
    assert same_event(without, with_jfs, same_document=True, sides=sides)
    one_side = claim("b", **battle)  # names the army only: the other side stays open
    assert same_event(one_side, with_jfs, sides=sides)
    incidents = []
    fuse([claim("b", targets=(rebels,), cid=2, **battle)], incidents, {}, SOURCES, sides=sides)
    later = claim("a", targets=(rebels, jfs), cid=3, **battle)
    fuse([later], incidents, {}, SOURCES, sides=sides)
    assert len(incidents) == 2
