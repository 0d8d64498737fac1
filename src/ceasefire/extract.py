"""From a cleaned document to claims: who did what to whom, where, when, how many were killed.

Each sentence with a trigger word of the lexicon becomes a claim, anchored on the trigger that
stands highest in the parse: the act is read from the most specific trigger ("killed in a car
bomb" is a bombing), the sides from the anchor's subject, object and prepositions, the
factuality from the words governing it. A following sentence that only adds to the same event
("During the clashes, 4 rebels were killed.", "No losses were reported.") extends the claim
instead of starting another. What a sentence does not say (the place, the date) comes from the
event before it in the same document, and a dateline is never taken for the event's place.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ceasefire.actors import ActorRegistry
from ceasefire.casualties import Casualties, count_casualties, shared
from ceasefire.factuality import classify
from ceasefire.fuse import types_compatible
from ceasefire.gazetteer import Gazetteer, haversine_km, is_generic
from ceasefire.model import (
    ActorKind,
    ActorMention,
    Claim,
    DatePrecision,
    Document,
    EventType,
    Factuality,
    PlaceMention,
    Precision,
)
from ceasefire.model import Span as Evidence
from ceasefire.nlp import (
    ACTOR,
    PLACE,
    Lexicon,
    TriggerRule,
    build_nlp,
    forms_of,
    load_lexicon,
    word_forms,
)
from ceasefire.prefilter import BLANK, SentenceFilter
from ceasefire.resolve import (
    Antecedents,
    DateRange,
    default_range,
    is_modifier,
    name_runs,
    operating_areas,
    resolve_places,
    sentence_dates,
)

# "BEIRUT, Jan 10 (Reuters) -", "DAMASCUS (SANA) –", "AMMAN, Jordan (AP) —"
_DATELINE = re.compile(
    r"^[ \t]*(?:[A-Z][A-Z'.-]{2,}(?:\s+[A-Z][A-Z'.-]+)*|[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+)*"
    r"(?=[^\n]{0,40}\([^)\n]{2,30}\)))[^\n]{0,60}?(?:\([^)\n]{2,30}\))?\s*[-–—:]{1,2}\s",
    re.MULTILINE,
)
_DATELINE_WITHIN = 1000  # characters: a dateline opens the story, after headline and byline
_MODIFIER_DEPS = {"compound", "nmod", "appos", "npadvmod"}
_CLAUSE_DEPS = {"relcl", "advcl", "ccomp", "parataxis", "csubj"}
_CORE_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "conj", "appos", "agent"}
_GROUND_COMBAT = (EventType.CLASH, EventType.GROUND_ATTACK, EventType.TERRITORY_SEIZURE)
_LOCATIVE = {"in", "inside", "into", "within", "across", "at", "near", "around", "outside"}
_NOUNS = ("NOUN", "PROPN")
_DEFINITE = {"the", "these", "those", "this", "that"}
_MERGE_WINDOW = 3  # sentences after an event that can still add to it
REGION_KM = 300.0  # how far from a region's centre ("northern Syria") its towns can lie
_ENEMY_PREPOSITIONS = {"with", "against"}  # "battling with IS", "fighting against the army"
# "X pitted against Y", "X on one side and Y on the other": the two sides of a clash
_OPPOSING = {"against", "versus", "vs", "vs.", "pit", "side"}
_PHRASE_ENDS = _LOCATIVE | {"near", "on", "amid", "during", "since", "after", "while", "where"}


@dataclass(frozen=True)
class Trigger:
    tokens: tuple[Token, ...]
    rule: TriggerRule

    @property
    def head(self) -> Token:
        """The word of a multi-word trigger that the others hang from."""
        return min(self.tokens, key=_depth)


@dataclass(frozen=True)
class _Mention:
    root: Token
    actor: str | None
    text: str


@dataclass
class _Draft:
    """A claim being built, and what later sentences may still add to it."""

    claim: Claim
    sentence: int
    casualties: Casualties
    explicit_date: bool
    own_place: bool
    actors: set[str | None] = field(default_factory=set)
    weapon: ActorMention | None = None  # who alone uses the weapon the sentence names
    inferred: bool = False  # the perpetrator was put down to its weapon, not named

    @property
    def has_content(self) -> bool:
        """Whether the sentence says who acted, where or when, beyond naming an act."""
        return bool(self.claim.perpetrators) or self.own_place or self.explicit_date


class TriggerIndex:
    """The lexicon's trigger words by first word, longest phrase first."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_first: dict[str, list[tuple[tuple[str, ...], TriggerRule]]] = {}
        for rule in lexicon.triggers:
            for phrase in rule.words:
                words = tuple(phrase.replace("-", " ").split())
                self._by_first.setdefault(words[0], []).append((words, rule))
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def find(self, sentence: Span) -> list[Trigger]:
        tokens = [t for t in sentence if t.text != "-"]
        found: list[Trigger] = []
        i = 0
        while i < len(tokens):
            match = self._match_at(tokens, i)
            if match is None:
                i += 1
                continue
            size, rule = match
            trigger = Trigger(tuple(tokens[i : i + size]), rule)
            if _usable(trigger) and (
                trigger.rule.type != EventType.TERRITORY_SEIZURE
                or not trigger.rule.generic
                or _takes_ground(trigger.head, self.lexicon)
            ):
                found.append(trigger)
            i += size
        return found

    def names_act(self, token: Token) -> bool:
        """Whether a single word is a trigger on its own ("airstrike", "shelling")."""
        return any(
            len(words) == 1
            for form in word_forms(token)
            for words, _ in self._by_first.get(form, ())
        )

    def ends_act(self, token: Token) -> bool:
        """Whether a word closes a trigger phrase that stands before it ("air strikes")."""
        for size in {len(words) for entries in self._by_first.values() for words, _ in entries}:
            start = token.i - size + 1
            if start >= token.sent.start:
                window = [t for t in token.doc[start : token.i + 1] if t.text != "-"]
                match = self._match_at(window, 0)
                if match is not None and match[0] == len(window):
                    return True
        return False

    def _match_at(self, tokens: list[Token], i: int) -> tuple[int, TriggerRule] | None:
        first = tokens[i]
        for key in word_forms(first):
            for words, rule in self._by_first.get(key, ()):
                window = tokens[i : i + len(words)]
                if len(window) == len(words) and all(
                    w in word_forms(t) for w, t in zip(words, window, strict=True)
                ):
                    if rule.pos and _coarse(first) != rule.pos:
                        continue
                    return len(words), rule
        return None


def _coarse(token: Token) -> str:
    """VERB or NOUN; an unknown past tense the tagger took for a noun ("retook") is a verb."""
    if token.pos_ in ("VERB", "AUX") or any(
        c.dep_ in ("nsubj", "nsubjpass") for c in token.children
    ):
        return "VERB"
    return "NOUN" if token.pos_ in _NOUNS else ""


def _usable(trigger: Trigger) -> bool:
    """Not part of a name ("Euphrates Shield"), nor an adjective ("the besieged town")."""
    if any(t.ent_type_ in (ACTOR, PLACE) for t in trigger.tokens):
        return False
    head = trigger.head
    if len(trigger.tokens) > 1 or head.dep_ != "amod":
        return True
    # "Hezbollah fought rebels" parsed as a noun phrase: a past tense with no other verb in
    # the sentence is its verb, not an adjective
    verbless = head.sent.root.pos_ not in ("VERB", "AUX")
    return head.tag_ not in ("VBN", "VBD") or (head.tag_ == "VBD" and verbless)


def _takes_ground(verb: Token, lexicon: Lexicon) -> bool:
    """ "took the village", "took two checkpoints from the regime": a verb as common as "take"
    tells of a seizure only when it says what place was taken or from whom, unlike "took
    place" or "took part"."""
    places = lexicon.places
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    for child in (*verb.children, *(c for o in objects for c in o.children)):
        if child.dep_ == "prep" and child.lower_ in places.origin_prepositions:
            return True
    return any(
        o.ent_type_ in (PLACE, "GPE", "LOC", "FAC") or o.lemma_.lower() in places.qualifiers_after
        for o in objects
    )


def _depth(token: Token) -> int:
    return sum(1 for _ in token.ancestors)


