"""Resolution of dates against the publication date, of places with their qualifiers, and of
nouns that refer back to an actor."""

from __future__ import annotations

from datetime import date

import pytest
from spacy.language import Language

from ceasefire.actors import ActorRegistry
from ceasefire.extract import Extractor
from ceasefire.gazetteer import Gazetteer, load_gazetteer
from ceasefire.model import Actor, ActorKind, DatePrecision, Document, Place, Precision
from ceasefire.nlp import build_nlp
from ceasefire.resolve import (
    Antecedents,
    DateRange,
    default_range,
    name_runs,
    operating_areas,
    resolve_date,
    resolve_place,
    resolve_places,
    sentence_dates,
)

PUBLISHED = date(2017, 1, 25)  # a Wednesday
D = date


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("Jan. 18", D(2017, 1, 18), D(2017, 1, 18), DatePrecision.DAY),
        ("on 4 January", D(2017, 1, 4), D(2017, 1, 4), DatePrecision.DAY),
        ("January 18, 2017", D(2017, 1, 18), D(2017, 1, 18), DatePrecision.DAY),
        ("Tuesday", D(2017, 1, 24), D(2017, 1, 24), DatePrecision.DAY),
        ("early on Tuesday", D(2017, 1, 24), D(2017, 1, 24), DatePrecision.DAY),
        ("late Monday night", D(2017, 1, 23), D(2017, 1, 23), DatePrecision.DAY),
        ("Wednesday", D(2017, 1, 25), D(2017, 1, 25), DatePrecision.DAY),
        ("yesterday", D(2017, 1, 24), D(2017, 1, 24), DatePrecision.DAY),
        ("two days ago", D(2017, 1, 23), D(2017, 1, 23), DatePrecision.DAY),
        ("overnight", D(2017, 1, 24), D(2017, 1, 25), DatePrecision.RANGE),
        ("last week", D(2017, 1, 16), D(2017, 1, 22), DatePrecision.WEEK),
        ("recently", D(2017, 1, 18), D(2017, 1, 25), DatePrecision.RANGE),
        ("in recent days", D(2017, 1, 18), D(2017, 1, 25), DatePrecision.RANGE),
        ("December", D(2016, 12, 1), D(2016, 12, 31), DatePrecision.MONTH),
        ("earlier this month", D(2017, 1, 1), D(2017, 1, 25), DatePrecision.MONTH),
        ("2016", D(2016, 1, 1), D(2016, 12, 31), DatePrecision.RANGE),
        ("last year", D(2016, 1, 1), D(2016, 12, 31), DatePrecision.RANGE),
        ("Jan. 18-19", D(2017, 1, 18), D(2017, 1, 19), DatePrecision.RANGE),
        ("Thursday and Friday", D(2017, 1, 19), D(2017, 1, 20), DatePrecision.RANGE),
    ],
)
def test_dates_resolve_against_publication(
    text: str, start: date, end: date, precision: DatePrecision
) -> None:
    assert resolve_date(text, PUBLISHED) == DateRange(start, end, precision)


@pytest.mark.parametrize(
    "text", ["for three days", "six years", "70", "a 12-year-old", "next week", "the weekend"]
)
def test_durations_ages_numbers_and_futures_are_no_event_dates(text: str) -> None:
    assert resolve_date(text, PUBLISHED) is None


def test_no_date_is_the_day_of_publication_or_the_day_before() -> None:
    vague = default_range(PUBLISHED)
    assert vague is not None
    assert (vague.start, vague.end, vague.explicit) == (D(2017, 1, 24), PUBLISHED, False)
    assert vague.precision == DatePrecision.RANGE
    assert default_range(None) is None


def test_sentence_dates_include_words_the_recogniser_misses(nlp: Language) -> None:
    sentence = nlp("Warplanes struck the town overnight.")[:]
    [(span, found)] = sentence_dates(sentence, PUBLISHED)
    assert span.text == "overnight"
    assert (found.start, found.end) == (D(2017, 1, 24), PUBLISHED)
    assert sentence_dates(sentence, None) == []


def _place_span(nlp: Language, text: str, name: str):
    doc = nlp(text)
    return next(e for e in doc.ents if e.text == name)


