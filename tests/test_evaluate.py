"""The scorer, on small gold the team writes: matching rules and each metric."""

from datetime import date

import pytest

from ceasefire.actors import load_actors
from ceasefire.agreement import Sides, load_agreement
from ceasefire.evaluate import (
    DocumentScores,
    IncidentGold,
    main_claim,
    score_document,
    score_incidents,
    toll_claim,
)
from ceasefire.model import (
    ActorMention,
    Claim,
    EventType,
    Factuality,
    PlaceMention,
    Precision,
    Reason,
    Span,
    Verdict,
    VerdictStatus,
)

GOLD = IncidentGold.model_validate(
    {
        "incidents": [
            {
                "id": "strike",
                "type": "airstrike",
                "perpetrators": ["syrian-government-forces"],
                "targets": ["civilians"],
                "place": "Kafr Nabl",
                "admin1": "Idleb",
                "lat": 35.61,
                "lon": 36.56,
                "date_from": "2017-01-09",
                "date_to": "2017-01-09",
                "sources": ["a", "b"],
                "verdict": "violation",
                "violator": "government",
            },
            {
                "id": "passing",
                "type": "shelling",
                "admin1": "Hama",
                "date_from": "2017-01-20",
                "date_to": "2017-01-20",
                "sources": ["c"],
                "verdict": "violation",
                "violator": "opposition",
                "optional": True,
            },
        ],
        "out_of_scope": [{"doc": "a", "what": "the army would continue", "reason": "future"}],
    }
)
KEYS = {"doc-a": "a", "doc-b": "b", "doc-c": "c"}


def record(
    rid="1",
    admin1="Idlib",
    *,
    docs=("doc-a", "doc-b"),
    lat=35.62,
    day="2017-01-10",
    status="violation",
    violator="government",
    sources=2,
    evidence="Warplanes struck the market.",
):
    return {
        "id": rid,
        "type": "airstrike",
        "place": {"name": "Kafr Nabl", "admin1": admin1, "lat": lat, "lon": 36.56},
        "date_from": day,
        "date_to": day,
        "perpetrators": [{"actor": "syrian-government-forces"}],
        "targets": [],
        "verdict": {"status": status, "violator": violator},
        "confidence": 0.8,
        "independent_sources": sources,
        "sources": [{"document": d, "evidence": [{"text": evidence}]} for d in docs],
    }


def test_a_matching_incident_is_found_with_its_verdict_and_sources():
    scores = score_incidents(GOLD, [record()], KEYS)
    assert (scores.gold, scores.found, scores.verdict_right, scores.sources_right) == (1, 1, 1, 1)
    assert scores.false_violations == 0 and scores.unmatched_predictions == 0


def test_optional_incidents_count_only_when_found():
    assert score_incidents(GOLD, [], KEYS).gold == 1


@pytest.mark.parametrize(
    "changes",
    [{"docs": ("doc-c",)}, {"lat": 34.0, "admin1": "Homs"}, {"day": "2017-01-20"}],
    ids=["other source", "too far", "too late"],
)
def test_a_prediction_elsewhere_does_not_match_and_is_a_false_violation(changes):
    scores = score_incidents(GOLD, [record(**changes)], KEYS)
    assert scores.found == 0
    assert scores.false_violations == 1


def test_wrong_violator_and_source_count_are_errors():
    scores = score_incidents(GOLD, [record(violator="opposition", sources=1)], KEYS)
    assert scores.found == 1 and scores.verdict_right == 0 and scores.sources_right == 0
    assert {e["problem"] for e in scores.errors} == {"wrong verdict", "independent sources"}


def test_an_out_of_scope_statement_made_a_violation_is_counted():
    bad = record(evidence="A source said the army would continue to strike.")
    assert score_incidents(GOLD, [bad], KEYS).out_of_scope_violations == 1


def claim(
    *, killed=None, start=0, factuality=Factuality.ASSERTED, perpetrator="syrian-government-forces"
):
    return Claim(
        document_id="d",
        spans=[Span(start, start + 5, "text.")],
        event_type=EventType.SHELLING,
        perpetrators=[ActorMention(perpetrator, "x")],
        place=PlaceMention("p", "Nawa", "Nawa", 32.89, 36.04, "Dar'a", "SY", Precision.TOWN),
        date_from=date(2017, 1, 11),
        date_to=date(2017, 1, 11),
        fatalities_min=killed,
        fatalities_max=killed,
        factuality=factuality,
    )