class Extractor:
    """Claims from documents, with the language pipeline and lexicon built once."""

    def __init__(
        self,
        actors: ActorRegistry,
        gazetteer: Gazetteer,
        nlp: Language | None = None,
        *,
        prefilter: bool = True,
    ) -> None:
        self.actors = actors
        self.gazetteer = gazetteer
        self.nlp = nlp if nlp is not None else build_nlp(actors, gazetteer)
        self.lexicon = load_lexicon()
        self.triggers = TriggerIndex(self.lexicon)
        # longest first, so "barrel bomb" is the weapon named before "barrel"; a registry
        # without the weapon's user (a mission's own) leaves such acts unattributed
        self._weapons = sorted(
            (
                (tuple(w.replace("-", " ").split()), u)
                for w, u in self.lexicon.weapon_users.items()
                if u in actors
            ),
            key=lambda item: -len(item[0]),
        )
        # only sentences that can tell of an event are parsed (see `ceasefire.prefilter`)
        self.prefilter = SentenceFilter(self.nlp, self.lexicon) if prefilter else None
        self.seconds: Counter[str] = Counter()  # time spent parsing and extracting, for benches

    def extract(self, document: Document) -> list[Claim]:
        return self._claims(document, self.nlp(self._unparsed(document.text)))

    def extract_many(
        self, documents: Iterable[Document], batch_size: int = 32
    ) -> Iterator[tuple[Document, list[Claim]]]:
        """Claims per document, in input order, parsing in batches as documents stream in."""
        ours, texts = itertools.tee(documents)
        parsed = iter(self.nlp.pipe((self._unparsed(d.text) for d in texts), batch_size=batch_size))
        for document in ours:
            started = time.perf_counter()
            filtering = self.seconds["prefilter"]
            doc = next(parsed)
            parsing = time.perf_counter()
            claims = self._claims(document, doc)
            self.seconds["parse"] += parsing - started - (self.seconds["prefilter"] - filtering)
            self.seconds["extract"] += time.perf_counter() - parsing
            yield document, claims

    def _unparsed(self, text: str) -> Doc | str:
        """The text as the pipeline should take it: with the sentences that cannot tell of an
        event blanked, the dateline kept."""
        if self.prefilter is None:
            return text
        started = time.perf_counter()
        doc = self.prefilter.doc(text, keep=_dateline(text))
        self.seconds["prefilter"] += time.perf_counter() - started
        return doc

    # --- one document ---------------------------------------------------------------------------

    def _claims(self, document: Document, doc: Doc) -> list[Claim]:
        dateline = _dateline(doc.text)
        antecedents = Antecedents(self.actors)
        drafts: list[_Draft] = []
        first_place: PlaceMention | None = None
        hint: str | None = None
        named: list[PlaceMention] = []
        for index, sentence in enumerate(_sentences(doc)):
            mentions = self._mentions(sentence, antecedents)
            places = self._places(sentence, dateline, hint, [m.actor for m in mentions if m.actor])
            named += places
            hint = next((p.admin1 for p in places if p.admin1), hint)
            if first_place is None and places:
                first_place = min(places, key=_place_rank)
            triggers = self.triggers.find(sentence)
            recent = [d for d in drafts if index - d.sentence <= _MERGE_WINDOW]
            if not triggers:
                # "Four civilians died.", "No losses were reported.": the toll of the event the
                # text is telling, the last one that named who or where
                told = [d for d in recent if d.claim.perpetrators or d.own_place] or recent
                if told:
                    self._add_casualties(told[-1], sentence, index)
                if count_casualties(sentence).max == 0:
                    # "No casualties were reported." ends the whole account: none in any event
                    for earlier in told[:-1]:
                        if not earlier.casualties.known:
                            self._add_casualties(earlier, sentence, index)
                continue
            draft = self._draft(document, sentence, index, triggers, mentions, places, dateline)
            if not draft.has_content and not draft.claim.factuality.is_factual:
                continue  # "No advances were reported."
            host = _host(recent, draft)
            if host is not None:
                _merge(host, draft)
                host.sentence = index
            else:
                self._inherit(draft, drafts[-1] if drafts else None, first_place, document)
                drafts.append(draft)
        _narrow_places([d.claim for d in drafts], named)
        _arm(drafts)
        _attribute(drafts, self.lexicon.aerial_context)
        _oppose(drafts, self._is_civilian)
        _settle_vague_counts(drafts)
        for draft in drafts:
            draft.claim.confidence = _confidence(draft)
        return [d.claim for d in drafts]

    def _draft(
        self,
        document: Document,
        sentence: Span,
        index: int,
        triggers: list[Trigger],
        mentions: list[_Mention],
        places: list[PlaceMention],
        dateline: tuple[int, int],
    ) -> _Draft:
        anchor = _anchor(triggers, self.lexicon)
        perpetrators, targets = self._roles(anchor, triggers, sentence, mentions)
        event_type = self._event_type(anchor, triggers, sentence, perpetrators, targets)
        factuality = classify(sentence, anchor.head, anchor.tokens)
        dates = [  # the dateline's date is when the story was filed, not when the event was
            (span, found)
            for span, found in sentence_dates(sentence, document.published_at)
            if not dateline[0] <= span.start_char < dateline[1]
        ]
        date = _closest(dates, anchor.head)
        casualties = count_casualties(sentence)
        claim = Claim(
            document_id=document.id,
            spans=[_evidence(sentence)],
            event_type=event_type,
            perpetrators=[ActorMention(m.actor, m.text) for m in perpetrators],
            targets=[ActorMention(m.actor, m.text) for m in targets],
            place=min(places, key=_place_rank) if places else None,
            fatalities_min=casualties.min,
            fatalities_max=casualties.max,
            factuality=factuality,
        )
        if date is not None:
            _set_date(claim, date)
        return _Draft(
            claim=claim,
            sentence=index,
            casualties=casualties,
            explicit_date=date is not None,
            own_place=bool(places),
            actors={m.actor for m in (*perpetrators, *targets)},
            weapon=self._weapon_user(sentence),
        )

    def _weapon_user(self, sentence: Span) -> ActorMention | None:
        """The force the lexicon says alone uses a weapon the sentence names ("barrel bombs")."""
        tokens = [t for t in sentence if t.text != "-"]
        for i in range(len(tokens)):
            for words, user in self._weapons:
                window = tokens[i : i + len(words)]
                if len(window) == len(words) and all(
                    w in word_forms(t) for w, t in zip(words, window, strict=True)
                ):
                    return ActorMention(user, sentence.doc[window[0].i : window[-1].i + 1].text)
        return None

    def _inherit(
        self,
        draft: _Draft,
        last: _Draft | None,
        first_place: PlaceMention | None,
        document: Document,
    ) -> None:
        """Place and date a sentence leaves unsaid come from the event before it."""
        claim = draft.claim
        if claim.place is None:
            claim.place = last.claim.place if last is not None else first_place
        if not draft.explicit_date:
            if last is not None and last.explicit_date:
                claim.date_from, claim.date_to = last.claim.date_from, last.claim.date_to
                claim.date_precision = last.claim.date_precision
                draft.explicit_date = True
            elif (vague := default_range(document.published_at)) is not None:
                _set_date(claim, vague)

    def _add_casualties(self, draft: _Draft, sentence: Span, index: int) -> None:
        found = count_casualties(sentence)
        if found.known or found.share:
            _combine(draft, found)
            draft.claim.spans.append(_evidence(sentence))
            draft.sentence = index

    # --- actors ---------------------------------------------------------------------------------

    def _mentions(self, sentence: Span, antecedents: Antecedents) -> list[_Mention]:
        """Registry actors named in the sentence, and nouns and pronouns that refer to one ("the
        group", "it"), resolved in reading order."""
        named: dict[int, _Mention] = {}
        covered: set[int] = set()
        for ent in sentence.ents:
            covered.update(range(ent.start, ent.end))
            if ent.label_ == ACTOR and not _is_location(ent, self.gazetteer):
                actor = self._specific(ent, antecedents) or ent.ent_id_ or None
                root = _name_root(ent)
                named[root.i] = _Mention(root, actor, ent.text)
            elif (
                ent.label_ in ("ORG", "NORP", "PERSON")
                and not _in_source(ent)
                and not any(self.triggers.names_act(t) for t in ent)  # "Battles" opening a line
            ):
                # a force the registry does not know by this name is kept for a reviewer; a
                # nationality that names no force ("the Syrian town") is no actor, nor a person
                # unless the name is a force's, spelt another way
                actor = self._named(ent)
                if actor is not None or (ent.label_ == "ORG" and not self._names_place(ent)):
                    named[ent.root.i] = _Mention(ent.root, actor, ent.text)
        mentions: list[_Mention] = []
        for token in sentence:
            if token.i in named:
                mention = named[token.i]
            elif token.i in covered or (mention := self._referring(token, antecedents)) is None:
                continue
            mentions.append(mention)
            antecedents.observe(mention.actor, mention.text)
        return mentions

    def _names_place(self, ent: Span) -> bool:
        """An organisation by the recogniser that the text or the gazetteer makes a place:
        "the village of Tal Aswad", "in Hosh Nasri", "Babsqa town"."""
        return self._may_be_place(ent, (0, 0)) or bool(self.gazetteer.candidates(ent.text))

    def _specific(self, ent: Span, antecedents: Antecedents) -> str | None:
        """ "the rebels" after "Jaysh al-Islam fighters attacked": the group named before, when
        it is one of the generic actor's members."""
        root = ent.root
        words = [t for t in ent if t.lower_ not in _DEFINITE]
        definite = ent[0].lower_ in _DEFINITE or any(
            c.dep_ == "det" and c.lower_ in _DEFINITE for c in root.children
        )
        if not definite or len(words) != 1 or root.lemma_.lower() not in self.lexicon.coreference:
            return None
        actor = antecedents.resolve(ent.root)
        generic = ent.ent_id_
        if actor and generic in self.actors.lineage(actor) and actor != generic:
            return actor
        return None

    def _named(self, ent: Span) -> str | None:
        """The registry actor of a name the ruler missed; a nationality ("a Russian airstrike")
        stands for its forces, unless it only describes a group ("Syrian rebels")."""
        forms = [ent.text]
        head = ent.root.head
        describes_act = (
            head.lemma_.lower() in self.lexicon.agent_nouns
            or self.triggers.names_act(head)
            or self.triggers.ends_act(head)
        )
        if ent.label_ == "NORP" and describes_act and head.ent_type_ != ACTOR:
            forms += [f"{ent.text} {word}" for word in self.lexicon.nationality_heads]
        found = next((i for f in forms if (i := _registry_id(self.actors, f))), None)
        if found is None and ent.label_ != "NORP":
            whole = _whole_name(ent)
            actor = self.actors.closest(whole.text) or self.actors.closest(ent.text)
            found = actor.id if actor is not None else None
        return found

    def _referring(self, token: Token, antecedents: Antecedents) -> _Mention | None:
        """A pronoun or noun standing for an actor: "it", "the group", "government artillery"."""
        if token.pos_ == "PRON":
            fought = token.dep_ == "pobj" and token.head.lower_ in _ENEMY_PREPOSITIONS
            if token.dep_ not in ("nsubj", "nsubjpass") and not fought:
                return None  # "their positions": too often someone else's; "clashes with them"
            actor = antecedents.resolve(token)
            return _Mention(token, actor, token.text) if actor else None
        if token.pos_ == "ADJ" and (
            token.dep_ == "conj" or any(c.dep_ in ("cc", "conj") for c in token.children)
        ):
            # "between pro-government and opposition fighters": one side named by its
            # modifier alone, coordinated with the other's
            words = _hyphenated(token)
            actor = self._forces_of(words)
            return _Mention(token, actor, words) if actor else None
        if token.pos_ != "NOUN" or is_modifier(token.doc[token.i : token.i + 1]):
            return None  # "rebel-held"
        if token.dep_ in ("compound", "amod", "nmod"):
            # "government rockets", "regime shelling", "rebel and regime forces": a modifier
            # naming a force
            actor = self._forces_of(token.text)
            return _Mention(token, actor, token.text) if actor else None
        if token.lemma_.lower() not in self.lexicon.agent_nouns:
            return None
        text = _noun_phrase(token)
        # "the militants", and "its fighters": a possessive pronoun points back as "the" does
        definite = any(
            (c.dep_ == "det" and c.lower_ in _DEFINITE) or (c.dep_ == "poss" and c.pos_ == "PRON")
            for c in token.children
        )
        actor = (antecedents.named_like(token) or antecedents.resolve(token)) if definite else None
        if actor is None:
            modifiers = [c.text for c in token.lefts if c.dep_ in ("compound", "amod")]
            actor = _registry_id(self.actors, text) or self._forces_of(" ".join(modifiers))
            argued = any(c.dep_ == "prep" and c.lower_ in ("of", "to") for c in token.children)
            if actor is None and not modifiers and not argued:
                # "clashed with the opposition", "between the regime and opposition": a side of
                # the fighting is that side's forces, unlike "the opposition of residents" or
                # "the opposition to the plan"
                actor = self._forces_of(token.text)
            owner = next((c for c in token.lefts if c.dep_ == "poss"), None)
            if actor is None and owner is not None:
                # "the Islamic States' fighters": the fighters of the force named
                actor = _registry_id(self.actors, _possessor(owner))
        return _Mention(token, actor, text)

    def _forces_of(self, words: str) -> str | None:
        """ "government" -> the actor called "government forces", if the registry has one."""
        if not words:
            return None
        heads = self.lexicon.nationality_heads
        return next((i for h in heads if (i := _registry_id(self.actors, f"{words} {h}"))), None)

    def _roles(
        self, anchor: Trigger, triggers: list[Trigger], sentence: Span, mentions: list[_Mention]
    ) -> tuple[list[_Mention], list[_Mention]]:
        by_root = {m.root.i: m for m in mentions}
        clash = anchor.rule.type == EventType.CLASH
        seizure = anchor.rule.type == EventType.TERRITORY_SEIZURE
        roles = _Roles(by_root, self.lexicon, clash, seizure)
        roles.read(anchor)
        if not self._armed(roles.perpetrators):
            # "medics were among those killed in government shelling": not the medics
            roles.perpetrators += _named_before(anchor, by_root)
        if not roles.perpetrators:
            roles.perpetrators += roles.campaigners(sentence)
        for other in sorted(triggers, key=lambda t: _depth(t.head)):
            if roles.perpetrators:
                break
            if other is not anchor:
                # "attacked X with airstrikes": who, from the other word
                helper = _Roles(
                    by_root, self.lexicon, clash, other.rule.type == EventType.TERRITORY_SEIZURE
                )
                helper.read(other)
                roles.perpetrators += [m for m in helper.perpetrators if m not in roles.targets]
                if roles.perpetrators and not any(m.actor for m in roles.targets):
                    # "amid shelling, regime forces took the hill from IS": and whom
                    ours = {m.root.i for m in roles.perpetrators}
                    roles.targets += [m for m in helper.targets if m.actor and m.root.i not in ours]
        for other in sorted(triggers, key=lambda t: _depth(t.head)):
            if any(m.actor for m in roles.targets):
                break  # a name the registry does not know ("the village of X") is no opponent
            fighting = other.rule.type == EventType.CLASH or (
                other.rule.type == EventType.GROUND_ATTACK and anchor.rule.type in _GROUND_COMBAT
            )
            if other is not anchor and fighting:
                # "took the village after clashes with IS", "captured it in their offensive
                # against IS": whom, from the fighting
                helper = _Roles(by_root, self.lexicon, True)
                helper.read(other)
                ours = {m.root.i for m in roles.perpetrators}
                our_actors = {m.actor for m in roles.perpetrators if m.actor}
                roles.targets += [
                    m
                    for m in (*helper.targets, *helper.perpetrators)
                    if m.root.i not in ours and m.actor not in our_actors and m not in roles.targets
                ]
        if anchor.rule.type in _GROUND_COMBAT and not any(m.actor for m in roles.targets):
            roles.targets += roles.opposed(anchor)
        if clash and not any(m.actor for m in roles.targets):
            roles.reciprocal(anchor, self._kin)
        if not (clash and roles.targets):
            roles.victims(sentence)  # the dead of a clash are on both sides
        roles.fallback(anchor, sentence, mentions)
        if seizure and not any(m.actor for m in roles.targets):
            roles.targets += self._withdrawn(sentence, anchor, by_root, roles.perpetrators)
            taking = {m.actor for m in roles.perpetrators}
            for other in triggers:
                if other is not anchor and other.rule.type == EventType.TERRITORY_SEIZURE:
                    # "controls the town, which was cleared from JFS fighters": whom from;
                    # "retook the town, which IS had seized": who held it
                    helper = _Roles(by_root, self.lexicon, False, seizure=True)
                    helper.read(other)
                    held = other.head.dep_ == "relcl" and other.head.head in anchor.head.subtree
                    roles.targets += [
                        m
                        for m in (*helper.targets, *(helper.perpetrators if held else ()))
                        if m.actor and m.actor not in taking
                    ]
        perpetrators, targets = roles.result()
        dead = _Roles(by_root, self.lexicon, clash)
        dead.victims(sentence)
        fallen = [m for m in perpetrators if m.root.i in dead.killed]
        if clash and targets and perpetrators and fallen == perpetrators:
            # "29 rebels were killed in clashes with regime troops": the side that lost them
            # suffered the act, the other side did it
            perpetrators, targets = targets, perpetrators
        elif fallen and (clash or not any(t.rule.type == EventType.CLASH for t in triggers)):
            # "30 IS fighters killed in Russian raids": whose dead are counted did not do it;
            # in clashes and shelling that the sentence tells together they are still a side
            perpetrators = [m for m in perpetrators if m not in fallen]
            targets = _tidy([*fallen, *targets])
        # civilians are never a side of the fighting, only its target
        civilian = [m for m in perpetrators if m.actor and self._is_civilian(m.actor)]
        return [m for m in perpetrators if m not in civilian], _tidy([*targets, *civilian])

    def _withdrawn(
        self,
        sentence: Span,
        anchor: Trigger,
        by_root: dict[int, _Mention],
        takers: list[_Mention],
    ) -> list[_Mention]:
        """ "After IS withdrew from the town, regime forces took it", "following the IS
        withdrawal": ground is taken from whoever the sentence says withdrew or gave way, the
        subject of a yielding verb or the force its noun names."""
        roles = _Roles(by_root, self.lexicon, clash=False)
        taking = {m.actor for m in takers}
        found: list[_Mention] = []
        for token in sentence:
            if token.i == anchor.head.i or not _yields(token, self.lexicon):
                continue
            if token.pos_ in ("VERB", "AUX"):
                whose = ("nsubj", "nsubjpass")
            elif token.pos_ in _NOUNS:
                whose = ("compound", "poss", "nmod")
            else:
                continue
            for subject in (c for c in token.children if c.dep_ in whose):
                found += [
                    m
                    for m in roles.phrase(subject)
                    if m.actor and m.actor not in taking and not self._is_civilian(m.actor)
                ]
        return found

    def _kin(self, one: str, other: str) -> bool:
        """Whether two actors are one force or parts of one ("syrian-air-force" and the army)."""
        return not set(self.actors.lineage(one)).isdisjoint(self.actors.lineage(other))

    def _is_civilian(self, actor_id: str) -> bool:
        return self.actors.get(actor_id).kind == ActorKind.CIVILIANS

    def _event_type(
        self,
        anchor: Trigger,
        triggers: list[Trigger],
        sentence: Span,
        perpetrators: list[_Mention],
        targets: list[_Mention],
    ) -> EventType:
        specific = [t for t in triggers if not t.rule.generic]
        rule = anchor.rule
        if rule.generic and specific:
            rule = min(specific, key=lambda t: _depth(t.head)).rule
        typed = [t for t in triggers if t.rule.type != EventType.OTHER]
        if rule.type == EventType.OTHER and typed:
            # "killed while repelling an attack": the killing tells no act, the attack does
            rule = min(typed, key=lambda t: _depth(t.head)).rule
        if rule.aerial is not None and self._aerial(sentence, perpetrators):
            return rule.aerial
        if rule.civilian is not None and any(
            m.actor and self._is_civilian(m.actor) for m in targets
        ):
            return rule.civilian
        if rule.type == EventType.OTHER and self._armed(perpetrators) and self._armed(targets):
            # "rebels killed three soldiers": a force that kills another's men attacked them
            return EventType.GROUND_ATTACK
        return rule.type

    def _armed(self, mentions: list[_Mention]) -> bool:
        return any(m.actor and not self._is_civilian(m.actor) for m in mentions)

    def _aerial(self, sentence: Span, perpetrators: list[_Mention]) -> bool:
        """Aircraft in the sentence, or a perpetrator that is an air force."""
        words = self.lexicon.aerial_context
        if any(t.lemma_.lower() in words or t.lower_ in words for t in sentence):
            return True
        for mention in perpetrators:
            if mention.actor is not None:
                name = self.actors.get(mention.actor).name.lower().split()
                if any(w in words for w in name):
                    return True
        return False

    # --- places ---------------------------------------------------------------------------------

    def _places(
        self,
        sentence: Span,
        dateline: tuple[int, int],
        hint: str | None,
        actor_ids: Iterable[str] = (),
    ) -> list[PlaceMention]:
        """Places of the event in the sentence: not in the dateline, not "Turkey-backed", not
        where a shell was fired from when the sentence also says where it landed, and the towns
        a road is named after only when the sentence names no other place ("clashes along the
        Ithriya-Khanasser road" happened near Ithriya, at a district's precision)."""
        operating = operating_areas(self.actors, actor_ids)
        spans = self._place_spans(sentence, dateline)
        resolved = resolve_places(self.gazetteer, spans, hint, operating)
        if not resolved:
            roads = [
                e
                for e in sentence.ents
                if e.label_ in (PLACE, "GPE", "LOC", "FAC")
                and _names_a_road(e, self.lexicon)
                and not (dateline[0] <= e.start_char < dateline[1] or _in_speaker(e))
            ]
            order = list(Precision).index
            resolved = [
                (span, replace(m, precision=max(m.precision, Precision.DISTRICT, key=order)))
                for span, m in resolve_places(self.gazetteer, roads, hint, operating)
            ]
        resolved = [(s, m) for s, m in resolved if not _foreign_modifier(s, m)]
        # where a shell came from is no place of the event when the sentence says where it
        # landed; "expelled them from Maarat al-Numan" names no other
        landed = [m for s, m in resolved if not _is_origin(s, self.lexicon)]
        return landed or [m for _, m in resolved]

    def _place_spans(self, sentence: Span, dateline: tuple[int, int]) -> list[Span]:
        """Entities that may be places, where a run of capitalised words the gazetteer knows
        replaces the pieces the recogniser split it into ("Ein" + "Elfijeh"). A place name
        after another capitalised word of a run the gazetteer does not know is part of another
        name ("General Ali Yousef", "Islam Khalil"), except in a headline, where every word is
        capitalised. A run split into several entities ("the Sahem Al-" + "Golan") is one name,
        looked up in any spelling."""
        spans = [e for e in sentence.ents if self._may_be_place(e, dateline)]
        words = [t for t in sentence if t.is_alpha]
        if sum(t.text[:1].isupper() for t in words) > 0.6 * len(words):
            return spans
        particles = self.lexicon.places.article_particles
        for run in name_runs(sentence, particles):
            inside = [
                e
                for e in spans
                if run.start <= e.start + (e[0].lower_ in _DEFINITE and len(e) > 1)
                and e.end <= run.end
            ]
            if any(e.start < run.end and e.end > run.start for e in spans if e not in inside):
                continue
            if len(inside) == 1 and (inside[0].start, inside[0].end) == (run.start, run.end):
                continue
            # "Kafr Nabol": "Kafr" alone is a word of the name, the run is the name to look up
            known = bool(self.gazetteer.candidates(run.text, fuzzy=len(inside) > 1)) or any(
                is_generic(e.text) for e in inside
            )
            if known and not self._may_be_run(run, dateline):
                continue
            if not known and (not inside or inside[0].start == run.start):
                continue  # "Tiyas Military Airbase": the place and what is there
            spans = [e for e in spans if e not in inside] + ([run] if known else [])
        return sorted(spans, key=lambda e: e.start)

    def _may_be_run(self, run: Span, dateline: tuple[int, int]) -> bool:
        return not (
            dateline[0] <= run.start_char < dateline[1]
            or _shouted_dateline(run)
            or is_modifier(run)
            or _in_speaker(run)
            or _names_a_road(run, self.lexicon)
        )

    def _may_be_place(self, ent: Span, dateline: tuple[int, int]) -> bool:
        if dateline[0] <= ent.start_char < dateline[1] or is_modifier(ent) or _in_speaker(ent):
            return False
        if _shouted_dateline(ent):
            return False
        if _names_a_road(ent, self.lexicon):
            return False  # "the Damascus-Homs highway" is not in Damascus
        if ent.label_ == PLACE:
            return not ent.text.islower()
        if ent.label_ in ("GPE", "LOC", "FAC"):
            return True
        if ent.label_ == ACTOR:
            return _is_location(ent, self.gazetteer)
        # the recogniser calls many Syrian villages people or organisations: "in Hazrama",
        # "Babsqa town", "the Anadan area", "the outskirts of Kafr Nabol"
        places = self.lexicon.places
        head = ent.root.head
        return ent.label_ in ("PERSON", "ORG", "NORP") and (
            head.lower_ in _LOCATIVE
            or (ent.root.dep_ == "compound" and head.lower_ in places.qualifiers_after)
            or (
                head.lower_ == "of"
                and head.head.lower_ in {*places.qualifiers_before, *places.qualifiers_after}
            )
        )


