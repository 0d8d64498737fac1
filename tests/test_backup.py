"""Backup and restore: one consistent file, taken while the store is in use, that verifies."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire import audit
from ceasefire.cli import app
from ceasefire.pipeline import init_store
from ceasefire.store import ActorRow, ClaimRow, DocumentRow, Store
from synthetic import records, write_jsonl

runner = CliRunner()


def invoke(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args])


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("backup")
    db = root / "live.db"
    assert invoke(db, "init").exit_code == 0
    corpus = write_jsonl(root / "c.jsonl", records(20, seed=3))
    assert invoke(db, "ingest", str(corpus)).exit_code == 0
    return db


def counts(store: Store) -> tuple[int, int]:
    return store.count(DocumentRow), store.count(ClaimRow)


def test_backup_then_restore_gives_the_same_verified_record(source, tmp_path):
    backup = tmp_path / "b.sqlite"
    done = invoke(source, "backup", str(backup))
    assert done.exit_code == 0, done.output
    live = Store.open(str(source))
    assert live.head() in done.output
    with sqlite3.connect(backup) as raw:  # one self-contained file, no write-ahead log
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    target = tmp_path / "restored.db"
    restored = invoke(target, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "ok: " in restored.output
    again = Store.open(str(target))
    assert again.head() == live.head()
    assert counts(again) == counts(live)
    assert audit.verify(again).ok


def test_restore_refuses_a_store_that_holds_anything_unless_forced(source, tmp_path):
    backup = tmp_path / "b.sqlite"
    Store.open(str(source)).backup(backup)
    refused = invoke(source, "restore", str(backup))
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"error: sqlite:///{source}: store is not empty; pass --force to replace it"
    ]
    assert invoke(source, "restore", "--force", str(backup)).exit_code == 0
    assert invoke(source, "backup", str(backup)).exit_code == 1  # exists: not overwritten


def test_a_tampered_or_foreign_backup_is_not_restored(source, tmp_path):
    backup = tmp_path / "b.sqlite"
    Store.open(str(source)).backup(backup)
    with sqlite3.connect(backup) as raw:
        raw.execute("UPDATE documents SET outlet = 'Someone Else' WHERE rowid = 1")
    target = tmp_path / "t.db"
    result = invoke(target, "restore", str(backup))
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: {backup}: backup does not verify: documents ")
    foreign = tmp_path / "notes.sqlite"
    with sqlite3.connect(foreign) as raw:
        raw.execute("CREATE TABLE notes (text TEXT)")
    assert "not a ceasefire backup" in invoke(target, "restore", str(foreign)).output
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    assert "not a readable ceasefire backup" in invoke(target, "restore", str(garbage)).output
    assert Store.open(str(target)).is_empty()


def test_a_backup_taken_while_another_thread_writes_is_consistent(tmp_path):
    store = Store.open(str(tmp_path / "busy.db"))
    init_store(store)
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            with store.session("test.write", subject=f"alias {n}") as s:
                s.get(ActorRow, "russia").aliases = [f"alias {n}"]
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for n in range(5):
            copy = tmp_path / f"b{n}.sqlite"
            store.backup(copy)
            assert audit.verify(Store.open(str(copy))).ok
    finally:
        stop.set()
        writer.join()


def test_a_backup_that_cannot_be_written_gets_one_line(source, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "b.sqlite"
    result = invoke(source, "backup", str(target))
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: {target}: cannot write backup (")
