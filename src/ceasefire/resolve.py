"""Resolution of what a sentence names: its dates, its places and the actors "the group" means.

Dates resolve against the publication date ("Jan. 18" in an article of 25 January 2017 is
2017-01-18, "on Tuesday" the last Tuesday on or before it); a month, a year or a vague "recently"
becomes a range with a coarse precision, so history ("in December") keeps its real dates and the
pipeline can leave it out of incidents. Places resolve through the gazetteer together with the
qualifiers around them ("the eastern countryside of Aleppo", "Idlib province"); "near X" is X at a
coarser precision.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from dateparser.date import DateDataParser
from spacy.tokens import Span, Token

from ceasefire.actors import ActorRegistry
from ceasefire.gazetteer import Gazetteer, distance_km
from ceasefire.model import DatePrecision, Place, PlaceMention, Precision
from ceasefire.nlp import load_lexicon

# A report that names no date tells of the day it was published or the day before ("recently"
# and its kin, in the lexicon, reach further back). A wider default makes separate undated
# reports of one place overlap in time, and fusion then merges unrelated events.
DEFAULT_DAYS = 1
_PRECISION_ORDER = list(Precision)
_DAY_RANGE = re.compile(r"\b(\d{1,2})\s*[-–]\s*(\d{1,2})\b")
_UNITS = re.compile(r"^(?:hour|day|week|month|year)s?$")
_HAS_LETTER = re.compile(r"[a-z]")
_PLAIN_YEAR = re.compile(r"^(?:19|20)\d\d$")
NEAR_KM = 30.0  # a place this close to a town named beside it is the namesake meant
# The most governorates the actors of a sentence may share for an unknown name to be matched by
# its consonants among their places, as among those of a governorate the sentence names.
ACTOR_SCOPE = 2
_LINK_FILLER = frozenset({"the", "a", "in", "of", ","})


@dataclass(frozen=True)
class DateRange:
    """When an event happened, as precisely as the text says; `explicit` when the text said it."""

    start: date
    end: date
    precision: DatePrecision
    explicit: bool = True


def default_range(published: date | None) -> DateRange | None:
    """The publication day and the day before: when a report that names no date happened."""
    if published is None:
        return None
    start = published - timedelta(days=DEFAULT_DAYS)
    return DateRange(start, published, DatePrecision.RANGE, explicit=False)


@cache
def _parser(published: date) -> DateDataParser:
    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(published.year, published.month, published.day),
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


def resolve_date(text: str, published: date) -> DateRange | None:
    """A date expression as a range, or None when it is no date of an event (a duration, an age,
    a date after publication)."""
    lexicon = load_lexicon().dates
    lowered = " ".join(re.sub(r"[^\w\s'-]", " ", text.lower()).split())
    if not _HAS_LETTER.search(lowered) and not _PLAIN_YEAR.match(lowered):
        return None  # a bare number the recogniser took for a date ("rose to 70")
    if "old" in lowered.split() or "next" in lowered.split():
        return None
    padded = f" {lowered} "
    for phrase, days in sorted(lexicon.vague.items(), key=lambda kv: -len(kv[0])):
        if f" {phrase} " in padded:
            precision = DatePrecision.DAY if days == 0 else DatePrecision.RANGE
            return DateRange(published - timedelta(days=days), published, precision)
    weekdays = [lexicon.weekdays.index(w) for w in lowered.split() if w in lexicon.weekdays]
    if weekdays:
        days = sorted(_last_weekday(published, w) for w in weekdays)
        precision = DatePrecision.DAY if len(days) == 1 else DatePrecision.RANGE
        return DateRange(days[0], days[-1], precision)
    core = " ".join(w for w in lowered.split() if w not in lexicon.filler) or lowered
    if _is_duration(core.split()) and "ago" not in lowered:
        return None  # "for three days", "six years": how long, not when
    last_day = None
    if found := _DAY_RANGE.search(lowered):  # "Jan. 18-19"
        last_day = int(found.group(2))
        lowered = _DAY_RANGE.sub(r"\1", lowered)
        core = _DAY_RANGE.sub(r"\1", core)
    found_date = None
    for candidate in dict.fromkeys((lowered, core)):
        data = _parser(published).get_date_data(candidate)
        if data and data.date_obj is not None:
            found_date = data
            break
    if found_date is None:
        return None
    return _as_range(found_date.date_obj.date(), found_date.period, published, last_day)


def _is_duration(words: list[str]) -> bool:
    numbers = load_lexicon().casualties.numbers
    counted = [w for w in words if w not in ("for", "about", "some", "over", "nearly", "almost")]
    return (
        len(counted) == 2
        and bool(_UNITS.match(counted[1]))
        and (counted[0].isdigit() or counted[0] in numbers or counted[0] in ("few", "several"))
    )


def _as_range(
    day: date, period: str | None, published: date, last_day: int | None
) -> DateRange | None:
    if day > published:
        return None
    if period == "year":
        start, end, precision = date(day.year, 1, 1), date(day.year, 12, 31), DatePrecision.RANGE
    elif period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        start, end = date(day.year, day.month, 1), date(day.year, day.month, last)
        precision = DatePrecision.MONTH
    elif period == "week":
        start = day - timedelta(days=day.weekday())
        end, precision = start + timedelta(days=6), DatePrecision.WEEK
    elif last_day is not None and last_day > day.day:
        start, precision = day, DatePrecision.RANGE
        end = day.replace(day=min(last_day, calendar.monthrange(day.year, day.month)[1]))
    else:
        start = end = day
        precision = DatePrecision.DAY
    return DateRange(start, min(end, published), precision)


def _last_weekday(published: date, weekday: int) -> date:
    """The most recent `weekday` on or before publication: "on Tuesday" in the news."""
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def sentence_dates(sentence: Span, published: date | None) -> list[tuple[Span, DateRange]]:
    """The date expressions of a sentence that resolve, with where they stand."""
    if published is None:
        return []
    vague = load_lexicon().dates.vague
    spans = [e for e in sentence.ents if e.label_ in ("DATE", "TIME")]
    covered = {t.i for e in spans for t in e}
    for token in sentence:  # "overnight", "recently": the recogniser often leaves these out
        if token.i not in covered and token.lower_ in vague:
            spans.append(sentence.doc[token.i : token.i + 1])
    found = []
    for span in sorted(spans, key=lambda s: s.start):
        text = span.text
        previous = sentence.doc[span.start - 1] if span.start > sentence.start else None
        if previous is not None and previous.lower_ in ("last", "this", "earlier", "past"):
            text = f"{previous.lower_} {text}"
        if (resolved := resolve_date(text, published)) is not None:
            found.append((span, resolved))
    return found


# --- places ------------------------------------------------------------------------------------


def place_mention(place: Place, text: str, precision: Precision | None = None) -> PlaceMention:
    return PlaceMention(
        place=place.id,
        text=text,
        name=place.name,
        lat=place.lat,
        lon=place.lon,
        admin1=place.admin1,
        country=place.country,
        precision=precision or place.precision,
    )


def is_modifier(span: Span) -> bool:
    """ "Turkey-backed rebels", "the Britain-based Observatory": a name used as an adjective."""
    doc = span.doc
    suffixes = load_lexicon().places.modifier_suffixes
    after = doc[span.end : span.end + 2]
    return len(after) == 2 and after[0].text == "-" and after[1].lower_ in suffixes


def qualified_span(span: Span) -> Span:
    """The name with the qualifiers the gazetteer understands around it."""
    lexicon = load_lexicon().places
    doc, start, end = span.doc, span.start, span.end
    sentence = span.sent
    while start > sentence.start and doc[start - 1].lower_ in lexicon.qualifiers_before:
        start -= 1
    while doc[start].lower_ in ("the", "of") and start < span.start:
        start += 1
    while end < sentence.end and doc[end].lower_ in lexicon.qualifiers_after:
        end += 1
    return doc[start:end]


def is_near(span: Span) -> bool:
    """ "near X", "5 km west of X", "the outskirts of X", "the X-Y highway": beside the place."""
    near = load_lexicon().places.near_words
    window = span.doc[max(span.sent.start, span.start - 4) : span.start]
    if any(t.lower_ in near for t in window):
        return True
    token = span.root
    while token.dep_ in ("compound", "nmod", "amod", "conj") and token.head != token:
        token = token.head
        if token.lemma_.lower() in near:
            return True
    return False


def resolve_place(
    gazetteer: Gazetteer, span: Span, admin1: str | None = None
) -> PlaceMention | None:
    """The gazetteer place a name in a sentence stands for, with its qualifiers' precision."""
    text, places = _candidates(gazetteer, span, admin1)
    return _mention(places[0], text, span) if places else None


