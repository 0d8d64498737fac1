"""Four processes at once on one SQLite store: two ingesting overlapping corpora, two reviewing.

No update is lost (read-modify-writes of one row from two processes all land), no document is
stored twice, and the log stays one linear chain that explains every row."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from ceasefire import audit
from ceasefire.store import ActorRow, AgreementRow, IncidentRow, Store
from ceasefire.users import add_user, issue_token, users
from synthetic import records, write_jsonl

ROUNDS = 30
REVIEWERS = ("rev-a", "rev-b")
CEASEFIRE = str(Path(sys.executable).with_name("ceasefire"))


def review(db: str, name: str) -> None:
    """A reviewer's session of work, run in its own process while the ingesters run: each round
    appends to one shared row (a lost update would drop an entry) and marks an incident verified,
    and now and then it adds a user with a token or amends the agreement."""
    rng = random.Random(name)
    store = Store.open(db)
    source = store.active_agreement_source() or ""
    deadline = time.monotonic() + 300
    while store.count(IncidentRow) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # start once the ingesters are writing, to work alongside them
    for n in range(ROUNDS):
        time.sleep(0.1)
        with store.session("test.alias", subject=f"{name} {n}") as s:
            russia = s.get(ActorRow, "russia")
            russia.aliases = [*russia.aliases, f"{name} {n}"]
        with store.session("review.verify", subject=f"{name} review {n}") as s:
            ids = list(
                s.scalars(select(IncidentRow.id).where(IncidentRow.review_status != "verified"))
            )
            if ids:
                s.get(IncidentRow, rng.choice(ids)).review_status = "verified"
        if n % 10 == 0:
            add_user(store, f"{name}-user-{n}", "monitor", "a long enough password")
            issue_token(store, f"{name}-user-{n}")
        if n % 15 == 7:
            version = f"{name}-{n}"
            amended = source.replace("version: '1'", f"version: '{version}'")
            store.save_agreement("syria-2016-12", version, "amended", amended)


def test_four_writers_keep_one_chain_and_lose_nothing(tmp_path):
    db = tmp_path / "shared.db"
    subprocess.run([CEASEFIRE, "--db", str(db), "init"], check=True, capture_output=True)
    rows = records(600, seed=11)
    first = write_jsonl(tmp_path / "first.jsonl", rows[:400])
    second = write_jsonl(tmp_path / "second.jsonl", rows[200:])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    code = "import sys; from test_concurrency import review; review(*sys.argv[1:])"
    processes = [
        subprocess.Popen(
            [CEASEFIRE, "--db", str(db), "ingest", str(corpus)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for corpus in (first, second)
    ] + [
        subprocess.Popen(
            [sys.executable, "-c", code, str(db), name], env=env, stderr=subprocess.PIPE
        )
        for name in REVIEWERS
    ]
    for process in processes:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors.decode()[-2000:]
    store = Store.open(str(db))
    documents = store.documents()
    assert sorted(d.external_id for d in documents) == sorted(r["id"] for r in rows)
    [russia] = [a for a in store.actors() if a.id == "russia"]
    expected = {f"{name} {n}" for name in REVIEWERS for n in range(ROUNDS)}
    assert expected <= set(russia.aliases)
    assert len(russia.aliases) == len(set(russia.aliases))
    added = {u.name for u in users(store)}
    assert added == {f"{name}-user-{n}" for name in REVIEWERS for n in range(0, ROUNDS, 10)}
    with store.session() as s:
        agreements = list(s.scalars(select(AgreementRow)))
    assert len(agreements) == 1 + len(REVIEWERS) * len(range(7, ROUNDS, 15))
    assert sum(a.active for a in agreements) == 1
    events = list(store.events())
    subjects = [e.subject for e in events if e.action == "test.alias"]
    assert sorted(subjects) == sorted(expected)
    reviews = [e.seq for e in events if e.action == "review.verify"]
    ingests = [e.seq for e in events if e.action == "ingest"]
    assert len(reviews) == len(REVIEWERS) * ROUNDS
    assert any(min(ingests) < r < max(ingests) for r in reviews)  # they worked side by side
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    result = audit.verify(store)
    assert result.ok, result.summary()
