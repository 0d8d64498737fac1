"""The prefilter: only sentences that can tell of an event are parsed, and nothing moves."""

from __future__ import annotations

from datetime import date

import pytest

from ceasefire.cli import EXAMPLES
from ceasefire.extract import Extractor, _dateline, _sentences
from ceasefire.model import Document
from ceasefire.nlp import BLANK
from ceasefire.prefilter import SentenceFilter


@pytest.fixture(scope="session")
def unfiltered(bundled_extractor: Extractor) -> Extractor:
    """The bundled extractor's pipeline, parsing every sentence."""
    return Extractor(
        bundled_extractor.actors,
        bundled_extractor.gazetteer,
        bundled_extractor.nlp,
        prefilter=False,
    )


@pytest.fixture(scope="session")
def sentence_filter(bundled_extractor: Extractor) -> SentenceFilter:
    assert bundled_extractor.prefilter is not None
    return bundled_extractor.prefilter


def _doc(text: str, ident: str = "d") -> Document:
    return Document(id=ident, raw=text.encode(), text=text, published_at=date(2017, 1, 10))


@pytest.mark.parametrize(
    "sentence",
    [
        "Regime artillery shelled the town.",
        "The army retook the hill.",
        "Warplanes struck a market.",
        "Heavy clashes raged overnight.",
        "Insurgents overran two checkpoints.",
        "The besieging forces tightened the encirclement.",
        "Three people died of their wounds.",
        "No casualties were reported.",
        "A car bomb went off near the mosque.",
        "Air-strikes hit the outskirts.",
    ],
)
def test_a_sentence_with_an_act_or_a_toll_is_parsed_whole(
    sentence_filter: SentenceFilter, sentence: str
) -> None:
    text = f"Delegates met in Geneva to discuss the talks. {sentence}"
    doc = sentence_filter.doc(text)
    assert doc.text.endswith(sentence)
    assert "talks" not in doc.text


def test_a_blanked_sentence_keeps_its_names_and_every_offset(
    sentence_filter: SentenceFilter,
) -> None:
    text = (
        "Russian jets bombed Kafr Nabl on Monday.\n\n"
        "Envoys from Jaysh al-Islam travelled to Astana for the talks, the mediators said."
    )
    doc = sentence_filter.doc(text)
    assert len(doc.text) == len(text)
    assert doc.text.startswith("Russian jets bombed Kafr Nabl on Monday.\n\n")
    assert "Jaysh al-Islam" in doc.text and "Astana" in doc.text
    assert "mediators" not in doc.text
    assert all(c in (o, BLANK) for c, o in zip(doc.text, text, strict=True))


def test_the_dateline_is_never_blanked(sentence_filter: SentenceFilter) -> None:
    text = "BEIRUT, Jan 10 (Reuters) - Officials met again.\nShelling hit Douma."
    doc = sentence_filter.doc(text, keep=_dateline(text))
    assert doc.text == text


def test_a_blanked_sentence_is_one_sentence_to_the_parser(bundled_extractor: Extractor) -> None:
    text = (
        "Government forces shelled Douma on Monday. The envoys of Jaysh al-Islam then spent "
        "two long evenings over the wording of a statement. Rescue workers said six people died."
    )
    doc = bundled_extractor.nlp(bundled_extractor._unparsed(text))
    sentences = [s.text.replace(BLANK, "").split() for s in _sentences(doc)]
    assert sentences[0][-1] == "Monday."
    assert ["envoys", "of", "Jaysh", "al-Islam", "then", "spent", "."] in sentences
    assert sentences[-1] == ["Rescue", "workers", "said", "six", "people", "died."]


def test_every_trigger_the_parse_finds_is_in_a_sentence_the_prefilter_keeps(
    unfiltered: Extractor, sentence_filter: SentenceFilter
) -> None:
    """The words are matched by spelling, before any tagger: a lemma the pipeline gives a word
    must be among those the filter guesses for it, over the team's whole sample corpus."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))]
    found = 0
    for doc in unfiltered.nlp.pipe(texts):
        for sentence in _sentences(doc):
            for trigger in unfiltered.triggers.find(sentence):
                found += 1
                assert sentence_filter.may_name(trigger.tokens[0].text), trigger
    assert found > 50