class _Roles:
    """Perpetrators and targets read off the parse around a trigger."""

    def __init__(
        self, by_root: dict[int, _Mention], lexicon: Lexicon, clash: bool, seizure: bool = False
    ) -> None:
        self.by_root = by_root
        self.lexicon = lexicon
        self.clash = clash
        self.seizure = seizure  # whom ground is taken "from" suffered the act
        self.perpetrators: list[_Mention] = []
        self.targets: list[_Mention] = []
        self.killed: set[int] = set()
        self.between = False  # whether a "between X and Y" phrase gave the sides

    def read(self, trigger: Trigger) -> None:
        head = trigger.head
        if head.dep_ == "amod" and head.tag_ == "VBD":
            # the verb of a sentence the parser read as a noun phrase ("Hezbollah fought
            # rebels"): who is named before it acted on who is named after it
            mentions = sorted(self.by_root.values(), key=_position)
            self.perpetrators += [m for m in mentions if m.root.i < head.i]
            self.targets += [m for m in mentions if m.root.i > head.i]
        elif _coarse(head) == "VERB":
            self._verb(head)
        else:
            self._noun(head)
        if not self.between:
            for prep in _detached_between(head):
                self._preposition(prep)

    def _verb(self, verb: Token) -> None:
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        for child in verb.children:
            if child.dep_ == "nsubj":
                self.perpetrators += self.phrase(child)
            elif child.dep_ == "nsubjpass" or child.dep_ == "dobj":
                self.targets += self.phrase(child)
            elif child.dep_ == "agent":
                self._objects(child, self.perpetrators)
            elif child.dep_ == "prep":
                self._preposition(child)
            elif child.dep_ == "ccomp":
                self._backed_object(child)
        if not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
            self._borrowed_subject(verb, passive)

    def _backed_object(self, clause: Token) -> None:
        """ "battled X backed by Y", parsed as an act with a clause "X backed by Y": the other
        side and its allies."""
        if clause.lemma_.lower() not in self.lexicon.support_words:
            return
        for part in clause.children:
            if part.dep_ in ("nsubj", "nsubjpass"):
                self.targets += self.phrase(part)
            elif part.dep_ == "agent":
                self._objects(part, self.targets)

    def _borrowed_subject(self, verb: Token, passive: bool) -> None:
        """ "tried to advance", "clashed and seized", "were able to regain", "rebels who
        attacked", "positions shelled"."""
        current = verb
        while (
            current.dep_ in ("xcomp", "conj", "acomp")
            # "..., taking control of two villages": an active participle's subject is the
            # clause's ("children were killed, shelling ..." names no actor)
            or (current.dep_ == "advcl" and current.tag_ == "VBG")
        ) and current.head != current:
            participle = current.dep_ == "advcl"
            current = current.head
            roles = ("nsubj",) if participle else ("nsubj", "nsubjpass")
            subjects = [c for c in current.children if c.dep_ in roles]
            # "Hezbollah backed by regime forces continued to battle": the parser may make the
            # alliance a clause subject, whose own subject and helpers are the force
            subjects += [
                c
                for c in current.children
                if c.dep_ == "csubj" and c.lemma_.lower() in self.lexicon.support_words
            ]
            if subjects:
                # "failed to resist the assault": the subject suffers it; "withdrew, then
                # retook the hill": a force that gave way and came back does the act
                resisted = _yields(current, self.lexicon) and any(
                    c.dep_ in ("dobj", "xcomp") for c in current.children
                )
                side = self.targets if resisted else self.perpetrators
                for subject in subjects:
                    side += self.phrase(subject)
                return
        if current.head == current and not any(c.dep_ == "nsubj" for c in current.children):
            self.perpetrators += self._behind_scene(current)
        if verb.dep_ in ("relcl", "acl") and verb.head.pos_ in _NOUNS:
            noun = self._supported(verb.head)
            undergoes = (passive or verb.tag_ == "VBN") and not self.clash
            side = self.targets if undergoes else self.perpetrators
            side += self.phrase(noun, skip=verb)
            if not undergoes and noun.dep_ == "dobj" and _yields(noun.head, self.lexicon):
                # "rebels repelled an IS attempt to advance": who fended the act off suffered it
                for subject in (c for c in noun.head.children if c.dep_ == "nsubj"):
                    self.targets += self.phrase(subject)

    def _behind_scene(self, verb: Token) -> list[_Mention]:
        """ "Amid an exchange of shelling, regime forces backed by militias continued to fight
        IS": a subject the parser took into the opening scene is the force named between the
        scene's closing comma and the verb, with its allies."""
        sentence = verb.sent
        if sentence[0].lower_ not in self.lexicon.backdrop_prepositions:
            return []
        comma = next(
            (t for t in reversed(sentence[: verb.i - sentence.start]) if t.text == ","), None
        )
        if comma is None:
            return []
        inside = sorted(
            (m for i, m in self.by_root.items() if comma.i < i < verb.i and m.actor), key=_position
        )
        if not inside:
            return []
        side = self.phrase(inside[0].root, conjuncts=False)
        return [m for m in inside if m == inside[0] or m in side]

    def reciprocal(self, trigger: Trigger, kin: Callable[[str, str], bool]) -> None:
        """ "Regime and rebel forces clashed", "IS and government forces exchanged fire": the
        forces a verb of fighting has for its subject, with no one to fight named after it,
        fought each other. Allies named with them ("regime forces and allied militias") stay
        on their side, as between, and so does a force named with its own kin ("the army and
        the 4th Division clashed" with someone the sentence does not name)."""
        verb = trigger.head
        if _coarse(verb) != "VERB":
            return
        for subject in (c for c in verb.children if c.dep_ == "nsubj"):
            groups = self._sides(self.phrase(subject))
            if len(groups) != 2:
                continue
            ours, theirs = ({m.actor for m in g if m.actor} for g in groups)
            if ours and theirs and not any(kin(a, b) for a in ours for b in theirs):
                other = {m.root.i for m in groups[1]}
                self.perpetrators = [m for m in self.perpetrators if m.root.i not in other]
                self.targets += groups[1]

    def opposed(self, trigger: Trigger) -> list[_Mention]:
        """ "captured the village in its campaign against IS": whom the fighting is against,
        named anywhere in the act's clause, when nothing else names the other side."""
        clause = _clause_head(trigger.head)
        ours = {m.actor for m in self.perpetrators if m.actor}
        found: list[_Mention] = []
        for token in clause.subtree:
            if token.dep_ != "prep" or token.lower_ not in _OPPOSING:
                continue
            if _clause_head(token) != clause:
                continue  # in a clause of its own
            for child in token.children:
                if child.dep_ == "pobj":
                    found += [m for m in self.phrase(child) if m.actor and m.actor not in ours]
        return found

    def _supported(self, noun: Token) -> Token:
        """ "forces backed by militias clashed": the parser may hang the verb on the allies."""
        while noun.dep_ == "pobj" and noun.head.dep_ in ("agent", "prep"):
            verb = noun.head.head
            if verb.lemma_.lower() not in self.lexicon.support_words or verb.head == verb:
                break
            noun = verb.head
        return noun

    def _noun(self, noun: Token) -> None:
        for child in noun.children:
            if child.dep_ in ("poss", "amod", "compound", "nmod"):
                # "regime shelling", not "artillery and rocket attacks": a weapon is no actor
                self.perpetrators += [m for m in self.phrase(child) if m.actor is not None]
            elif child.dep_ == "prep":
                self._preposition(child, nominal=True)
            elif child.dep_ == "acl" and child.lemma_.lower() in ("carry", "conduct", "launch"):
                self._objects_of_agent(child)
            elif child.dep_ == "ccomp":
                self._backed_object(child)
        verb = noun.head
        if noun.dep_ == "dobj":
            lemma = verb.lemma_.lower()
            subjects = [c for c in verb.children if c.dep_ == "nsubj"]
            if _yields(verb, self.lexicon):
                for subject in subjects:
                    self.targets += self.phrase(subject)
            elif lemma in self.lexicon.light_verbs or _coarse(verb) == "VERB":
                if not self.perpetrators:
                    for subject in subjects:
                        self.perpetrators += self.phrase(subject)
                for child in verb.children:
                    if child.dep_ == "prep":
                        self._preposition(child)
                if not subjects and verb.dep_ in ("xcomp", "conj"):
                    self._borrowed_subject(verb, passive=False)
        elif noun.dep_ in ("nsubj", "nsubjpass") and verb != noun:
            for child in verb.children:  # "clashes took place between X and Y"
                if child.dep_ == "prep":
                    self._preposition(child)
                elif child.dep_ == "dobj":
                    self.targets += self.phrase(child)
        elif (
            noun.dep_ == "pobj"
            and noun.head.dep_ == "prep"
            and noun.head.lower_ not in self.lexicon.backdrop_prepositions
            and _coarse(noun.head.head) == "VERB"
        ):
            self._in_course_of(noun.head.head)

    def _in_course_of(self, verb: Token) -> None:
        """ "Rebels destroyed a tank during the clashes", "IS cut the road after clashes with the
        army": a force acting in the course of fighting is one of its sides; one that gave way
        after an attack ("lost the hill after an IS assault") suffered it. Whoever else is the
        subject of a verb around an act is no actor of it ("killed in an airstrike"), nor is a
        force acting amid fighting ("jets struck the town amid clashes between X and Y")."""
        yielded = _yields(verb, self.lexicon) and not self.clash
        dying = verb.lemma_.lower() in self.lexicon.casualties.dying_verbs
        if self.between or dying or not (self.clash or yielded):
            return  # "three soldiers died in clashes": the dead, victims of the fighting
        side = self.targets if yielded else self.perpetrators
        subjects = [c for c in verb.children if c.dep_ == "nsubj"]
        if not subjects and self.clash and verb.dep_ in ("xcomp", "conj"):
            self._borrowed_subject(verb, passive=False)  # "managed to destroy", "advanced and"
            return
        while not subjects and verb.dep_ in ("xcomp", "conj") and verb.head != verb:
            verb = verb.head  # "tried to fend off X after their advance"
            subjects = [c for c in verb.children if c.dep_ == "nsubj"]
        for subject in subjects:
            side += [m for m in self.phrase(subject) if not _in_source(m.root)]

    def _objects_of_agent(self, verb: Token) -> None:
        for child in verb.children:
            if child.dep_ == "agent":
                self._objects(child, self.perpetrators)

    def _preposition(self, prep: Token, nominal: bool = False) -> None:
        word = prep.lower_
        if word == "between":
            # "clashes between X and Y", "mutual shelling between X and Y": the two sides
            self.between = True
            groups = self._between(prep)
            if len(groups) < 2:
                groups = [self.phrase(h, conjuncts=False) for h in _pobj_conjuncts(prep)]
                groups = [g for g in groups if g]
            if groups:
                self.perpetrators += groups[0]
                for group in groups[1:]:
                    self.targets += group
        elif word in self.lexicon.target_prepositions or (
            self.clash and word in self.lexicon.clash_prepositions
        ):
            self._objects(prep, self.targets)
        elif self.seizure and word in self.lexicon.places.origin_prepositions:
            self._objects(prep, self.targets)  # "took the village from IS"
        elif nominal and word in self.lexicon.agent_prepositions:
            self._objects(prep, self.perpetrators)

    def _between(self, prep: Token) -> list[list[_Mention]]:
        """ "between X backed by Y and Z", "between X, Y and W pitted against Z": the two sides,
        read from the words between the names, since the parser's coordination breaks down
        around multi-word names. The sides part at "against", else at the first "and" that is
        no part of an alliance (", and" first: it closes a list of allies)."""
        end = self._phrase_end(prep)
        inside = sorted((m for i, m in self.by_root.items() if prep.i < i < end), key=_position)
        return self._sides(inside)

    def _sides(self, inside: list[_Mention]) -> list[list[_Mention]]:
        """Mentions in reading order parted into the sides they name, as `_between` tells."""
        gaps = [_words_between(a.root, b.root) for a, b in itertools.pairwise(inside)]
        split = next((n for n, gap in enumerate(gaps) if gap & _OPPOSING), None)
        if split is None:
            free = [n for n, gap in enumerate(gaps) if "and" in gap and not self._allies(gap)]
            listed = [n for n in free if "," in gaps[n]]
            split = (listed or free or [None])[0]
        if split is None:
            return [inside] if inside else []
        return [inside[: split + 1], inside[split + 1 :]]

    def _phrase_end(self, prep: Token) -> int:
        """Where the phrase a preposition opens ends: at the place ("in X", "near X"), the
        sentence's end or the next clause's verb, whatever the parser attached where."""
        for token in prep.doc[prep.i + 1 : prep.sent.end]:
            if token.ent_iob_ == "I":
                continue
            lemma = token.lemma_.lower()
            if _names_a_side(token):
                continue
            if (
                token.text in (".", ";")
                or token.lower_ in _PHRASE_ENDS
                or (
                    token.pos_ in ("VERB", "AUX")
                    and lemma not in self.lexicon.support_words
                    and lemma not in _OPPOSING
                    and not _is_force_noun(token, self.lexicon)
                )
            ):
                return token.i
        return prep.sent.end

    def _allies(self, words: set[str]) -> bool:
        return bool(words & self.lexicon.support_words)

    def _objects(self, prep: Token, side: list[_Mention]) -> None:
        for child in prep.children:
            if child.dep_ in ("pobj", "pcomp"):
                side += self.phrase(child)

    def phrase(
        self, head: Token, conjuncts: bool = True, skip: Token | None = None
    ) -> list[_Mention]:
        """Mentions in a noun phrase with its conjuncts and allies ("X backed by Y"), not in
        the clauses hanging from it (nor under `skip`, the trigger when it hangs there)."""
        found: list[_Mention] = []
        stack = [head]
        seen: set[int] = {skip.i} if skip is not None else set()
        while stack:
            token = stack.pop()
            if token.i in seen:
                continue
            seen.add(token.i)
            if token.i in self.by_root:
                found.append(self.by_root[token.i])
            for child in token.children:
                if child.dep_ in _CLAUSE_DEPS or (child.dep_ == "conj" and not conjuncts):
                    continue
                if child.dep_ == "prep" and (
                    child.lower_ in self.lexicon.target_prepositions
                    or (child.lower_ in _ENEMY_PREPOSITIONS and self._fights(token))
                    or self._whereabouts(child)
                ):
                    # "forces battling with IS": IS is the enemy, not an ally; "strikes in
                    # opposition areas": whose areas is no one's act
                    continue
                stack.append(child)
        return sorted(found, key=lambda m: m.root.i)

    def _whereabouts(self, prep: Token) -> bool:
        """ "in opposition areas", "near the IS-held town": a phrase telling where."""
        places = self.lexicon.places
        area_words = places.qualifiers_after | places.qualifiers_before
        return prep.lower_ in _LOCATIVE and any(
            c.dep_ == "pobj" and (c.lemma_.lower() in area_words or c.ent_type_ == PLACE)
            for c in prep.children
        )

    def _fights(self, token: Token) -> bool:
        """A verb of fighting ("battling", "clashing"): whom it is "with" is the other side."""
        return token.pos_ == "VERB" and token.lemma_.lower() not in self.lexicon.support_words

    def victims(self, sentence: Span) -> None:
        """ "killing 12 civilians", "two soldiers were killed", "three fighters died": those
        killed were targets, whichever side they were on."""
        casualties = self.lexicon.casualties
        for token in sentence:
            lemma = token.lemma_.lower()
            if token.pos_ != "VERB" or lemma not in casualties.death_words | casualties.dying_verbs:
                continue
            roles = (
                ("dobj", "nsubjpass", "nsubj")
                if lemma in casualties.dying_verbs
                else (
                    "dobj",
                    "nsubjpass",
                )
            )
            found = [m for c in token.children if c.dep_ in roles for m in self.phrase(c)]
            roles_of = {c.dep_ for c in token.children}
            reduced = token.dep_ == "acl" and token.tag_ == "VBN" and "dobj" not in roles_of
            if reduced and token.head.pos_ in _NOUNS:
                # "40 Nusra Fighters Killed in Clashes with the Army": a headline's dead
                found += [m for m in self.phrase(token.head, skip=token) if m.root.i < token.i]
            self.targets += found
            self.killed.update(m.root.i for m in found)

    def campaigners(self, sentence: Span) -> list[_Mention]:
        """ "12 rebels were killed in army operations": whose campaign the dead fell in."""
        death_words = self.lexicon.casualties.death_words
        found: list[_Mention] = []
        for token in sentence:
            if token.pos_ != "VERB" or token.lemma_.lower() not in death_words:
                continue
            for prep in (c for c in token.children if c.lower_ in ("in", "during")):
                for noun in (c for c in prep.children if c.dep_ == "pobj"):
                    if noun.lemma_.lower() not in self.lexicon.operation_nouns:
                        continue
                    for owner in noun.children:
                        if owner.dep_ in ("poss", "amod", "compound", "nmod"):
                            found += [m for m in self.phrase(owner) if m.actor]
        return found

    def fallback(self, anchor: Trigger, sentence: Span, mentions: list[_Mention]) -> None:
        """When the parse gave a side nothing, the sentence's other actors fill it: left of the
        trigger act, right of it suffer; in a clash every actor is a side."""
        assigned = {m.root.i for m in (*self.perpetrators, *self.targets)} | self.killed
        clause = _clause_head(anchor.head)
        free = [
            m
            for m in mentions
            if m.root.i not in assigned
            and not _in_source(m.root)
            and _clause_head(m.root) == clause
        ]
        free = [m for m in free if m.actor is not None] or free
        if not free:
            return
        if self.clash:
            if not self.perpetrators:
                side = self.phrase(free[0].root)  # with its allies: "forces backed by militias"
                self.perpetrators += [m for m in free if m == free[0] or m in side]
                free = [m for m in free if m not in self.perpetrators]
            if not any(m.actor for m in self.targets) and free:
                self.targets.extend(free)
            return
        if not self.perpetrators:
            self.perpetrators += [m for m in free if m.root.i < anchor.head.i]
        if not self.targets:
            self.targets += [m for m in free if m.root.i > anchor.head.i and m.actor is not None]

    def result(self) -> tuple[list[_Mention], list[_Mention]]:
        perpetrators = _tidy(self.perpetrators)
        taken = {m.root.i for m in perpetrators} | {m.actor for m in perpetrators if m.actor}
        targets = [m for m in self.targets if m.root.i not in taken and m.actor not in taken]
        return perpetrators, _tidy(targets)


