"""Worker processes parse and extract while the main process writes: nothing may differ."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ceasefire import audit
from ceasefire.model import Claim, EventType
from ceasefire.pipeline import BATCH_SIZE, Pipeline, _windows, init_store
from ceasefire.store import Store
from synthetic import records, write_jsonl


def _run(tmp_path: Path, corpus: Path, workers: int) -> tuple[list, list, list, Pipeline]:
    store = Store.open(str(tmp_path / f"workers-{workers}.db"))
    try:
        knowledge = init_store(store)
        pipeline = Pipeline(store, knowledge, workers=workers)
        report = pipeline.run([corpus])
        assert audit.verify(store).ok
        claims = [
            (c.document_id, c.event_type, c.place, c.date_from, c.fatalities_min, c.spans)
            for c in store.claims()
        ]
        incidents = [
            (i.event_type, i.place, i.date_from, i.claim_ids, i.verdict and i.verdict.status)
            for i in store.incidents()
        ]
        return report.rows(), claims, incidents, pipeline
    finally:
        store.close()


def test_two_workers_store_what_one_process_stores(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "feed.jsonl", records(3 * BATCH_SIZE + 5, seed=11))
    alone = _run(tmp_path, corpus, workers=1)
    pooled = _run(tmp_path, corpus, workers=2)
    assert pooled[:3] == alone[:3]
    assert len(alone[1]) > 3 * BATCH_SIZE and alone[2]


def test_a_rerun_with_workers_finds_everything_stored(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "feed.jsonl", records(2 * BATCH_SIZE, seed=12))
    store = Store.open(str(tmp_path / "rerun.db"))
    try:
        knowledge = init_store(store)
        first = Pipeline(store, knowledge, workers=2).run([corpus])
        again = Pipeline(store, knowledge, workers=2).run([corpus])
        assert first.stored == 2 * BATCH_SIZE
        assert (again.stored, again.already_stored, again.run_id) == (0, 2 * BATCH_SIZE, None)
        assert audit.verify(store).ok
    finally:
        store.close()


def test_a_batch_looks_up_incidents_only_around_its_claims_dates() -> None:
    def claim(start: date, end: date) -> Claim:
        return Claim(
            document_id="d", spans=[], event_type=EventType.SHELLING, date_from=start, date_to=end
        )

    claims = [
        claim(date(2017, 1, 10), date(2017, 1, 10)),
        claim(date(2015, 6, 1), date(2015, 6, 2)),
        claim(date(2017, 1, 12), date(2017, 1, 13)),
        Claim(document_id="d", spans=[], event_type=EventType.OTHER),
    ]
    assert _windows(claims, slack=timedelta(days=1)) == [
        (date(2015, 5, 31), date(2015, 6, 3)),
        (date(2017, 1, 9), date(2017, 1, 14)),
    ]