def _candidates(gazetteer: Gazetteer, span: Span, admin1: str | None) -> tuple[str, list[Place]]:
    """The text that resolved (the name with its qualifiers, else the name) and its places."""
    wide = qualified_span(span)
    for candidate in (wide, span) if wide != span else (span,):
        if places := gazetteer.candidates(candidate.text, admin1):
            return candidate.text, places
    return span.text, []


def _mention(place: Place, text: str, span: Span) -> PlaceMention:
    precision = place.precision
    if is_near(span) and _coarser(Precision.DISTRICT, precision):
        precision = Precision.DISTRICT
    return place_mention(place, text, precision)


def _coarser(a: Precision, b: Precision) -> bool:
    return _PRECISION_ORDER.index(a) > _PRECISION_ORDER.index(b)


def name_runs(sentence: Span, particles: frozenset[str]) -> list[Span]:
    """Runs of capitalised words ("Ein Elfijeh", "Kafr al-Zayt", "Deir ez-Zour").

    The recogniser splits transliterated names it has never seen, or tags half of one; the
    gazetteer, which knows their spellings, decides which runs are places.
    """
    doc, runs, start = sentence.doc, [], None
    for token in sentence:
        joined = token.i > sentence.start and not doc[token.i - 1].whitespace_
        nxt = doc[token.i + 1] if token.i + 1 < sentence.end else None
        if _capitalised(token):
            start = token.i if start is None else start
            continue
        inside = (token.text in "-'’" and joined and nxt is not None and not token.whitespace_) or (
            token.lower_ in particles
            and nxt is not None
            and (nxt.text == "-" or (start is not None and _capitalised(nxt)))
        )
        if inside and (start is not None or token.lower_ in particles):
            start = token.i if start is None else start
            continue
        if start is not None:
            runs.append(_trim(doc[start : token.i]))
        start = None
    if start is not None:
        runs.append(_trim(doc[start : sentence.end]))
    return [run for run in runs if len(run)]


