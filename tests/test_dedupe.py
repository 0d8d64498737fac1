"""Near-duplicates: syndicated and truncated copies are found, other reports of an event are not."""

from __future__ import annotations

import pytest

from ceasefire.dedupe import BUCKET_CAP, MERGE_EVERY, MIN_WORDS, DuplicateIndex, Signature

ORIGINAL = "\n\n".join(
    [
        (
            "BEIRUT, Jan 5 (Levant Wire) - Syrian government forces and their allies pounded "
            "rebel-held villages in the Wadi Barada valley northwest of Damascus on Thursday, a "
            "war monitor said, the most serious test so far of the nationwide ceasefire that took"
            " effect a week ago."
        ),
        (
            "The Syrian Observatory for Human Rights said at least four civilians, among them two"
            " children, were killed when shells hit the village of Ain al-Fijeh, home to the "
            "springs that supply most of the capital's drinking water."
        ),
        (
            "Rebels in the valley said they had repelled an attempt by the army and fighters from"
            " Lebanon's Hezbollah to advance on Basima from the hills to the east. A commander of"
            " one of the rebel groups told Levant Wire by telephone that his men had destroyed a "
            "tank and that the fighting lasted until dawn."
        ),
        (
            "The government says the valley is not covered by the truce because fighters of "
            "Jabhat Fateh al-Sham, the former al Qaeda affiliate, are present there, a claim the "
            "rebels deny. The Damascus authorities accuse the insurgents of contaminating the "
            "water supply, which was cut on Dec. 22 and has left about five and a half million "
            "people in and around the capital short of water."
        ),
        (
            "Russia and Turkey, which brokered the ceasefire and back opposing sides in the war, "
            "have said they will act as guarantors, and peace talks are planned for later this "
            "month in Astana, the capital of Kazakhstan. Several rebel factions said on Monday "
            "they were freezing their participation in preparations for the talks because of what"
            " they called repeated violations by the government side."
        ),
        (
            "A spokesman for the Turkish foreign ministry said Ankara had raised the Wadi Barada "
            "fighting with Moscow and expected Russia to use its influence on Damascus. There was"
            " no immediate comment from the Syrian army, which has said in recent statements that"
            " it is abiding by the truce everywhere except in areas controlled by Islamic State "
            "and Jabhat Fateh al-Sham."
        ),
    ]
)

# A syndicated copy: its own headline, byline and dateline, a few words changed,
# boilerplate around.
SYNDICATED = "\n\n".join(
    [
        ("Truce shaken as fighting rages near Damascus water springs"),
        ("By Levant Wire staff"),
        (
            "BEIRUT (Levant Wire) - Syrian government forces and their allies pounded rebel-held "
            "villages in the Wadi Barada valley northwest of Damascus on Thursday, a war monitor "
            "said, the most serious test yet of the nationwide ceasefire that took effect a week "
            "ago."
        ),
        (
            "The Syrian Observatory for Human Rights said at least four civilians, including two "
            "children, were killed when shells hit the village of Ain al-Fijeh, home to the "
            "springs that supply most of the capital's drinking water."
        ),
        (
            "Rebels in the valley said they had repelled an attempt by the army and fighters from"
            " Lebanon's Hezbollah to advance on Basima from the hills to the east. A commander of"
            " one of the rebel groups told Levant Wire by phone that his men had destroyed a tank"
            " and that the fighting lasted until dawn."
        ),
        (
            "The government says the valley is not covered by the truce because fighters of "
            "Jabhat Fateh al-Sham, formerly al Qaeda's affiliate, are present there, a claim the "
            "rebels deny. The Damascus authorities accuse the insurgents of contaminating the "
            "water supply, which was cut on Dec. 22 and has left about five and a half million "
            "people in and around the capital short of water."
        ),
        (
            "Russia and Turkey, which brokered the ceasefire and back opposing sides in the war, "
            "have said they will act as guarantors, and peace talks are planned for later this "
            "month in Astana, the capital of Kazakhstan. Several rebel factions said on Monday "
            "they were freezing their participation in preparations for the talks because of what"
            " they called repeated violations by the government side."
        ),
        (
            "A spokesman for the Turkish foreign ministry said Ankara had raised the Wadi Barada "
            "fighting with Moscow and expected Russia to use its influence on Damascus. There was"
            " no immediate comment from the Syrian army, which has said in recent statements that"
            " it is abiding by the truce everywhere except in areas held by Islamic State and "
            "Jabhat Fateh al-Sham."
        ),
        ("Share this article"),
        ("Support our journalism. Donate today."),
    ]
)

