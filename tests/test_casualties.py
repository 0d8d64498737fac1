"""Fatality counts: read off the parse, never the wounded, never a part counted twice."""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from ceasefire.casualties import count_casualties, parse_casualties


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Government warplanes struck the town, killing at least 12 people.", (12, None)),
        ("Regime forces killed 12 rebels near the town on Monday.", (12, 12)),
        ("The strike on the market left 7 dead.", (7, 7)),
        ("The shelling killed dozens of civilians in the old city.", (12, None)),
        ("A dozen soldiers were killed in the ambush.", (12, None)),
        ("Two children were among the dead.", (2, None)),
        ("Three civilians were killed and five others wounded in the raid.", (3, 3)),
        ("Twelve soldiers and eight rebels were killed in the fighting.", (20, 20)),
        ("At least twenty-five people died when the building collapsed.", (25, None)),
        ("The raid killed a woman and her two children.", (3, 3)),
        ("The strikes claimed the lives of 15 civilians.", (15, 15)),
        ("Fighting raged all day, killing 40 fighters, 10 of whom were foreigners.", (40, 40)),
        ("The bombing killed 43 people, including 12 children.", (43, 43)),
        ("The death toll from the blast rose to 70 on Wednesday.", (70, 70)),
        (
            "Four fighters were killed near the town, amid reports that dozens of soldiers died.",
            (4, 4),
        ),
        # a headline run into its story over a dated byline: the story's own count stands
        (
            "Mortar fire kills 3 children AFP Thursday 27 Oct 2016 At least three children were "
            "killed and 9 injured in the attack.",
            (3, None),
        ),
        (
            "Shelling kills 20 soldiers AFP Sunday 18 Sep 2016 More than 25 soldiers were "
            "killed in the shelling of the base.",
            (25, None),
        ),
        ("Mon Jul 18 2016 21 Civilians Killed in Coalition Attacks in Northern Syria.", (21, 21)),
        (
            "At least 29 rebels were killed in a bid to break the siege, which threatens "
            "300000 civilians.",
            (29, None),
        ),
        ("An unknown number of fatalities was estimated at 10.", (10, 10)),
        ("Troops killed fewer than 9 militants in the raid.", (None, 9)),
        ("Troops killed up to 9 militants in the raid.", (9, None)),  # an estimate as told
        ("The attack killed between 4 and 6 people.", (4, 6)),
    ],
)
def test_counts_the_dead(nlp: Language, text: str, expected: tuple) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "No casualties were reported.",
        "No losses reported.",
        "Neither injuries nor fatalities were reported.",
        "No one was killed in the attack on the checkpoint.",
    ],
)
def test_no_casualties_is_zero(nlp: Language, text: str) -> None:
    assert parse_casualties(nlp(text)[:]) == (0, 0)


@pytest.mark.parametrize(
    "text",
    [
        "The shelling wounded 30 people in the eastern districts.",
        "Rebels captured 14 soldiers near the airbase.",
        "The rebels destroyed two tanks and a bulldozer.",
        "More than 300 families fled the town in 2016.",
        "The convoy of 40 trucks reached the town on Jan. 18.",
        "A 12-year-old boy was injured by sniper fire.",
        "Clashes continued for a third day.",
    ],
)
def test_wounded_captured_and_other_numbers_are_not_deaths(nlp: Language, text: str) -> None:
    assert parse_casualties(nlp(text)[:]) == (None, None)


def test_bodies_and_wounded_pulled_from_the_rubble(nlp: Language) -> None:
    doc = nlp("Rescuers pulled 12 bodies and more than 30 wounded from the rubble.")
    assert parse_casualties(doc) == (12, 12)


def test_killed_and_wounded_in_one_sentence(nlp: Language) -> None:
    doc = nlp("The car bomb killed 4 people and injured 20 others in the market.")
    assert parse_casualties(doc) == (4, 4)


