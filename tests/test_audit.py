"""The signed audit log: every write explained, every tampered byte found, the key kept apart."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from ceasefire import audit
from ceasefire.cli import app
from ceasefire.errors import InputError
from ceasefire.keys import INSTALLATION, Signer, read_key
from ceasefire.store import Base, DocumentRow, SigningKeyRow, Store, now
from ceasefire.users import unlock
from synthetic import records, write_jsonl

runner = CliRunner()
FLIPPED_TABLES = ("documents", "claims", "incidents", "verdicts", "acceptances", "audit_events")


def invoke(db: Path, *args: str, **env: str):
    return runner.invoke(app, ["--db", str(db), *args], env=env or None)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A small real store (init, users, a party's signed acceptance, an ingest), backed up once
    into a single file."""
    root = tmp_path_factory.mktemp("audit")
    db = root / "s.db"
    assert invoke(db, "init").exit_code == 0
    added = invoke(db, "user", "add", "mona", "--role", "monitor", "--password", "a long secret")
    assert added.exit_code == 0, added.output
    secret = {"CEASEFIRE_PASSWORD": "a long secret"}
    assert invoke(db, "user", "add", "gov", "--role", "party:government", **secret).exit_code == 0
    accepted = invoke(db, "agreement", "accept", "--user", "gov", **secret)
    assert accepted.exit_code == 0, accepted.output
    corpus = write_jsonl(root / "c.jsonl", records(12, seed=7))
    result = invoke(db, "ingest", str(corpus))
    assert result.exit_code == 0, result.output
    copy = root / "pristine.db"
    store = Store.open(str(db))
    store.backup(copy)
    store.close()
    return copy


def fresh_copy(pristine: Path, tmp_path: Path, name: str = "copy.db") -> Path:
    target = tmp_path / name
    shutil.copyfile(pristine, target)
    return target


def verify(db: Path) -> audit.Verification:
    store = Store.open(str(db))
    try:
        return audit.verify(store)
    finally:
        store.close()


def test_the_migrations_build_exactly_the_tables_the_store_declares(tmp_path):
    store = Store.open(str(tmp_path / "m.db"))
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_every_write_is_one_signed_event_and_the_store_verifies(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    store = Store.open(str(db))
    events = list(store.events())
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].action == "log.start"
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    actions = [e.action for e in events]
    for expected in ("registry.places", "agreement.load", "user.add", "run.start", "ingest"):
        assert expected in actions
    assert {e.actor for e in events} == {INSTALLATION, "gov"}
    assert [e.action for e in events if e.actor == "gov"] == ["agreement.accept"]
    assert store.head() == events[-1].hash
    result = audit.verify(store)
    assert result.ok, result.problems
    assert result.rows >= store.count(DocumentRow) > 0


