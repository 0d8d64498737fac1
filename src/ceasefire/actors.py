"""The actor registry: who fights in the conflict, under every name the press uses for them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ceasefire.model import Actor
from ceasefire.text import normalise


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

    def resolve(self, text: str) -> Actor | None:
        """The actor a surface form names, ignoring case, accents, hyphens and a leading 'the'."""
        actor_id = self._by_alias.get(normalise(text))
        return self._actors[actor_id] if actor_id else None
