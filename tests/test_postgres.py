"""The same store on PostgreSQL: a throwaway server per test session, owned by the tests.

A cluster is made with the PostgreSQL binaries in a fresh directory (as the `postgres` user when
the tests run as root, which PostgreSQL refuses to run as), listens on a Unix socket in that
directory only, and is stopped and removed afterwards. Each test gets its own database.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from glob import glob
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire import audit, positions, review
from ceasefire.cli import EXAMPLES, app
from ceasefire.model import ReviewStatus
from ceasefire.pipeline import Knowledge
from ceasefire.store import WRITER_LOCK, IncidentRow, Store
from ceasefire.users import add_user, unlock
from synthetic import records, write_jsonl
from test_web_api import demo_store

psycopg = pytest.importorskip("psycopg")
runner = CliRunner()
PASSWORD = "a long enough secret"
CEASEFIRE = str(Path(sys.executable).with_name("ceasefire"))


def _binaries() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's versioned directory."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Callable[[], str]]:
    """A function that makes a new, empty database and returns its SQLAlchemy URL."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="ceasefire-pg-"))
    if os.geteuid() == 0:  # the server will not run as root
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, cwd=root)

    data = root / "data"
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "ceasefire", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync")  # fmt: skip
        options = f"-k {root} -c listen_addresses='' -F"
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
            "-w", "start")  # fmt: skip
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"cannot start PostgreSQL: {exc.stderr.decode()[-500:]}")

    def new_database() -> str:
        name = f"t_{secrets.token_hex(6)}"
        with psycopg.connect(host=str(root), user="ceasefire", dbname="postgres") as c:
            c.autocommit = True
            c.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://ceasefire@/{name}?host={root}"

    try:
        yield new_database
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg(postgres, tmp_path, monkeypatch) -> str:
    """A fresh database, with the installation key where a server store looks for it."""
    monkeypatch.setenv("CEASEFIRE_KEY", str(tmp_path / "installation.key"))
    return postgres()


def invoke(url: str, *args: str):
    result = runner.invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def raw(url: str, sql: str, *params: object) -> None:
    """A change made behind the store's back, straight through the driver."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as c:
        c.execute(sql, params)


def test_the_whole_pipeline_runs_on_postgresql_and_matches_sqlite(
    pg, tmp_path_factory, monkeypatch
):
    invoke(pg, "init")
    invoke(pg, "ingest", str(EXAMPLES))
    exported = invoke(pg, "export", "--format", "json")
    with monkeypatch.context() as m:  # the SQLite store keeps its key beside it
        m.delenv("CEASEFIRE_KEY")
        sqlite = demo_store(tmp_path_factory)  # the same samples through the same pipeline
        expected = runner.invoke(app, ["--db", str(sqlite.engine.url.database), "export"])
    assert expected.exit_code == 0
    ours, theirs = json.loads(exported), json.loads(expected.output)
    assert ours.pop("generated_at") and theirs.pop("generated_at")
    assert ours == theirs and len(ours["incidents"]) > 10
    assert "ok: " in invoke(pg, "log", "verify")

    store = Store.open(pg)
    knowledge = Knowledge.from_store(store)
    monitor = add_user(store, "mona", "monitor", PASSWORD)
    representative = add_user(store, "gov-rep", "party:government", PASSWORD)
    mona, gov = unlock(store, "mona", PASSWORD), unlock(store, "gov-rep", PASSWORD)
    attributed = store.incidents(verdict="violation", violator="government")
    first, second = attributed[0].id, attributed[1].id
    review.set_status(store, knowledge, first, ReviewStatus.VERIFIED, monitor, signer=mona)
    review.merge(store, knowledge, second, first, monitor, signer=mona)
    review.respond(store, first, representative, "deny", "Not us.", signer=gov)
    assert positions.accept(store, gov).verifies
    [signature] = positions.response_signatures(store, first).values()
    assert (signature.signer, signature.verifies) == ("gov-rep", True)
    assert store.incidents(ids=[first])[0].review_status is ReviewStatus.VERIFIED
    result = audit.verify(store)
    assert result.ok, result.summary()
    assert {"mona", "gov-rep", "installation"} <= {e.actor for e in store.events()}
    assert '"review_status": "verified"' in invoke(pg, "export", "--format", "json")


def test_a_rotated_key_and_a_row_changed_behind_the_stores_back_on_postgresql(pg, tmp_path):
    invoke(pg, "init")
    invoke(pg, "key", "rotate")
    invoke(pg, "ingest", str(write_jsonl(tmp_path / "c.jsonl", records(8, seed=5))))
    assert len(list(Store.open(pg).events(action="key.rotate"))) == 1
    assert invoke(pg, "log", "verify").startswith("ok: ")
    raw(pg, "UPDATE incidents SET fatalities_min = 99 WHERE id = 1")
    broken = runner.invoke(app, ["--db", pg, "log", "verify"])
    assert broken.exit_code == 1
    assert broken.output.startswith("error: incidents 1: row differs from what event ")
    raw(pg, "UPDATE incidents SET fatalities_min = NULL WHERE id = 1")
    raw(pg, "UPDATE audit_events SET subject = 'nothing' WHERE seq = 2")
    broken = runner.invoke(app, ["--db", pg, "log", "verify"])
    assert broken.output.strip().splitlines()[0].startswith("error: event 2: its hash does not")


def test_a_write_without_an_action_waits_for_the_write_lock_too(pg):
    """On PostgreSQL a session that only reads at first takes no lock when it begins; its
    event must still be appended under the writers' lock, or two could claim one place."""
    invoke(pg, "init")
    store = Store.open(pg)
    plain = pg.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (WRITER_LOCK,))
        waiting = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from ceasefire.store import Store, ActorRow\n"
                "s = Store.open(sys.argv[1])\n"
                "with s.session() as t: t.get(ActorRow, 'russia').country = 'XX'\n",
                pg,
            ],
            stderr=subprocess.PIPE,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)  # blocked on the lock, not racing ahead
        holder.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK,))
    _, errors = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, errors.decode()[-1000:]
    [last] = store.events(last=1)
    assert (last.action, last.subject) == ("write", "actors")
    assert audit.verify(store).ok