def test_a_toll_restated_is_marked_total(nlp: Language) -> None:
    assert count_casualties(nlp("The death toll rose to 23.")[:]).total
    assert not count_casualties(nlp("The strike killed 23 people.")[:]).total


def test_also_marks_a_count_to_add(nlp: Language) -> None:
    assert count_casualties(nlp("Three civilians were also killed.")[:]).additive
    assert not count_casualties(nlp("Three civilians were killed.")[:]).additive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Four rebel fighters killed.", (4, 4)),  # a note's shorthand, no auxiliary
        ("A rebel colonel was killed in the fighting.", (1, 1)),
        ("Tens of fighters were killed on both sides.", (10, None)),
        ("Some deaths were reported among the attackers.", (10, None)),
        ("Some 30 people were killed in the raids.", (30, None)),
        # a headline run into its lead tells one count twice
        (
            "Nine civilians dead in raid on village At least 9 civilians were killed on "
            "Monday in air raids on the village.",
            (9, 9),
        ),
        ("Two soldiers were killed in Hass and two rebels died in Kafr Nabl.", (4, 4)),
        ("Two civilians were killed in Hass and two civilians in Kafr Nabl.", (4, 4)),
    ],
)
def test_shorthand_ranks_vague_and_restated_counts(nlp: Language, text: str, expected) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_some_of_the_wounded_is_no_count(nlp: Language) -> None:
    assert parse_casualties(nlp("Some of the wounded were taken to hospital.")[:]) == (None, None)


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("The shelling killed dozens of civilians in the old city.", True),
        ("Scores of people died in the raids.", True),
        ("Government warplanes struck the town, killing at least 12 people.", False),
        ("Dozens of soldiers died, and a dozen rebels.", True),
        ("The army pressed on, killing many of their fighters.", True),  # no part: the whole
    ],
)
def test_counts_told_only_in_words_are_vague(nlp: Language, text: str, vague: bool) -> None:
    assert count_casualties(nlp(text)).vague is vague


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an estimate is the count as reported, its high end open
        ("Airstrikes killed about 35 people in the town.", (35, None)),
        ("Nearly 20 fighters died in the clashes on the hill.", (20, None)),
        # the whole a part is "among"
        ("Eight children were among at least 40 people killed in the village.", (40, None)),
        # a headline's count told again in the story, of people it names more closely
        (
            "Regime bombing kills 16 in the old city Government air strikes killed at least 16 "
            "civilians on Wednesday.",
            (16, 16),
        ),
        (
            "More than 30 rebels killed in suicide blast The group claimed a bombing that killed "
            "more than 30 rebel fighters near the border.",
            (30, None),
        ),
        ("Clashes between troops and rebels led to the killing of 1 rebel.", (1, 1)),
        ("Militants killed and crucified five civilians in two villages.", (5, 5)),
        ("Brigadier General Fadi Haddad was killed in the fighting near the airbase.", (1, 1)),
    ],
)
def test_estimates_wholes_restatements_and_named_dead(nlp: Language, text: str, expected) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_an_also_of_another_clause_adds_nothing(nlp: Language) -> None:
    text = "The ambush was also reported by state TV, which said that 10 soldiers had been killed."
    assert not count_casualties(nlp(text)[:]).additive
    assert count_casualties(nlp("In addition, 14 civilians were killed in the raids.")[:]).additive


