"""Extraction end to end: who did what to whom, where, when, how many killed, and how the text
stands to it, on wire-style sentences the team wrote."""

from __future__ import annotations

from datetime import date

import pytest
from spacy.language import Language

from ceasefire.actors import ActorRegistry
from ceasefire.extract import Extractor
from ceasefire.gazetteer import Gazetteer, read_places
from ceasefire.model import (
    Actor,
    ActorKind,
    Claim,
    DatePrecision,
    Document,
    EventType,
    Factuality,
    Precision,
)
from ceasefire.nlp import ACTOR, PLACE, build_nlp

PUBLISHED = date(2017, 1, 25)  # a Wednesday


def _doc(text: str, published: date | None = PUBLISHED, ident: str = "d1") -> Document:
    return Document(id=ident, raw=text.encode(), text=text, published_at=published)


def _claims(extractor: Extractor, text: str, published: date | None = PUBLISHED) -> list[Claim]:
    return extractor.extract(_doc(text, published))


def _one(extractor: Extractor, text: str) -> Claim:
    claims = _claims(extractor, text)
    assert len(claims) == 1, [c.spans for c in claims]
    return claims[0]


def _ids(mentions) -> list[str | None]:
    return [m.actor for m in mentions]


# --- the pipeline -------------------------------------------------------------------------------


def test_registry_names_are_entities_with_their_ids(nlp: Language) -> None:
    doc = nlp("Regime forces shelled Ain al-Fijeh and Al Bab while IS attacked Palmyra.")
    ents = {(e.text, e.label_, e.ent_id_) for e in doc.ents}
    assert ("Regime forces", ACTOR, "government") in ents
    assert ("Ain al-Fijeh", PLACE, "ain-al-fijeh") in ents
    assert ("Al Bab", PLACE, "al-bab") in ents
    assert ("IS", ACTOR, "is") in ents


@pytest.mark.parametrize(
    "text",
    [
        "The Islamic State(IS) attacked Palmyra.",
        "Regime forces shelled the Islamic State [IS] in Palmyra.",
        "Rebels clashed with the Islamic State(ISIS)near Palmyra.",
    ],
)
def test_a_bracket_glued_to_a_name_parts_from_it(nlp: Language, text: str) -> None:
    doc = nlp(text)
    actors = [(e.text, e.ent_id_) for e in doc.ents if e.label_ == ACTOR]
    assert ("Islamic State", "is") in actors
    assert any(name in ("IS", "ISIS") and ident == "is" for name, ident in actors)
    assert ("Palmyra", "palmyra") in [(e.text, e.ent_id_) for e in doc.ents if e.label_ == PLACE]


def test_acronyms_match_only_in_capitals(nlp: Language) -> None:
    doc = nlp("The town is quiet, and it is said IS fighters left.")
    assert [e.text for e in doc.ents if e.label_ == ACTOR] == ["IS"]
    assert next(t for t in doc if t.text == "IS").pos_ != "AUX"


# --- who did what to whom -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "event_type", "perpetrators", "targets"),
    [
        (
            "Russian warplanes struck rebel positions in Kafr Nabl on Tuesday.",
            EventType.AIRSTRIKE,
            ["russia"],
            ["opposition"],
        ),
        (
            "Kafr Nabl was shelled by regime forces on Monday.",
            EventType.SHELLING,
            ["government"],
            [],
        ),
        (
            "The regime's shelling of Douma killed five civilians.",
            EventType.SHELLING,
            ["government"],
            ["civilians"],
        ),
        (
            "Clashes erupted between regime forces and Ahrar al-Sham near Al-Bab.",
            EventType.CLASH,
            ["government"],
            ["ahrar"],
        ),
        (
            "Regime forces clashed with Ahrar al-Sham in Al-Bab.",
            EventType.CLASH,
            ["government"],
            ["ahrar"],
        ),
        (
            "Amid shelling of the area, regime forces and allied militias were locked in "
            "fighting with IS near Al-Bab.",
            EventType.CLASH,
            ["government", "militias"],
            ["is"],
        ),
        (
            "Regime forces backed by Hezbollah attacked Ahrar al-Sham in Douma.",
            EventType.GROUND_ATTACK,
            ["government", "hezbollah"],
            ["ahrar"],
        ),
        (
            "Regime forces and allied militias stormed the town of Douma.",
            EventType.GROUND_ATTACK,
            ["government", "militias"],
            [],
        ),
        (
            "A Russian airstrike on Kafr Nabl killed three children.",
            EventType.AIRSTRIKE,
            ["russia"],
            ["civilians"],
        ),
        (
            "Rebels repelled an attack by regime forces on Douma.",
            EventType.GROUND_ATTACK,
            ["government"],
            ["opposition"],
        ),
        (
            "Russian jets carried out airstrikes on Islamic State positions near Palmyra.",
            EventType.AIRSTRIKE,
            ["russia"],
            ["is"],
        ),
        (
            "A car bomb exploded in Al-Bab on Monday, killing 9 people.",
            EventType.BOMBING,
            [],
            [],
        ),
        (
            "Regime forces besieged Douma and blocked aid to the town.",
            EventType.SIEGE,
            ["government"],
            [],
        ),
        (
            "Islamic State captured Palmyra from regime forces.",
            EventType.TERRITORY_SEIZURE,
            ["is"],
            ["government"],
        ),
        (
            "Regime forces denied access to an aid convoy bound for Douma.",
            EventType.HUMANITARIAN_OBSTRUCTION,
            ["government"],
            [],
        ),
        (
            "A sniper killed two civilians in Douma on Monday.",
            EventType.ATTACK_ON_CIVILIANS,
            [None],
            ["civilians"],
        ),
    ],
)
def test_who_did_what_to_whom(
    extractor: Extractor, text: str, event_type: EventType, perpetrators: list, targets: list
) -> None:
    claim = _one(extractor, text)
    assert claim.event_type == event_type
    assert _ids(claim.perpetrators) == perpetrators
    assert _ids(claim.targets) == targets


def test_a_place_is_never_a_target(extractor: Extractor) -> None:
    claim = _one(extractor, "Regime forces shelled Kafr Nabl on Tuesday.")
    assert claim.targets == []
    assert claim.place is not None and claim.place.place == "kafr-nabl"


