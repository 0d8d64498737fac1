"""How a sentence stands to the event it mentions: asserted, reported, alleged, denied, ...

Only the trigger and the words that govern it are read ("the army will continue its offensive",
"rebels accused the regime of shelling"), so a plan or a denial in another clause of the same
sentence does not rub off on the event. The strongest cue found wins: a denial of a report is a
denial, speculation reported by a monitor is still speculation, "will not attack" is a plan.
"""

from __future__ import annotations

from collections.abc import Collection

from spacy.tokens import Span, Token

from ceasefire.model import Factuality
from ceasefire.nlp import FactualityCues, FactualityLexicon, load_lexicon, word_forms

# Strongest first: a cue later in this list never overrides one earlier in it.
_STRENGTH = (
    Factuality.PLANNED,
    Factuality.DENIED,
    Factuality.HYPOTHETICAL,
    Factuality.GENERAL,
    Factuality.ALLEGED,
    Factuality.REPORTED,
)
_MODIFIER_DEPS = {"advmod", "acomp", "amod", "npadvmod", "oprd"}
_REPORTING_DEPS = {"parataxis", "ccomp", "advcl", "relcl"}


def classify(
    sentence: Span, trigger: Token | None = None, trigger_tokens: Collection[Token] = ()
) -> Factuality:
    """The factuality of the event named by `trigger` (the sentence root when not given).

    `trigger_tokens` are the words of a multi-word trigger, never read as cues themselves
    ("denied access to a convoy" is an obstruction, not a denial).
    """
    trigger = trigger if trigger is not None else sentence.root
    skip = set(trigger_tokens) | {trigger}
    found = _cues_on_path(sentence, trigger, skip)
    for kind in _STRENGTH:
        if kind in found:
            return kind
    return _sentence_level(sentence)


def _cues_on_path(sentence: Span, trigger: Token, skip: set[Token]) -> set[Factuality]:
    """Cues on the trigger, on each word governing it, and on their function-word children."""
    lexicon = load_lexicon().factuality
    found: set[Factuality] = set()
    path = [trigger, *(t for t in trigger.ancestors if sentence.start <= t.i < sentence.end)]
    on_path = set(path)
    own_clause = True
    for token in path:
        if token not in skip:
            found |= _lemma_cues(token, lexicon)
        has_perfect = False
        for child in token.children:
            if child in on_path or child in skip:
                continue
            dep, lower = child.dep_, child.lower_
            if dep in ("aux", "auxpass"):
                if lower in lexicon.planned.auxiliaries or child.lemma_ == "will":
                    found.add(Factuality.PLANNED)
                elif lower in lexicon.hypothetical.auxiliaries:
                    found.add(Factuality.HYPOTHETICAL)
                has_perfect |= child.lemma_ == "have"
            elif dep == "neg" or (dep == "det" and lower in lexicon.denied.negations):
                if own_clause:
                    found.add(Factuality.DENIED)
            elif dep == "mark" and lower in lexicon.hypothetical.markers:
                found.add(Factuality.HYPOTHETICAL)
            elif dep in _MODIFIER_DEPS and not _hedges_detail(token, child, trigger):
                found |= _lemma_cues(child, lexicon)
            elif (dep == "prep" and lower == "according") or (
                dep in _REPORTING_DEPS and _is_cue(child, lexicon.reported)
            ):
                found.add(Factuality.REPORTED)
            elif dep == "nsubj" and token == trigger and _is_cue(child, lexicon.general):
                found.add(Factuality.GENERAL)  # "the war has killed thousands"
        if has_perfect and _habitual_span(token, lexicon.general):
            found.add(Factuality.GENERAL)
        if token.pos_ in ("VERB", "AUX") and token != trigger:
            own_clause = False
        if token.dep_ in ("ccomp", "xcomp", "advcl", "relcl", "acl", "conj") and token.pos_ in (
            "VERB",
            "AUX",
        ):
            own_clause = False
    return found


def _hedges_detail(token: Token, modifier: Token, trigger: Token) -> bool:
    """A hedge on the event's kind or its other side, not on whether it happened: one heading a
    phrase of its own ("clashes likely against rebels"), or one on a noun set beside a clause
    that tells the event ("14 fighters killed, likely clashes")."""
    if any(c.dep_ == "prep" for c in modifier.children):
        return True
    return token == trigger and trigger.dep_ == "appos"


def _lemma_cues(token: Token, lexicon: FactualityLexicon) -> set[Factuality]:
    found = set()
    for kind, cues in (
        (Factuality.PLANNED, lexicon.planned),
        (Factuality.HYPOTHETICAL, lexicon.hypothetical),
        (Factuality.DENIED, lexicon.denied),
        (Factuality.ALLEGED, lexicon.alleged),
        (Factuality.REPORTED, lexicon.reported),
        (Factuality.GENERAL, lexicon.general),
    ):
        if _is_cue(token, cues):
            found.add(kind)
    return found


def _is_cue(token: Token, cues: FactualityCues) -> bool:
    return any(form in cues.lemmas for form in word_forms(token))


def _habitual_span(token: Token, cues: FactualityCues) -> bool:
    """A perfect tense over a long span ("has shelled the town since 2012", "for years")."""
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in cues.since_with_perfect:
            span = child.subtree
        elif child.dep_ == "advcl" and any(
            m.dep_ == "mark" and m.lower_ in cues.since_with_perfect for m in child.children
        ):
            span = child.subtree  # "since the conflict began in 2011"
        else:
            continue
        if any(_is_cue(w, cues) or (w.like_num and len(w.text) == 4) for w in span):
            return True
    return False


def _sentence_level(sentence: Span) -> Factuality:
    """Attribution that the parse may hang anywhere: "according to", "reportedly"."""
    lexicon = load_lexicon().factuality
    adverbs = [t for t in sentence if t.pos_ == "ADV"]
    if any(_is_cue(t, lexicon.alleged) for t in adverbs):
        return Factuality.ALLEGED
    text = " " + " ".join(t.lower_ for t in sentence) + " "
    if any(_is_cue(t, lexicon.reported) for t in adverbs) or any(
        f" {phrase} " in text for phrase in lexicon.reported.phrases
    ):
        return Factuality.REPORTED
    return Factuality.ASSERTED