def test_a_count_said_to_add_is_no_restatement(nlp: Language) -> None:
    text = "Two soldiers were killed, and 3 civilians were also killed, while artillery killed 3."
    assert parse_casualties(nlp(text)[:]) == (8, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 fatalities were split between Kafr Nabl and Hass.", (5, 5)),
        ("An unknown toll, coded as 12, was divided among 3 locations.", (4, 4)),
        # a toll that does not divide evenly gives each event a range of shares
        ("An unknown toll, coded as 10, was divided among 3 locations.", (3, 4)),
        ("The rebels split into two groups after 4 fighters were killed.", (4, 4)),
    ],
)
def test_a_toll_split_among_events_leaves_each_its_part(
    nlp: Language, text: str, expected: tuple
) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_a_split_told_apart_from_its_toll_is_kept_for_it(nlp: Language) -> None:
    assert count_casualties(nlp("The fatalities were split across 2 events.")[:]).share == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a stated total sums up the counts told with it, instead of adding to them
        ("Shelling killed 3 rebels and 2 soldiers, for a total of 5 fatalities.", (5, 5)),
        ("Unknown losses were coded as 10, bringing the total to 12 dead.", (12, 12)),
        (
            "4 more fatalities were coded for the car bomb, with the total number of "
            "fatalities coded as 9.",
            (9, 9),
        ),
        # "more" after a number adds it to the count told before
        ("Airstrikes killed 12 civilians, while 12 more died in the shelling.", (24, 24)),
    ],
)
def test_totals_and_more(nlp: Language, text: str, expected: tuple) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_a_stated_total_replaces_and_an_additional_count_adds(nlp: Language) -> None:
    total = count_casualties(nlp("Two fighters also died, for a total of 7 fatalities.")[:])
    assert (total.min, total.total, total.additive) == (7, True, False)
    added = count_casualties(nlp("Rebel losses were coded as an additional 10.")[:])
    assert (added.min, added.total, added.additive) == (10, False, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the parts of a toll given to the events it is split among are no counts of their own
        (
            "12 fatalities were split between two events, with 6 allocated to Hass and 6 "
            "allocated to Kafr Nabl.",
            (6, 6),
        ),
        (
            "7 fatalities split between 3 events, with 3 allocated to Hass, 2 to Hama and 2 "
            "to Kafr Nabl.",
            (2, 3),
        ),
        (
            "About 40 people died in the city, with 9 fatalities allocated to the old quarter.",
            (40, None),
        ),
    ],
)
def test_allocated_parts_of_a_split_toll(nlp: Language, text: str, expected: tuple) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_a_count_allocated_to_each_event_is_every_events_toll(nlp: Language) -> None:
    found = count_casualties(nlp("One fatality was allocated to each event.")[:])
    assert (found.min, found.max, found.total) == (1, 1, True)


def test_a_split_with_parts_only_keeps_the_share(nlp: Language) -> None:
    found = count_casualties(
        nlp("The fatalities were split between two events, with 4 allocated to Hass.")[:]
    )
    assert (found.known, found.share) == (False, 2)