def test_concurrent_writers_keep_one_chain_on_postgresql(pg, tmp_path):
    """Two ingests of overlapping corpora and two reviewers at once, serialised by the advisory
    lock: every document once, no update lost, one verified chain."""
    invoke(pg, "init")
    rows = records(400, seed=13)  # several batches each, so the reviewers land among them
    corpora = [
        write_jsonl(tmp_path / "a.jsonl", rows[:250]),
        write_jsonl(tmp_path / "b.jsonl", rows[150:]),
    ]
    code = (  # a reviewer: starts once the ingests write, then appends to one shared row
        "import sys, time\n"
        "from ceasefire.store import ActorRow, IncidentRow, Store\n"
        "s = Store.open(sys.argv[1])\n"
        "end = time.monotonic() + 300\n"
        "while s.count(IncidentRow) == 0 and time.monotonic() < end: time.sleep(0.05)\n"
        "for n in range(20):\n"
        "    time.sleep(0.05)\n"
        "    with s.session('test.alias', subject=f'{sys.argv[2]} {n}') as t:\n"
        "        a = t.get(ActorRow, 'russia')\n"
        "        a.aliases = [*a.aliases, f'{sys.argv[2]} {n}']\n"
    )
    processes = [
        subprocess.Popen([CEASEFIRE, "--db", pg, "ingest", str(c)], stderr=subprocess.PIPE)
        for c in corpora
    ] + [
        subprocess.Popen([sys.executable, "-c", code, pg, name], stderr=subprocess.PIPE)
        for name in ("rev-a", "rev-b")
    ]
    for process in processes:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors.decode()[-2000:]
    store = Store.open(pg)
    assert sorted(d.external_id for d in store.documents()) == sorted(r["id"] for r in rows)
    [russia] = [a for a in store.actors() if a.id == "russia"]
    assert {f"{name} {n}" for name in ("rev-a", "rev-b") for n in range(20)} <= set(russia.aliases)
    assert store.count(IncidentRow) > 0
    events = list(store.events())
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    ingests = [e.seq for e in events if e.action == "ingest"]
    assert any(min(ingests) < e.seq < max(ingests) for e in events if e.action == "test.alias")
    result = audit.verify(store)
    assert result.ok, result.summary()