def _capitalised(token: Token) -> bool:
    """A word of a name: capitalised, not an acronym ("SANA"), not a function word ("In",
    "From" of a headline), not an actor's name."""
    return (
        token.text[:1].isupper()
        and not (token.is_upper and len(token.text) > 1)
        and any(ch.isalpha() for ch in token.text)
        and not token.is_stop
        and token.ent_type_ != "ACTOR"
    )


def _trim(run: Span) -> Span:
    start, end = run.start, run.end
    while end > start and not _capitalised(run.doc[end - 1]):
        end -= 1
    return run.doc[start:end]


def operating_areas(actors: ActorRegistry, actor_ids: Iterable[str]) -> list[frozenset[str]]:
    """The governorates each actor fights in: its own, else its nearest ancestor's. An actor
    that fights anywhere (the army, Russia) has none, and says nothing about where a place is."""
    found: list[frozenset[str]] = []
    for actor_id in dict.fromkeys(actor_ids):
        if actor_id not in actors:
            continue
        areas = next(
            (actors.get(a).areas for a in actors.lineage(actor_id) if actors.get(a).areas), ()
        )
        if areas and frozenset(areas) not in found:
            found.append(frozenset(areas))
    return found


def resolve_places(
    gazetteer: Gazetteer,
    spans: list[Span],
    hint: str | None = None,
    operating: Sequence[frozenset[str]] = (),
) -> list[tuple[Span, PlaceMention]]:
    """The places a sentence names, each read in the light of the others.

    A governorate or countryside named in the sentence (else `hint`, the document's last one)
    picks among namesakes ("Hamidiya ... in Deir ez-Zor"), and so does a town next to the
    name ("the Yarmouk camp near Hajar al-Aswad"). When neither decides, the governorates the
    sentence's actors fight in (`operating`, see `operating_areas`) do: "IS attacked Tall Hamra"
    is the Tall Hamra of Hasakah, not that of Hama where IS never was. A name tied to a
    governorate or town by "in"/"of" ("Maqrusah in the northern countryside of Quneitra") whose
    every namesake lies elsewhere is some place the gazetteer lacks: it is dropped, and the
    wider place stands. A name the gazetteer does not know in any spelling is matched by its
    consonants among the places of the governorates the sentence names ("Hezerma in Rural
    Damascus"), else of the one or two its actors share; failing that, actors that fight in one
    governorate only place it there, at the governorate's precision.
    """
    resolved = [(span, *_candidates(gazetteer, span, None)) for span in spans]
    found = [(span, text, places) for span, text, places in resolved if places]
    areas = {
        place.admin1
        for _, _, places in found
        for place in places[:1] + [p for p in places if p.kind == "governorate"]
        if place.admin1 and _coarser(place.precision, Precision.TOWN)
    }
    if areas and len(found) < len(resolved):
        sounding = [
            (span, text, places or gazetteer.sounding_like(span.text, areas))
            for span, text, places in resolved
        ]
        found = [(span, text, places) for span, text, places in sounding if places]
    pinned = frozenset.intersection(*operating) if operating else frozenset()
    if pinned and not areas and len(pinned) <= ACTOR_SCOPE and len(found) < len(resolved):
        alike = [
            (span, text, places or _as_list(gazetteer.sounding_closest(span.text, pinned)))
            for span, text, places in resolved
        ]
        found = [(span, text, places) for span, text, places in alike if places]
    areas = areas or ({hint} if hint else set())
    kept = []
    for span, text, places in found:
        towns = [
            others[0]
            for other, _, others in found
            if other != span and not _coarser(others[0].precision, Precision.DISTRICT)
        ]
        place = _pick(places, areas, towns, operating)
        if _foreign_to(place, areas, operating):
            place = gazetteer.sounding_closest(span.text, _scope(operating)) or place
        wider = _linked_wider(span, found)
        if wider is not None and not any(_within(place, w) for w in wider):
            continue
        kept.append((span, _mention(place, text, span)))
    if not kept and not areas and len(pinned) == 1 and (unknown := _unresolved(resolved)):
        # "Khalid ibn al-Walid fighters attacked Unknownville": in the one governorate
        # where they fight, at that governorate's precision
        governorate = gazetteer.governorate(next(iter(pinned)))
        if governorate is not None:
            kept.append((unknown, place_mention(governorate, unknown.text, Precision.GOVERNORATE)))
    return kept


