from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.agreement import Sides, load_agreement
from ceasefire.errors import InputError
from ceasefire.model import Agreement, EventType


@pytest.fixture(scope="module")
def actors() -> ActorRegistry:
    return load_actors()


@pytest.fixture(scope="module")
def agreement(actors: ActorRegistry) -> Agreement:
    return load_agreement(actors=actors)


@pytest.fixture(scope="module")
def sides(agreement: Agreement, actors: ActorRegistry) -> Sides:
    return Sides(agreement, actors)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_bundled_agreement_records_the_december_2016_ceasefire(agreement: Agreement) -> None:
    assert agreement.id == "syria-2016-12"
    assert agreement.version
    assert agreement.signed == date(2016, 12, 29)
    assert agreement.effective_from == datetime(2016, 12, 29, 22, 0, tzinfo=UTC)
    assert agreement.effective_from.utcoffset() is not None
    assert agreement.effective_until is None
    assert agreement.territory == ("SY",)
    assert {(g.actor, g.answers_for) for g in agreement.guarantors} == {
        ("russia", "government"),
        ("turkey", "opposition"),
        ("iran", "government"),
    }
    assert {p.id for p in agreement.parties} == {"government", "opposition"}


def test_exclusions_cite_the_un_listing(agreement: Agreement) -> None:
    basis = {d.actor: d.basis for d in agreement.excluded}
    assert "QDe.115" in basis["isis"]
    assert "QDe.137" in basis["jabhat-fateh-al-sham"]
    assert "QDe.137" in basis["hayat-tahrir-al-sham"]
    assert all(d.basis and d.since for d in agreement.excluded)


def test_clauses_have_stable_ids_and_cover_the_prohibited_acts(agreement: Agreement) -> None:
    ids = [c.id for c in agreement.clauses]
    assert len(ids) == len(set(ids))
    kinds = {c.kind for c in agreement.clauses}
    assert {"prohibited", "permitted", "scope", "period"} <= kinds
    prohibited = {act for c in agreement.clauses if c.kind == "prohibited" for act in c.acts}
    assert prohibited == set(EventType) - {EventType.OTHER}


def test_every_membership_has_a_basis(agreement: Agreement, actors: ActorRegistry) -> None:
    for party in agreement.parties:
        for member in party.members:
            assert member.actor in actors
            assert member.basis and member.since


@pytest.mark.parametrize(
    ("actor_id", "side", "party"),
    [
        ("syrian-government-forces", "government", "government"),
        ("tiger-forces", "government", "government"),  # inherited from its force
        ("syrian-air-force", "government", "government"),
        ("hezbollah", "government", "government"),
        ("liwa-fatemiyoun", "government", "government"),
        ("russia", "guarantor", "government"),
        ("russian-aerospace-forces", "guarantor", "government"),
        ("turkish-air-force", "guarantor", "opposition"),
        ("iran", "guarantor", "government"),
        ("ahrar-al-sham", "opposition", "opposition"),
        ("sultan-murad-division", "opposition", "opposition"),
        ("isis", "excluded", None),
        ("yarmouk-martyrs-brigade", "excluded", None),
        ("jabhat-fateh-al-sham", "excluded", None),
        ("hayat-tahrir-al-sham", "excluded", None),
        ("sdf", "other", None),
        ("us-led-coalition", "other", None),
        ("civilians", "other", None),
        ("unidentified-armed-group", "unknown", None),
        ("no-such-actor", "unknown", None),
        (None, "unknown", None),
    ],
)
def test_sides_of_the_bundled_actors(
    sides: Sides, actor_id: str | None, side: str, party: str | None
) -> None:
    assert sides.side(actor_id) == side
    assert sides.party(actor_id) == party


def test_designation_explains_the_side(sides: Sides) -> None:
    record = sides.designation("tiger-forces")
    assert record is not None and record.actor == "syrian-government-forces"
    guarantor = sides.designation("russian-aerospace-forces")
    assert guarantor is not None and "government" in guarantor.basis
    assert sides.designation("sdf") is None


def test_designations_take_effect_on_their_date(sides: Sides) -> None:
    # Zenki joined Hayat Tahrir al-Sham on 28 January 2017: a party before, excluded after.
    assert sides.side("nour-al-din-al-zenki", on=date(2017, 1, 10)) == "opposition"
    assert sides.side("nour-al-din-al-zenki", on=date(2017, 2, 10)) == "excluded"
    assert sides.side("nour-al-din-al-zenki") == "excluded"  # exclusion wins at one level