def test_place_resolves_with_gazetteer_position(nlp: Language, small_gazetteer: Gazetteer) -> None:
    span = _place_span(nlp, "Warplanes struck Kafranbel on Tuesday.", "Kafranbel")
    found = resolve_place(small_gazetteer, span)
    assert found is not None
    assert (found.place, found.name, found.admin1, found.country) == (
        "kafr-nabl",
        "Kafr Nabl",
        "Idleb",
        "SY",
    )
    assert found.precision == Precision.TOWN
    assert (found.lat, found.lon) == (35.61, 36.56)


def test_near_a_town_is_a_coarser_place(nlp: Language, small_gazetteer: Gazetteer) -> None:
    span = _place_span(nlp, "Rebels clashed with regime forces near Douma.", "Douma")
    found = resolve_place(small_gazetteer, span)
    assert found is not None and found.place == "douma"
    assert found.precision == Precision.DISTRICT


def test_province_qualifier_names_the_governorate(nlp: Language) -> None:
    gazetteer = load_gazetteer()
    bundled = nlp("Warplanes struck villages in Idlib province on Monday.")
    span = next(e for e in bundled.ents if e.text.startswith("Idlib"))
    found = resolve_place(gazetteer, span)
    assert found is not None
    assert (found.admin1, found.precision) == ("Idleb", Precision.GOVERNORATE)


PARTICLES = frozenset({"al", "el", "ez", "ash"})


def _town(ident: str, name: str, lat: float, lon: float, admin1: str) -> Place:
    return Place(ident, name, lat, lon, "town", Precision.TOWN, admin1)


@pytest.fixture(scope="module")
def namesakes() -> Gazetteer:
    """Two villages of one name in different governorates, and a town beside one of them."""
    return Gazetteer(
        [
            *load_gazetteer(),
            _town("hamra-hama", "Tall Hamra", 35.3, 36.9, "Hama"),
            _town("hamra-hasakah", "Tall Hamra", 36.95, 41.15, "Al-Hasakeh"),
            _town("jdeideh-idleb", "Jdeideh", 35.9, 36.4, "Idleb"),
        ]
    )


def _resolved(nlp: Language, gazetteer: Gazetteer, text: str) -> list[tuple[str, str | None]]:
    sentence = next(iter(nlp(text).sents))
    found = resolve_places(gazetteer, name_runs(sentence, PARTICLES))
    return [(mention.name or "", mention.admin1) for _, mention in found]


def test_name_runs_join_what_the_recogniser_splits(nlp: Language) -> None:
    sentence = next(
        iter(
            nlp("Rebels fought near Ein Elfijeh and in Kafr al-Zayt, state agency SANA said.").sents
        )
    )
    runs = [run.text for run in name_runs(sentence, PARTICLES)]
    assert "Ein Elfijeh" in runs and "Kafr al-Zayt" in runs
    assert "SANA" not in runs


def test_a_governorate_in_the_sentence_picks_the_namesake(
    nlp: Language, namesakes: Gazetteer
) -> None:
    found = _resolved(nlp, namesakes, "Jets struck Tall Hamra in Hasakah province on Monday.")
    assert ("Tall Hamra", "Al-Hasakeh") in found
    found = _resolved(nlp, namesakes, "Jets struck Tall Hamra in Hama province on Monday.")
    assert ("Tall Hamra", "Hama") in found


def test_a_town_beside_the_name_picks_the_namesake(nlp: Language, namesakes: Gazetteer) -> None:
    found = _resolved(nlp, namesakes, "Rebels attacked Tall Hamra near Qamishli on Monday.")
    assert found[0] == ("Tall Hamra", "Al-Hasakeh")


def test_a_name_whose_namesakes_lie_elsewhere_gives_way_to_the_wider_place(
    nlp: Language, namesakes: Gazetteer
) -> None:
    text = "Rebels fought in Jdeideh in the northern countryside of Hasakah on Monday."
    assert [admin1 for _, admin1 in _resolved(nlp, namesakes, text)] == ["Al-Hasakeh"]
    text = "Rebels fought in Jdeideh in the countryside of Idlib on Monday."
    assert ("Jdeideh", "Idleb") in _resolved(nlp, namesakes, text)


def test_a_list_of_places_is_no_place_within_another(nlp: Language) -> None:
    found = _resolved(nlp, load_gazetteer(), "Jets struck Aleppo, Idlib and Hama on Monday.")
    assert {admin1 for _, admin1 in found} == {"Aleppo", "Idleb", "Hama"}