# The same event, independently written: places, actors and numbers shared, not wording.
SAME_EVENT = "\n\n".join(
    [
        (
            "DAMASCUS, Jan 5 (Orient Desk) - Four civilians, two of them children, died on "
            "Thursday in Ain al-Fijeh when artillery fire struck the village, according to the "
            "Syrian Observatory for Human Rights, as clashes in the Wadi Barada valley strained "
            "the week-old ceasefire across Syria."
        ),
        (
            "Army units backed by Hezbollah fighters tried to push towards Basima, opposition "
            "activists said, but were forced back after a night of fighting. Opposition fighters "
            "claimed to have knocked out a tank."
        ),
        (
            "Damascus maintains that Wadi Barada falls outside the truce since Jabhat Fateh "
            "al-Sham militants operate there. Rebel groups in the area reject that account. The "
            "springs at Ain al-Fijeh normally provide most of the water for the capital, where "
            "some five and a half million residents have faced shortages since Dec. 22, when the "
            "supply stopped."
        ),
        (
            "The ceasefire was negotiated by Russia, an ally of President Bashar al-Assad, and "
            "Turkey, which supports the rebels. Both have promised to guarantee it ahead of "
            "negotiations in Astana, Kazakhstan, later in January. On Monday several opposition "
            "factions suspended their part in the preparations for those negotiations, blaming "
            "government breaches."
        ),
        (
            "Ankara said it had taken up the Wadi Barada clashes with Moscow. The Syrian army, "
            "which says it respects the truce outside areas held by Islamic State and Jabhat "
            "Fateh al-Sham, did not respond to a request for comment."
        ),
    ]
)

# Paragraphs a later version of ORIGINAL adds.
UPDATE = "\n\n".join(
    [
        (
            "Later on Thursday, the Syrian Observatory raised the death toll in Ain al-Fijeh to "
            "seven, saying three more people had died of their wounds in a field hospital. Local "
            "activists said the shelling had also damaged the pumping station at the springs, "
            "although that could not be independently confirmed."
        ),
        (
            "In Astana, officials from the Kazakh foreign ministry said preparations for the "
            "talks were continuing and that invitations would be sent once Moscow and Ankara had "
            "agreed on the list of participants. A Russian defence ministry statement recorded "
            "eleven violations of the truce over the previous twenty-four hours, most of them in "
            "Damascus and Hama provinces, and blamed all of them on rebel groups."
        ),
    ]
)

# A report copying the update's new paragraphs only.
FOLLOW_UP = (
    UPDATE
    + "\n\n"
    + (
        "No further details were given by either side about the incidents, which were the "
        "first to be listed since the weekend."
    )
)

BOILERPLATE = [
    "Share this article",
    "Support our journalism. Donate today and help keep our reporting from Syria independent.",
    "Sign up for our daily newsletter and get the latest Middle East news in your inbox.",
]

NOTE = (
    "Government forces backed by allied militias clashed with rebel fighters near the village of "
    "Kafr Nabudah in the northern Hama countryside on Tuesday, and both sides exchanged heavy "
    "machine gun fire, but no casualties were reported by local activists."
)


def words(text: str, share: float) -> str:
    """The first `share` of a text's words: a copy cut short by the publisher."""
    tokens = text.split(" ")
    return " ".join(tokens[: int(len(tokens) * share)])


def index_with(*texts: str) -> DuplicateIndex:
    index = DuplicateIndex()
    for number, text in enumerate(texts):
        assert index.add(f"doc{number}", text) is None
    return index


def test_a_syndicated_copy_is_a_duplicate_of_the_original() -> None:
    index = index_with(ORIGINAL)
    assert index.add("copy", SYNDICATED) == "doc0"


@pytest.mark.parametrize("share", [0.4, 0.5, 0.6])
def test_a_truncated_copy_is_a_duplicate_of_the_original(share: float) -> None:
    index = index_with(ORIGINAL)
    assert index.add("short", words(ORIGINAL, share)) == "doc0"


def test_a_full_article_after_its_truncated_version_points_to_the_earlier_one() -> None:
    index = index_with(words(ORIGINAL, 0.5))
    assert index.add("full", ORIGINAL) == "doc0"


def test_boilerplate_in_other_places_does_not_hide_a_copy() -> None:
    top = "\n\n".join([*BOILERPLATE, ORIGINAL])
    bottom = "\n\n".join([ORIGINAL, *reversed(BOILERPLATE)])
    index = index_with(top)
    assert index.add("bottom", bottom) == "doc0"


def test_another_article_on_the_same_event_is_not_a_duplicate() -> None:
    index = index_with(ORIGINAL)
    assert index.add("other", SAME_EVENT) is None


def test_formulaic_notes_on_different_places_or_days_are_not_duplicates() -> None:
    index = index_with(NOTE)
    assert index.add("elsewhere", NOTE.replace("Kafr Nabudah", "Latmin")) is None
    assert index.add("next day", NOTE.replace("Tuesday", "Wednesday")) is None
    assert index.add("same", NOTE.replace("local activists", "activists in the area")) == "doc0"


