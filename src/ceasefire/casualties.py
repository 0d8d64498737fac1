"""How many were killed: counts read off the parse, never off the wounded or the captured.

A number counts as fatalities when the first death or harm word governing it (or its noun) is a
death word: "killing 12 civilians", "12 soldiers and 8 rebels were killed", "the death toll rose
to 70", "two children were among the dead". Counts of parts ("including 3 children", "12 of whom
were rebels") do not add to the count they are part of.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from ceasefire.nlp import ACTOR, CasualtyLexicon, load_lexicon, word_forms

_NOT_COUNTS = {"TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"}
_MONTHS = {m.casefold() for m in (*calendar.month_name, *calendar.month_abbr, "Sept") if m}
_BARE_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "appos", "conj", "npadvmod", "ROOT"}
_BARE_PREPS = {"to", "at", "as", "of"}
_NOMINAL_ARGS = {"nsubj", "nsubjpass", "dobj", "attr", "oprd", "acomp", "agent", "xcomp"}
_ANYONE = {"people", "person"}  # a count of these restates any other count of the same number
_WHOLE_AFTER = {"among", "amongst"}  # "two children were among 40 people killed": 40 is whole
_SHARE_VERBS = {"split", "divide", "distribute", "allocate", "apportion"}
_SHARE_UNITS = {"event", "location", "place", "incident", "area", "site", "locality"}
# "with 5 allocated to Hass", "5 coded to Hama": one event's part of a toll split among several
_ALLOT_VERBS = frozenset(
    {*_SHARE_VERBS, "assign", "code", "attribute", "allocated", "assigned", "coded", "divided"}
)
# Verbs whose object (or passive subject) is a person: "killed 3 medics", "a reporter was killed"
_KILLING = {"kill", "slay", "execute", "massacre", "murder", "assassinate", "behead"}
# Words that make a count the whole toll of every event told: "for a total of 14 fatalities"
_GRAND_TOTAL = {"total", "overall", "altogether"}
_GRAND_WINDOW = 8
_SUBCLAUSES = {"advcl", "ccomp", "xcomp", "conj", "relcl", "parataxis"}
# "leaving 30 people dead": a verb whose object the word after it says is dead
_RESULT_VERBS = {"leave"}
_RESULT_WINDOW = 10
_SUPERSEDED = {"previous", "earlier", "prior", "former", "old"}
_CODING = {"code", "coded", "cod"}  # "coded as 10": a coder's figure for an unknown toll
_GROUPS = {"family", "household"}  # nouns counting groups of people, not people
_DEAD_AFTER = {"dead", "killed"}  # "7 dead", "12 killed": a count with nothing between


@dataclass(frozen=True)
class Casualties:
    """Fatalities found in one sentence; `total` when it restates a whole toll ("the toll rose
    to 20", "fatalities coded as 10"), `additive` when it adds to counts read before it
    ("three civilians were also killed"), `vague` when it rests only on words ("dozens were
    killed") that stand for a conventional number, `share` when it says the toll it tells, or
    the one told before, is split among several events and this is one of them."""

    min: int | None
    max: int | None
    total: bool = False
    additive: bool = False
    vague: bool = False
    share: int | None = None  # "split between 2 events": how many events share the toll

    @property
    def known(self) -> bool:
        return self.min is not None or self.max is not None


@dataclass(frozen=True)
class _Count:
    token: Token  # the word the number stands on (its noun, or the number itself)
    start: int  # where the number stands in the sentence
    low: int | None
    high: int | None
    subset: bool
    total: bool
    vague: bool = False
    additive: bool = False


def parse_casualties(span: Span | Doc) -> tuple[int | None, int | None]:
    """Fatalities (min, max) in a sentence; (0, 0) for "no casualties were reported"."""
    found = count_casualties(span)
    return found.min, found.max


def count_casualties(span: Span | Doc) -> Casualties:
    lexicon = load_lexicon().casualties
    tokens = list(span)
    counts = [c for c in _counts(tokens, lexicon) if c is not None]
    counts = _after_dateline(counts, tokens)
    counts = _parts_listed(counts)
    whole = [c for c in counts if not c.subset]
    whole = [c for c in whole if not _superseded(c)] or whole
    grand = [c for c in whole if _grand_total(c, tokens)]
    whole = [c for c in whole if not _running_toll(c, whole)]
    whole = grand[-1:] or [c for c in whole if c.total] or whole  # "many killed, coded as 10"
    whole = _restated(whole, lexicon)
    whole = [c for c in whole if not c.vague] or whole  # "4 killed amid reports of dozens dead"
    share = _share(tokens, lexicon)
    if whole:
        low = sum(c.low or 0 for c in whole) if any(c.low is not None for c in whole) else None
        high = None if any(c.high is None for c in whole) else sum(c.high or 0 for c in whole)
        # "coded as an additional 10" adds to the toll; "a total of 14" and a toll said to be
        # split among events restate it whole
        additive = not grand and any(c.additive for c in whole)
        found = Casualties(
            low,
            high,
            total=bool(grand or share) or (not additive and any(c.total for c in whole)),
            additive=additive,
            vague=all(c.vague for c in whole),
        )
        return shared(found, share) if share else found
    if counts:  # only parts are known: "two children were among the dead"
        low = max(c.low or 0 for c in counts) or None
        return Casualties(low, None, vague=all(c.vague for c in counts))
    if _no_deaths(tokens, lexicon):
        return Casualties(0, 0)
    named = _named_dead(tokens, lexicon)
    return Casualties(named, named) if named else Casualties(None, None, share=share)


def shared(found: Casualties, events: int) -> Casualties:
    """One event's part of a toll split among `events`: its even share, or, when the toll does
    not divide evenly, the range from the smaller share to the larger (10 among 3 is 3 to 4)."""
    if found.min is None:
        return found
    high = None if found.max is None else -(-found.max // events)
    return replace(found, min=found.min // events, max=high, share=None)


def _share(tokens: list[Token], lexicon: CasualtyLexicon) -> int | None:
    """ "split between 2 events", "divided among three locations", "split between Hass and
    Hama": the number of events a toll is shared among."""
    for i, token in enumerate(tokens):
        if token.lemma_.lower() not in _SHARE_VERBS:
            continue
        for j in range(i + 1, min(i + 5, len(tokens))):
            word = tokens[j]
            count = _number(word, lexicon)
            if count is not None and count > 1:
                unit = tokens[j + 1] if j + 1 < len(tokens) else None
                if unit is not None and unit.lemma_.lower() in _SHARE_UNITS:
                    return count
            if word.lower_ in ("between", "among") and word.dep_ == "prep":
                places = [c for c in word.children if c.dep_ == "pobj" and c.ent_type_]
                if places:
                    return 1 + sum(1 for c in places[0].conjuncts if c.ent_type_)
    return None


def _grand_total(count: _Count, tokens: list[Token]) -> bool:
    """ "for a total of 14 fatalities", "with the total number of fatalities coded as 18": a
    count that sums up every count told with it, so it replaces them instead of adding to them.
    The word must stand shortly before the number, with no other number or clause between."""
    for token in reversed(tokens[max(0, count.start - _GRAND_WINDOW) : count.start]):
        if token.like_num or token.is_punct:
            return False
        if token.lower_ in _GRAND_TOTAL:
            return True
    return False


def _superseded(count: _Count) -> bool:
    """ "126 killed, updating a previous toll of 112 dead": a toll told only to be replaced."""
    token, steps = count.token, 0
    while steps < 4:
        if any(c.dep_ == "amod" and c.lower_ in _SUPERSEDED for c in token.children):
            return True
        if token.head == token:
            break
        token, steps = token.head, steps + 1
    return False


def _parts_listed(counts: list[_Count]) -> list[_Count]:
    """ "36 dead, among them 15 children and four teachers": a count listed with a part is a
    part too."""
    parts = {c.token for c in counts if c.subset}
    return [
        replace(c, subset=True) if c.token.dep_ == "conj" and c.token.head in parts else c
        for c in counts
    ]


def _running_toll(count: _Count, counts: list[_Count]) -> bool:
    """ "The raids killed 5 people, raising the toll for the week to 40": a toll told in a clause
    hung on another count sums more than the event that clause tells."""
    if not count.total:
        return False
    root = _clause_root(count.token)
    return root.dep_ in _SUBCLAUSES and any(
        not c.total and _clause_root(c.token) != root for c in counts
    )


def _after_dateline(counts: list[_Count], tokens: list[Token]) -> list[_Count]:
    """ "Russia says 62 troops killed AFP Sunday 18 Sep 2016 More than 60 soldiers were
    killed": a headline run into its story over a dated byline tells the story's count in
    round figures, so the story's own count stands alone."""
    years = [
        t.i
        for n, t in enumerate(tokens)
        if t.text.isdigit()
        and len(t.text) == 4
        and 1900 <= int(t.text) <= 2100
        and any(_is_month(m) for m in tokens[max(0, n - 3) : n])
    ]
    if not years:
        return counts
    after = [c for c in counts if c.token.i > years[-1]]
    return after if any(not c.subset for c in after) else counts


def _restated(counts: list[_Count], lexicon: CasualtyLexicon) -> list[_Count]:
    """A headline run into its lead ("12 civilians dead in raid At least 12 civilians were
    killed"): the same number of the same people told again is one count, not two."""
    kept: list[_Count] = []
    for count in counts:
        if not any(_same_count(k, count, lexicon) for k in kept):
            kept.append(count)
    return kept


def _same_count(a: _Count, b: _Count, lexicon: CasualtyLexicon) -> bool:
    """The same number again, of the same people ("30 rebels ... 30 rebel fighters") or of
    people one of them does not name ("raid kills 16 ... killed at least 16 civilians", "19
    dead"), unless the second says it adds to the first or the two are listed in one clause
    ("3 civilians in Hass and 3 civilians in Hama")."""
    if a.low != b.low or a.additive or b.additive:
        return False
    if "conj" in (a.token.dep_, b.token.dep_) and _clause_root(a.token) == _clause_root(b.token):
        return False
    named = [_described(t, lexicon) for t in (a.token, b.token)]
    return not all(named) or bool(named[0] & named[1])


def _described(noun: Token, lexicon: CasualtyLexicon) -> set[str]:
    """Who a count says the dead were: its noun and the words naming them ("rebel fighters");
    nothing for a bare number, "people" or "dead"."""
    if noun.like_num or noun.lemma_.lower() in _ANYONE or _is(noun, lexicon.death_words):
        return set()
    modifiers = [c for c in noun.children if c.dep_ in ("compound", "amod")]
    return {t.lemma_.lower() for t in (noun, *modifiers)}


def _clause_root(token: Token) -> Token:
    head = token
    while head.head != head and head.pos_ not in ("VERB", "AUX"):
        head = head.head
    return head


def _counts(tokens: list[Token], lexicon: CasualtyLexicon) -> list[_Count | None]:
    counts: list[_Count | None] = []
    allotting = False
    i = 0
    while i < len(tokens):
        found = _number_at(tokens, i, lexicon)
        if found is None:
            i += 1
            continue
        value, high, end, vague = found
        allotting = _allotted(tokens, end, allotting, lexicon)
        if not allotting:
            count = _classify(tokens, i, end, value, high, vague, lexicon)
            if count is not None and _to_each(tokens, end, lexicon):
                count = replace(count, total=True)
            counts.append(count)
        i = end
    return counts


def _allotted(tokens: list[Token], end: int, listing: bool, lexicon: CasualtyLexicon) -> bool:
    """ "with 6 fatalities allocated to Hass", "2 allocated to Hama, 2 to Hass": the part of a
    toll given to one of the events it is split among (`listing` when the count before was one).
    Which event is the document's own is not said, so a part is no count of its own: the toll
    and how many events share it decide."""
    if end < len(tokens) and _is(tokens[end], lexicon.death_words):
        end += 1
    if end + 1 < len(tokens) and _is(tokens[end], _ALLOT_VERBS):
        return tokens[end + 1].lower_ == "to" and not _to_each(tokens, end, lexicon)
    return listing and end < len(tokens) and tokens[end].lower_ == "to"


def _coded(number: Token, tokens: list[Token], lexicon: CasualtyLexicon) -> bool:
    """ "managed to kill and injure an unknown number of soldiers, coded as 10": the figure a
    coder gives a sentence that tells of killing is its toll, however the killing is told."""
    verb = number.head.head if number.head.lower_ == "as" else None
    return (
        verb is not None
        and any(f in _CODING for f in word_forms(verb))
        and any(_is(t, lexicon.death_words) for t in tokens if t.pos_ in ("VERB", "NOUN"))
    )


def _to_each(tokens: list[Token], end: int, lexicon: CasualtyLexicon) -> bool:
    """ "One fatality was allocated to each event": every event's toll, this one's too."""
    words = [t for t in tokens[end : end + 6] if t.pos_ != "AUX"]
    if words and _is(words[0], lexicon.death_words):
        words = words[1:]
    return (
        len(words) >= 3
        and _is(words[0], _ALLOT_VERBS)
        and words[1].lower_ == "to"
        and words[2].lower_ in ("each", "every")
    )


def _number_at(
    tokens: list[Token], i: int, lexicon: CasualtyLexicon
) -> tuple[int, int | None, int, bool] | None:
    """(value, upper value of a range, end index, vague) of a count starting at tokens[i]."""
    for phrase, value in lexicon.vague_counts.items():
        words = phrase.split()
        end = i + len(words)
        if [t.lower_ for t in tokens[i:end]] == words:
            if end < len(tokens) and _number(tokens[end], lexicon) is not None:
                break  # "some 30 people": the number counts, "some" only hedges it
            return value, None, end, True
    value = _number(tokens[i], lexicon)
    if value is None or not _may_count(tokens, i, value, lexicon):
        return None
    end = i + 1
    # "twenty-five", "two hundred"
    while end < len(tokens):
        if tokens[end].text == "-" and end + 1 < len(tokens):
            nxt = _number(tokens[end + 1], lexicon)
            if nxt is not None and nxt < 10 <= value:
                value, end = value + nxt, end + 2
                continue
        nxt = _number(tokens[end], lexicon)
        if nxt in (100, 1000):
            value, end = value * nxt, end + 1
        elif nxt is not None and nxt < 10 <= value and value % 10 == 0:
            value, end = value + nxt, end + 1
        else:
            break
    # "one to three", "5-7", "between 4 and 6"
    joiners = (
        ("to", "-", "–", "or", "and")
        if i and tokens[i - 1].lower_ == "between"
        else (
            "to",
            "-",
            "–",
            "or",
        )
    )
    if end + 1 < len(tokens) and tokens[end].lower_ in joiners:
        upper = _number(tokens[end + 1], lexicon)
        if upper is not None and upper > value:
            return value, upper, end + 2, False
    return value, value, end, False


def _may_count(tokens: list[Token], i: int, value: int, lexicon: CasualtyLexicon) -> bool:
    """Not a year, an age, a time or a distance; not "no one"."""
    token = tokens[i]
    if token.ent_type_ in _NOT_COUNTS or (i and tokens[i - 1].lower_ in ("no", "not")):
        return False
    if any(0 <= j < len(tokens) and _is_month(tokens[j]) for j in (i - 1, i + 1)):
        return False  # "28 October 2016 13 citizens killed": a dateline the tagger missed
    if 1900 <= value <= 2100 and any(_is_month(t) for t in tokens[max(0, i - 3) : i]):
        return False  # "Mon Jul 18 2016 21 civilians killed": the year of a dateline
    if token.ent_type_ == "DATE":  # the recogniser also tags "rose to 70" as a date
        if _toll_figure(tokens, i, lexicon):
            return True  # "put the toll at 16 earlier"
        in_phrase = any(
            0 <= j < len(tokens) and tokens[j].ent_type_ == "DATE" for j in (i - 1, i + 1)
        )
        return not in_phrase and not 1900 <= value <= 2100
    return True


def _toll_figure(tokens: list[Token], i: int, lexicon: CasualtyLexicon) -> bool:
    """A number right after "at" or "to" that a toll word shortly before it is put at."""
    if not i or tokens[i - 1].lower_ not in ("at", "to"):
        return False
    return any(_is(t, lexicon.total_words) for t in tokens[max(0, i - 5) : i - 1])


def _is_month(token: Token) -> bool:
    word = token.text.rstrip(".").casefold()
    return len(word) >= 3 and word in _MONTHS


def _number(token: Token, lexicon: CasualtyLexicon) -> int | None:
    text = token.text.replace(",", "")
    if text.isdigit():
        return int(text)
    value = lexicon.numbers.get(token.lower_)
    if value == 1 and token.lower_ in ("a", "an") and token.dep_ != "det":
        return None
    return value


def _classify(
    tokens: list[Token],
    start: int,
    end: int,
    value: int,
    high: int | None,
    vague: bool,
    lexicon: CasualtyLexicon,
) -> _Count | None:
    number = tokens[start]
    last = tokens[end - 1]
    if end < len(tokens) and _is(tokens[end], lexicon.harm_words):
        return None  # "more than 30 wounded"
    if (
        end + 2 < len(tokens)
        and tokens[end + 1].lower_ in ("and", "or")
        and _is(tokens[end], lexicon.death_words)
        and _is(tokens[end + 2], lexicon.harm_words)
    ):
        return None  # "19 killed and injured": the dead and wounded counted together
    # a headline's "Seven dead 20 wounded in blast": the word after the count says what it is
    told = end < len(tokens) and tokens[end].lower_ in _DEAD_AFTER and number.dep_ != "compound"
    noun = number if told else _noun_of(number, last, tokens, end, lexicon)
    if noun is None:
        return None
    if number.lower_ in ("a", "an") and (
        not (_is_people(noun, lexicon) or _victim(noun, lexicon, passive_only=True))
        or any(c.dep_ == "nummod" and not number.i <= c.i <= last.i for c in noun.children)
    ):
        return None  # "a" counts a person ("a child was killed"), not "a further 9 people"
    if noun.lemma_.lower() in _GROUPS and noun != number:
        return None  # "executed six families": how many died is not told ("of 4" is)
    if _of_counted(noun):
        return None  # "seven members of one family": the one counts no dead
    kind, path = ("death", [tokens[end].lower_]) if told else _governing_kind(noun, lexicon)
    if kind != "death" and not (kind is None and _coded(number, tokens, lexicon)):
        return None
    before = " ".join(t.lower_ for t in tokens[max(0, start - 4) : start])
    after = " ".join(t.lower_ for t in tokens[end : end + 2])
    whole = noun.dep_ == "pobj" and noun.head.lower_ in _WHOLE_AFTER
    if whole:
        path = path[2:]  # "among at least 40 people": the others are among them, not they
        before = before.removesuffix(noun.head.lower_).strip()
    subset = (
        any(w in lexicon.subset_words for w in (*path, after))
        or any(before.endswith(w) for w in lexicon.subset_words)
        or (not vague and _partitive(tokens, end, lexicon))
    )
    total = any(_is(t, lexicon.total_words) for t in _clause(noun))
    low: int | None = value
    if vague or any(before.endswith(w) for w in lexicon.at_least):
        high = None
    elif any(before.endswith(w) for w in lexicon.at_most):
        low, high = None, value
    return _Count(noun, start, low, high, subset, total, vague, _adds(noun, lexicon))


def _partitive(tokens: list[Token], end: int, lexicon: CasualtyLexicon) -> bool:
    """ "one of three people killed", "5 of the 20 dead", "four of their children": a count of
    some of a group told in full, so a part of it ("dozens of civilians" is no part)."""
    if end + 1 >= len(tokens) or tokens[end].lower_ != "of":
        return False
    nxt = tokens[end + 1]
    return (
        _number(nxt, lexicon) is not None
        or nxt.dep_ == "poss"
        or (nxt.dep_ == "det" and nxt.lower_ not in ("a", "an"))
        or nxt.lower_ in ("them", "whom", "which", "those", "these")
    )


def _of_counted(noun: Token) -> bool:
    """The noun of an "of" phrase that says whom a counted noun belongs to ("7 members of 2
    families", "12 fighters of one faction")."""
    if noun.dep_ != "pobj" or noun.head.lower_ != "of" or noun.pos_ == "NUM":
        return False
    owner = noun.head.head
    return owner.pos_ in ("NOUN", "PROPN") and any(c.dep_ == "nummod" for c in owner.children)


def _noun_of(
    number: Token, last: Token, tokens: list[Token], end: int, lexicon: CasualtyLexicon
) -> Token | None:
    """The word a count stands on, or None when it counts something other than people."""
    candidates: list[Token] = []
    if number.dep_ in ("nummod", "quantmod", "amod", "det", "compound"):
        candidates.append(number.head)
    if end < len(tokens) and tokens[end].lower_ == "of":  # "dozens of civilians"
        candidates.extend(c for c in tokens[end].children if c.dep_ == "pobj")
    candidates.append(last.head if last.dep_ in ("nummod", "quantmod", "amod") else last)
    if number.dep_ == "ROOT" and end < len(tokens) and tokens[end].is_alpha:
        # "4 | IS militants killed.": the parser made the number a sentence of its own
        candidates.append(tokens[end])
    for noun in candidates:
        while noun.dep_ == "compound" and noun.head.pos_ in ("NOUN", "PROPN"):
            noun = noun.head  # "two SDF soldiers"
        if noun != number and noun != last:
            if (
                _is_people(noun, lexicon)
                or _is(noun, lexicon.death_words)
                or _victim(noun, lexicon)
                or (
                    noun.lower_ == "others"
                    and noun.dep_ == "conj"
                    and _is_people(noun.head, lexicon)
                )
            ):
                return noun  # "killing nine children and 14 others"
            if _is(noun, lexicon.harm_words):
                return None
    # A bare number: "killing 20", "20 were killed", "the toll rose to 70"; or one the parser
    # hung on the number after it ("has risen to 86 30 of them children")
    word = number.head if number.dep_ == "compound" and number.head.like_num else number
    if word.dep_ in _BARE_DEPS or (word.dep_ == "pobj" and word.head.lower_ in _BARE_PREPS):
        return number
    return None


def _victim(noun: Token, lexicon: CasualtyLexicon, passive_only: bool = False) -> bool:
    """Who a killing verb says was killed ("a cameraman was killed", "killing 3 medics"): a
    person, whether or not the lexicon lists the noun. Only a plain common noun: a capitalised
    word there is a misparsed headline or byline ("kills 19 Monitor"), a noun with "of" a
    quantity ("numbers of fighters"), and "others" a count of other events."""
    verb = noun.head
    if (
        verb.pos_ != "VERB"
        or verb.lemma_.lower() not in _KILLING
        or noun.pos_ != "NOUN"
        or not noun.text.islower()
        or _is(noun, lexicon.additive_words)
        or any(c.dep_ == "prep" and c.lower_ == "of" for c in noun.children)
    ):
        return False
    if any(c.dep_ == "auxpass" for c in verb.children):
        return noun.dep_ == "nsubjpass"
    return not passive_only and noun.dep_ == "dobj"


def _is_people(token: Token, lexicon: CasualtyLexicon) -> bool:
    return _is(token, lexicon.people_nouns) or token.ent_type_ in (ACTOR, "PERSON", "NORP")


def _governing_kind(noun: Token, lexicon: CasualtyLexicon) -> tuple[str | None, list[str]]:
    """'death' or 'harm' from the nearest governing word that says which, with the path."""
    path: list[str] = []
    token: Token | None = noun
    child_dep = ""
    while token is not None:
        path.append(token.lower_)
        if token != noun or token.pos_ != "NUM":
            if _is(token, lexicon.harm_words) or _either(token, lexicon):
                return "harm", path
            if _is(token, lexicon.death_words):
                return "death", path
        if token == noun:  # "among 40 people killed in the village"
            # a count listed with others shares their verb: "5 children and 4 nurses killed"
            for child in (c for n in (noun, *noun.conjuncts) for c in n.children):
                if child.dep_ == "acl" and _is(child, lexicon.harm_words):
                    return "harm", [*path, child.lower_]
                if child.dep_ == "acl" and _is(child, lexicon.death_words):
                    return "death", [*path, child.lower_]
        if token.pos_ in ("VERB", "AUX") or token.dep_ == "ROOT":
            for child in token.children:
                if child.dep_ == "acl" and _is(child, lexicon.death_words):
                    return "death", [*path, child.lower_]  # "3 rebel fighters killed."
                if (
                    child.dep_ in _NOMINAL_ARGS
                    and child != noun
                    and not (child_dep == "nsubj" and child.dep_ == "dobj")
                ):
                    # "fatalities coded as 10", "the toll rose to 70"; but who does something
                    # to the dead is not among them ("a rescuer carried the body out")
                    words = [w for w in child.subtree if w.pos_ in ("NOUN", "ADJ", "PROPN")]
                    if any(_is(w, lexicon.death_words) for w in words):
                        return "death", path
                    if any(_is(w, lexicon.harm_words) for w in words):
                        return "harm", path
                for grandchild in child.children if child.dep_ == "prep" else ():
                    if _is(grandchild, lexicon.death_words) or any(
                        a.dep_ == "acl" and _is(a, lexicon.death_words) for a in grandchild.children
                    ):
                        # "were among the dead", "were among the 126 people killed"
                        return "death", [*path, child.lower_]
        if token.pos_ == "VERB" and child_dep == "dobj":
            told = _result(token, lexicon)
            if told is not None:
                return told, path
            head = token.head
            if (
                token.dep_ == "conj"
                and _is(head, lexicon.death_words)
                and not any(c.dep_ == "dobj" for c in head.children)
            ):
                return "death", [*path, head.lower_]  # "killed and crucified five civilians"
            return None, path  # "a siege that threatens 300,000 civilians"
        child_dep = token.dep_
        token = token.head if token.head != token else None
    return None, path


def _result(verb: Token, lexicon: CasualtyLexicon) -> str | None:
    """ "leaving 30 civilians - including 6 children - dead": what the word after the object
    of "leave" says became of it, which the parser often hangs elsewhere."""
    if verb.lemma_.lower() not in _RESULT_VERBS:
        return None
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    if not objects:
        return None
    doc, start = verb.doc, objects[0].i + 1
    for word in doc[start : min(start + _RESULT_WINDOW, verb.sent.end)]:
        if _is(word, lexicon.harm_words) or _either(word, lexicon):
            return "harm"
        if _is(word, lexicon.death_words):
            return "death"
        if word.pos_ in ("VERB", "AUX") and word.dep_ != "prep":
            break
    return None


def _either(word: Token, lexicon: CasualtyLexicon) -> bool:
    """ "killed or wounded": a count of the dead and the wounded together, none of them known
    to be dead."""
    return _is(word, lexicon.death_words) and any(
        _is(c, lexicon.harm_words) and any(x.lower_ == "or" for x in word.children)
        for c in word.conjuncts
    )


def _adds(noun: Token, lexicon: CasualtyLexicon) -> bool:
    """Whether the count's own clause says it comes on top of others ("three civilians were
    also killed", "another 3 died", "in addition, 14 were killed"); an "also" in another clause
    ("the ambush was also reported by TV, which said 10 were killed") does not."""
    root = _clause_root(noun)
    words = [*noun.lefts, *root.children]
    words += [g for c in root.children if c.dep_ == "prep" for g in c.children]
    more = any(c.lower_ == "more" and c.i > noun.i for c in noun.children)  # "25 more died"
    return more or any(_is(t, lexicon.additive_words) for t in words)


def _named_dead(tokens: list[Token], lexicon: CasualtyLexicon) -> int:
    """People killed by name, without a number ("General Ali Hassan was killed"): one each."""
    count = 0
    for token in tokens:
        if token.pos_ != "VERB" or not _is(token, lexicon.death_words):
            continue
        passive = any(c.dep_ == "auxpass" for c in token.children)
        for child in token.children:
            if child.dep_ == ("nsubjpass" if passive else "dobj") and _a_person(child):
                count += 1 + sum(1 for c in child.conjuncts if _a_person(c))
    return count


def _a_person(token: Token) -> bool:
    """A person's name, also when the recogniser tagged only its first names ("General Ali
    Yousef Sultan")."""
    return token.ent_type_ == "PERSON" or any(
        c.dep_ == "compound" and c.ent_type_ == "PERSON" for c in token.children
    )


def _clause(token: Token) -> list[Token]:
    """The words of the clause a count is in, for spotting "toll" and "total"; not those of a
    clause hung on it ("killed 5, raising the toll to 40": the 5 restates no toll)."""
    root = _clause_root(token)
    other = [
        c
        for c in root.children
        if c.pos_ in ("VERB", "AUX") and c.dep_ in _SUBCLAUSES and token not in c.subtree
    ]
    hidden = {t for c in other for t in c.subtree}
    return [t for t in root.subtree if t not in hidden]


def _no_deaths(tokens: list[Token], lexicon: CasualtyLexicon) -> bool:
    """ "No losses reported", "neither injuries nor fatalities", "no one was killed"."""
    negations = load_lexicon().factuality.denied.negations
    for i, token in enumerate(tokens):
        if not _is(token, lexicon.death_words):
            continue
        window = tokens[max(0, i - 4) : i]
        for j in range(len(window) - 1, -1, -1):
            word = window[j]
            if word.is_punct or (word.pos_ == "VERB" and not _is(word, lexicon.death_words)):
                break
            if word.lower_ in negations or word.lower_ in ("nobody", "none"):
                return True
    return False


def _is(token: Token, words: frozenset[str]) -> bool:
    """The word or its lemma is listed (the lemmatizer gives "cod" for "coded")."""
    return any(form in words for form in word_forms(token))