def _yields(verb: Token, lexicon: Lexicon) -> bool:
    """Whether a verb is a resisting or yielding one, alone or with the particle right after it
    ("pulled out", "pulled back", which the parser may take for a preposition or an adverb)."""
    lemma = verb.lemma_.lower()
    forms = {lemma} | {
        f"{lemma} {c.lower_}"
        for c in verb.children
        if c.dep_ in ("prt", "prep", "advmod") and c.i == verb.i + 1
    }
    return bool(forms & lexicon.resisting_verbs)


def _named_before(trigger: Trigger, by_root: dict[int, _Mention]) -> list[_Mention]:
    """ "killed in regime shelling", "the government's bombardment": a force named right before
    the act did it, however the parser hung the two words (it often takes "shelling" for a
    verb and the force for the object of "in")."""
    before = trigger.tokens[0].i - 1
    doc = trigger.tokens[0].doc
    if before >= 0 and doc[before].tag_ == "POS":
        before -= 1
    mention = by_root.get(before)
    if mention is None or mention.actor is None or is_modifier(doc[before : before + 1]):
        return []
    return [mention]


def _clause_head(token: Token) -> Token:
    """The verb of the clause a word is in ("Turkish jets pound IS; bomb wounds soldiers")."""
    for candidate in (token, *token.ancestors):
        if candidate.pos_ in ("VERB", "AUX") and candidate.dep_ not in ("amod", "acl"):
            return candidate
    return token.sent.root