def test_a_claim_placed_in_a_region_takes_the_governorate_the_report_is_about(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Car bomb kills nine in northeast Syria\n"
        "A car bomb killed nine people at a market in the city of Qamishli on Sunday, a "
        "monitoring group said. The blast in Qamishli also wounded dozens."
    )
    document = Document(id="d", raw=text.encode(), text=text, published_at=D(2017, 3, 6))
    claims = bundled_extractor.extract(document)
    assert claims and all(c.place and c.place.admin1 == "Al-Hasakeh" for c in claims)


def test_a_headline_naming_no_place_takes_the_governorate_the_report_is_about(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Air strikes kill nine civilians\n"
        "Warplanes struck a market in Saraqib in Idlib province on Monday, killing nine "
        "civilians, a monitoring group said."
    )
    document = Document(id="d", raw=text.encode(), text=text, published_at=D(2017, 3, 6))
    claims = sorted(bundled_extractor.extract(document), key=lambda c: c.spans[0].start)
    assert claims[0].spans[0].text.startswith("Air strikes")
    headline = claims[0].place
    assert headline is not None and headline.admin1 == "Idleb"
    assert headline.precision == Precision.GOVERNORATE  # inferred, not named


def test_a_headline_naming_no_place_takes_the_governorate_the_story_opens_in(
    bundled_extractor: Extractor,
) -> None:
    text = (
        "Air strikes kill nine civilians\n"
        "Warplanes struck a market in Saraqib in Idlib province on Monday, killing nine "
        "civilians, a monitoring group said. The day before, rebels shelled Aleppo city. "
        "Government forces also advanced in the southern countryside of Aleppo. Rebels "
        "clashed with IS near Al-Bab in the eastern countryside of Aleppo."
    )
    document = Document(id="d", raw=text.encode(), text=text, published_at=D(2017, 3, 6))
    claims = sorted(bundled_extractor.extract(document), key=lambda c: c.spans[0].start)
    assert claims[0].spans[0].text.startswith("Air strikes")
    assert sum(c.place is not None and c.place.admin1 == "Aleppo" for c in claims) >= 3
    headline = claims[0].place
    assert headline is not None and headline.admin1 == "Idleb"


def test_operating_areas_are_the_actors_own_or_their_nearest_ancestors() -> None:
    actors = ActorRegistry(
        [
            Actor("army", "Army", ActorKind.STATE_FORCES),
            Actor("front", "Front", ActorKind.REBEL_GROUP, areas=("Dar'a", "Quneitra")),
            Actor("brigade", "Brigade", ActorKind.REBEL_GROUP, parent="front"),
            Actor("battalion", "Battalion", ActorKind.REBEL_GROUP, parent="brigade"),
            Actor("northern", "Northern", ActorKind.REBEL_GROUP, parent="front", areas=("Aleppo",)),
        ]
    )
    southern = frozenset({"Dar'a", "Quneitra"})
    assert operating_areas(actors, ["army", "battalion", "brigade", "unknown"]) == [southern]
    assert operating_areas(actors, ["northern", "front"]) == [frozenset({"Aleppo"}), southern]
    assert operating_areas(actors, ["army"]) == []  # fights anywhere: says nothing


@pytest.fixture(scope="module")
def homonyms() -> Gazetteer:
    """The bundled places with invented villages: namesakes in two governorates, a name and
    another spelt alike elsewhere, and a name only its consonants find."""
    return Gazetteer(
        [
            *load_gazetteer(),
            _town("hamra-hama", "Tall Hamra", 35.3, 36.9, "Hama"),
            _town("hamra-hasakah", "Tall Hamra", 36.95, 41.15, "Al-Hasakeh"),
            _town("qaltuba-idleb", "Qaltuba", 35.8, 36.6, "Idleb"),
            _town("qalattaba-raqqa", "Qalattaba", 35.9, 38.9, "Ar-Raqqa"),
            _town("mazrafa", "Mazrafa", 35.2, 36.8, "Hama"),
        ]
    )


def _at(
    nlp: Language,
    gazetteer: Gazetteer,
    text: str,
    names: list[str],
    *areas: set[str],
    hint: str | None = None,
) -> list[tuple[str, str | None, Precision | None]]:
    """Where the named places of a sentence resolve, its actors fighting in `areas`."""
    doc = nlp(text)
    spans = [doc.char_span(text.index(n), text.index(n) + len(n)) for n in names]
    found = resolve_places(gazetteer, spans, hint, [frozenset(a) for a in areas])
    return [(m.name or "", m.admin1, m.precision) for _, m in found]


TOWN = Precision.TOWN


