"""Crash safety: the ingest process killed (SIGKILL) at random points of one 5,000-document run,
20 times. After each kill the store opens and verifies; a last run completes the corpus, and every
document is stored exactly once."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ceasefire import audit
from ceasefire.store import Store
from synthetic import records, write_jsonl

DOCUMENTS = 5000
KILLS = 20
CEASEFIRE = str(Path(sys.executable).with_name("ceasefire"))


def stored(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        return raw.execute("SELECT count(*) FROM documents").fetchone()[0]


def external_ids(db: Path) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        return [r[0] for r in raw.execute("SELECT external_id FROM documents")]


def ingest(db: Path, corpus: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CEASEFIRE, "--db", str(db), "ingest", str(corpus)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_killing_ingest_20_times_loses_nothing_and_stores_nothing_twice(tmp_path):
    rng = random.Random(20170104)
    rows = records(DOCUMENTS, seed=4)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", rows)
    db = tmp_path / "crash.db"
    subprocess.run([CEASEFIRE, "--db", str(db), "init"], check=True, capture_output=True)
    # Kill points: how far the run has got, spread over the whole corpus, plus a random delay
    # so that kills land while extracting, while writing a batch, and while committing it.
    targets = sorted(rng.sample(range(1, DOCUMENTS - 200), KILLS))
    killed = 0
    for target in targets:
        process = ingest(db, corpus)
        while process.poll() is None and stored(db) < target:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.4))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        store = Store.open(str(db))
        result = audit.verify(store)
        store.close()
        assert result.ok, result.summary()
        ids = external_ids(db)
        assert len(ids) == len(set(ids))
    assert killed == KILLS
    final = ingest(db, corpus)
    _, errors = final.communicate()
    assert final.returncode == 0, errors.decode()
    assert sorted(external_ids(db)) == sorted(r["id"] for r in rows)
    store = Store.open(str(db))
    assert audit.verify(store).ok