def _tidy(mentions: list[_Mention]) -> list[_Mention]:
    """One mention per actor; an unresolved noun goes when it is only the head of a resolved
    one ("fighters of ISIS")."""
    resolved = [m for m in mentions if m.actor is not None]
    kept: list[_Mention] = []
    seen: set[str] = set()
    for mention in sorted(mentions, key=lambda m: m.root.i):
        if mention.actor is None:
            if any(
                r.root in mention.root.subtree or mention.root in r.root.subtree for r in resolved
            ):
                continue
            key = f"text:{mention.text.lower()}"
        else:
            key = mention.actor
        if key not in seen:
            seen.add(key)
            kept.append(mention)
    return kept


def _detached_between(trigger: Token) -> Iterator[Token]:
    """ "fighting broke out in Rasafa between X and Y": a "between" the parser hung on the place
    rather than on the act, or on a verb hanging on the act ("fighting going on in X between")."""
    governors = {trigger.i, trigger.head.i}
    governors |= {c.i for c in trigger.children if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB"}
    for token in trigger.sent:
        if token.lower_ != "between" or token.dep_ != "prep":
            continue
        if token.head.i in governors:
            yield token
            continue
        current = token.head
        while current.head != current and current.pos_ not in ("VERB", "AUX"):
            # up through the place it hangs on ("in Rasafa and areas west of the airbase
            # between X and Y"), never out of another clause
            if current.dep_ in _CLAUSE_DEPS:
                break
            current = current.head
            if current.i in governors:
                yield token
                break


def _is_force_noun(token: Token, lexicon: Lexicon) -> bool:
    """ "militias" the tagger took for a verb: a word naming a force, as written (not "forced"),
    is a noun."""
    return token.ent_type_ == ACTOR or any(
        form in lexicon.agent_nouns for form in forms_of(token.lower_, token.lower_)
    )


def _hyphenated(token: Token) -> str:
    """A word with the words hyphened to it before ("pro-government")."""
    doc, start = token.doc, token.i
    while (
        start >= 2
        and doc[start - 1].text == "-"
        and not doc[start - 2].whitespace_
        and not doc[start - 1].whitespace_
    ):
        start -= 2
    return doc[start : token.i + 1].text


def _names_a_side(token: Token) -> bool:
    """ "on one side", "on the other": words inside a "between" phrase that part its sides."""
    after = token.doc[token.i + 1 : token.i + 3]
    return token.lower_ == "on" and any(t.lower_ in ("side", "other") for t in after)


def _position(mention: _Mention) -> int:
    return mention.root.i


def _words_between(a: Token, b: Token) -> set[str]:
    """The words and lemmas between two mentions, after the end of the first one's name."""
    doc = a.doc
    start = a.i + 1
    while start < b.i and doc[start].ent_iob_ == "I":
        start += 1
    return {w for t in doc[start : b.i] for w in (t.lower_, t.lemma_.lower())}


def _pobj_conjuncts(prep: Token) -> list[Token]:
    heads = [c for c in prep.children if c.dep_ == "pobj"]
    out: list[Token] = []
    while heads:
        head = heads.pop(0)
        out.append(head)
        heads.extend(c for c in head.children if c.dep_ == "conj")
    return out


def _anchor(triggers: list[Trigger], lexicon: Lexicon) -> Trigger:
    """The specific trigger highest in the parse; a light verb ("carried out") defers to its
    object ("airstrikes")."""
    heads = {t.head.i for t in triggers}

    def governs_trigger(trigger: Trigger) -> bool:
        head = trigger.head
        return head.lemma_.lower() in lexicon.light_verbs and any(
            c.i in heads for c in head.children
        )

    usable = [t for t in triggers if not governs_trigger(t)] or triggers
    foreground = [t for t in usable if not _in_backdrop(t, lexicon)] or usable
    specific = [t for t in foreground if not t.rule.generic] or foreground
    # as high in the parse, the act a verb goes on with before the verb's subject ("X and
    # airstrikes continued to battle IS", where the parser made the allies' airstrikes a subject)
    continued = {t.head.head.i for t in specific if t.head.dep_ == "xcomp"}

    def subject(trigger: Trigger) -> bool:
        return trigger.head.dep_ == "nsubj" and trigger.head.head.i in continued

    return min(specific, key=lambda t: (_depth(t.head), subject(t), t.head.i))


def _in_backdrop(trigger: Trigger, lexicon: Lexicon) -> bool:
    """Named in a phrase that sets the scene ("amid regime shelling of the area") or that tells
    who supported the force that acted ("regime forces backed by Russian airstrikes")."""
    head = trigger.head
    supporting = head.pos_ in _NOUNS  # an act, not a verb the parser hung there
    return any(
        (a.dep_ == "prep" and a.lower_ in lexicon.backdrop_prepositions)
        or (supporting and a.dep_ in ("acl", "advcl") and a.lemma_.lower() in lexicon.support_words)
        for a in head.ancestors
    )


def _closest(dates: list[tuple[Span, DateRange]], anchor: Token) -> DateRange | None:
    """The date attached nearest to the trigger in the parse."""
    if not dates:
        return None
    path = {t.i: n for n, t in enumerate((anchor, *anchor.ancestors))}

    def distance(span: Span) -> int:
        for steps, token in enumerate((span.root, *span.root.ancestors)):
            if token.i in path:
                return steps + path[token.i]
        return 1000

    return min(dates, key=lambda item: (distance(item[0]), item[0].start))[1]


def _set_date(claim: Claim, found: DateRange) -> None:
    claim.date_from, claim.date_to, claim.date_precision = found.start, found.end, found.precision


def _host(recent: list[_Draft], draft: _Draft) -> _Draft | None:
    """The earlier claim a sentence only adds to: the last one, or for a bare mention of an act
    ("Shelling was also reported.") the recent claim of the same act."""
    if not recent:
        return None
    if _continues(recent[-1], draft):
        return recent[-1]
    if not draft.has_content:
        same = [d for d in recent if d.claim.event_type == draft.claim.event_type]
        return same[-1] if same else None
    return None


def _continues(last: _Draft, draft: _Draft) -> bool:
    """A sentence adds to the event before it when it names no other place, date or actor and
    stands to it the same way ("The clashes killed 4 rebels.", "No losses were reported.")."""
    if draft.own_place or draft.explicit_date:
        return False
    if draft.claim.factuality.is_factual != last.claim.factuality.is_factual:
        return False
    new_actors = {a for a in draft.actors if a is not None} - last.actors
    if any(m.actor in new_actors for m in draft.claim.perpetrators):
        return False
    if draft.claim.perpetrators and all(m.actor for m in draft.claim.perpetrators):
        return True  # the same actors, no other place or day: how the act was done
    kinds = {last.claim.event_type, draft.claim.event_type}
    return len(kinds) == 1 or EventType.OTHER in kinds or _is_killing_only(draft)


def _is_killing_only(draft: _Draft) -> bool:
    return not draft.claim.perpetrators and draft.casualties.known


def _merge(last: _Draft, draft: _Draft) -> None:
    claim = last.claim
    claim.spans.extend(draft.claim.spans)
    if claim.event_type == EventType.OTHER:
        claim.event_type = draft.claim.event_type
    # an actor once, however named ("rebels", then "opposition fighters")
    known = {m.actor or m.text for m in (*claim.perpetrators, *claim.targets)}
    if claim.event_type != EventType.CLASH or not claim.targets:
        # the dead of a clash are on both sides: they do not make either side a target
        claim.targets.extend(m for m in draft.claim.targets if (m.actor or m.text) not in known)
    last.actors |= draft.actors
    if draft.casualties.known or draft.casualties.share:
        _combine(last, draft.casualties)


def _combine(draft: _Draft, found: Casualties) -> None:
    """A later count restates the toll, or adds to it when it says so ("were also killed"); a
    later "no casualties" does not undo an earlier count, and a toll said to be split among
    several events leaves this one its even part."""
    claim, before = draft.claim, draft.casualties
    if not found.known:  # "Fatalities split across 2 events.": this event's part of the toll
        if found.share and before.known:
            draft.casualties = shared(before, found.share)
            claim.fatalities_min, claim.fatalities_max = draft.casualties.min, draft.casualties.max
        return
    if found.total or not before.known:
        merged = found
    elif found.min == 0 and found.max == 0:
        return
    elif not found.additive:
        if (found.min or 0) <= (before.min or 0):
            return
        merged = found
    else:
        low = (
            None
            if before.min is None and found.min is None
            else (before.min or 0) + (found.min or 0)
        )
        high = None if before.max is None or found.max is None else before.max + found.max
        merged = Casualties(low, high)
    draft.casualties = merged
    claim.fatalities_min, claim.fatalities_max = merged.min, merged.max


def _attribute(drafts: list[_Draft], aircraft: frozenset[str]) -> None:
    """ "Strike kills 15 in Idlib. ... Russian jets bombed the town": an act the report names
    without its actor, or only by its aircraft ("warplanes pounded the city"), takes the actor
    of the nearest claim of the same kind of act at no other place, as the story tells who did
    it a few sentences on. A force named but not known ("some factions") is kept."""
    for n, draft in enumerate(drafts):
        claim = draft.claim
        named = [m for m in claim.perpetrators if not _aircraft(m, aircraft)]
        if named or not claim.factuality.is_factual:
            continue
        nearest = sorted(
            (d for d in drafts if d is not draft and _same_act(d.claim, claim)),
            key=lambda d: abs(drafts.index(d) - n),
        )
        if nearest:
            claim.perpetrators = list(nearest[0].claim.perpetrators)
            draft.inferred = nearest[0].inferred


def _aircraft(mention: ActorMention, aircraft: frozenset[str]) -> bool:
    """Whether a mention names only aircraft, not whose they are ("fighter jets")."""
    return mention.actor is None and any(
        not aircraft.isdisjoint(forms_of(word, word)) for word in mention.text.lower().split()
    )


def _arm(drafts: list[_Draft]) -> None:
    """ "Barrel bombs hit the town": an act no one is named for, done with a weapon only one
    force uses, is that force's; its confidence says it was inferred."""
    for draft in drafts:
        claim = draft.claim
        if draft.weapon is not None and not any(m.actor for m in claim.perpetrators):
            claim.perpetrators = [draft.weapon]
            draft.inferred = True


def _oppose(drafts: list[_Draft], civilian: Callable[[str], bool]) -> None:
    """ "Regime forces clashed with IS near the airbase. Regime forces also shelled the area.":
    an act whose report names who did it but not to whom was done to the enemy the report gives
    that force in its nearest other claim at no other place."""
    for n, draft in enumerate(drafts):
        claim = draft.claim
        ours = {m.actor for m in claim.perpetrators if m.actor}
        if not ours or any(m.actor for m in claim.targets) or not claim.factuality.is_factual:
            continue
        others = sorted(
            ((m, d) for m, d in enumerate(drafts) if m != n and _same_front(d.claim, claim)),
            key=lambda item: (abs(item[0] - n), item[0] > n),
        )
        for _, other in others:
            enemies = [m for m in _enemies(other.claim, ours) if m.actor and not civilian(m.actor)]
            if enemies:
                claim.targets += enemies
                draft.actors |= {m.actor for m in enemies}
                break


def _enemies(claim: Claim, ours: set[str]) -> list[ActorMention]:
    """The named forces a claim sets against any of `ours`."""
    perpetrators = {m.actor for m in claim.perpetrators if m.actor}
    targets = {m.actor for m in claim.targets if m.actor}
    if ours & perpetrators and not ours & targets:
        return [m for m in claim.targets if m.actor]
    if ours & targets and not ours & perpetrators:
        return [m for m in claim.perpetrators if m.actor]
    return []


def _same_front(source: Claim, claim: Claim) -> bool:
    """A factual claim in the same governorate, or where either's is not known."""
    a, b = source.place, claim.place
    if not source.factuality.is_factual:
        return False
    return a is None or b is None or not a.admin1 or not b.admin1 or a.admin1 == b.admin1


def _settle_vague_counts(drafts: list[_Draft]) -> None:
    """ "Scores of civilians were killed in raids on Aleppo. ... At least 51 civilians were
    killed in air raids": a toll told only in words is the lead's summary of a count the story
    gives later, so it takes the first later count of the same kind of act at the same place."""
    for n, draft in enumerate(drafts):
        if not draft.casualties.vague or draft.casualties.total:
            continue
        claim = draft.claim
        for later in drafts[n + 1 :]:
            found, other = later.casualties, later.claim
            if (
                found.vague
                or not found.min
                or not other.factuality.is_factual
                or not types_compatible(claim.event_type, other.event_type)
                or (claim.place and other.place and claim.place.place != other.place.place)
            ):
                continue
            draft.casualties = found
            claim.fatalities_min, claim.fatalities_max = found.min, found.max
            break


def _same_act(source: Claim, claim: Claim) -> bool:
    """Whether a claim with named actors can tell who did an act named without them."""
    if not source.factuality.is_factual or not any(m.actor for m in source.perpetrators):
        return False
    if EventType.OTHER in (source.event_type, claim.event_type):
        # "40 killed in Idlib. ... Warplanes of the regime bombed the town that day": an act
        # told by its dead alone is the one the report tells at that place and time
        return _same_front(source, claim) and _within(source, claim)
    return types_compatible(source.event_type, claim.event_type) and _same_front(source, claim)


def _within(source: Claim, claim: Claim) -> bool:
    """Whether the source's dates fall within the claim's."""
    return (
        None not in (source.date_from, source.date_to, claim.date_from, claim.date_to)
        and claim.date_from <= source.date_from  # type: ignore[operator]
        and source.date_to <= claim.date_to  # type: ignore[operator]
    )


def _confidence(draft: _Draft) -> float:
    """Higher when who, where and when are all known and the text asserts the event; a
    perpetrator put down to the weapon used, not named, counts for less."""
    claim = draft.claim
    score = 0.2
    if any(m.actor for m in claim.perpetrators):
        score += 0.1 if draft.inferred else 0.2
    if claim.targets:
        score += 0.1
    if claim.place is not None:
        score += 0.15 if draft.own_place else 0.08
        if claim.place.precision in (Precision.EXACT, Precision.TOWN):
            score += 0.05
    if draft.explicit_date:
        score += 0.15 if claim.date_precision == DatePrecision.DAY else 0.08
    score += {
        Factuality.ASSERTED: 0.15,
        Factuality.REPORTED: 0.12,
        Factuality.ALLEGED: 0.05,
    }.get(claim.factuality, 0.0)
    return round(min(score, 1.0), 2)


def _narrow_places(claims: list[Claim], named: list[PlaceMention]) -> None:
    """A claim placed only in "Syria" or "northeast Syria" happened in the governorate the
    document is mostly about (when that governorate lies in the region): a report that names
    Hasaka three times and "northeast Syria" once tells of Hasaka. A claim placed nowhere, such
    as a headline, tells of the event the story opens with, so it takes the governorate named
    first: a story may go on at length about fighting elsewhere. The place keeps the
    governorate's precision, as the town is inferred."""
    governorates = Counter(m.admin1 for m in named if m.admin1 and m.country == "SY")
    if not governorates:
        return
    top = max(governorates.values())
    main = next(m for m in named if m.admin1 and governorates[m.admin1] == top)
    first = next(m for m in named if m.admin1 and m.country == "SY")
    for claim in claims:
        place = claim.place
        if place is not None and (place.admin1 or place.country != "SY"):
            continue
        if place is None:
            claim.place = replace(first, precision=Precision.GOVERNORATE)
            continue
        if place.precision == Precision.REGION and not _inside_region(main, place):
            continue
        claim.place = replace(main, precision=Precision.GOVERNORATE)


def _inside_region(place: PlaceMention, region: PlaceMention) -> bool:
    if place.lat is None or place.lon is None or region.lat is None or region.lon is None:
        return False
    return haversine_km(place.lat, place.lon, region.lat, region.lon) <= REGION_KM


def _place_rank(mention: PlaceMention) -> tuple[bool, int]:
    """Syrian places first (a sentence naming Moscow and Idlib is about Idlib), then the most
    precise."""
    return mention.country != "SY", list(Precision).index(mention.precision or Precision.COUNTRY)


def _evidence(sentence: Span) -> Evidence:
    text = sentence.text.strip()
    start = sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip()))
    return Evidence(start, start + len(text), text)