def test_the_actors_areas_pick_the_namesake(nlp: Language, homonyms: Gazetteer) -> None:
    text, names = "Fighters attacked Tall Hamra on Monday.", ["Tall Hamra"]
    hasakah = [("Tall Hamra", "Al-Hasakeh", TOWN)]
    hama = [("Tall Hamra", "Hama", TOWN)]
    assert _at(nlp, homonyms, text, names, {"Ar-Raqqa", "Al-Hasakeh"}) == hasakah
    assert _at(nlp, homonyms, text, names, {"Hama", "Homs"}) == hama
    # where both sides fight first, else where either does
    assert _at(nlp, homonyms, text, names, {"Idleb", "Hama"}, {"Al-Hasakeh", "Hama"}) == hama
    assert _at(nlp, homonyms, text, names, {"Idleb"}, {"Al-Hasakeh"}) == hasakah


def test_a_governorate_the_sentence_names_outranks_the_actors(
    nlp: Language, homonyms: Gazetteer
) -> None:
    text = "Fighters attacked Tall Hamra in Hama province on Monday."
    found = _at(nlp, homonyms, text, ["Tall Hamra", "Hama province"], {"Al-Hasakeh"})
    assert ("Tall Hamra", "Hama", TOWN) in found


def test_a_village_where_no_actor_fights_gives_way_to_one_spelt_alike_where_they_do(
    nlp: Language, homonyms: Gazetteer
) -> None:
    text, names = "Fighters shelled Qaltuba on Monday.", ["Qaltuba"]
    raqqa = [("Qalattaba", "Ar-Raqqa", TOWN)]
    assert _at(nlp, homonyms, text, names, {"Ar-Raqqa", "Deir-ez-Zor"}) == raqqa
    assert _at(nlp, homonyms, text, names, {"Idleb", "Ar-Raqqa"}) == [("Qaltuba", "Idleb", TOWN)]
    assert _at(nlp, homonyms, text, names) == [("Qaltuba", "Idleb", TOWN)]
    # a name the sentence ties to its governorate stays there
    text = "Fighters shelled Qaltuba in Idlib province."
    found = _at(nlp, homonyms, text, ["Qaltuba", "Idlib province"], {"Ar-Raqqa"})
    assert ("Qaltuba", "Idleb", TOWN) in found


def test_an_unknown_spelling_sounds_out_a_village_where_the_actors_fight(
    nlp: Language, homonyms: Gazetteer
) -> None:
    text, names = "Fighters shelled Mayzrufa on Monday.", ["Mayzrufa"]
    assert _at(nlp, homonyms, text, names, {"Hama"}) == [("Mazrafa", "Hama", TOWN)]
    # over many governorates the consonants alone are too weak a clue
    assert _at(nlp, homonyms, text, names, {"Hama", "Homs", "Idleb", "Aleppo"}) == []


def test_an_unknown_village_lies_in_the_one_governorate_its_actors_share(
    nlp: Language, homonyms: Gazetteer
) -> None:
    text, names = "Fighters shelled Zuqaybiyat on Monday.", ["Zuqaybiyat"]
    daraa = [("Dar'a", "Dar'a", Precision.GOVERNORATE)]
    assert _at(nlp, homonyms, text, names, {"Dar'a"}) == daraa
    assert _at(nlp, homonyms, text, names, {"Dar'a", "Quneitra"}, {"Dar'a", "Hama"}) == daraa
    assert _at(nlp, homonyms, text, names, {"Dar'a", "Quneitra"}) == []
    assert _at(nlp, homonyms, text, names) == []
    # a governorate the report named earlier is better evidence than who fights where
    assert _at(nlp, homonyms, text, names, {"Dar'a"}, hint="Quneitra") == []


@pytest.fixture(scope="module")
def mission_extractor(small_actors: ActorRegistry) -> Extractor:
    """The bundled places and a mission's own: a village the bundle lacks, one whose name is
    only the word for "village", and one whose name joins two others'."""
    gazetteer = Gazetteer(
        [
            *load_gazetteer(),
            _town("mazrafa", "Mazrafa", 35.2, 36.8, "Hama"),
            _town("kafr", "Kafr", 32.7, 36.6, "As-Sweida"),
            _town("zahra", "Zahra", 34.7, 36.7, "Homs"),
            _town("jadida", "Jadida", 35.1, 36.7, "Hama"),
            _town("zahra-jdida", "Zahra Jdida", 36.2, 37.1, "Aleppo"),
        ]
    )
    return Extractor(small_actors, gazetteer, build_nlp(small_actors, gazetteer))