def test_mentions_keep_the_surface_text(extractor: Extractor) -> None:
    claim = _one(extractor, "Russian jets struck Douma on Monday.")
    assert [(m.actor, m.text) for m in claim.perpetrators] == [("russia", "Russian jets")]


def test_unknown_attackers_are_kept_unresolved(extractor: Extractor) -> None:
    claim = _one(extractor, "Unidentified gunmen attacked a checkpoint in Douma on Monday.")
    assert [(m.actor, m.text) for m in claim.perpetrators] == [(None, "Unidentified gunmen")]


def test_the_group_refers_back_to_the_last_compatible_actor(extractor: Extractor) -> None:
    text = (
        "Regime forces held the road on Sunday. Islamic State fighters stormed a checkpoint near "
        "Palmyra on Monday. The militants also shelled Douma on Tuesday."
    )
    claims = _claims(extractor, text)
    assert [c.event_type for c in claims] == [EventType.GROUND_ATTACK, EventType.SHELLING]
    assert _ids(claims[1].perpetrators) == ["is"]


def test_a_pronoun_refers_back_to_the_actor(extractor: Extractor) -> None:
    claim = _one(extractor, "The Syrian army denied that it shelled Douma.")
    assert _ids(claim.perpetrators) == ["government"]
    assert claim.factuality == Factuality.DENIED


# --- where --------------------------------------------------------------------------------------


def test_the_dateline_is_not_the_event_place(extractor: Extractor) -> None:
    text = "BEIRUT, Jan 24 (Reuters) - Regime forces shelled rebel positions on Tuesday."
    claim = _one(extractor, text)
    assert claim.place is None


def test_the_dateline_is_skipped_for_the_place_named_later(extractor: Extractor) -> None:
    text = "BEIRUT (Reuters) - Russian warplanes struck Kafr Nabl on Tuesday, activists said."
    claim = _one(extractor, text)
    assert claim.place is not None and claim.place.place == "kafr-nabl"
    assert claim.factuality == Factuality.REPORTED


def test_a_dateline_in_capitals_without_its_dash_is_not_the_place(extractor: Extractor) -> None:
    text = "Updated 24 Jan 2017 BEIRUT Regime forces shelled rebel positions on Tuesday."
    assert _one(extractor, text).place is None
    later = "Updated 24 Jan 2017 BEIRUT Regime forces shelled Kafr Nabl on Tuesday."
    place = _one(extractor, later).place
    assert place is not None and place.place == "kafr-nabl"


def test_a_place_abroad_that_only_qualifies_a_noun_is_not_the_place(
    extractor: Extractor,
) -> None:
    text = "Updated 24 Jan 2017 Beirut Syrian government air strikes killed nine people on Tuesday."
    assert _one(extractor, text).place is None
    abroad = _one(extractor, "Rockets fired by rebels struck Beirut on Tuesday.").place
    assert abroad is not None and abroad.place == "beirut"


def test_a_headline_in_capitals_keeps_its_place(extractor: Extractor) -> None:
    place = _one(extractor, "WARPLANES STRIKE KAFR NABL, KILLING 12").place
    assert place is not None and place.place == "kafr-nabl"


def test_the_place_of_whoever_speaks_is_not_the_event_place(extractor: Extractor) -> None:
    text = "Activists in Beirut said regime forces shelled rebel positions on Tuesday."
    assert _one(extractor, text).place is None


@pytest.mark.parametrize(
    "text",
    [
        # "claimed the lives" tells a death, not who is speaking
        "An explosion at an arms depot in the town of Kafr Nabl claimed the lives of 12 people.",
        # unpunctuated: the town runs into the name of the agency that reports the event
        "A car bomb killed 20 people on Friday in the town of Kafr Nabl state news agency SANA "
        "reported.",
        # the observatory reports the bombing, not from the wedding's town
        "3 Oct 2016 At least 20 people were killed during a suicide bombing that struck a "
        "wedding in the town of Kafr Nabl on Monday the Syrian Observatory reported.",
    ],
)
def test_a_place_in_the_told_clause_is_the_event_place(extractor: Extractor, text: str) -> None:
    claims = _claims(extractor, text)
    assert claims and claims[0].place is not None
    assert claims[0].place.place == "kafr-nabl"


@pytest.mark.parametrize(
    "text",
    [
        "A car bomb hit buses carrying evacuees from Kafr Nabl as they waited to enter Al-Bab.",
        "A car bomb hit buses carrying evacuees from the town of Kafr Nabl as they waited to "
        "enter Al-Bab.",
    ],
)
def test_where_the_victims_came_from_is_not_the_event_place(
    extractor: Extractor, text: str
) -> None:
    place = _claims(extractor, text)[0].place
    assert place is not None and place.place == "al-bab"


def test_the_most_specific_place_wins(extractor: Extractor) -> None:
    claim = _one(extractor, "Warplanes struck Kafr Nabl in Idlib province on Monday.")
    assert claim.place is not None
    assert (claim.place.place, claim.place.admin1) == ("kafr-nabl", "Idleb")


def test_near_a_place_is_coarser(extractor: Extractor) -> None:
    claim = _one(extractor, "Regime forces clashed with rebels near Douma on Monday.")
    assert claim.place is not None
    assert (claim.place.place, claim.place.precision) == ("douma", Precision.DISTRICT)


def test_a_sentence_without_a_place_inherits_the_previous_event_place(
    extractor: Extractor,
) -> None:
    text = (
        "Russian warplanes struck Kafr Nabl on Tuesday. "
        "Rebels later shelled regime positions with mortars."
    )
    first, second = _claims(extractor, text)
    assert second.place == first.place
    assert (second.date_from, second.date_to) == (date(2017, 1, 24), date(2017, 1, 24))


def test_an_unknown_village_is_placed_in_the_one_governorate_its_actors_fight_in(
    bundled_extractor: Extractor,
) -> None:
    claim = _one(
        bundled_extractor,
        "Khalid ibn al-Walid Army fighters attacked rebel positions in Zuqaybiyat.",
    )
    assert claim.place is not None
    assert (claim.place.admin1, claim.place.precision) == ("Dar'a", Precision.GOVERNORATE)