def test_a_run_that_stores_nothing_writes_nothing(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    shutil.copyfile(pristine.with_name("s.db.key"), f"{db}.key")
    head = Store.open(str(db)).head()
    corpus = write_jsonl(tmp_path / "again.jsonl", records(12, seed=7))
    result = invoke(db, "ingest", str(corpus))
    assert result.exit_code == 0 and "12 already stored" in result.output
    assert Store.open(str(db)).head() == head


def test_writes_in_a_session_without_an_action_are_recorded_too(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    store = Store.open(str(db), key=pristine.with_name("s.db.key"))
    with store.session() as s:
        s.get(DocumentRow, store.documents()[0].id).affiliation = "none"
    [last] = store.events(last=1)
    assert (last.action, last.subject) == ("write", "documents")
    assert audit.verify(store).ok


def test_a_person_signs_with_their_own_key(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    store = Store.open(str(db), key=tmp_path / "install.key")  # not this store's key: not needed
    mona = unlock(store, "mona", "a long secret")
    with store.session("review.note", subject="document", signer=mona) as s:
        s.get(DocumentRow, store.documents()[0].id).reliability = "B"
    [last] = store.events(last=1)
    assert last.actor == "mona" and last.key_id == mona.key_id
    assert audit.verify(store).ok


def test_a_key_nobody_registered_cannot_sign(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    store = Store.open(str(db))
    stranger = Signer("mona", Ed25519PrivateKey.generate())
    with (
        pytest.raises(Exception, match="not registered"),
        store.session("review.note", signer=stranger) as s,
    ):
        s.get(DocumentRow, store.documents()[0].id).reliability = "A"
    assert audit.verify(store).ok


def test_rows_written_behind_the_stores_back_are_named(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    with sqlite3.connect(db) as raw:
        raw.execute(
            "INSERT INTO actors (id, name, kind, aliases) "
            "VALUES ('ghost', 'Ghost', 'militia', '[]')"
        )
    result = verify(db)
    assert result.problems == ["actors ghost: row was never recorded in the log"]
    db = fresh_copy(pristine, tmp_path, "deleted.db")
    with sqlite3.connect(db) as raw:
        [claim] = raw.execute("SELECT id FROM claims ORDER BY id LIMIT 1").fetchone()
        raw.execute("DELETE FROM claims WHERE id = ?", (claim,))
    [problem] = verify(db).problems
    assert problem.startswith(f"claims {claim}: row recorded by event ")
    assert problem.endswith(" is missing")


def test_removing_or_reordering_events_names_the_first_broken_one(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM audit_events WHERE seq = 3")
    assert verify(db).summary().startswith("event 3: has sequence number 4")
    db = fresh_copy(pristine, tmp_path, "swapped.db")
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE audit_events SET seq = -seq WHERE seq IN (4, 5)")
        raw.execute("UPDATE audit_events SET seq = 5 WHERE seq = -4")
        raw.execute("UPDATE audit_events SET seq = 4 WHERE seq = -5")
    assert verify(db).summary().startswith("event 4: ")


def _flip(value: object, kind: str, rng: random.Random) -> object:
    """`value` as SQLite stores it, with one of its bytes changed."""
    if kind in ("text", "blob"):
        data = bytearray(value if isinstance(value, bytes) else str(value).encode())
    elif kind == "integer":
        data = bytearray(int(value).to_bytes(8, "big", signed=True))  # type: ignore[call-overload]
    else:
        data = bytearray(struct.pack(">d", value))
    position = rng.randrange(len(data))
    data[position] ^= rng.randrange(1, 256)
    if kind == "integer":
        return int.from_bytes(data, "big", signed=True)
    if kind == "real":
        return struct.unpack(">d", data)[0]
    return bytes(data)


def flip_one_byte(db: Path, rng: random.Random) -> tuple[str, int]:
    """Change one byte of one stored value, at random; returns the table and the row's rowid."""
    with sqlite3.connect(db) as raw:
        raw.text_factory = bytes
        while True:
            table = rng.choice(FLIPPED_TABLES)
            columns = [r[1].decode() for r in raw.execute(f"PRAGMA table_info({table})")]
            rowids = [r[0] for r in raw.execute(f"SELECT rowid FROM {table}")]
            column, rowid = rng.choice(columns), rng.choice(rowids)
            kind, value = raw.execute(
                f"SELECT typeof({column}), {column} FROM {table} WHERE rowid = ?", (rowid,)
            ).fetchone()
            if kind == b"null" or (kind in (b"text", b"blob") and not value):
                continue
            kind = kind.decode()
            cast = "CAST(? AS TEXT)" if kind == "text" else "?"
            try:
                raw.execute(
                    f"UPDATE {table} SET {column} = {cast} WHERE rowid = ?",
                    (_flip(value, kind, rng), rowid),
                )
            except sqlite3.IntegrityError:  # a flipped key collided with another: pick again
                continue
            return table, rowid


def test_one_flipped_byte_anywhere_in_stored_rows_is_found_100_times_out_of_100(pristine, tmp_path):
    rng = random.Random(20170130)
    found = []
    for n in range(100):
        db = fresh_copy(pristine, tmp_path, f"flip-{n}.db")
        table, _ = flip_one_byte(db, rng)
        result = verify(db)
        found.append(not result.ok)
        first = result.problems[0] if result.problems else ""
        expected = "event " if table == "audit_events" else f"{table} "
        assert first.startswith(expected), (table, first)
        assert "\n" not in result.summary()
        db.unlink()
    assert sum(found) == 100


def test_log_verify_names_the_tampered_event_in_one_line(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    ok = invoke(db, "log", "verify")
    assert ok.exit_code == 0 and ok.output.startswith("ok: ")
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE audit_events SET subject = 'nothing happened' WHERE seq = 6")
    broken = invoke(db, "log", "verify")
    assert broken.exit_code == 1
    assert broken.output.strip().splitlines() == [
        "error: event 6: its hash does not match its contents"
    ]


def test_the_head_is_printed_pinned_in_reports_and_checked(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    head = invoke(db, "log", "head").output.strip()
    assert head == Store.open(str(db)).head() and len(head) == 64
    report = invoke(db, "report")
    assert report.exit_code == 0 and f"`{head}`" in report.output
    assert invoke(db, "log", "verify", "--pinned", head).exit_code == 0
    unknown = invoke(db, "log", "verify", "--pinned", "f" * 64)
    assert unknown.exit_code == 1 and f"pinned head {'f' * 64} is not an event" in unknown.output


def test_the_key_lives_beside_the_store_never_in_it(tmp_path):
    db = tmp_path / "k.db"
    assert invoke(db, "init").exit_code == 0
    key_file = Path(f"{db}.key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    secret = read_key(key_file).private_bytes_raw()
    store = Store.open(str(db))
    with store.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert secret not in db.read_bytes()
    assert store.signer().public_key in db.read_bytes()


def test_without_its_key_a_store_reads_and_verifies_but_refuses_writes(
    pristine, tmp_path, monkeypatch
):
    monkeypatch.delenv("CEASEFIRE_KEY", raising=False)
    db = fresh_copy(pristine, tmp_path)  # the copy has no key file beside it
    assert verify(db).ok
    assert invoke(db, "incidents").exit_code == 0
    result = invoke(db, "gazetteer", "import", str(tmp_path / "nothing.csv"))
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: {db}.key: installation key not found;")
    assert "CEASEFIRE_KEY" in line
    other = tmp_path / "other.key"
    Store.open(str(tmp_path / "elsewhere.db"), key=other).signer()
    wrong = invoke(db, "init", CEASEFIRE_KEY=str(other))
    assert wrong.exit_code == 1 and "is not the installation key of this store" in wrong.output


def test_a_consistent_rewrite_with_another_key_fails_only_on_the_key_file_and_pinned_head(
    tmp_path,
):
    """What the database alone cannot prove: someone who rewrites every event and re-signs it
    with a key of their own is caught by the installation's key file and by published heads."""
    db = tmp_path / "r.db"
    assert invoke(db, "init").exit_code == 0
    published = Store.open(str(db)).head()
    forger = Signer(INSTALLATION, Ed25519PrivateKey.generate())
    with sqlite3.connect(db) as raw:
        [old] = raw.execute("SELECT id FROM signing_keys").fetchone()
        raw.execute(
            "UPDATE signing_keys SET id = ?, public_key = ? WHERE id = ?",
            (forger.key_id, forger.public_key, old),
        )
    digest = dict(Store.open(str(db)).row_digests("signing_keys"))[forger.key_id]
    with sqlite3.connect(db) as raw:
        prev = audit.GENESIS
        for seq, at, actor, action, subject, details, text in raw.execute(
            "SELECT seq, at, actor, action, subject, details, changes FROM audit_events "
            "ORDER BY seq"
        ).fetchall():
            changes = json.loads(text)
            if changes.get("signing_keys", {}).pop(old, None):
                changes["signing_keys"][forger.key_id] = digest
            text = audit.canonical(changes).decode()
            event = audit.Event(
                seq, at, actor, action, subject, details, text, audit.sha256(text.encode()),
                prev, "", forger.key_id, b"",
            )  # fmt: skip
            prev = event.computed_hash()
            raw.execute(
                "UPDATE audit_events SET changes = ?, digest = ?, prev_hash = ?, hash = ?, "
                "key_id = ?, signature = ? WHERE seq = ?",
                (text, event.digest, event.prev_hash, prev, forger.key_id,
                 forger.sign(bytes.fromhex(prev)), seq),
            )  # fmt: skip
    without_key = Store.open(str(db), key=tmp_path / "absent.key")
    assert audit.verify(without_key).ok
    problems = audit.verify(Store.open(str(db)), pinned=[published]).problems
    assert problems[0].startswith("event 1: signed with installation key ")
    assert "not with this installation's key file" in problems[0]
    assert problems[-1] == f"pinned head {published} is not an event of this log"


# --- rotating the installation key ----------------------------------------------------------


def test_a_rotated_key_takes_over_and_the_log_verifies_across_rotations(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    key_file = Path(f"{db}.key")
    shutil.copyfile(pristine.with_name("s.db.key"), key_file)
    first = read_key(key_file)
    rotated = invoke(db, "key", "rotate")
    assert rotated.exit_code == 0, rotated.output
    second = read_key(key_file)
    assert Signer(INSTALLATION, second).key_id != Signer(INSTALLATION, first).key_id
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.new"))
    added = invoke(db, "user", "add", "nina", "--role", "monitor", "--password", "long secret!")
    assert added.exit_code == 0, added.output
    assert invoke(db, "key", "rotate").exit_code == 0
    assert invoke(db, "gazetteer", "import", str(places_csv(tmp_path))).exit_code == 0
    events = list(Store.open(str(db)).events())
    rotations = [e for e in events if e.action == "key.rotate"]
    assert [e.key_id for e in rotations] == [
        Signer(INSTALLATION, first).key_id,
        Signer(INSTALLATION, second).key_id,
    ]
    assert events[-1].key_id == Signer(INSTALLATION, read_key(key_file)).key_id
    check = invoke(db, "log", "verify")
    assert check.exit_code == 0 and check.output.startswith("ok: "), check.output


def places_csv(folder: Path) -> Path:
    target = folder / "places.csv"
    target.write_text("name,lat,lon,admin1\nTel Nowhere,35.1,37.2,Hama\n", encoding="utf-8")
    return target


def test_a_retired_key_signs_nothing_more(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    key_file = Path(f"{db}.key")
    shutil.copyfile(pristine.with_name("s.db.key"), key_file)
    old = Signer(INSTALLATION, read_key(key_file))
    store = Store.open(str(db))
    _, new = store.rotate_key()
    with store.session("registry.note", subject="stolen key", signer=old) as s:
        s.get(DocumentRow, store.documents()[0].id).reliability = "A"
    rotation = next(e.seq for e in store.events(action="key.rotate"))
    [last] = store.events(last=1)
    assert audit.verify(store).problems == [
        f"event {last.seq}: signed with installation key {old.key_id:.16}, "
        f"retired by event {rotation}"
    ]
    shutil.copyfile(pristine.with_name("s.db.key"), key_file)  # the old key file comes back
    stale = invoke(db, "gazetteer", "import", str(places_csv(tmp_path)))
    assert stale.exit_code == 1
    assert f"key {old.key_id:.16} was retired by a key rotation" in stale.output
    assert audit.verify(Store.open(str(db))).problems[-1] == (
        f"this installation's key file ({old.key_id:.16}) is not the installation key in force "
        f"({new:.16}), retired by event {rotation}"
    )


def test_a_rotation_the_new_key_did_not_sign_is_refused(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    store = Store.open(str(db), key=pristine.with_name("s.db.key"))
    old = store.signer()
    taker = Signer(INSTALLATION, Ed25519PrivateKey.generate())
    details = {
        "old": old.key_id,
        "new": taker.key_id,
        "new_signature": old.sign(audit.rotation_statement(old.key_id, taker.key_id)).hex(),
    }
    with store.session("key.rotate", subject="takeover", details=details, signer=old) as s:
        s.add(
            SigningKeyRow(
                id=taker.key_id, owner=INSTALLATION, public_key=taker.public_key, created_at=now()
            )
        )
    [event] = store.events(last=1)
    assert audit.verify(store).problems[0] == (
        f"event {event.seq}: the new key did not sign the rotation"
    )


def test_a_rotation_that_lost_a_race_registers_nothing_and_leaves_no_key(pristine, tmp_path):
    db = fresh_copy(pristine, tmp_path)
    key_file = Path(f"{db}.key")
    shutil.copyfile(pristine.with_name("s.db.key"), key_file)
    slow, fast = Store.open(str(db)), Store.open(str(db))
    slow.signer()  # read the key file before the other rotation replaces it
    fast.rotate_key()
    with pytest.raises(InputError, match="rotated meanwhile"):
        slow.rotate_key()
    assert not list(tmp_path.glob("*.new"))
    assert len(list(fast.events(action="key.rotate"))) == 1
    with slow.session("registry.note", subject="after the rotation") as s:
        s.get(DocumentRow, slow.documents()[0].id).reliability = "C"
    [last] = slow.events(last=1)
    assert last.key_id == fast.signer().key_id  # the retired key, read before, signed nothing
    assert audit.verify(fast).ok


def test_a_rotation_interrupted_after_its_commit_is_finished_by_the_next_writer(
    pristine, tmp_path, monkeypatch
):
    db = fresh_copy(pristine, tmp_path)
    key_file = Path(f"{db}.key")
    shutil.copyfile(pristine.with_name("s.db.key"), key_file)
    store = Store.open(str(db))

    def crash(*_args: object) -> None:
        raise OSError("power lost")

    with monkeypatch.context() as m:
        m.setattr("ceasefire.store.os.replace", crash)
        with pytest.raises(OSError, match="power lost"):
            store.rotate_key()
    [rotation] = store.events(action="key.rotate")
    new = json.loads(rotation.details)["new"]
    assert [p.name for p in tmp_path.glob("*.new")] == [f"{key_file.name}.{new[:16]}.new"]
    assert invoke(db, "gazetteer", "import", str(places_csv(tmp_path))).exit_code == 0
    assert not list(tmp_path.glob("*.new"))
    assert Signer(INSTALLATION, read_key(key_file)).key_id == new
    assert audit.verify(Store.open(str(db))).ok
