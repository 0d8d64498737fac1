"""The gazetteer: places with coordinates and governorate, looked up by any of their names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ceasefire.model import Place
from ceasefire.text import normalise


class Gazetteer:
    """Places by id and by normalised name; where names collide, Syrian and larger places win."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: dict[str, Place] = {}
        self._by_name: dict[str, list[str]] = {}
        for place in places:
            self.add(place)

    def add(self, place: Place) -> None:
        self._places[place.id] = place
        for form in (place.name, *place.aliases):
            ids = self._by_name.setdefault(normalise(form), [])
            if place.id not in ids:
                ids.append(place.id)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __len__(self) -> int:
        return len(self._places)

    def get(self, place_id: str) -> Place:
        return self._places[place_id]

    def surface_forms(self) -> Iterator[tuple[str, str]]:
        """(text, place id) for every name and alias, for phrase matching."""
        for place in self._places.values():
            for form in (place.name, *place.aliases):
                yield form, place.id

    def candidates(self, text: str) -> list[Place]:
        """Every place a name could mean, the most likely first."""
        places = [self._places[i] for i in self._by_name.get(normalise(text), [])]
        return sorted(places, key=lambda p: (p.country != "SY", -p.population))

    def lookup(self, text: str) -> Place | None:
        found = self.candidates(text)
        return found[0] if found else None