def test_the_main_claim_is_the_lead_event_and_the_toll_its_first_count():
    first, aside, background, planned = (
        claim(start=0),
        claim(killed=5, start=50),
        claim(killed=300000, start=900),  # the war's toll, told as background
        claim(killed=90, start=10, factuality=Factuality.PLANNED),
    )
    assert main_claim([background, aside, planned, first]) is first
    assert toll_claim([background, first, aside, planned]) is aside
    none_died = claim(killed=0, start=20)
    assert toll_claim([first, none_died]) is none_died
    assert toll_claim([none_died, claim(killed=2, start=40)]).fatalities_min == 2
    assert toll_claim([first, claim(start=9)]) is first
    assert main_claim([planned]) is None and toll_claim([planned]) is None


def test_a_note_is_scored_on_its_lead_with_the_toll_told_later(sides):
    """A battle in Dar'a told first, then an airstrike in Idleb that killed civilians: the
    place is the battle's, the dead are those the note counts."""
    battle, aside = claim(start=0), claim(killed=3, start=80)
    aside.place = PlaceMention(
        "p", "Kafr Nabl", "Kafr Nabl", 35.61, 36.56, "Idleb", "SY", Precision.TOWN
    )
    gold = {"admin1": "Daraa", "lat": 32.89, "lon": 36.04, "fatalities": 3}
    assert score_document(gold, [aside, battle], None, sides, DocumentScores()) == []
    assert score_document({"admin1": "Idlib"}, [aside, battle], None, sides, DocumentScores())


def test_a_guarantor_counts_for_the_party_it_answers_for(sides):
    scores = DocumentScores()
    russian = claim(perpetrator="russian-aerospace-forces")
    assert not score_document({"side": "government"}, [russian], None, sides, scores)
    coalition = claim(perpetrator="us-led-coalition")
    assert score_document({"side": "government"}, [coalition], None, sides, scores)


@pytest.fixture(scope="module")
def sides() -> Sides:
    actors = load_actors()
    return Sides(load_agreement(None, actors), actors)


def test_each_document_metric_is_scored_only_where_gold_has_it(sides):
    scores = DocumentScores()
    verdict = Verdict(VerdictStatus.VIOLATION, Reason.PROHIBITED_ACT_BY_PARTY, "c", "e", "1")
    acled = {
        "event_date": "2017-01-11",
        "admin1": "Daraa",
        "lat": 32.90,
        "lon": 36.05,
        "fatalities": 4,
        "verdict": "violation",
    }
    misses = score_document(acled, [claim(killed=3)], verdict, sides, scores)
    assert misses == ["fatalities exact"]
    fakes = {"admin1": "daraa", "side": "government", "civilians": 9, "noncivilians": 1}
    misses = score_document(fakes, [claim(killed=11)], None, sides, scores)
    assert misses == []
    m = scores.metrics
    assert (m["detection"].scored, m["verdict accuracy"].scored, m["perpetrator side"].scored) == (
        2,
        1,
        1,
    )
    assert m["death toll within 10%"].right == 1
    assert score_document(fakes, [], None, sides, scores) == [
        "detection",
        "admin1 accuracy",
        "perpetrator side",
        "death toll within 10%",
    ]


def test_gold_without_rural_damascus_counts_it_as_damascus(sides):
    """A gold vocabulary older than the split of Rif Dimashq from Damascus (FA-KES has only
    "damascus") is scored with the merge the scorer derives; without it the two differ."""
    douma = claim()
    douma.place = PlaceMention(
        "p", "Douma", "Douma", 33.57, 36.40, "Rural Damascus", "SY", Precision.TOWN
    )
    gold = {"admin1": "damascus"}
    assert score_document(gold, [douma], None, sides, DocumentScores()) == ["admin1 accuracy"]
    merged = {"Rural Damascus": "Damascus"}
    assert score_document(gold, [douma], None, sides, DocumentScores(), merged) == []
    assert score_document({"admin1": "Idlib"}, [douma], None, sides, DocumentScores(), merged)