def test_actors_fighting_everywhere_place_no_unknown_village(
    bundled_extractor: Extractor,
) -> None:
    claim = _one(bundled_extractor, "Regime forces shelled positions in Zuqaybiyat.")
    assert claim.place is None


def test_a_foreign_place_is_kept(extractor: Extractor) -> None:
    claim = _one(extractor, "Russian jets bombed targets in Mosul on Tuesday.")
    assert claim.place is not None
    assert (claim.place.place, claim.place.country) == ("mosul", "IQ")


# --- when ---------------------------------------------------------------------------------------


def test_an_explicit_date_resolves_against_publication(extractor: Extractor) -> None:
    claim = _one(extractor, "Rebels shelled Douma on Jan. 18, killing two civilians.")
    assert (claim.date_from, claim.date_to, claim.date_precision) == (
        date(2017, 1, 18),
        date(2017, 1, 18),
        DatePrecision.DAY,
    )


def test_history_keeps_its_own_dates(extractor: Extractor) -> None:
    claim = _one(extractor, "In December regime forces retook Al-Bab.")
    assert claim.event_type == EventType.TERRITORY_SEIZURE
    assert (claim.date_from, claim.date_to) == (date(2016, 12, 1), date(2016, 12, 31))
    assert claim.date_precision == DatePrecision.MONTH


def test_no_date_is_a_coarse_range_ending_at_publication(extractor: Extractor) -> None:
    claim = _one(extractor, "Regime forces shelled Douma.")
    assert (claim.date_from, claim.date_to) == (date(2017, 1, 24), PUBLISHED)
    assert claim.date_precision == DatePrecision.RANGE


def test_a_vague_date_reaches_a_week_back(extractor: Extractor) -> None:
    claim = _one(extractor, "Regime forces recently shelled Douma.")
    assert (claim.date_from, claim.date_to) == (date(2017, 1, 18), PUBLISHED)


def test_no_date_and_no_publication_date_is_none(extractor: Extractor) -> None:
    [claim] = _claims(extractor, "Regime forces shelled Douma.", published=None)
    assert (claim.date_from, claim.date_to) == (None, None)


# --- how many -----------------------------------------------------------------------------------


def test_a_following_toll_sentence_adds_to_the_event(extractor: Extractor) -> None:
    claim = _one(
        extractor, "Rebels shelled Douma on Monday. Three civilians were killed and 20 wounded."
    )
    assert (claim.fatalities_min, claim.fatalities_max) == (3, 3)
    assert len(claim.spans) == 2
    assert _ids(claim.targets) == ["civilians"]


def test_no_losses_reported_is_zero(extractor: Extractor) -> None:
    claim = _one(
        extractor, "Regime forces clashed with rebels near Douma. No losses were reported."
    )
    assert (claim.fatalities_min, claim.fatalities_max) == (0, 0)


def test_no_losses_at_the_end_covers_every_event_told(extractor: Extractor) -> None:
    text = (
        "Regime forces clashed with IS near Al-Bab on Monday. Russian warplanes also struck "
        "Kafr Nabl. No casualties were reported."
    )
    claims = _claims(extractor, text)
    assert [c.event_type for c in claims] == [EventType.CLASH, EventType.AIRSTRIKE]
    assert [(c.fatalities_min, c.fatalities_max) for c in claims] == [(0, 0), (0, 0)]
    counted = _claims(extractor, text.replace("No casualties were reported", "Two died"))
    assert [c.fatalities_min for c in counted] == [None, 2]


def test_a_toll_told_in_words_takes_the_count_given_later(extractor: Extractor) -> None:
    text = (
        "Dozens of civilians were killed in regime airstrikes on Kafr Nabl on Monday. "
        "At least 31 people died in the air raids on Kafr Nabl, activists said. "
        "Rebels shelled Al-Bab, killing 3 soldiers."
    )
    claims = _claims(extractor, text)
    assert [c.fatalities_min for c in claims] == [31, 31, 3]


def test_wounded_are_not_fatalities(extractor: Extractor) -> None:
    claim = _one(extractor, "Regime forces shelled Douma on Monday, wounding 30 people.")
    assert (claim.fatalities_min, claim.fatalities_max) == (None, None)


def test_counts_said_to_be_additional_are_added(extractor: Extractor) -> None:
    text = "Rebels clashed with regime forces in Douma, killing 4 soldiers. Two rebels also died."
    claim = _one(extractor, text)
    assert claim.fatalities_min == 6


def test_a_restated_toll_is_not_added_twice(extractor: Extractor) -> None:
    text = "A car bomb killed 12 people in Al-Bab on Monday. Four of the 12 dead were children."
    claim = _one(extractor, text)
    assert claim.fatalities_min == 12


# --- how the text stands to it ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "factuality"),
    [
        (
            "The army will continue its offensive against Islamic State in Palmyra.",
            Factuality.PLANNED,
        ),
        ("Rebels may launch an attack on Douma.", Factuality.HYPOTHETICAL),
        ("Moscow denied that Russian jets struck Douma.", Factuality.DENIED),
        ("Rebels accused the regime of shelling Douma on Monday.", Factuality.ALLEGED),
        ("Its bombing campaign has devastated Douma.", Factuality.GENERAL),
    ],
)
def test_non_events_are_kept_with_their_factuality(
    extractor: Extractor, text: str, factuality: Factuality
) -> None:
    claim = _one(extractor, text)
    assert claim.factuality == factuality
    assert claim.factuality.is_factual == (factuality == Factuality.ALLEGED)


def test_a_sentence_without_a_trigger_gives_no_claim(extractor: Extractor) -> None:
    assert (
        _claims(extractor, "Talks in Astana resumed on Monday with delegations from Damascus.")
        == []
    )


def test_a_bare_denial_of_progress_gives_no_claim(extractor: Extractor) -> None:
    claims = _claims(
        extractor, "Regime forces clashed with rebels near Douma. No advances were made."
    )
    assert len(claims) == 1 and len(claims[0].spans) == 1


# --- evidence, confidence, streaming ------------------------------------------------------------


