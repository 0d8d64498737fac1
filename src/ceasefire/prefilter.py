"""Which sentences can tell of an event, decided before the parse, so only those are parsed.

Most of a run is the statistical pipeline (tagger, parser, recogniser), and a news article spends
many sentences on talks, statements and background that name no act. A sentence can only become
a claim if it holds a trigger word, and only adds to one if it counts dead; both are word lists
in the lexicon, and whether a word can be one of their lemmas is a question of spelling, answered
with the lemmatizer's own suffix rules and exceptions, without tagging. The other sentences are
blanked: replaced, character for character, by no-break spaces (cleaned text has none), so the
text the pipeline parses keeps every offset of the document (evidence spans, the dateline), and
each blanked sentence stays a sentence of its own. The registry names in a blanked sentence stay,
with a few words around them: the extractor reads the document's governorate, the places later
sentences leave unsaid and the actors "the group" refers back to from every sentence.

Over the evaluation sets the prefilter changes no score (same tree, on and off); it blanks about
15% of a news article's text and a quarter of the sample reports', and almost nothing of one-
sentence monitor notes, so it saves a tenth of the parse, not more: most sentences of war
reporting name an act.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span

from ceasefire.nlp import BLANK, Lexicon, forms_of, line_breaks

NAME_CONTEXT = 2  # words kept either side of a name in a blanked sentence ("Turkish-backed")
_POS = ("noun", "verb", "adj")


class SentenceFilter:
    """The trigger and casualty words of a lexicon, matched against any lemma a word may have."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.nlp = nlp
        self.sentencizer = Sentencizer()
        self.ruler = nlp.get_pipe("entity_ruler")
        # phrases by first word, as the extractor's trigger index reads them
        self.phrases: dict[str, set[tuple[str, ...]]] = {}
        for rule in lexicon.triggers:
            for phrase in rule.words:
                words = tuple(phrase.replace("-", " ").split())
                self.phrases.setdefault(words[0], set()).add(words)
        for word in lexicon.casualties.death_words | lexicon.casualties.dying_verbs:
            self.phrases.setdefault(word, set()).add((word,))
        self.words = frozenset(self.phrases)
        lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
        rules, exceptions = lookups.get_table("lemma_rules"), lookups.get_table("lemma_exc")
        self._rules = [tuple(rule) for pos in _POS for rule in rules.get(pos, [])]
        self._exceptions = [exceptions.get(pos, {}) for pos in _POS]
        self.lemmas = lru_cache(maxsize=1 << 16)(self._lemmas)
        self.chars: Counter[str] = Counter()  # read and skipped, for the benchmark

    def _lemmas(self, lower: str) -> frozenset[str]:
        """Every form the pipeline could match this word by: the forms `word_forms` gives for
        any lemma the rule lemmatizer could assign it, whatever its part of speech."""
        lemmas = {lower}
        for table in self._exceptions:
            lemmas.update(table.get(lower, ()))
        for old, new in self._rules:
            if lower.endswith(old):
                lemmas.add(lower[: len(lower) - len(old)] + new)
        return frozenset(f for lemma in lemmas for f in forms_of(lemma, lower))

    def may_name(self, word: str) -> bool:
        """Whether a word, in some part of speech, can be a death word or begin a trigger."""
        return not self.words.isdisjoint(self.lemmas(word.lower()))

    def keeps(self, sentence: Span) -> bool:
        """Whether the sentence holds a death word or a whole trigger phrase."""
        words = [self.lemmas(t.lower_) for t in sentence if t.text != "-"]
        for i, lemmas in enumerate(words):
            for first in lemmas & self.words:
                for phrase in self.phrases[first]:
                    following = words[i + 1 : i + len(phrase)]
                    if len(following) == len(phrase) - 1 and all(
                        word in forms for word, forms in zip(phrase[1:], following, strict=True)
                    ):
                        return True
        return False

    def doc(self, text: str, keep: tuple[int, int] = (0, 0)) -> Doc:
        """The document ready for the pipeline: a sentence that cannot tell of an event is
        blanked but for the registry names in it, with a few words either side, and its closing
        punctuation, as the extractor reads the document's places and the actors later
        sentences refer back to from every sentence. Sentences overlapping the `keep` character
        range stay whole (the dateline)."""
        cheap = self.ruler(line_breaks(self.sentencizer(self.nlp.make_doc(text))))
        chars = list(text)
        skipped: list[tuple[int, int]] = []
        for sentence in cheap.sents:
            start, end = sentence.start_char, sentence.end_char
            if (
                sentence.text.isspace()
                or self.keeps(sentence)
                or (start < keep[1] and keep[0] < end)
            ):
                continue
            kept: set[int] = set()
            for ent in sentence.ents:
                kept.update(range(ent.start - NAME_CONTEXT, ent.end + NAME_CONTEXT))
            if kept:  # and its full stop, lest the names be taken for a fragment of the next
                kept.add(max(t.i for t in sentence if not t.is_space))
            for token in sentence:
                if token.i not in kept:
                    chars[token.idx : token.idx + len(token)] = BLANK * len(token)
            skipped.append((start, end))
        self.chars["read"] += len(text)
        if not skipped:
            return self.nlp.make_doc(text)
        doc = self.nlp.make_doc("".join(chars))
        self.chars["skipped"] += sum(len(t) for t in doc if BLANK in t.text)
        _bound(doc, skipped)
        return doc


def _bound(doc: Doc, skipped: list[tuple[int, int]]) -> None:
    """Each blanked sentence is one sentence to the parser, and what follows starts another."""
    runs = iter(skipped)
    run = next(runs, None)
    previous: tuple[int, int] | None = None
    for token in doc:
        while run is not None and run[1] <= token.idx:
            run = next(runs, None)
        inside = run if run is not None and token.idx + len(token) > run[0] else None
        if inside is not None or previous is not None:
            token.is_sent_start = inside != previous
        previous = inside
