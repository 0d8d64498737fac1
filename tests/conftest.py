"""Shared fixtures: the spaCy pipeline takes seconds to build, so each variant is built once."""

from __future__ import annotations

import pytest
from spacy.language import Language

from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.extract import Extractor
from ceasefire.gazetteer import Gazetteer, load_gazetteer
from ceasefire.model import Actor, ActorKind, Place, Precision
from ceasefire.nlp import build_nlp


def _actor(
    ident: str, name: str, kind: ActorKind, *aliases: str, parent: str | None = None
) -> Actor:
    return Actor(ident, name, kind, aliases, parent)


@pytest.fixture(scope="session")
def small_actors() -> ActorRegistry:
    """A registry of a few actors, independent of the bundled one."""
    return ActorRegistry(
        [
            _actor(
                "government",
                "Syrian government forces",
                ActorKind.STATE_FORCES,
                "regime forces",
                "regime",
                "Syrian army",
                "government forces",
                "SAA",
            ),
            _actor(
                "russia",
                "Russian armed forces",
                ActorKind.FOREIGN_STATE,
                "Russian warplanes",
                "Russian jets",
                "Russian forces",
            ),
            _actor(
                "opposition", "Syrian opposition", ActorKind.REBEL_GROUP, "rebels", "rebel forces"
            ),
            _actor(
                "ahrar",
                "Ahrar al-Sham",
                ActorKind.REBEL_GROUP,
                "Ahrar al Sham",
                parent="opposition",
            ),
            _actor("is", "Islamic State", ActorKind.JIHADIST_GROUP, "IS", "ISIS", "Daesh"),
            _actor("hezbollah", "Hezbollah", ActorKind.MILITIA, "Hizbollah"),
            _actor("militias", "Pro-government militias", ActorKind.MILITIA, "allied militias"),
            _actor("civilians", "Civilians", ActorKind.CIVILIANS, "civilians", "children"),
        ]
    )


def _place(
    ident: str,
    name: str,
    lat: float,
    lon: float,
    admin1: str | None,
    precision: Precision = Precision.TOWN,
    country: str = "SY",
    *aliases: str,
) -> Place:
    kind = "governorate" if precision == Precision.GOVERNORATE else "town"
    return Place(ident, name, lat, lon, kind, precision, admin1, None, country, aliases)


@pytest.fixture(scope="session")
def small_gazetteer() -> Gazetteer:
    """A few places, independent of the bundled gazetteer."""
    return Gazetteer(
        [
            _place(
                "kafr-nabl", "Kafr Nabl", 35.61, 36.56, "Idleb", Precision.TOWN, "SY", "Kafranbel"
            ),
            _place("al-bab", "Al-Bab", 36.37, 37.52, "Aleppo"),
            _place("douma", "Douma", 33.57, 36.40, "Rural Damascus"),
            _place("palmyra", "Palmyra", 34.56, 38.28, "Homs", Precision.TOWN, "SY", "Tadmur"),
            _place("ain-al-fijeh", "Ain al-Fijeh", 33.60, 36.18, "Rural Damascus"),
            _place("idleb", "Idleb", 35.80, 36.60, "Idleb", Precision.GOVERNORATE, "SY", "Idlib"),
            _place("beirut", "Beirut", 33.89, 35.50, None, Precision.TOWN, "LB"),
            _place("mosul", "Mosul", 36.34, 43.13, None, Precision.TOWN, "IQ"),
        ]
    )


@pytest.fixture(scope="session")
def nlp(small_actors: ActorRegistry, small_gazetteer: Gazetteer) -> Language:
    return build_nlp(small_actors, small_gazetteer)


@pytest.fixture(scope="session")
def extractor(small_actors: ActorRegistry, small_gazetteer: Gazetteer, nlp: Language) -> Extractor:
    return Extractor(small_actors, small_gazetteer, nlp)


@pytest.fixture(scope="session")
def bundled_extractor() -> Extractor:
    """The extractor over the bundled actor registry and gazetteer."""
    return Extractor(load_actors(), load_gazetteer())