def _sentences(doc: Doc) -> Iterator[Span]:
    """The parser's sentences, with fragments it split off ("4" before "IS militants killed.")
    joined to the sentence they belong to. A sentence the prefilter blanked whole still counts,
    as what a later sentence adds to an event depends on how far back the event was told."""
    pending: int | None = None
    for sentence in doc.sents:
        if pending is None and BLANK in sentence.text and sentence.text.isspace():
            yield sentence
            continue
        start = sentence.start if pending is None else pending
        fragment = not any(t.is_alpha for t in sentence) or (
            len(sentence) <= 2 and not sentence[-1].is_punct
        )
        if fragment and sentence.end < len(doc):
            pending = start
            continue
        pending = None
        yield doc[start : sentence.end]


def _dateline(text: str) -> tuple[int, int]:
    """Where a dateline ("BEIRUT, Jan 10 (Reuters) -") opening a line near the top stands."""
    found = _DATELINE.search(text[:_DATELINE_WITHIN])
    return (found.start(), found.end()) if found else (0, 0)


def _whole_name(ent: Span) -> Span:
    """The name with the capitalised words before it that the recogniser left out but the
    parser joined to it ("Hayat" of "Hayat Tahreer al-Sham")."""
    doc, start = ent.doc, ent.start
    while (
        start > ent.sent.start
        and doc[start - 1].dep_ == "compound"
        and ent.start <= doc[start - 1].head.i < ent.end
        and doc[start - 1].is_title
    ):
        start -= 1
    return doc[start : ent.end]


