from pathlib import Path

import pytest

from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.errors import InputError
from ceasefire.model import ActorKind


@pytest.fixture(scope="module")
def registry() -> ActorRegistry:
    return load_actors()


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_bundled_registry_is_large_and_consistent(registry: ActorRegistry) -> None:
    assert len(registry) >= 80
    for actor in registry:
        assert actor.parent is None or actor.parent in registry
        assert actor.id not in registry.lineage(actor.id)[1:]


@pytest.mark.parametrize(
    ("text", "actor_id"),
    [
        ("regime forces", "syrian-government-forces"),
        ("Regime Forces", "syrian-government-forces"),
        ("Syrian Arab Army", "syrian-government-forces"),
        ("the Syrian Arab Army", "syrian-government-forces"),
        ("Hizb'allah", "hezbollah"),
        ("Hizb’allah", "hezbollah"),
        ("Hezbollah", "hezbollah"),
        ("Daesh", "isis"),
        ("IS", "isis"),
        ("ISIL", "isis"),
        ("al-Nusra", "jabhat-fateh-al-sham"),
        ("Nusra Front", "jabhat-fateh-al-sham"),
        ("al-Qaeda-linked fighters", "jabhat-fateh-al-sham"),
        ("HTS", "hayat-tahrir-al-sham"),
        ("Hay'at Tahrir al-Sham", "hayat-tahrir-al-sham"),
        ("SDF", "sdf"),
        ("YPG", "ypg"),
        ("Fatemiyoun", "liwa-fatemiyoun"),
        ("Army of Islam", "jaysh-al-islam"),
        ("Failaq al-Sham", "sham-legion"),
        ("Turkish-backed rebels", "euphrates-shield"),
        ("unknown gunmen", "unidentified-armed-group"),
        ("residents", "civilians"),
        ("Syrias government", "syrian-government-forces"),  # a feed that drops apostrophes
        ("Russia's Aerospace Forces", "russian-aerospace-forces"),
        ("Jaish Khalid Bin Al Waleed", "khalid-ibn-al-walid-army"),  # "Waleed" for "Walid"
        ("Tahrir al-Sham Commission", "hayat-tahrir-al-sham"),  # "Hay'at" translated
    ],
)
def test_press_forms_resolve(registry: ActorRegistry, text: str, actor_id: str) -> None:
    actor = registry.resolve(text)
    assert actor is not None and actor.id == actor_id


@pytest.mark.parametrize(
    ("text", "state"),
    [("Turkish planes", "turkey"), ("Russian air force", "russia"), ("Russian jets", "russia")],
)
def test_air_forces_belong_to_their_state(registry: ActorRegistry, text: str, state: str) -> None:
    actor = registry.resolve(text)
    assert actor is not None and state in registry.lineage(actor.id)


def test_units_belong_to_their_force(registry: ActorRegistry) -> None:
    assert registry.lineage("tiger-forces") == ["tiger-forces", "syrian-government-forces"]
    assert "euphrates-shield" in registry.lineage("sultan-murad-division")
    assert "isis" in registry.lineage("yarmouk-martyrs-brigade")
    assert registry.lineage("jabhat-fateh-al-sham")[1] == "hayat-tahrir-al-sham"


@pytest.mark.parametrize("word", ["insurgents", "militants", "terrorists", "jihadists", "army"])
def test_words_naming_no_side_are_not_aliases(registry: ActorRegistry, word: str) -> None:
    assert registry.resolve(word) is None


def test_unidentified_actors_have_their_own_kind(registry: ActorRegistry) -> None:
    assert registry.get("unidentified-armed-group").kind is ActorKind.UNIDENTIFIED
    assert registry.get("civilians").kind is ActorKind.CIVILIANS


GOOD = """\
actors:
  - id: army
    name: Army
    kind: state_forces
    country: SY
    aliases: [the troops, soldiers]
  - id: army-unit
    name: Army unit
    kind: state_forces
    parent: army
"""