def test_short_texts_match_exact_copies_only() -> None:
    note = "Rebels shelled the government-held town of Muhradah in Hama on Monday, residents said."
    assert len(note.split()) < MIN_WORDS
    index = index_with(note)
    assert index.add("case", note.upper().replace(",", "")) == "doc0"
    assert index.add("other town", note.replace("Muhradah", "Suqaylabiyah")) is None
    assert index.add("one word", note.replace("Monday", "Sunday")) is None
    assert index.add("prefix of a long text", f"{note} {ORIGINAL}") is None


def test_a_long_text_is_not_a_copy_of_a_short_one_it_contains() -> None:
    index = index_with(words(ORIGINAL, 0.05))
    assert index.add("full", ORIGINAL) is None


def test_a_copy_of_a_copy_points_to_the_cluster_head() -> None:
    updated = f"{ORIGINAL}\n\n{UPDATE}"
    index = index_with(ORIGINAL)
    assert index.add("updated", updated) == "doc0"
    # the follow-up copies the update's new paragraphs, and shares nothing with the original
    assert index.signature(FOLLOW_UP).containment(index.signature(ORIGINAL)) < 0.1
    assert index.add("follow-up", FOLLOW_UP) == "doc0"


def test_adding_a_document_again_changes_nothing() -> None:
    index = index_with(ORIGINAL)
    assert index.add("copy", SYNDICATED) == "doc0"
    assert index.add("copy", SYNDICATED) == "doc0"
    assert index.add("doc0", ORIGINAL) is None
    assert len(index) == 2 and "copy" in index


def test_signatures_survive_a_round_trip_through_bytes() -> None:
    index = DuplicateIndex()
    signature = index.signature(ORIGINAL)
    restored = Signature.from_bytes(signature.to_bytes())
    assert restored.words == signature.words
    assert (restored.shingles == signature.shingles).all()
    assert (restored.keys == signature.keys).all()
    assert restored.minhash.jaccard(signature.minhash) == 1.0
    assert index.signature_bytes(ORIGINAL) == signature.to_bytes()


def test_an_index_rebuilt_from_stored_signatures_decides_like_the_original() -> None:
    texts = {"a": ORIGINAL, "b": SAME_EVENT, "c": SYNDICATED, "d": NOTE}
    first = DuplicateIndex()
    stored = {}
    for doc_id, text in texts.items():
        stored[doc_id] = (first.signature_bytes(text), first.add(doc_id, text))
    assert [dup for _, dup in stored.values()] == [None, None, "a", None]

    rebuilt = DuplicateIndex()
    for doc_id, (signature, duplicate_of) in stored.items():
        rebuilt.restore(doc_id, signature, duplicate_of)
    truncated = words(SYNDICATED, 0.5)
    assert rebuilt.add("e", signature=first.signature_bytes(truncated)) == "a"
    assert first.add("e", truncated) == "a"
    assert rebuilt.add("f", words(SAME_EVENT, 0.6)) == "b"


def test_a_restored_duplicate_keeps_its_recorded_cluster() -> None:
    index = DuplicateIndex()
    index.restore("head", index.signature_bytes(ORIGINAL), None)
    index.restore("copy", index.signature_bytes(SYNDICATED), "head")
    assert index.add("copy of copy", SYNDICATED) == "head"


def test_signatures_from_another_index_size_are_refused() -> None:
    small = DuplicateIndex(num_perm=64)
    with pytest.raises(ValueError, match="permutations"):
        DuplicateIndex().add("x", signature=small.signature_bytes(ORIGINAL))


def test_a_stricter_threshold_rejects_a_loose_copy() -> None:
    index = DuplicateIndex(threshold=0.95)
    index.add("a", ORIGINAL)
    assert index.add("b", SYNDICATED) is None
    assert index.add("c", words(ORIGINAL, 0.5)) == "a"


class Stored:
    """Signatures as a store holds them, recording which ids the index asks for."""

    def __init__(self) -> None:
        self.signatures: dict[str, bytes] = {}
        self.asked: list[list[str]] = []

    def __call__(self, ids: list[str]) -> dict[str, bytes]:
        self.asked.append(list(ids))
        return {i: self.signatures[i] for i in ids if i in self.signatures}

    def keep(self, index: DuplicateIndex, doc_id: str, text: str) -> None:
        self.signatures[doc_id] = index.signature_bytes(text)
        index.stored([doc_id])