def _name_root(ent: Span) -> Token:
    """The word a name hangs from in the sentence. A transliterated name the parser split into
    several words hung on the verb ("Faylaq" an adverb, "Rahman" its subject) is read by the
    word that holds the sentence's role, as a name's head is that role's word."""
    outside = [t for t in ent if not ent.start <= t.head.i < ent.end]
    if len(outside) < 2:
        return ent.root
    core = [t for t in outside if t.dep_ in _CORE_DEPS]
    return core[-1] if core else ent.root


def _is_location(ent: Span, gazetteer: Gazetteer) -> bool:
    """An actor's name used as a place: "shells fell in Turkey"."""
    return (
        ent.root.head.lower_ in _LOCATIVE
        and ent.root.dep_ == "pobj"
        and bool(gazetteer.candidates(ent.text))
    )


def _in_source(item: Span | Token) -> bool:
    """Part of who is speaking ("the ministry in Moscow said"), not of the event."""
    token = item.root if isinstance(item, Span) else item
    cues = load_lexicon().factuality
    reporting = {*cues.reported.lemmas, *cues.denied.lemmas, *cues.alleged.lemmas}
    current = token
    while current.head != current:
        if current.dep_ in ("nsubj", "agent") and current.head.lemma_.lower() in reporting:
            return True
        current = current.head
    return False