def test_loads_a_small_registry(tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(GOOD, encoding="utf-8")
    registry = load_actors(path)
    assert len(registry) == 2
    assert registry.resolve("Troops").id == "army"
    assert registry.lineage("army-unit") == ["army-unit", "army"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("kind: state_forces\n    parent", "kind: air_force\n    parent", "kind"),
        ("parent: army\n", "parent: navy\n", "unknown parent 'navy'"),
        ("id: army-unit", "id: army", "duplicate actor id 'army'"),
        ("name: Army unit", "name: Soldiers", "'Soldiers' already names actor 'army'"),
        ("id: army\n", "id: Army\n", "id"),
        ("country: SY", "country: Syria", "country"),
    ],
)
def test_invalid_registry_names_file_and_line(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = GOOD.replace(old, new)
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_actors(path)
    assert caught.value.source == str(path)
    assert caught.value.line == line_of(GOOD, old)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")


def test_parent_cycle_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("    country: SY\n", "    country: SY\n    parent: army-unit\n")
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="parent cycle: army -> army-unit -> army") as caught:
        load_actors(path)
    assert caught.value.line == line_of(text, "parent: army-unit")


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    text = GOOD.replace("aliases: [the troops, soldiers]", "aliases: [the troops, soldiers")
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="malformed YAML") as caught:
        load_actors(path)
    assert caught.value.line is not None
    assert caught.value.line >= line_of(text, "aliases:")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        load_actors(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("name", "actor"),
    [
        ("Jaysh Tahrir al-Sham", "jaysh-tahrir-al-sham"),  # not Tahrir al-Sham (HTS)
        ("Tahrir al-Sham", "hayat-tahrir-al-sham"),
        ("ISIS Hunters", "5th-assault-corps"),  # not ISIS
        ("Hay'et Tahrir al-Sham", "hayat-tahrir-al-sham"),
        ("rebel troops", "opposition"),
        ("militiamen loyal to the regime", "pro-government-militias"),
        ("army units", "syrian-government-forces"),
    ],
)
def test_bundled_names_of_similar_groups_stay_apart(name: str, actor: str) -> None:
    resolved = load_actors().resolve(name)
    assert resolved is not None and resolved.id == actor


def test_a_possessive_plural_names_the_force(registry: ActorRegistry) -> None:
    for text in ("Islamic States'", "the Islamic States’"):
        actor = registry.resolve(text)
        assert actor is not None and actor.id == "isis"
    # only the possessive mark allows the plural: "Islamic States" alone names no force
    assert registry.resolve("Islamic States") is None


@pytest.mark.parametrize(
    ("text", "actor_id"),
    [
        ("Soqour al-Sham", "suqour-al-sham"),
        ("Hayat Tahreer al-Sham", "hayat-tahrir-al-sham"),
        ("Jaish al-Izzah", "jaysh-al-izza"),
    ],
)
def test_other_spellings_find_the_closest_name(
    registry: ActorRegistry, text: str, actor_id: str
) -> None:
    assert registry.resolve(text) is None
    actor = registry.closest(text)
    assert actor is not None and actor.id == actor_id


@pytest.mark.parametrize(
    "text",
    [
        "Jund al-Sham",  # a short name near "Jund al-Aqsa" by chance
        "Jaysh al-Ahrar al-Sham",  # between names of different actors
        "General Ali Hassan",  # nobody's name
    ],
)
def test_names_near_no_single_actor_stay_unresolved(registry: ActorRegistry, text: str) -> None:
    assert registry.closest(text) is None


def test_areas_load_as_canonical_governorates(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    parent: army\n", "    parent: army\n    areas: [Daraa, Idlib, Idleb]\n"
    )
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    registry = load_actors(path)
    assert registry.get("army-unit").areas == ("Dar'a", "Idleb")
    assert registry.get("army").areas == ()


def test_an_area_that_is_no_governorate_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("    parent: army\n", "    parent: army\n    areas: [Hama, Syria]\n")
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="unknown governorate 'Syria'") as caught:
        load_actors(path)
    assert caught.value.line == line_of(text, "areas:")


def test_bundled_areas_are_known_for_regional_groups_only(registry: ActorRegistry) -> None:
    assert "Deir-ez-Zor" in registry.get("isis").areas
    assert "Idleb" not in registry.get("isis").areas
    assert registry.get("jaysh-al-islam").areas[0] == "Rural Damascus"
    assert registry.get("syrian-government-forces").areas == ()
    assert registry.get("russia").areas == ()
