"""Near-duplicates: copies of one article never count as independent confirmation (SPEC §1).

A syndicated copy keeps most of the article's word 5-grams ("shingles"); a truncated copy keeps a
prefix of them. Both have a high *containment*, the share of the shorter text's shingles found in
the other, which Jaccard similarity misses for truncation (a 40% prefix has Jaccard 0.4). So MinHash
LSH at a low Jaccard threshold only proposes candidates, and containment over the exact shingle
sets decides. Two reports of one event share names and numbers but few 5-grams; formulaic monitor
notes share 5-grams but not names and numbers, so a copy must also have the shorter text's names
and numbers.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

SHINGLE_WORDS = 5
MIN_WORDS = 25  # a shorter text matches exact copies only: a few shingles prove nothing
MAX_SHINGLES = 2000  # first distinct shingles kept for the containment check (~2000 words)
MAX_KEYS = 500  # first distinct names and numbers kept
KEY_OVERLAP = 0.8  # share of the shorter text's names and numbers the other must have
# LSH candidates: pairs down to Jaccard ~0.3 are found with >95% probability (recall-weighted),
# enough for a copy truncated to 40% with a few words changed.
CANDIDATE_JACCARD = 0.3
CANDIDATE_WEIGHTS = (0.1, 0.9)
SEED = 1
FORMAT = 1
LOAD_CHUNK = 500  # signatures loaded at once to decide on one document's candidates
MERGE_EVERY = 1024  # documents added to the band tables between merges
BUCKET_CAP = 32  # earliest documents an LSH bucket keeps, so a document's candidates are bounded
_HEADER = struct.Struct("<BIII")  # format, words, shingles kept, keys kept

_WORD = re.compile(r"[^\W_]+")
# Month names head datelines ("22 Feb 2015"), which copies rewrite freely; the day numbers stay.
# Spelled out rather than taken from `calendar`, whose names follow the locale.
_MONTH = re.compile(
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+|\n+")


@dataclass(frozen=True)
class Signature:
    """What the index keeps of a text; `to_bytes()` is stored with the document."""

    minhash: LeanMinHash
    words: int
    shingles: np.ndarray  # sorted uint32 hashes of the first MAX_SHINGLES distinct shingles
    keys: np.ndarray  # sorted uint64 hashes of the first MAX_KEYS distinct names and numbers

    @property
    def short(self) -> bool:
        return self.words < MIN_WORDS

    def containment(self, other: Signature) -> float:
        """Share of the smaller shingle set found in the other."""
        smaller = min(len(self.shingles), len(other.shingles))
        common = np.intersect1d(self.shingles, other.shingles, assume_unique=True).size
        return common / smaller if smaller else 0.0

    def key_overlap(self, other: Signature) -> float:
        """Share of the smaller set of names and numbers found in the other (1.0 if none)."""
        smaller = min(len(self.keys), len(other.keys))
        common = np.intersect1d(self.keys, other.keys, assume_unique=True).size
        return common / smaller if smaller else 1.0

    def to_bytes(self) -> bytes:
        lean = bytearray(self.minhash.bytesize("<"))
        self.minhash.serialize(lean, "<")
        header = _HEADER.pack(FORMAT, self.words, len(self.shingles), len(self.keys))
        shingles = self.shingles.astype("<u4").tobytes()
        return header + bytes(lean) + shingles + self.keys.astype("<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        version, words, n_shingles, n_keys = _HEADER.unpack_from(data)
        if version != FORMAT:
            raise ValueError(f"unknown near-duplicate signature format {version}")
        view = memoryview(data)[_HEADER.size :]
        minhash = LeanMinHash.deserialize(view, "<")
        offset = _HEADER.size + minhash.bytesize("<")
        shingles = np.frombuffer(data, "<u4", n_shingles, offset)
        keys = np.frombuffer(data, "<u8", n_keys, offset + 4 * n_shingles)
        return cls(minhash, words, shingles.astype(np.uint32), keys.astype(np.uint64))


class DuplicateIndex:
    """Documents seen so far, each pointing to the head of its near-duplicate cluster.

    In memory it keeps what finding candidates needs: per document its id, head, whether it is
    short, and its LSH band values (about 700 bytes with a 64-character id). Signatures, for
    deciding among the candidates, are kept too unless `load` is given: a callable taking
    document ids and returning their stored signature bytes. Then the index keeps only those
    added but not yet `stored()` and the `cache` most recently used, so a run's memory grows by
    a few hundred bytes per stored document rather than by its whole signature.

    A document is compared with at most twice `BUCKET_CAP` earlier ones a band, however large
    its cluster (see `_Bands`): the work per document is bounded whatever the corpus size.
    """

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 128,
        *,
        load: Callable[[list[str]], Mapping[str, bytes]] | None = None,
        cache: int = 2048,
    ) -> None:
        self.threshold = threshold  # minimum containment of the shorter text's shingles
        self.num_perm = num_perm
        # datasketch chooses the bands and rows for the threshold; _Bands holds its tables
        lsh = MinHashLSH(CANDIDATE_JACCARD, num_perm, weights=CANDIDATE_WEIGHTS)
        self._bands = _Bands(lsh.b, lsh.r)
        self._load = load
        self._cache_size = cache
        self._ids: list[str] = []  # in the order added, which breaks ties between candidates
        self._numbers: dict[str, int] = {}
        self._heads = array("i")  # number of the head, -1 if it is not indexed
        self._outside: dict[int, str] = {}  # such heads (stored without a signature), by number
        self._short = bytearray()
        self._kept: dict[int, Signature] = {}  # all, or with `load` those not yet stored
        self._cache: OrderedDict[int, Signature] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._numbers

    def signature(self, text: str) -> Signature:
        words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
        if len(words) < MIN_WORDS:
            shingles = [" ".join(words)]
        else:
            span = range(len(words) - SHINGLE_WORDS + 1)
            shingles = [" ".join(words[i : i + SHINGLE_WORDS]) for i in span]
        hashes = list(dict.fromkeys(_hash(s, 4) for s in shingles))
        minhash = MinHash(self.num_perm, seed=SEED, hashfunc=int)
        for start in range(0, len(hashes), 10_000):  # bounded memory for long texts
            minhash.update_batch(hashes[start : start + 10_000])
        return Signature(
            minhash=LeanMinHash(minhash),
            words=len(words),
            shingles=np.sort(np.array(hashes[:MAX_SHINGLES], dtype=np.uint32)),
            keys=np.sort(np.array([_hash(k, 8) for k in _keys(text)], dtype=np.uint64)),
        )

    def signature_bytes(self, text: str) -> bytes:
        return self.signature(text).to_bytes()

    def add(
        self, doc_id: str, text: str | None = None, signature: Signature | bytes | None = None
    ) -> str | None:
        """Index a document; the id of the earlier cluster head it copies, or None if it is new.

        Give the text or its signature (as stored). Adding a known id again changes nothing.
        """
        if doc_id in self._numbers:
            head = self._head(self._numbers[doc_id])
            return None if head == doc_id else head
        sig = self._signature_of(text, signature)
        keys = self._bands.keys(sig.minhash.hashvalues)
        best = self._best_match(sig, self._bands.query(keys))
        number = self._insert(doc_id, sig, keys, best)
        self._kept[number] = sig
        return None if best is None else self._head(number)

    def restore(self, doc_id: str, signature: Signature | bytes, duplicate_of: str | None) -> None:
        """Re-index a stored document with the cluster it was assigned, without re-deciding it."""
        if doc_id in self._numbers:
            return
        sig = self._signature_of(None, signature)
        keys = self._bands.keys(sig.minhash.hashvalues)
        if duplicate_of in self._numbers:
            number = self._insert(doc_id, sig, keys, self._numbers[duplicate_of])
        else:
            number = self._insert(doc_id, sig, keys, None)
            if duplicate_of:
                self._heads[number] = -1
                self._outside[number] = duplicate_of
        if self._load is None:
            self._kept[number] = sig

    def stored(self, doc_ids: Iterable[str]) -> None:
        """These documents' signatures are in the store now: with `load`, stop keeping them."""
        if self._load is None:
            return
        for doc_id in doc_ids:
            number = self._numbers.get(doc_id)
            if number is not None and number in self._kept:
                self._remember(number, self._kept.pop(number))

    def _signature_of(self, text: str | None, signature: Signature | bytes | None) -> Signature:
        if isinstance(signature, bytes | bytearray | memoryview):
            signature = Signature.from_bytes(bytes(signature))
        if signature is None:
            if text is None:
                raise ValueError("give the text or its signature")
            signature = self.signature(text)
        if len(signature.minhash) != self.num_perm:
            raise ValueError(
                f"signature has {len(signature.minhash)} permutations, the index {self.num_perm}"
            )
        return signature

    def _best_match(self, sig: Signature, candidates: Iterable[int]) -> int | None:
        """The candidate this text copies with the highest containment, the earliest on ties."""
        # a short text copies only a short one: the others need not be loaded
        wanted = sorted(c for c in candidates if self._short[c] == sig.short)
        best: tuple[float, int] | None = None
        found = None
        for start in range(0, len(wanted), LOAD_CHUNK):
            for candidate, other in self._signatures(wanted[start : start + LOAD_CHUNK]):
                score = self._copy_score(sig, other)
                if score is None:
                    continue
                rank = (score, -candidate)
                if best is None or rank > best:
                    best, found = rank, candidate
        return found

    def _signatures(self, numbers: list[int]) -> list[tuple[int, Signature]]:
        found: list[tuple[int, Signature]] = []
        missing: list[int] = []
        for number in numbers:
            if number in self._kept:
                found.append((number, self._kept[number]))
            elif number in self._cache:
                self._cache.move_to_end(number)
                found.append((number, self._cache[number]))
            else:
                missing.append(number)
        if missing:
            if self._load is None:
                raise RuntimeError("a document's signature is neither kept nor loadable")
            ids = [self._ids[n] for n in missing]
            loaded = self._load(ids)
            for number, doc_id in zip(missing, ids, strict=True):
                if doc_id not in loaded:
                    raise LookupError(f"no stored near-duplicate signature for {doc_id}")
                sig = Signature.from_bytes(bytes(loaded[doc_id]))
                self._remember(number, sig)
                found.append((number, sig))
        return found

    def _remember(self, number: int, sig: Signature) -> None:
        self._cache[number] = sig
        self._cache.move_to_end(number)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _copy_score(self, sig: Signature, other: Signature) -> float | None:
        if sig.short or other.short:
            exact = sig.short and other.short and np.array_equal(sig.shingles, other.shingles)
            return 1.0 if exact else None
        containment = sig.containment(other)
        if containment >= self.threshold and sig.key_overlap(other) >= KEY_OVERLAP:
            return containment
        return None

    def _head(self, number: int) -> str:
        head = self._heads[number]
        return self._outside[number] if head < 0 else self._ids[head]

    def _insert(self, doc_id: str, sig: Signature, keys: np.ndarray, copies: int | None) -> int:
        """Index a document as a copy of document number `copies` (or as new); its number."""
        number = len(self._ids)
        self._ids.append(doc_id)
        self._numbers[doc_id] = number
        if copies is None:
            self._heads.append(number)
        else:
            self._heads.append(self._heads[copies])
            if self._heads[copies] < 0:
                self._outside[number] = self._outside[copies]
        self._short.append(sig.short)
        self._bands.insert(number, keys)
        return number