def _in_speaker(span: Span) -> bool:
    """A place in the name of whoever is speaking ("the ministry in Moscow said", "Hama state
    news agency SANA reported"), not in the clause that tells the event. A verb with its own
    subject or object on the way up opens that clause ("a bomb killed 34 in Hama ... SANA
    reported"), and a verb with a direct object tells no speech ("an explosion in Homs claimed
    the lives of 40")."""
    cues = load_lexicon().factuality
    reporting = {*cues.reported.lemmas, *cues.denied.lemmas, *cues.alleged.lemmas}
    current = span.root
    while current.head != current:
        if current is not span.root and _has_participants(current):
            return False
        verb = current.head
        if (
            current.dep_ in ("nsubj", "agent")
            and verb.lemma_.lower() in reporting
            and not any(c.dep_ == "dobj" for c in verb.children)
        ):
            return True
        current = verb
    return False


def _foreign_modifier(span: Span, mention: PlaceMention) -> bool:
    """A place abroad that only qualifies a noun ("the Lebanon monitor", "Beirut Syrian
    government air strikes" of a dateline that lost its comma): where the teller is, not
    where the event is."""
    return mention.country not in (None, "SY") and span.root.dep_ in _MODIFIER_DEPS


def _shouted_dateline(span: Span) -> bool:
    """A city in capitals that no word of the sentence governs as a place or participant
    ("... 2016 BEIRUT A Daesh counterattack ..."): a dateline that lost its dash, where the
    story was filed. Capitals across a whole headline say nothing."""
    words = [t for t in span.sent if t.is_alpha and len(t) > 1]
    return (
        len(span.text) > 3
        and span.text.isupper()
        and sum(t.is_upper for t in words) < 0.5 * len(words)
        and span.root.dep_ not in ("pobj", "dobj", "nsubj", "nsubjpass", "conj", "appos")
    )


def _has_participants(token: Token) -> bool:
    return token.pos_ in ("VERB", "AUX") and any(
        c.dep_ in ("nsubj", "nsubjpass", "dobj") for c in token.children
    )


def _names_a_road(span: Span, lexicon: Lexicon) -> bool:
    token = span.root
    while token.dep_ in ("compound", "nmod", "amod") and token.head != token:
        token = token.head
        if token.lemma_.lower() in lexicon.places.road_words:
            return True
    return False


def _is_origin(span: Span, lexicon: Lexicon) -> bool:
    """ "fired from Turkey", "from across the border": where from, decided by the preposition
    nearest the name ("escaped from a prison in Daret Azza" happened in Daret Azza). The "of"
    of "the towns of Foua" only names the place, so "evacuees from the towns of Foua" came
    from Foua."""
    places = lexicon.places
    kinds = {*places.qualifiers_before, *places.qualifiers_after}
    for token in (span.root, *span.root.ancestors):
        if token.pos_ in ("VERB", "AUX"):
            return False
        if token.dep_ == "prep":
            naming = token.lower_ == "of" and (
                token.head.lower_ in kinds or token.head.lemma_.lower() in kinds
            )
            if not naming:
                return token.lower_ in places.origin_prepositions
    return False


def _noun_phrase(token: Token) -> str:
    """ "the militants", "Islamist militant group": the noun with its modifiers, no numbers."""
    doc = token.doc
    start = token.i
    for child in token.lefts:
        if child.dep_ in ("amod", "compound", "det", "poss", "nmod"):
            start = min(start, child.left_edge.i)
    while start < token.i and (doc[start].like_num or doc[start].is_punct):
        start += 1
    return doc[start : token.i + 1].text


def _possessor(owner: Token) -> str:
    """The name in the possessive, with its mark ("Islamic States'"), as the registry reads it."""
    doc = owner.doc
    end = owner.i + 1
    if end < len(doc) and doc[end].tag_ == "POS":
        end += 1
    return doc[owner.left_edge.i : end].text


def _registry_id(actors: ActorRegistry, text: str) -> str | None:
    actor = actors.resolve(text)
    return actor.id if actor is not None else None