def _places(extractor: Extractor, text: str) -> list[str]:
    sentence = next(iter(extractor.nlp(text).sents))
    return [m.place for m in extractor._places(sentence, (0, 0), None)]


def test_an_unknown_spelling_sounds_out_a_village_of_the_governorate_named(
    mission_extractor: Extractor,
) -> None:
    assert "mazrafa" in _places(mission_extractor, "Fighting broke out in Mayzrufa in Hama.")
    assert "mazrafa" in _places(
        mission_extractor, "Rebels took Mayzrufa village in the countryside of Hama on Monday."
    )
    # without the governorate the consonants alone are too weak a clue
    assert "mazrafa" not in _places(mission_extractor, "Fighting broke out in Mayzrufa today.")


def test_a_generic_word_does_not_stand_for_the_name_it_begins(
    mission_extractor: Extractor,
) -> None:
    found = _places(mission_extractor, "Clashes erupted on the outskirts of Kafr Nabol on Monday.")
    assert "kafr" not in found
    assert [mission_extractor.gazetteer.get(p).name for p in found] == ["Kafr Nabl"]
    assert _places(mission_extractor, "Shells fell on Kafr on Monday.") == ["kafr"]


def test_a_name_the_recogniser_split_is_looked_up_whole(mission_extractor: Extractor) -> None:
    found = _places(mission_extractor, "Clashes broke out in Zahra Jadida on Monday.")
    assert found == ["zahra-jdida"]  # one name in another spelling, not two villages
    found = _places(mission_extractor, "Clashes broke out in Zahra and Jadida on Monday.")
    assert found == ["zahra", "jadida"]


@pytest.mark.parametrize(
    "text",
    [
        "Rebels shelled the outskirts of Kafr Nabol on Monday.",
        "Gunmen attacked the village of Kafr Nabol on Monday.",
    ],
)
def test_a_name_the_recogniser_calls_a_person_is_a_place_after_a_place_noun(
    bundled_extractor: Extractor, text: str
) -> None:
    sentence = next(iter(bundled_extractor.nlp(text).sents))
    assert [m.name for m in bundled_extractor._places(sentence, (0, 0), None)] == ["Kafr Nabl"]
    assert not bundled_extractor._places(
        next(iter(bundled_extractor.nlp("The son of Kafr Nabol spoke on Monday.").sents)),
        (0, 0),
        None,
    )


def test_a_road_stands_for_its_towns_only_when_nothing_else_is_named(
    bundled_extractor: Extractor,
) -> None:
    sentence = next(
        iter(bundled_extractor.nlp("Gunmen ambushed a convoy on the Hama-Salamiyah road.").sents)
    )
    found = bundled_extractor._places(sentence, (0, 0), None)
    assert found and found[0].admin1 == "Hama"
    assert all(m.precision != Precision.TOWN for m in found)  # beside the town, not in it
    text = "Gunmen ambushed a convoy in Taybat al-Imam on the Hama-Salamiyah road."
    sentence = next(iter(bundled_extractor.nlp(text).sents))
    assert [m.name for m in bundled_extractor._places(sentence, (0, 0), None)] == ["Taybat al-Imam"]


def test_antecedents_resolve_to_the_latest_compatible_actor(
    nlp: Language, small_actors: ActorRegistry
) -> None:
    antecedents = Antecedents(small_actors)
    antecedents.observe("is")
    antecedents.observe("government")
    doc = nlp("The militants attacked the army.")
    militants, army = doc[1], doc[4]
    assert antecedents.resolve(militants) == "is"
    assert antecedents.resolve(army) == "government"
    assert antecedents.resolve(doc[2]) is None  # not a referring noun
    antecedents.observe("unknown-id")  # ids the registry lacks are ignored
    assert antecedents.resolve(army) == "government"


def test_antecedents_named_with_the_noun_come_first(
    nlp: Language, small_actors: ActorRegistry
) -> None:
    antecedents = Antecedents(small_actors)
    antecedents.observe("government", "Syrian army")
    antecedents.observe("russia", "Russian forces")
    doc = nlp("The army and the forces attacked the rebels.")
    army, forces, rebels = doc[1], doc[4], doc[7]
    assert antecedents.named_like(army) == "government"
    assert antecedents.named_like(forces) == "russia"
    assert antecedents.named_like(rebels) is None