def test_a_split_toll_restates_an_earlier_vague_one(nlp: Language) -> None:
    assert count_casualties(nlp("8 fatalities were split between Hass and Hama.")[:]).total


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # whoever a killing verb says was killed is a person, listed in the lexicon or not
        ("A freelance cameraman was killed while covering the fighting.", (1, 1)),
        ("The ambush killed 3 medics on the road.", (3, 3)),
        ("At least 2 Turkish gendarmes were killed.", (2, None)),
        # a number the parser split off as a sentence of its own
        (
            "Regime forces clashed with IS around the hills near the town. 3 IS militants killed.",
            (3, 3),
        ),
        # the same words name no dead when nothing was killed
        ("The regime lost 3 tanks in the battle.", (None, None)),
        ("Rebels destroyed 4 vehicles near the town.", (None, None)),
    ],
)
def test_victims_of_killing_verbs_and_named_dead(nlp: Language, text: str, expected) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_a_name_the_recogniser_tagged_only_in_part_is_one_dead(nlp: Language) -> None:
    # "Brigadier Samir Fadel Nasser was killed": the recogniser tagged "Samir Fadel" alone
    doc = Doc(
        nlp.vocab,
        words=["Brigadier", "Samir", "Fadel", "Nasser", "was", "killed", "."],
        heads=[3, 3, 3, 5, 5, 5, 5],
        deps=["compound", "compound", "compound", "nsubjpass", "auxpass", "ROOT", "punct"],
        pos=["PROPN", "PROPN", "PROPN", "PROPN", "AUX", "VERB", "PUNCT"],
        lemmas=["Brigadier", "Samir", "Fadel", "Nasser", "be", "kill", "."],
        ents=["O", "B-PERSON", "I-PERSON", "O", "O", "O", "O"],
    )
    assert parse_casualties(doc[:]) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # counts listed together share the verb hung on the last of them
        ("Six boys and three medical staff killed by airstrikes on a clinic in the north.", (9, 9)),
        # "among them", "one of", "four of their": parts of a count told in full
        ("Twenty civilians among them 8 children were killed in the raid.", (20, 20)),
        ("The surgeon was one of three people killed.", (3, 3)),
        ("The monitor said 5 of the 20 people killed were children.", (20, 20)),
        (
            "Airstrikes killed six members of one family, the parents and four of their sons.",
            (6, 6),
        ),
        # a group whose size is told is that many people, not one
        ("The strike killed a family of 4 in the village.", (4, 4)),
        # "leave ... dead" however the parser hangs "dead"
        (
            "Fighting rocked the town, leaving 30 civilians - including six children - dead.",
            (30, 30),
        ),
        (
            "A military jet crashed on Monday leaving at least 19 people dead a monitor said.",
            (19, None),
        ),
        # a count listed with a part is a part too; "others" listed with people are people
        ("The monitor gave a toll of 36 dead among them 15 children and four teachers.", (36, 36)),
        ("Air raids hit the town, killing nine children and 14 others.", (23, 23)),
        # a headline's bare "N dead"; a toll the parser ran into the count of a part after it
        ("Seven dead 20 wounded in central Damascus blast.", (7, 7)),
        ("The toll from the attack on the town has risen to 86 30 of them children.", (86, 86)),
        # a toll told only to be replaced; a part "among" a whole the story counts
        ("The monitor put the toll at 126 dead, updating a previous toll of 112.", (126, 126)),
        ("At least 68 children were among the 126 people killed in the blast.", (126, 126)),
        ("The toll included two people killed by rocket fire on Sunday.", (2, None)),
        # groups whose size is not told count no one; "a further 9" is nine, not ten
        ("Regime forces executed six families of rebel fighters.", (None, None)),
        ("A further nine people including five children were killed in strikes.", (9, 9)),
        # a coder's figure for a sentence that tells of killing, however told
        ("Rebels ambushed a truck and managed to kill and injure soldiers, coded as 10.", (10, 10)),
        ("Three rebels were killed and injuries were coded as 10.", (3, 3)),
        # a toll figure the recogniser took for a date
        ("Local police put the death toll at 12 earlier.", (12, 12)),
    ],
)
def test_parts_lists_groups_and_results(nlp: Language, text: str, expected: tuple) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # who does something to the dead or to their toll is not among them
        ("A local activist confirmed the death toll from the raid.", (None, None)),
        ("One man carried out the lifeless body of a soldier.", (1, 1)),
    ],
)
def test_who_handles_the_dead_is_not_among_them(nlp: Language, text: str, expected) -> None:
    assert parse_casualties(nlp(text)[:]) == expected


def test_a_running_toll_in_a_clause_of_its_own_is_not_the_events(nlp: Language) -> None:
    text = "The raids killed 5 people on Monday, raising the death toll to 40 since the offensive."
    assert parse_casualties(nlp(text)[:]) == (5, 5)
    assert parse_casualties(nlp("The death toll from the raids rose to 40.")[:]) == (40, 40)


@pytest.mark.parametrize(
    "text",
    [
        "At least 15 soldiers were killed or wounded in the attack.",
        "The strike killed or injured 20 people.",
        "The unit shelled the village, leaving some of them killed or wounded.",
        "19 killed and injured in an attack on the town.",
    ],
)
def test_the_dead_and_wounded_counted_together_are_no_toll(nlp: Language, text: str) -> None:
    assert parse_casualties(nlp(text)[:]) == (None, None)