def test_an_index_loading_stored_signatures_decides_like_one_holding_them() -> None:
    texts = [
        ORIGINAL,
        SAME_EVENT,
        NOTE,
        SYNDICATED,
        words(ORIGINAL, 0.5),
        f"{ORIGINAL}\n\n{UPDATE}",
        FOLLOW_UP,
        NOTE.replace("local activists", "activists in the area"),
        NOTE.replace("Kafr Nabudah", "Latmin"),
        words(SAME_EVENT, 0.6),
    ]
    holding = DuplicateIndex()
    store = Stored()
    loading = DuplicateIndex(load=store, cache=1)
    decided = []
    for number, text in enumerate(texts):
        doc_id = f"doc{number}"
        decided.append(holding.add(doc_id, text))
        assert loading.add(doc_id, text) == decided[-1]
        store.keep(loading, doc_id, text)
    assert decided.count(None) == 4 and store.asked


def test_only_candidates_stored_since_are_loaded() -> None:
    store = Stored()
    index = DuplicateIndex(load=store)
    for doc_id, text in {"original": ORIGINAL, "note": NOTE, "other": SAME_EVENT}.items():
        index.restore(doc_id, index.signature_bytes(text), None)
        store.signatures[doc_id] = index.signature_bytes(text)
    assert index.add("copy", SYNDICATED) == "original"
    assert store.asked == [["original"]]
    # the copy is not stored yet: the index still holds its signature, and the original is cached
    assert index.add("copy of copy", words(SYNDICATED, 0.7)) == "original"
    assert store.asked == [["original"]]


def test_the_cache_of_loaded_signatures_is_bounded() -> None:
    store = Stored()
    index = DuplicateIndex(load=store, cache=1)
    for doc_id, text in {"original": ORIGINAL, "note": NOTE}.items():
        index.restore(doc_id, index.signature_bytes(text), None)
        store.signatures[doc_id] = index.signature_bytes(text)
    assert index.add("copy", words(ORIGINAL, 0.6)) == "original"
    assert index.add("same note", NOTE.replace("Tuesday", "on Tuesday")) == "note"
    assert index.add("another copy", words(ORIGINAL, 0.5)) == "original"
    assert store.asked == [["original"], ["note"], ["original"]]


def test_a_signature_missing_from_the_store_is_an_error() -> None:
    index = DuplicateIndex(load=Stored())
    index.restore("original", index.signature_bytes(ORIGINAL), None)
    with pytest.raises(LookupError, match="original"):
        index.add("copy", SYNDICATED)


def test_a_copy_of_a_document_the_index_lacks_keeps_that_head() -> None:
    index = DuplicateIndex()
    index.restore("copy", index.signature_bytes(SYNDICATED), "stored without a signature")
    assert index.add("copy of copy", SYNDICATED) == "stored without a signature"


def syndicated(copies: int) -> list[str]:
    """One story as many outlets run it: the same text under a line of their own."""
    return [
        f"{ORIGINAL}\n\nFiled for outlet number {number} at {number % 24} hours."
        for number in range(copies)
    ]


def test_a_copy_of_a_cluster_larger_than_a_bucket_is_still_found() -> None:
    store = Stored()
    index = DuplicateIndex(load=store)
    for number, text in enumerate(syndicated(2 * BUCKET_CAP)):
        assert index.add(f"copy{number}", text) == (None if number == 0 else "copy0")
        store.keep(index, f"copy{number}", text)
    assert index.add("syndicated", SYNDICATED) == "copy0"
    assert index.add("truncated", words(ORIGINAL, 0.4)) == "copy0"
    assert index.add("other", SAME_EVENT) is None


def test_a_document_is_compared_with_a_bounded_number_of_its_copies() -> None:
    store = Stored()
    index = DuplicateIndex(load=store, cache=0)
    for number, text in enumerate(syndicated(3 * BUCKET_CAP)):
        index.add(f"copy{number}", text)
        store.keep(index, f"copy{number}", text)
    loaded = [len(ids) for ids in store.asked]
    # every earlier copy is a candidate until the buckets are full; after that, no more
    assert loaded[: BUCKET_CAP - 1] == list(range(1, BUCKET_CAP))
    assert max(loaded) < 2 * BUCKET_CAP and loaded[-1] <= loaded[2 * BUCKET_CAP]


def test_buckets_keep_their_earliest_documents_across_merges() -> None:
    store = Stored()
    index = DuplicateIndex(load=store, cache=0)
    signature = index.signature_bytes(ORIGINAL)
    for number in range(MERGE_EVERY + BUCKET_CAP + 1):
        store.signatures[f"copy{number}"] = signature
        index.restore(f"copy{number}", signature, "copy0" if number else None)
    assert index.add("copy", SYNDICATED) == "copy0"
    # the earliest held by the merged tables, the latest in what waits for the next merge
    assert sorted(store.asked[-1], key=lambda i: int(i[4:])) == [
        *(f"copy{n}" for n in range(BUCKET_CAP)),
        *(f"copy{n}" for n in range(MERGE_EVERY, MERGE_EVERY + BUCKET_CAP)),
    ]