def test_spans_point_into_the_document_text(extractor: Extractor) -> None:
    text = (
        "DAMASCUS (SANA) - Regime forces shelled Douma on Monday.  "
        "Rebels clashed with IS in Al-Bab."
    )
    document = _doc(text)
    for claim in extractor.extract(document):
        assert claim.document_id == document.id
        for span in claim.spans:
            assert document.text[span.start : span.end] == span.text


def test_confidence_is_higher_when_who_where_and_when_are_known(extractor: Extractor) -> None:
    full = _one(extractor, "Russian warplanes struck Kafr Nabl on Tuesday, killing 12 civilians.")
    bare = _one(extractor, "Shelling was reported.")
    assert 0 <= bare.confidence < full.confidence <= 1


def test_extract_many_streams_in_order(extractor: Extractor) -> None:
    texts = [
        "Regime forces shelled Douma on Monday.",
        "Talks resumed in Astana.",
        "Russian jets struck Kafr Nabl on Tuesday.",
    ]
    documents = [_doc(t, ident=f"d{i}") for i, t in enumerate(texts)]
    results = list(extractor.extract_many(iter(documents), batch_size=2))
    assert [d.id for d, _ in results] == ["d0", "d1", "d2"]
    assert [len(claims) for _, claims in results] == [1, 0, 1]
    assert results[2][1] == extractor.extract(documents[2])


# --- the bundled registries ---------------------------------------------------------------------


def test_bundled_wire_report(bundled_extractor: Extractor) -> None:
    text = (
        "BEIRUT, Jan 24 (Reuters) - Syrian government warplanes struck the rebel-held town of "
        "Kafr Nabl in Idlib province on Tuesday, killing at least 12 civilians, a monitor said. "
        "The Syrian army said it would continue operations against terrorist groups."
    )
    claims = bundled_extractor.extract(_doc(text))
    strike = claims[0]
    assert strike.event_type == EventType.AIRSTRIKE
    assert strike.factuality == Factuality.REPORTED
    assert strike.perpetrators and strike.perpetrators[0].actor in (
        "syrian-air-force",
        "syrian-government-forces",
    )
    assert strike.place is not None and strike.place.admin1 == "Idleb"
    assert (strike.date_from, strike.fatalities_min, strike.fatalities_max) == (
        date(2017, 1, 24),
        12,
        None,
    )
    assert all(not c.factuality.is_factual for c in claims[1:])


def test_bundled_short_note(bundled_extractor: Extractor) -> None:
    text = (
        "Regime forces backed by Hezbollah clashed with IS fighters near Palmyra in the eastern "
        "countryside of Homs. Three IS fighters were killed."
    )
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type == EventType.CLASH
    assert set(_ids(claim.perpetrators)) == {"syrian-government-forces", "hezbollah"}
    assert "isis" in _ids(claim.targets)
    assert claim.place is not None and claim.place.admin1 == "Homs"
    assert claim.fatalities_min == 3


def test_bundled_governorate_from_a_qualifier(bundled_extractor: Extractor) -> None:
    claim = bundled_extractor.extract(
        _doc("Rebels shelled regime positions in rural Hama on Monday.")
    )[0]
    assert claim.place is not None
    assert (claim.place.admin1, claim.place.precision) == ("Hama", Precision.GOVERNORATE)