class _Bands:
    """MinHash LSH's band tables, compact: per band the band values of its documents, as 64-bit
    ints in a sorted array beside the documents' numbers, and the latest additions in a dict until
    `MERGE_EVERY` of them are merged in. A dict of sets per band, as in datasketch, costs about
    ten times as much per document.

    A bucket (a band's value) keeps its earliest `BUCKET_CAP` documents; until the next merge up
    to as many more wait beside them, and the merge drops those over the cap. Without a cap, a
    story syndicated thousands of times, or formulaic notes sharing their wording, would make
    every new copy a candidate of every earlier one, so each document would cost more than the
    last. The earliest include the cluster's head, whose signature then stays in the cache; a
    later copy still holds the buckets of its other bands that are not full. The price: a text
    copying only later members of full buckets is missed, as are about one in forty copies on
    bench/throughput.py's synthetic feed, a few stories each copied thousands of times with
    every number changed."""

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._values = [np.empty(0, np.uint64) for _ in range(bands)]
        self._numbers = [np.empty(0, np.uint32) for _ in range(bands)]
        self._recent: list[dict[int, list[int]]] = [{} for _ in range(bands)]
        self._pending = 0

    def keys(self, hashvalues: np.ndarray) -> np.ndarray:
        """One 64-bit value per band. MinHash values are below 2**32, so two of them are packed
        exactly (as 128 permutations give); more are hashed."""
        rows = hashvalues[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        if self.rows == 1:
            return rows[:, 0].copy()
        if self.rows == 2:
            return (rows[:, 0] << np.uint64(32)) | rows[:, 1]
        return np.array([_hash(row.tobytes().hex(), 8) for row in rows], dtype=np.uint64)

    def insert(self, number: int, keys: np.ndarray) -> None:
        for band, key in enumerate(keys.tolist()):
            bucket = self._recent[band].get(key)
            if bucket is None:
                self._recent[band][key] = [number]
            elif len(bucket) < BUCKET_CAP:
                bucket.append(number)
        self._pending += 1
        if self._pending >= MERGE_EVERY:
            self._merge()

    def query(self, keys: np.ndarray) -> set[int]:
        """Numbers of the documents sharing at least one band with `keys`, at most twice
        `BUCKET_CAP` a band."""
        found: set[int] = set()
        for band, key in enumerate(keys.tolist()):
            values, probe = self._values[band], keys[band : band + 1]
            low = np.searchsorted(values, probe, side="left")[0]
            high = np.searchsorted(values, probe, side="right")[0]
            if high > low:
                found.update(self._numbers[band][low:high].tolist())
            found.update(self._recent[band].get(key, ()))
        return found

    def _merge(self) -> None:
        for band, recent in enumerate(self._recent):
            values = self._values[band]
            waiting = np.fromiter(recent, np.uint64, len(recent))
            held = np.searchsorted(values, waiting, "right") - np.searchsorted(values, waiting)
            rooms = (BUCKET_CAP - held).tolist()
            pairs = sorted(
                (key, number)
                for (key, numbers), room in zip(recent.items(), rooms, strict=True)
                for number in numbers[: max(room, 0)]
            )
            keys = np.array([key for key, _ in pairs], dtype=np.uint64)
            at = np.searchsorted(values, keys, side="right")
            self._values[band] = np.insert(values, at, keys)
            numbers = np.array([number for _, number in pairs], dtype=np.uint32)
            self._numbers[band] = np.insert(self._numbers[band], at, numbers)
            recent.clear()
        self._pending = 0


def _keys(text: str) -> list[str]:
    """Names and numbers in order of appearance: capitalised words not opening a sentence, and
    anything with a digit. Copies share them; formulaic reports of different events do not."""
    keys: dict[str, None] = {}
    for sentence in _SENTENCE_BREAK.split(unicodedata.normalize("NFKC", text)):
        for i, token in enumerate(_WORD.findall(sentence)):
            key = token.casefold()
            if _MONTH.fullmatch(key) or (len(token) == 1 and not token.isdigit()):
                continue
            if (i and token[0].isupper()) or any(c.isdigit() for c in token):
                keys.setdefault(key)
                if len(keys) >= MAX_KEYS:
                    return list(keys)
    return list(keys)


def _hash(value: str, size: int) -> int:
    """A stable hash (Python's own changes between runs), `size` bytes wide."""
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=size).digest(), "little")
