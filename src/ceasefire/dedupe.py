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
from collections.abc import Iterable
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
    """Documents seen so far, each pointing to the head of its near-duplicate cluster."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.threshold = threshold  # minimum containment of the shorter text's shingles
        self.num_perm = num_perm
        self._lsh = MinHashLSH(CANDIDATE_JACCARD, num_perm, weights=CANDIDATE_WEIGHTS)
        self._signatures: dict[str, Signature] = {}
        self._heads: dict[str, str] = {}
        self._order: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._signatures

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
        if doc_id in self._signatures:
            head = self._heads[doc_id]
            return None if head == doc_id else head
        sig = self._signature_of(text, signature)
        best = self._best_match(sig, self._lsh.query(sig.minhash))
        head = self._heads[best] if best else doc_id
        self._insert(doc_id, sig, head)
        return None if head == doc_id else head

    def restore(self, doc_id: str, signature: Signature | bytes, duplicate_of: str | None) -> None:
        """Re-index a stored document with the cluster it was assigned, without re-deciding it."""
        if doc_id in self._signatures:
            return
        head = self._heads.get(duplicate_of, duplicate_of) if duplicate_of else doc_id
        self._insert(doc_id, self._signature_of(None, signature), head)

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

    def _best_match(self, sig: Signature, candidates: Iterable[str]) -> str | None:
        """The candidate this text copies with the highest containment, the earliest on ties."""
        best: tuple[float, int] | None = None
        found = None
        for candidate in candidates:
            score = self._copy_score(sig, self._signatures[candidate])
            if score is None:
                continue
            rank = (score, -self._order[candidate])
            if best is None or rank > best:
                best, found = rank, candidate
        return found

    def _copy_score(self, sig: Signature, other: Signature) -> float | None:
        if sig.short or other.short:
            exact = sig.short and other.short and np.array_equal(sig.shingles, other.shingles)
            return 1.0 if exact else None
        containment = sig.containment(other)
        if containment >= self.threshold and sig.key_overlap(other) >= KEY_OVERLAP:
            return containment
        return None

    def _insert(self, doc_id: str, sig: Signature, head: str) -> None:
        self._lsh.insert(doc_id, sig.minhash)
        self._signatures[doc_id] = sig
        self._heads[doc_id] = head
        self._order[doc_id] = len(self._order)


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