ACTORS = """\
actors:
  - {id: army, name: Army, kind: state_forces}
  - {id: army-unit, name: Army unit, kind: state_forces, parent: army}
  - {id: rebels, name: Rebels, kind: rebel_group}
  - {id: jihadists, name: Jihadists, kind: jihadist_group}
  - {id: defector-unit, name: Defectors, kind: rebel_group, parent: jihadists}
  - {id: mixed, name: Mixed front, kind: rebel_group}
  - {id: big-power, name: Big power, kind: foreign_state}
"""

AGREEMENT = """\
id: test-truce
version: "2"
title: Test truce
signed: 2020-01-01
effective_from: 2020-01-02T00:00:00+02:00
territory: [SY]
guarantors:
  - {actor: big-power, answers_for: state}
parties:
  - id: state
    name: The state
    members:
      - {actor: army, basis: signatory, since: 2020-01-01}
  - id: armed-opposition
    name: Armed opposition
    members:
      - {actor: rebels, basis: signatory, since: 2020-01-01}
      - {actor: defector-unit, basis: broke away and signed, since: 2020-01-01}
      - {actor: mixed, basis: signatory, since: 2020-01-01}
excluded:
  - {actor: jihadists, basis: UN listing}
  - {actor: mixed, basis: joined the jihadists, since: 2020-03-01}
clauses:
  - id: c1
    kind: prohibited
    title: No attacks
    text: No attacks.
    acts: [airstrike, shelling]
"""


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, ActorRegistry]:
    actors_path = tmp_path / "actors.yaml"
    actors_path.write_text(ACTORS, encoding="utf-8")
    return tmp_path / "agreement.yaml", load_actors(actors_path)


def test_nearest_designation_wins(small: tuple[Path, ActorRegistry]) -> None:
    path, actors = small
    path.write_text(AGREEMENT, encoding="utf-8")
    agreement = load_agreement(path, actors)
    assert agreement.version == "2"
    sides = Sides(agreement, actors)
    assert sides.side("army-unit") == "state"
    assert sides.side("defector-unit") == "armed-opposition"  # own record beats its parent's
    assert sides.side("mixed", on=date(2020, 2, 1)) == "armed-opposition"
    assert sides.side("mixed", on=date(2020, 3, 1)) == "excluded"
    assert sides.party("big-power") == "state"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("{actor: army,", "{actor: navy,", "unknown actor 'navy'"),
        (
            "{actor: big-power, answers_for: state}",
            "{actor: big-power, answers_for: army}",
            "unknown party 'army'",
        ),
        (
            "effective_from: 2020-01-02T00:00:00+02:00",
            "effective_from: 2020-01-02T00:00:00",
            "timezone",
        ),
        ("acts: [airstrike, shelling]", "acts: [airstrike, carpet_bombing]", "acts.1"),
        ("  - id: armed-opposition", "  - id: excluded", "reserved"),
        (
            "{actor: mixed, basis: signatory,",
            "{actor: army, basis: signatory,",
            "already a member of 'state'",
        ),
        ("    kind: prohibited", "    kind: recommended", "kind"),
        ("territory: [SY]", "territory: [Syria]", "territory.0"),
    ],
)
def test_invalid_agreement_names_file_and_line(
    small: tuple[Path, ActorRegistry], old: str, new: str, problem: str
) -> None:
    path, actors = small
    assert old in AGREEMENT
    path.write_text(AGREEMENT.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_agreement(path, actors)
    assert caught.value.source == str(path)
    assert caught.value.line == line_of(AGREEMENT, old)
    assert problem in caught.value.problem


def test_prohibited_clause_must_list_acts(small: tuple[Path, ActorRegistry]) -> None:
    path, actors = small
    path.write_text(AGREEMENT.replace("    acts: [airstrike, shelling]\n", ""), encoding="utf-8")
    with pytest.raises(InputError, match="must list the acts") as caught:
        load_agreement(path, actors)
    assert caught.value.line == line_of(AGREEMENT, "kind: prohibited")


def test_malformed_agreement_yaml(small: tuple[Path, ActorRegistry]) -> None:
    path, actors = small
    path.write_text(AGREEMENT.replace("territory: [SY]", "territory: [SY"), encoding="utf-8")
    with pytest.raises(InputError, match="malformed YAML") as caught:
        load_agreement(path, actors)
    assert caught.value.line is not None