# --- the two sides of a clash, and who an act is told of ----------------------------------------


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        (
            "Fighting continued between the Islamic State and regime forces near Palmyra.",
            ["isis"],
            ["syrian-government-forces"],
        ),
        (
            "Clashes took place between ISIS and rebel forces backed by Islamist factions "
            "near Kafr Nabl.",
            ["isis"],
            ["opposition", "islamist-factions"],
        ),
        (
            "Fighting raged between Ahrar al-Sham backed by Suqour al-Sham and other "
            "Islamist militias, and Jabhat Fateh al-Sham in Kafr Nabl.",
            ["ahrar-al-sham", "suqour-al-sham", "islamist-factions"],
            ["jabhat-fateh-al-sham"],
        ),
        (
            "Battles went on between regime forces, Hezbollah and allied militias pitted "
            "against rebel factions and JFS in Ain al-Fijeh.",
            ["syrian-government-forces", "hezbollah", "pro-government-militias"],
            ["opposition", "jabhat-fateh-al-sham"],
        ),
        (
            "Under Russian air cover, fighting broke out in Al-Bab between regime forces "
            "and the Islamic State.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        (
            "Heavy clashes took place between rebel and regime forces near Kafr Nabl.",
            ["opposition"],
            ["syrian-government-forces"],
        ),
        (
            "Mutual shelling took place between IS and regime forces near Palmyra.",
            ["isis"],
            ["syrian-government-forces"],
        ),
    ],
)
def test_between_names_the_two_sides_with_their_allies(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == perpetrators
    assert _ids(claim.targets) == targets


def test_a_capitalised_act_is_no_organisation_and_a_weapon_no_actor(
    bundled_extractor: Extractor,
) -> None:
    claim = bundled_extractor.extract(_doc("Battles raged near Kafr Nabl on Monday."))[0]
    assert claim.perpetrators == [] and claim.targets == []
    text = "Regime forces clashed with rebels in Douma amid artillery and rocket attacks."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert "artillery" not in [m.text for m in claim.perpetrators]
    assert _ids(claim.perpetrators) == ["syrian-government-forces"]


def test_an_act_told_without_its_actor_takes_the_actor_told_later(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Air strikes killed 9 civilians in Kafr Nabl on Monday. Residents said the dead "
        "included a baker. Russian jets had bombed the market at noon, activists said."
    )
    claims = bundled_extractor.extract(_doc(text))
    assert _ids(claims[0].perpetrators) == ["russian-aerospace-forces"]
    # but not from a claim that is only threatened, nor across acts of another kind
    text = "A car bomb killed 6 people in Al-Bab. Regime forces threatened to shell the town."
    claims = bundled_extractor.extract(_doc(text))
    assert claims[0].perpetrators == []
    text = "A car bomb killed 6 people in Al-Bab. Regime forces seized a hill near the town."
    assert bundled_extractor.extract(_doc(text))[0].perpetrators == []


@pytest.mark.parametrize(
    ("name", "actor"),
    [
        ("the Military Forces of Syria", "syrian-government-forces"),
        ("Fajr al-Omma", "liwa-fajr-al-umma"),
        ("the Khalid Ibn Walid Army", "khalid-ibn-al-walid-army"),
        ("Islamic armed factions", "islamist-factions"),
        ("Jaysh Tahrir al-Sham", "jaysh-tahrir-al-sham"),  # the longer name, not HTS inside it
        ("The ISIS Hunters", "5th-assault-corps"),
    ],
)
def test_names_monitors_use_resolve(bundled_extractor: Extractor, name: str, actor: str) -> None:
    claim = bundled_extractor.extract(_doc(f"{name} attacked positions near Kafr Nabl."))[0]
    assert _ids(claim.perpetrators) == [actor]


def test_a_capture_after_clashes_is_against_the_side_fought(bundled_extractor: Extractor) -> None:
    text = "After battling the Islamic State, regime forces took control of two villages near Hass."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.TERRITORY_SEIZURE
    assert _ids(claim.perpetrators) == ["syrian-government-forces"]
    assert _ids(claim.targets) == ["isis"]


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        # whom ground is taken from
        (
            "Pro-government forces captured the village of Tal Jabin from the Islamic State.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # "battling with" names the enemy, not an ally of the subject
        (
            "Regime forces advancing on and battling with the Islamic State seized two hills "
            "near Hass.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # a village the registry does not know does not stand in for the side fought
        (
            "The Tiger Forces managed to control the village of Umm Jalud after clashes with ISIS.",
            ["tiger-forces"],
            ["isis"],
        ),
        # the act set as a scene yields to the capture, which tells both who and from whom
        (
            "Amid shelling of the area and heavy fighting, regime forces managed to take control "
            "of two villages from the Islamic State.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # "them" fought is the group just named
        (
            "The Syrian army took control of the Islamic State held town of Hass after clashes "
            "with them.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # a force named right before the act did it, however the parse hangs them
        (
            "At least seven children were killed in regime shelling of a rebel-held area outside "
            "Damascus on Tuesday, activists said.",
            ["syrian-government-forces"],
            ["civilians"],
        ),
    ],
)
def test_who_fought_whom_in_captures_and_scenes(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == perpetrators
    assert [a for a in _ids(claim.targets) if a] == targets


def test_fighting_alongside_is_no_enemy(bundled_extractor: Extractor) -> None:
    text = "Government forces fighting alongside Hezbollah captured the hill near Hass."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert "hezbollah" not in _ids(claim.targets)


def test_an_act_told_without_its_target_is_against_the_enemy_told_before(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Regime forces clashed with the Islamic State near the airbase of Deir ez-Zor. "
        "Later on Monday regime forces shelled the areas of the fighting in Deir ez-Zor."
    )
    claims = bundled_extractor.extract(_doc(text))
    assert [_ids(c.targets) for c in claims] == [["isis"], ["isis"]]
    # the enemy of the force, whichever role the earlier claim gave it
    text = (
        "The Islamic State attacked regime positions near Hass on Monday. "
        "On Tuesday regime forces took control of two villages near Hass."
    )
    assert _ids(bundled_extractor.extract(_doc(text))[-1].targets) == ["isis"]
    # civilians killed are no enemy, and another force's enemy is not ours
    text = (
        "Regime forces shelled Hass on Monday, killing 5 civilians. "
        "On Tuesday rebels took control of two villages near Hass."
    )
    assert _ids(bundled_extractor.extract(_doc(text))[-1].targets) == []


def test_a_killing_takes_the_act_the_sentence_names(bundled_extractor: Extractor) -> None:
    text = "Three rebels were killed while repelling a regime forces attack on the town of Hass."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.GROUND_ATTACK
    assert _ids(claim.perpetrators) == ["syrian-government-forces"]
    assert _ids(claim.targets) == ["opposition"]


def test_groups_aligned_with_a_force_are_on_its_side(bundled_extractor: Extractor) -> None:
    text = "Clashes continued between Ahrar al-Sham and groups aligned with Jabhat Fateh al-Sham."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == ["ahrar-al-sham"]
    assert "jabhat-fateh-al-sham" in _ids(claim.targets)


def test_a_toll_split_in_a_later_sentence_is_this_events_part(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Regime forces clashed with rebels near Hass on Monday. Some deaths were reported. "
        "Unknown fatalities coded as 10. The fatalities were split across 2 events."
    )
    claim = bundled_extractor.extract(_doc(text))[0]
    assert (claim.fatalities_min, claim.fatalities_max) == (5, 5)


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        # "take" tells of a seizure with the place taken or whom it was taken from
        (
            "Government troops took the hill of Tal Aswad from ISIS on Sunday.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        (
            "Jaysh al-Islam fighters took three checkpoints from regime forces near Hass.",
            ["jaysh-al-islam"],
            ["syrian-government-forces"],
        ),
        (
            "Regime troops overtook the village of Tal Aswad from Tahrir al-Sham fighters.",
            ["syrian-government-forces"],
            ["hayat-tahrir-al-sham"],
        ),
        # ground is taken from whoever withdrew or gave way
        (
            "After the Islamic State withdrew from Tal Aswad, government troops took control of "
            "the village.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        (
            "Regime troops recaptured Tal Aswad after ISIS militants pulled out of it.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        (
            "Government troops captured two villages near Hass following the ISIS withdrawal.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # whom the campaign, offensive or advance the capture is part of is against
        (
            "The Syrian army captured two villages east of Hass in its campaign against ISIS.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        (
            "Government troops advanced against the Islamic State and captured two villages.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # a participle shares the subject of its clause
        (
            "Government troops pushed east of Hass, taking control of two villages from ISIS.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # who held the place before, told in a clause on it
        (
            "Government troops recaptured Tal Aswad, which ISIS had seized last week.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # whom from, told by another word of taking in the sentence
        (
            "Rebels control the village of Tal Aswad, which was cleared from ISIS fighters.",
            ["opposition"],
            ["isis"],
        ),
        # "were able to" hands its subject on to the act
        (
            "The Syrian army and allied militias were able to regain control of two villages near "
            "Hass after clashes with ISIS.",
            ["syrian-government-forces", "pro-government-militias"],
            ["isis"],
        ),
        (
            "Rebel factions restored control over the village of Tal Aswad after clashes with "
            "government troops and Hezbollah.",
            ["opposition"],
            ["syrian-government-forces", "hezbollah"],
        ),
    ],
)
def test_whom_ground_is_taken_from(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.TERRITORY_SEIZURE
    assert _ids(claim.perpetrators) == perpetrators
    assert [a for a in _ids(claim.targets) if a] == targets


@pytest.mark.parametrize(
    "text",
    [
        "Clashes took place between rebels and regime forces near Hass.",
        "Regime forces took part in heavy fighting with rebels near Hass.",
    ],
)
def test_take_without_a_place_or_holder_is_no_seizure(
    bundled_extractor: Extractor, text: str
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.CLASH


def test_a_yielding_force_taking_ground_is_not_its_own_loser(
    bundled_extractor: Extractor,
) -> None:
    # the rebels gave way and came back: they are the takers, not the holders
    text = "Rebels withdrew under heavy shelling but later retook the village of Tal Aswad."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == ["opposition"]
    assert "opposition" not in _ids(claim.targets)
    # civilians who fled held no ground
    text = "Regime troops took control of Tal Aswad after residents fled the village."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert "civilians" not in _ids(claim.targets)


def test_a_name_split_by_the_parser_keeps_its_role(bundled_extractor: Extractor) -> None:
    text = "Faylaq al-Rahman and Jaysh al-Islam attacked regime positions in Jobar."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == ["faylaq-al-rahman", "jaysh-al-islam"]
    assert _ids(claim.targets) == ["syrian-government-forces"]


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        # a side of the fighting called by the word for it
        (
            "The regime clashed with the opposition near Hass on Monday.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        (
            "Regime troops clashed with fighters of the opposition near Hass.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        (
            "Clashes took place between the regime and opposition near Hass.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        (
            "The army clashed with rebels near Hass on Monday.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        # one side named by its modifier alone, coordinated with the other's
        (
            "Clashes between pro-government and opposition fighters took place near Hass.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        # "its fighters": the group named before
        (
            "Government troops shelled ISIS positions and clashed with its fighters near Hass.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        (
            "Government troops confronted ISIS militants near Hass.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # the fighters of a force named in the possessive, even misspelt as a plural
        (
            "The Islamic States' fighters attacked regime positions near Hass.",
            ["isis"],
            ["syrian-government-forces"],
        ),
    ],
)
def test_forces_named_by_a_common_word_or_a_possessive(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == perpetrators
    assert [a for a in _ids(claim.targets) if a] == targets


@pytest.mark.parametrize(
    "text",
    [
        "Regime forces shelled Hass on Monday despite the opposition of residents.",
        "Regime forces shelled Hass on Monday, ignoring the opposition to the offensive.",
    ],
)
def test_the_opposition_to_a_plan_is_no_force(bundled_extractor: Extractor, text: str) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert "opposition" not in _ids(claim.targets)


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        # support named with an act is no act of its own: the fighting it backs is
        (
            "Government troops backed by Russian airstrikes clashed with ISIS near Hass.",
            ["syrian-government-forces", "russia"],
            ["isis"],
        ),
        # the sides of a "between" hung on the place the fighting broke out in
        (
            "Under heavy bombardment, fighting broke out in Hass and areas west of the airbase "
            "between government troops backed by allied militias and ISIS.",
            ["syrian-government-forces", "pro-government-militias"],
            ["isis"],
        ),
        # an alliance the parser took for the subject clause of "continued"
        (
            "Amid mutual shelling, Hezbollah backed by government troops continued to battle "
            "rebel forces near Hass.",
            ["hezbollah", "syrian-government-forces"],
            ["opposition"],
        ),
        # a sentence the parser read as one noun phrase, its verb as an adjective
        (
            "Government troops and Hezbollah fought rebels in Hass.",
            ["syrian-government-forces", "hezbollah"],
            ["opposition"],
        ),
        # a force noun the tagger took for a verb does not end the "between" phrase
        (
            "Clashes between the Syrian government troops and militias loyal to them against "
            "ISIS near Hass took place.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # the sides of a "between" each said to be one side
        (
            "Clashes between government troops and Hezbollah on one side and rebels on the other "
            "took place in Hass.",
            ["syrian-government-forces", "hezbollah"],
            ["opposition"],
        ),
    ],
)
def test_sides_read_past_the_scene_and_the_support(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.CLASH
    assert _ids(claim.perpetrators) == perpetrators
    assert [a for a in _ids(claim.targets) if a] == targets


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        # a force's name spelt another way, whatever the recogniser took it for
        (
            "Soqour al-Sham fighters clashed with government troops near Hass.",
            ["suqour-al-sham"],
            ["syrian-government-forces"],
        ),
        (
            "Government troops clashed with Hayat Tahreer al-Sham near Hass.",
            ["syrian-government-forces"],
            ["hayat-tahrir-al-sham"],
        ),
        # an acronym written against the name, which the tokenizer keeps in one word
        (
            "Government troops clashed with the Islamic State(IS) near Hass.",
            ["syrian-government-forces"],
            ["isis"],
        ),
        # a person named beside the forces is none of them
        (
            "General Ali Hassan led government troops in clashes with ISIS near Hass.",
            ["syrian-government-forces"],
            ["isis"],
        ),
    ],
)
def test_forces_spelt_another_way(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == perpetrators
    assert _ids(claim.targets) == targets


@pytest.mark.parametrize(
    ("text", "event_type"),
    [
        ("Rebels killed three government soldiers near Hass.", EventType.GROUND_ATTACK),
        ("A rebel commander was killed by regime forces near Hass.", EventType.GROUND_ATTACK),
        # killing civilians stays an attack on civilians, a killing by nobody named a killing
        ("Regime forces killed three civilians near Hass.", EventType.ATTACK_ON_CIVILIANS),
        ("Three rebels were killed near Hass on Monday.", EventType.OTHER),
    ],
)
def test_a_force_killing_anothers_men_attacked_them(
    bundled_extractor: Extractor, text: str, event_type: EventType
) -> None:
    assert bundled_extractor.extract(_doc(text))[0].event_type is event_type


@pytest.mark.parametrize(
    "text",
    [
        "Government troops took control of the village of Tal Aswad on Monday.",
        "Government troops clashed with rebels in Hosh Nasri on Monday.",
    ],
)
def test_a_place_the_recogniser_calls_an_organisation_is_no_actor(
    bundled_extractor: Extractor, text: str
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    names = [m.text for m in (*claim.perpetrators, *claim.targets)]
    assert not any("Tal Aswad" in n or "Hosh Nasri" in n for n in names)


def test_another_states_army_named_before_is_the_army_meant(bundled_extractor: Extractor) -> None:
    text = (
        "The Turkish army said it shelled positions near Hass. "
        "On Tuesday the army shelled the village of Tal Aswad again."
    )
    claim = bundled_extractor.extract(_doc(text))[-1]
    assert _ids(claim.perpetrators) == ["turkey"]


def test_a_past_tense_the_tagger_took_for_an_adjective_is_still_the_act(
    bundled_extractor: Extractor,
) -> None:
    text = "Government troops and fighters loyal to them advanced against ISIS near Hass."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.GROUND_ATTACK
    assert _ids(claim.targets) == ["isis"]


# --- a unit and the base named after it ---------------------------------------------------------


BASE = "44th Brigade Army Base"


@pytest.fixture(scope="module")
def mission_extractor(
    tmp_path_factory: pytest.TempPathFactory,
    small_actors: ActorRegistry,
    small_gazetteer: Gazetteer,
) -> Extractor:
    """A mission gazetteer that names bases after the units holding them, as missions' do."""
    csv = tmp_path_factory.mktemp("mission") / "places.csv"
    csv.write_text(
        f"name,lat,lon,admin1\nDivision 17,35.99,39.03,Ar Raqqa\n{BASE},35.10,36.70,Hama\n",
        encoding="utf-8",
    )
    units = [
        Actor("17th-division", "17th Division", ActorKind.STATE_FORCES, ("Division 17",)),
        Actor("44th-brigade", "44th Brigade", ActorKind.STATE_FORCES, ("Brigade 44",)),
    ]
    actors = ActorRegistry([*small_actors, *units])
    gazetteer = Gazetteer([*small_gazetteer, *read_places(csv)])
    return Extractor(actors, gazetteer, build_nlp(actors, gazetteer))


@pytest.mark.parametrize(
    ("text", "name", "label", "ident"),
    [
        ("IS attacked the 17th Division on Monday.", "17th Division", ACTOR, "17th-division"),
        ("Division 17 shelled IS positions.", "Division 17", ACTOR, "17th-division"),
        ("Rebels ambushed a convoy of Brigade 44.", "Brigade 44", ACTOR, "44th-brigade"),
        (
            "IS fighters clashed with regime forces near Division 17.",
            "Division 17",
            PLACE,
            "Division 17",
        ),
        ("Heavy fighting raged at the 44th Brigade on Monday.", "44th Brigade", PLACE, BASE),
        ("Shells fell in the vicinity of Division 17.", "Division 17", PLACE, "Division 17"),
        ("Regime forces withdrew from the direction of Brigade 44.", "Brigade 44", PLACE, BASE),
    ],
)
def test_a_unit_is_the_actor_unless_a_preposition_of_place_governs_it(
    mission_extractor: Extractor, text: str, name: str, label: str, ident: str
) -> None:
    ent = next(e for e in mission_extractor.nlp(text).ents if e.text == name)
    assert ent.label_ == label
    if label == PLACE:
        assert mission_extractor.gazetteer.get(ent.ent_id_).name == ident
    else:
        assert ent.ent_id_ == ident


def test_a_unit_named_like_a_base_is_a_side_and_the_base_a_place(
    mission_extractor: Extractor,
) -> None:
    claim = mission_extractor.extract(
        _doc("IS fighters attacked the 17th Division near Brigade 44.")
    )[0]
    assert _ids(claim.perpetrators) == ["is"]
    assert _ids(claim.targets) == ["17th-division"]
    assert claim.place is not None and claim.place.admin1 == "Hama"


# --- both sides of the fighting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "perpetrators", "targets"),
    [
        # forces coordinated as the subject of a verb of fighting fought each other
        (
            "Government troops and rebel fighters clashed on the edge of Douma on Monday.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        (
            "IS and the Syrian army exchanged fire near Palmyra.",
            ["isis"],
            ["syrian-government-forces"],
        ),
        # allies coordinated so stay on one side, as does a force named with its own unit, and
        # a named enemy is the other
        (
            "The Syrian army and the 4th Division clashed near Hass.",
            ["syrian-government-forces", "4th-armoured-division"],
            [],
        ),
        (
            "Regime forces and allied militias clashed near Hass.",
            ["syrian-government-forces", "pro-government-militias"],
            [],
        ),
        (
            "Regime forces and Hezbollah clashed with rebels in Madaya.",
            ["syrian-government-forces", "hezbollah"],
            ["opposition"],
        ),
        # a force acting in the course of the fighting is a side of it
        (
            "Opposition fighters blew up a regime tank during heavy fighting near Hass.",
            ["opposition"],
            ["syrian-government-forces"],
        ),
        (
            "The Islamic State was able to sever the supply route to the airbase following "
            "battles with the Syrian army.",
            ["isis"],
            ["syrian-government-forces"],
        ),
        # one that gave way after an attack, or fended it off, suffered it
        (
            "Government troops pulled back from the hilltop after a fierce ISIS offensive.",
            ["isis"],
            ["syrian-government-forces"],
        ),
        (
            "Rebels tried to fend off government troops after their advance on the village.",
            ["syrian-government-forces"],
            ["opposition"],
        ),
        (
            "Hezbollah fighters beat back a rebel bid to storm the village.",
            ["opposition"],
            ["hezbollah"],
        ),
        # "X backed by Y" after the verb, parsed as a clause of its own, is the other side
        (
            "Rebel factions continued to fight Hezbollah backed by allied militias in Madaya.",
            ["opposition"],
            ["hezbollah", "pro-government-militias"],
        ),
        # a subject the parser took into the opening scene
        (
            "Amid an exchange of mortar fire, government troops backed by allied militias kept "
            "up their fight against IS near Palmyra.",
            ["syrian-government-forces", "pro-government-militias"],
            ["isis"],
        ),
        # "between" hung on a verb that hangs on the act
        (
            "Fighting raging in two hamlets between Ahrar al-Sham and Jabhat Fateh al-Sham north "
            "of Ariha.",
            ["ahrar-al-sham"],
            ["jabhat-fateh-al-sham"],
        ),
    ],
)
def test_both_sides_of_the_fighting(
    bundled_extractor: Extractor, text: str, perpetrators: list[str], targets: list[str]
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == perpetrators
    assert [a for a in _ids(claim.targets) if a] == targets


def test_the_dead_of_a_clash_with_no_enemy_named_stay_its_victims(
    bundled_extractor: Extractor,
) -> None:
    claim = bundled_extractor.extract(_doc("Three IS fighters died in clashes near Hass."))[0]
    assert claim.event_type is EventType.CLASH
    assert _ids(claim.perpetrators) == []
    assert _ids(claim.targets) == ["isis"]


def test_the_act_a_clause_predicates_outranks_a_noun_beside_it(
    bundled_extractor: Extractor,
) -> None:
    # the parser makes the allies' airstrikes a second subject of "continued"
    text = (
        "Regime forces backed by allied militias and Russian airstrikes continued to battle "
        "the Islamic State near Palmyra."
    )
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.CLASH
    assert "syrian-government-forces" in _ids(claim.perpetrators)
    assert _ids(claim.targets) == ["isis"]


def test_a_force_acting_amid_fighting_is_no_side_of_it(bundled_extractor: Extractor) -> None:
    text = "Government helicopters flew over Hass amid clashes and shelling between rebels and IS."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == ["opposition"]
    assert _ids(claim.targets) == ["isis"]


def test_a_side_named_again_in_a_later_sentence_is_listed_once(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Rebels repelled a government attempt to storm Hass. Two opposition fighters were killed."
    )
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == ["syrian-government-forces"]
    assert _ids(claim.targets) == ["opposition"]
    assert claim.fatalities_min == 2


@pytest.mark.parametrize(
    ("text", "name", "label"),
    [
        ("The United States led strikes in Raqqa.", "United States", ACTOR),
        ("Russia and Iran brokered the deal.", "Iran", ACTOR),
        ("Shells fell in Turkey.", "Turkey", PLACE),
        ("Clashes broke out near Turkey's border.", "Turkey", PLACE),
    ],
)
def test_a_state_is_the_actor_unless_a_preposition_of_place_governs_it(
    bundled_extractor: Extractor, text: str, name: str, label: str
) -> None:
    ent = next(e for e in bundled_extractor.nlp(text).ents if e.text == name)
    assert ent.label_ == label


# --- whose dead, whose act ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "perpetrator", "fallen"),
    [
        # a headline's dead: the reduced "killed" hangs on them, the other side did it
        (
            "Over 40 Nusra Fighters Killed in Clashes with Syrian Army Near Idlib.",
            "syrian-government-forces",
            "jabhat-fateh-al-sham",
        ),
        ("Sixty IS militants killed in Russian airstrikes near Palmyra.", "russia", "isis"),
        # the force whose campaign they fell in
        (
            "Twelve rebels were killed in Syrian Army operations in Daraa.",
            "syrian-government-forces",
            "opposition",
        ),
    ],
)
def test_whose_dead_are_counted_did_not_do_it(
    bundled_extractor: Extractor, text: str, perpetrator: str, fallen: str
) -> None:
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == [perpetrator]
    assert fallen in _ids(claim.targets)


def test_the_dead_in_shelling_and_clashes_told_together_stay_a_side(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "An IS commander died in the battles with and shelling from the Kurdish forces near Manbij."
    )
    claim = bundled_extractor.extract(_doc(text))[0]
    assert claim.event_type is EventType.SHELLING
    assert "isis" in _ids(claim.perpetrators)


def test_civilians_among_the_dead_do_not_hide_who_shelled(bundled_extractor: Extractor) -> None:
    text = "Two medics were among 20 people killed on Saturday in regime shelling of Douma."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert _ids(claim.perpetrators) == ["syrian-government-forces"]


def test_whose_areas_were_struck_did_not_strike(bundled_extractor: Extractor) -> None:
    text = "Air strikes in opposition areas of Aleppo province hit a market on Friday."
    claim = bundled_extractor.extract(_doc(text))[0]
    assert "opposition" not in _ids(claim.perpetrators)


def test_a_weapon_only_one_force_uses_names_it_with_less_confidence(
    bundled_extractor: Extractor,
) -> None:
    unnamed = bundled_extractor.extract(_doc("Barrel bombs killed 11 civilians in Aleppo."))[0]
    named = bundled_extractor.extract(
        _doc("Regime helicopters dropped barrel bombs on Aleppo, killing 11 civilians.")
    )[0]
    assert _ids(unnamed.perpetrators) == _ids(named.perpetrators) == ["syrian-air-force"]
    assert unnamed.perpetrators[0].text == "Barrel bombs"
    assert unnamed.confidence < named.confidence


def test_a_weapon_user_missing_from_the_registry_attributes_nothing(
    extractor: Extractor,
) -> None:
    claim = extractor.extract(_doc("Barrel bombs hit Kafr Nabl on Tuesday."))[0]
    assert not any(m.actor for m in claim.perpetrators)


def test_a_headline_told_by_its_dead_borrows_the_actor_from_the_story(
    bundled_extractor: Extractor,
) -> None:
    text = "Nine people were killed in Idlib on Sunday. Syrian warplanes bombed Saraqeb on Sunday."
    lead = bundled_extractor.extract(_doc(text))[0]
    assert _ids(lead.perpetrators) == ["syrian-air-force"]


def test_aircraft_named_without_their_force_borrow_it_a_named_faction_does_not(
    bundled_extractor: Extractor,
) -> None:
    jets = bundled_extractor.extract(
        _doc(
            "Warplanes pounded Saraqeb on Sunday, killing nine civilians. "
            "Russian jets carried out the raids on the town on Sunday."
        )
    )[0]
    factions = bundled_extractor.extract(
        _doc("Some factions fired rockets into Aleppo on Sunday. Regime forces shelled Aleppo.")
    )[0]
    assert _ids(jets.perpetrators) == ["russian-aerospace-forces"]
    assert _ids(factions.perpetrators) == [None]
