"""The actor registry: who fights in the conflict, under every name the press uses for them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from ceasefire.errors import InputError
from ceasefire.gazetteer import canonical_admin1
from ceasefire.model import Actor, ActorKind
from ceasefire.text import normalise
from ceasefire.yamlfile import line_of, load_yaml, read_yaml

BUNDLED_ACTORS = Path(__file__).parent / "data" / "actors.yaml"
SPELLING_SCORE = 90.0  # how alike (0-100) a name must be to a listed one to be read as it
_SPELLING_MIN = 8  # letters: shorter names are too alike by chance ("Jund al-Sham")


class ActorRegistry:
    """Actors by id, with their parent chain and a normalised alias index."""

    def __init__(self, actors: Iterable[Actor]) -> None:
        self._actors: dict[str, Actor] = {}
        self._by_alias: dict[str, str] = {}
        for actor in actors:
            self._actors[actor.id] = actor
            for form in (actor.name, *actor.aliases):
                self._by_alias.setdefault(normalise(form), actor.id)

    def __iter__(self) -> Iterator[Actor]:
        return iter(self._actors.values())

    def __len__(self) -> int:
        return len(self._actors)

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self._actors

    def get(self, actor_id: str) -> Actor:
        return self._actors[actor_id]

    def lineage(self, actor_id: str) -> list[str]:
        """The actor and its ancestors, nearest first: memberships are inherited down this chain."""
        chain: list[str] = []
        current: str | None = actor_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self._actors[current].parent if current in self._actors else None
        return chain

    def surface_forms(self) -> Iterator[tuple[str, str]]:
        """(text, actor id) for the name and every alias, for phrase matching."""
        for actor in self._actors.values():
            for form in (actor.name, *actor.aliases):
                yield form, actor.id

    def closest(self, text: str) -> Actor | None:
        """The actor a name misspells or transliterates otherwise ("Soqour al-Sham", "Jaish
        Khalid Bin Al Waleed"): the one alias as alike as `SPELLING_SCORE`, when no alias of
        another actor comes near it."""
        key = normalise(text)
        if len(key) < _SPELLING_MIN:
            return None
        found = process.extract(key, self._by_alias.keys(), scorer=fuzz.ratio, limit=8)
        best = [(alias, score) for alias, score, _ in found if score >= SPELLING_SCORE]
        if not best:
            return None
        actor_id = self._by_alias[best[0][0]]
        rivals = {self._by_alias[a] for a, score, _ in found if score >= best[0][1] - 5}
        return self._actors[actor_id] if rivals == {actor_id} else None

    def resolve(self, text: str) -> Actor | None:
        """The actor a surface form names, ignoring case, accents, hyphens and a leading 'the'.
        A name in the possessive plural ("the Islamic States' fighters", a common slip for the
        singular possessive) is the name."""
        key = normalise(text)
        actor_id = self._by_alias.get(key)
        if actor_id is None and text.rstrip().endswith(("s'", "s’")):
            actor_id = self._by_alias.get(key[:-1])
        return self._actors[actor_id] if actor_id else None


class _ActorEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    kind: ActorKind
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    parent: str | None = None
    aliases: list[str] = []
    areas: list[str] = []  # governorates, any spelling the gazetteer knows


class _ActorsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actors: list[_ActorEntry] = Field(min_length=1)


def load_actors(path: Path | None = None) -> ActorRegistry:
    """Read an actor registry file (the bundled one by default), refusing anything ambiguous."""
    path = path or BUNDLED_ACTORS
    entries = load_yaml(path, _ActorsFile).actors
    problem = _first_problem(entries)
    if problem is not None:
        loc, message = problem
        _, node = read_yaml(path)
        raise InputError(path, message, line_of(node, loc) if node is not None else None)
    return ActorRegistry(
        Actor(
            e.id,
            e.name,
            e.kind,
            tuple(e.aliases),
            e.parent,
            e.country,
            tuple(dict.fromkeys(canonical_admin1(a) or a for a in e.areas)),
        )
        for e in entries
    )


def _first_problem(entries: list[_ActorEntry]) -> tuple[tuple[str | int, ...], str] | None:
    """The location and text of the first inconsistency between entries, if any.

    Aliases are compared normalised, since that is how they are looked up: two actors sharing
    one would make the lookup silently pick whichever was listed first.
    """
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.id in seen:
            return ("actors", i, "id"), f"duplicate actor id {entry.id!r}"
        seen.add(entry.id)
    parents = {e.id: e.parent for e in entries}
    owners: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if entry.parent is not None and entry.parent not in parents:
            return ("actors", i, "parent"), f"unknown parent {entry.parent!r}"
        chain = [entry.id]
        while (parent := parents.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        if parent == entry.id:
            return ("actors", i, "parent"), f"parent cycle: {' -> '.join([*chain, parent])}"
        for j, area in enumerate(entry.areas):
            if canonical_admin1(area) is None:
                return ("actors", i, "areas", j), f"unknown governorate {area!r}"
        forms = [(("actors", i, "name"), entry.name)]
        forms += [(("actors", i, "aliases", j), alias) for j, alias in enumerate(entry.aliases)]
        for loc, form in forms:
            key = normalise(form)
            if not key:
                return loc, f"{form!r} has no letters or digits to match on"
            owner = owners.setdefault(key, entry.id)
            if owner != entry.id:
                return loc, f"{form!r} already names actor {owner!r}"
    return None
