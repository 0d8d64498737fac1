"""Factuality: how the sentence stands to the event, read from the words governing the trigger."""

from __future__ import annotations

import pytest
from spacy.language import Language

from ceasefire.factuality import classify
from ceasefire.model import Factuality

F = Factuality


def _classify(nlp: Language, text: str, trigger: str) -> Factuality:
    doc = nlp(text)
    token = next(t for t in doc if t.text == trigger)
    return classify(token.sent, token)


@pytest.mark.parametrize(
    ("text", "trigger", "expected"),
    [
        ("Warplanes struck Kafr Nabl on Tuesday, killing 12 civilians.", "struck", F.ASSERTED),
        ("Activists said warplanes struck Kafr Nabl on Tuesday.", "struck", F.REPORTED),
        ("According to the Observatory, regime forces shelled Douma.", "shelled", F.REPORTED),
        ("State media reported that rebels shelled a school in Aleppo.", "shelled", F.REPORTED),
        ("Regime forces shelled Douma, the monitor said.", "shelled", F.REPORTED),
        ("Regime forces reportedly shelled the town overnight.", "shelled", F.REPORTED),
        ("Rebels accused the regime of shelling Kafr Nabl on Tuesday.", "shelling", F.ALLEGED),
        ("The opposition alleged that helicopters dropped barrel bombs.", "barrel", F.ALLEGED),
        ("Moscow denied that its jets struck the hospital.", "struck", F.DENIED),
        ("The ministry rejected claims that Russian warplanes bombed Idlib.", "bombed", F.DENIED),
        ("Russian warplanes did not strike the market, the ministry said.", "strike", F.DENIED),
        ("The army will continue its offensive on Palmyra.", "offensive", F.PLANNED),
        ("The army will continue to shell rebel positions.", "shell", F.PLANNED),
        ("The government plans to retake Wadi Barada.", "retake", F.PLANNED),
        ("Hezbollah vowed to storm the town.", "storm", F.PLANNED),
        ("The army is preparing to attack al-Bab.", "attack", F.PLANNED),
        ("The group threatened to shell Damascus.", "shell", F.PLANNED),
        ("Russia signalled it could strike rebel positions near Idlib.", "strike", F.PLANNED),
        ("The army said it will not attack civilians.", "attack", F.PLANNED),
        ("Rebels may launch an attack on Hama in the coming days.", "attack", F.HYPOTHETICAL),
        ("Rebels are likely to launch a counteroffensive.", "counteroffensive", F.HYPOTHETICAL),
        ("If rebels attack the city, the army would respond.", "attack", F.HYPOTHETICAL),
        ("A possible offensive on Idlib worries aid agencies.", "offensive", F.HYPOTHETICAL),
        ("Its bombing campaign has devastated eastern Aleppo.", "bombing", F.GENERAL),
        (
            "Government forces have repeatedly violated the truce by shelling the valley.",
            "shelling",
            F.GENERAL,
        ),
        ("The war has killed more than 300,000 people since 2011.", "killed", F.GENERAL),
        (
            "Regime forces have shelled the valley daily since the start of the war.",
            "shelled",
            F.GENERAL,
        ),
    ],
)
def test_factuality(nlp: Language, text: str, trigger: str, expected: Factuality) -> None:
    assert _classify(nlp, text, trigger) == expected


def test_a_plan_in_another_clause_does_not_make_the_event_planned(nlp: Language) -> None:
    text = "Regime forces shelled the valley on Monday and the army said it will continue."
    assert _classify(nlp, text, "shelled") == F.ASSERTED


def test_a_trigger_word_is_not_its_own_cue(nlp: Language) -> None:
    doc = nlp("Government forces denied access to an aid convoy bound for Madaya.")
    words = [t for t in doc if t.text in ("denied", "access")]
    assert classify(words[0].sent, words[0], words) == F.ASSERTED


def test_without_a_trigger_the_root_is_read(nlp: Language) -> None:
    sentence = next(nlp("The army will storm the town.").sents)
    assert classify(sentence) == F.PLANNED


@pytest.mark.parametrize(
    ("text", "trigger", "expected"),
    [
        # a hedge on who the other side was, or on what kind of act it was, not on the act
        (
            "Regime forces tried to advance during clashes likely against rebels.",
            "clashes",
            F.ASSERTED,
        ),
        ("Six soldiers were killed near the dam, likely clashes.", "clashes", F.ASSERTED),
        ("Rebels shelled the base, possibly with Grad rockets.", "shelled", F.ASSERTED),
        # a hedge on the act itself still makes it hypothetical
        ("A likely offensive on the town worries aid agencies.", "offensive", F.HYPOTHETICAL),
    ],
)
def test_a_hedge_on_a_detail_leaves_the_event_told(
    nlp: Language, text: str, trigger: str, expected: Factuality
) -> None:
    assert _classify(nlp, text, trigger) == expected