def _as_list(place: Place | None) -> list[Place]:
    return [place] if place is not None else []


def _unresolved(resolved: list[tuple[Span, str, list[Place]]]) -> Span | None:
    return next((span for span, _, places in resolved if not places), None)


def _pick(
    places: list[Place], areas: set[str], towns: list[Place], operating: Sequence[frozenset[str]]
) -> Place:
    """The namesake in a governorate the sentence names, else the one nearest its other towns,
    else the one where its actors fight."""
    if len(places) == 1:
        return places[0]
    in_area = [p for p in places if p.admin1 in areas] or places
    if towns:
        best = min(in_area, key=lambda p: min(distance_km(p, t) for t in towns))
        if min(distance_km(best, t) for t in towns) <= NEAR_KM:
            return best
    return _operated(in_area, operating)[0]


def _operated(places: list[Place], operating: Sequence[frozenset[str]]) -> list[Place]:
    """The namesakes where every actor fights, else where any of them does, else all."""
    if not operating:
        return places
    for scope in (frozenset.intersection(*operating), frozenset.union(*operating)):
        if found := [p for p in places if p.admin1 in scope]:
            return found
    return places


def _scope(operating: Sequence[frozenset[str]]) -> frozenset[str]:
    return frozenset.intersection(*operating) or frozenset.union(*operating)


