"""Memory the near-duplicate index holds per document, with signatures in memory or loaded.

    python bench/dedupe_memory.py [--documents 20000] [--cache 2048] [--synthetic]

Indexes that many distinct generated articles (300 to 900 words of a made-up vocabulary, with
names and numbers), or with `--synthetic` the feed of bench/throughput.py, where most articles
are near-duplicates of a few stories and fill the capped LSH buckets, and prints, for each way
of holding the index, the bytes it allocated per document (tracemalloc, after the texts and the
stored signatures exist) and the seconds it took. "before" is what the index held until issue 4:
datasketch's MinHashLSH and every signature. The cache is a fixed amount (about 4 KB a signature
here), spread over fewer documents in a larger run; the row without it is what each further
document costs.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from datasketch import MinHashLSH

from ceasefire.dedupe import CANDIDATE_JACCARD, CANDIDATE_WEIGHTS, DuplicateIndex, Signature


def articles(n: int, seed: int = 3) -> Iterator[str]:
    rng = random.Random(seed)
    syllables = ["al", "ba", "dar", "ka", "ma", "na", "ra", "sa", "ta", "qu", "ye", "zo", "fi"]
    vocabulary = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(6000)]
    names = [w.capitalize() for w in rng.sample(vocabulary, 800)]
    for _ in range(n):
        sentences = []
        for _ in range(rng.randint(20, 60)):
            words = rng.choices(vocabulary, k=rng.randint(8, 22))
            words[0] = words[0].capitalize()
            for _ in range(rng.randint(0, 3)):
                slot = rng.randrange(1, len(words))
                words[slot] = rng.choice(names) if rng.random() < 0.7 else str(rng.randint(1, 999))
            sentences.append(" ".join(words) + ".")
        yield " ".join(sentences)


def synthetic(n: int) -> Iterator[str]:
    """bench/throughput.py's feed: its sample reports with places and numbers varied."""
    sys.path.insert(0, str(Path(__file__).parent))
    from throughput import synthesise

    with tempfile.TemporaryDirectory() as folder:
        feed = Path(folder) / "feed.jsonl"
        synthesise(n, feed)
        with feed.open(encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)["text"]


def measure(build: Callable[[], object], add: Callable[[object, str, bytes], None], stored: dict):
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    index = build()
    for doc_id, signature in stored.items():
        add(index, doc_id.encode().decode(), signature)  # an id of its own, as a run reads it
    seconds = time.perf_counter() - started
    gc.collect()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size / len(stored), seconds


def before() -> tuple[MinHashLSH, dict]:
    return MinHashLSH(CANDIDATE_JACCARD, 128, weights=CANDIDATE_WEIGHTS), {}


def add_before(index: tuple[MinHashLSH, dict], doc_id: str, data: bytes) -> None:
    """What `add` did until issue 4, after the candidate lookup: index and keep everything."""
    lsh, kept = index
    signature = Signature.from_bytes(data)
    lsh.query(signature.minhash)
    lsh.insert(doc_id, signature.minhash)
    kept[doc_id] = (signature, doc_id, len(kept))  # with the head and the order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--cache", type=int, default=2048)
    parser.add_argument("--synthetic", action="store_true", help="near-duplicates of a few stories")
    args = parser.parse_args()
    signer = DuplicateIndex()
    texts = synthetic(args.documents) if args.synthetic else articles(args.documents)
    stored = {f"{number:064x}": signer.signature_bytes(text) for number, text in enumerate(texts)}
    average = sum(map(len, stored.values())) / len(stored)

    def load(ids: list[str]) -> dict[str, bytes]:
        return {i: stored[i] for i in ids}

    def add(index: DuplicateIndex, doc_id: str, data: bytes) -> None:
        index.add(doc_id, signature=data)
        index.stored([doc_id])

    ways = {
        "before: MinHashLSH, signatures in memory": (before, add_before),
        "band table, signatures in memory": (DuplicateIndex, add),
        f"band table, signatures loaded ({args.cache:,} cached)": (
            lambda: DuplicateIndex(load=load, cache=args.cache),
            add,
        ),
        "band table, signatures loaded (none cached)": (
            lambda: DuplicateIndex(load=load, cache=0),
            add,
        ),
    }
    print(f"{len(stored):,} documents, stored signatures {average:,.0f} bytes on average\n")
    print("| index | bytes per document | seconds |")
    print("|---|---:|---:|")
    for label, (build, add_one) in ways.items():
        per_document, seconds = measure(build, add_one, stored)
        print(f"| {label} | {per_document:,.0f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