def _foreign_to(place: Place, areas: set[str], operating: Sequence[frozenset[str]]) -> bool:
    """A village in a governorate none of the actors fights in, which the sentence does not
    name either: most likely another village spelt alike, where they do ("IS shelled Qaltuba" is
    no Qaltuba of Idlib)."""
    return (
        bool(operating)
        and place.precision == Precision.TOWN
        and place.admin1 is not None
        and place.admin1 not in areas
        and place.admin1 not in frozenset.union(*operating)
    )


def _linked_wider(span: Span, found: list[tuple[Span, str, list[Place]]]) -> list[Place] | None:
    """The place `span` is said to be in or of: "X in Y", "X of Y", "X, Y"."""
    doc = span.doc
    after = span.end
    while after < span.sent.end and doc[after].lower_ in load_lexicon().places.qualifiers_after:
        after += 1
    if after >= span.sent.end or doc[after].lower_ not in (",", "in", "of", "near"):
        return None
    for other, _, places in found:
        if other.start <= after or _coarser(Precision.TOWN, places[0].precision):
            continue
        between = doc[after + 1 : other.start]
        if any(
            t.lower_ not in _LINK_FILLER and t.lower_ not in _qualifier_words() for t in between
        ):
            return None
        if doc[after].text == "," and _listed(other):
            return None  # "Aleppo, Idlib and Hama": a list, not "Nawa, Daraa"
        return places
    return None


def _listed(span: Span) -> bool:
    doc, end = span.doc, span.end
    while end < span.sent.end and doc[end].lower_ in load_lexicon().places.qualifiers_after:
        end += 1
    return end < span.sent.end and doc[end].lower_ in (",", "and", "or")


def _qualifier_words() -> frozenset[str]:
    places = load_lexicon().places
    return frozenset(places.qualifiers_before) | frozenset(places.qualifiers_after)


def _within(place: Place, wider: Place) -> bool:
    if _coarser(wider.precision, Precision.TOWN):
        return wider.admin1 is None or place.admin1 == wider.admin1
    return distance_km(place, wider) <= NEAR_KM


# --- coreference --------------------------------------------------------------------------------


class Antecedents:
    """The actors a document has named so far, for "the group" and "the militants"."""

    def __init__(self, actors: ActorRegistry) -> None:
        self.actors = actors
        self._seen: list[str] = []
        self._heads: list[tuple[str, str]] = []  # (last word of the name used, actor id)

    def observe(self, actor_id: str | None, text: str = "") -> None:
        if actor_id is not None and actor_id in self.actors:
            self._seen.append(actor_id)
            if words := text.lower().split():
                self._heads.append((words[-1], actor_id))

    def named_like(self, noun: Token) -> str | None:
        """ "the Turkish army ... the army": the latest actor named with the noun as the head
        of its name."""
        forms = {noun.lower_, noun.lemma_.lower()}
        return next((ident for head, ident in reversed(self._heads) if head in forms), None)

    def resolve(self, noun: Token) -> str | None:
        """The most recent actor whose kind the noun can refer to, if the noun is anaphoric."""
        coreference = load_lexicon().coreference
        kinds = coreference.get(noun.lower_) or coreference.get(noun.lemma_.lower())
        if not kinds:
            return None
        for actor_id in reversed(self._seen):
            if self.actors.get(actor_id).kind.value in kinds:
                return actor_id
        return None
