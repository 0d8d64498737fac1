"""Users: roles scoped to the agreement, hashed passwords and tokens, keys only they can open."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire import audit
from ceasefire.cli import app
from ceasefire.errors import InputError
from ceasefire.keys import Signer
from ceasefire.pipeline import init_store
from ceasefire.store import Store
from ceasefire.users import (
    add_user,
    authenticate,
    change_password,
    issue_token,
    revoke_token,
    set_active,
    set_role,
    token_access,
    unlock,
    user_for_token,
    users,
)

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store.open(str(tmp_path_factory.mktemp("users") / "u.db"))
    init_store(store)
    add_user(store, "admin", "admin", PASSWORD)
    add_user(store, "gov-rep", "party:government", PASSWORD)
    return store


def test_roles_are_checked_and_party_users_speak_for_a_party_of_the_agreement(store):
    assert [(u.name, u.role, u.party) for u in users(store)] == [
        ("admin", "admin", None),
        ("gov-rep", "party", "government"),
    ]
    for role, problem in (
        ("observer", "is not one of admin, monitor, guarantor, party:PARTY"),
        ("party", "a party user is party:PARTY"),
        ("monitor:government", "a party user is party:PARTY"),
        ("party:nobody", "no party 'nobody' in the agreement"),
    ):
        with pytest.raises(InputError, match=problem):
            add_user(store, "someone", role, PASSWORD)
    with pytest.raises(InputError, match="already exists"):
        add_user(store, "admin", "monitor", PASSWORD)
    with pytest.raises(InputError, match="not 'installation'"):
        add_user(store, "installation", "monitor", PASSWORD)
    with pytest.raises(InputError, match="password too short"):
        add_user(store, "shorty", "monitor", "short")
    assert [u.name for u in users(store)] == ["admin", "gov-rep"]


def test_the_database_holds_no_password_no_token_and_no_usable_private_key(store, tmp_path):
    token = issue_token(store, "admin", "laptop")
    assert token.startswith("cft_")
    with store.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = Path(store.engine.url.database).read_bytes()
    assert PASSWORD.encode() not in raw and token.encode() not in raw
    signer = unlock(store, "admin", PASSWORD)
    assert signer.key.private_bytes_raw() not in raw
    with sqlite3.connect(store.engine.url.database) as db:
        [stored] = db.execute("SELECT password_hash FROM users WHERE name = 'admin'").fetchone()
    assert stored.startswith("$argon2id$")


def test_passwords_open_keys_and_tokens_name_their_user(store):
    assert authenticate(store, "admin", PASSWORD).name == "admin"
    assert authenticate(store, "admin", "wrong password!") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    signer = unlock(store, "gov-rep", PASSWORD)
    [gov] = [u for u in users(store) if u.name == "gov-rep"]
    assert signer.key_id == gov.key_id and signer.name == "gov-rep"
    with pytest.raises(InputError, match="wrong name or password"):
        unlock(store, "gov-rep", "not the password")
    token = issue_token(store, "gov-rep")
    assert user_for_token(store, token).name == "gov-rep"
    assert user_for_token(store, token + "x") is None
    assert revoke_token(store, token) is True
    assert user_for_token(store, token) is None
    assert revoke_token(store, token) is False


def test_role_changes_disabling_and_password_changes_are_signed_events(store):
    set_role(store, "gov-rep", "guarantor")
    token = issue_token(store, "gov-rep")
    set_active(store, "gov-rep", False)
    assert user_for_token(store, token) is None
    assert authenticate(store, "gov-rep", PASSWORD) is None
    set_active(store, "gov-rep", True)
    change_password(store, "admin", PASSWORD, "a new long password")
    with pytest.raises(InputError):
        unlock(store, "admin", PASSWORD)
    signer = unlock(store, "admin", "a new long password")
    actions = [(e.action, e.subject, e.actor) for e in store.events(last=6)]
    assert actions[-5:] == [
        ("user.role", "gov-rep", "installation"),
        ("token.issue", "gov-rep", "installation"),
        ("user.disable", "gov-rep", "installation"),
        ("user.enable", "gov-rep", "installation"),
        ("user.password", "admin", "admin"),
    ]
    [last] = store.events(last=1)
    assert last.key_id == signer.key_id
    result = audit.verify(store)
    assert result.ok, result.problems


def test_an_admin_can_sign_user_changes_with_their_own_key(store):
    admin = unlock(store, "admin", "a new long password")
    add_user(store, "observer-1", "monitor", PASSWORD, signer=admin)
    [event] = store.events(last=1)
    assert (event.action, event.actor, event.key_id) == ("user.add", "admin", admin.key_id)
    assert audit.verify(store).ok


def test_user_commands(tmp_path):
    runner = CliRunner()
    db = tmp_path / "c.db"
    assert runner.invoke(app, ["--db", str(db), "init"]).exit_code == 0
    added = runner.invoke(
        app,
        ["--db", str(db), "user", "add", "ali", "--role", "party:opposition"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.exit_code == 0, added.output
    assert "Added ali (party:opposition)" in added.output
    by_env = runner.invoke(
        app,
        ["--db", str(db), "user", "add", "mia", "--role", "monitor"],
        env={"CEASEFIRE_PASSWORD": PASSWORD},
    )
    assert by_env.exit_code == 0, by_env.output
    bad = runner.invoke(
        app, ["--db", str(db), "user", "add", "x", "--role", "chief", "--password", PASSWORD]
    )
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        "error: --role: 'chief' is not one of admin, monitor, guarantor, party:PARTY"
    ]
    asked = runner.invoke(app, ["--db", str(db), "user", "token", "mia"], input=f"{PASSWORD}\n")
    assert asked.exit_code == 0, asked.output
    token = asked.output.strip().splitlines()[-1]  # after the password prompt
    store = Store.open(str(db))
    user, signer = token_access(store, token)
    assert user.name == "mia" and signer.name == "mia" and signer.key_id == user.key_id
    [issued] = store.events(last=1)
    assert (issued.action, issued.actor) == ("token.issue", "mia")
    wrong = runner.invoke(
        app, ["--db", str(db), "user", "token", "mia"], env={"CEASEFIRE_PASSWORD": "not it at all"}
    )
    assert wrong.exit_code == 1 and "wrong name or password" in wrong.output
    assert runner.invoke(app, ["--db", str(db), "user", "role", "mia", "admin"]).exit_code == 0
    listing = runner.invoke(app, ["--db", str(db), "user", "list"]).output
    assert "opposition" in listing and "admin" in listing
    assert audit.verify(store).ok


def test_a_token_issued_with_the_key_open_carries_the_key_until_it_is_revoked(tmp_path):
    store = Store.open(str(tmp_path / "t.db"))
    init_store(store)
    add_user(store, "rep", "party:government", PASSWORD)
    add_user(store, "other", "monitor", PASSWORD)
    own = unlock(store, "rep", PASSWORD)
    personal = issue_token(store, "rep", "laptop", signer=own)
    user, signer = token_access(store, personal)
    assert user.name == "rep" and (signer.name, signer.key_id) == ("rep", own.key_id)
    assert token_access(store, personal + "x") is None
    legacy = issue_token(store, "rep", "script")  # the installation issues it: no key to carry
    assert token_access(store, legacy)[1] is None
    for_other = issue_token(store, "rep", "x", signer=unlock(store, "other", PASSWORD))
    assert token_access(store, for_other)[1] is None  # another's key is never sealed for rep
    with pytest.raises(InputError, match="not theirs"):
        issue_token(store, "rep", signer=Signer("rep", unlock(store, "other", PASSWORD).key))

    def sealed(token: str) -> str | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        with sqlite3.connect(store.engine.url.database) as db:
            found = db.execute(
                "SELECT k.sealed_key FROM api_token_keys k JOIN api_tokens t ON t.id = k.token_id"
                " WHERE t.token_hash = ?",
                (digest,),
            ).fetchone()
        return found[0] if found else None

    copy = sealed(personal)
    assert copy is not None and sealed(legacy) is None
    assert own.key.private_bytes_raw() not in copy.encode()
    second = issue_token(store, "rep", "phone", signer=own)
    assert revoke_token(store, personal) is True
    assert token_access(store, personal) is None and sealed(personal) is None
    result = audit.verify(store)  # the sealed copies are audited rows, their deletion too
    assert result.ok, result.problems
    with sqlite3.connect(store.engine.url.database) as db:  # one token's copy moved to another
        db.execute(
            "UPDATE api_token_keys SET sealed_key = ?"
            " WHERE token_id = (SELECT id FROM api_tokens WHERE label = 'phone')",
            (copy,),
        )
    assert token_access(store, second)[1] is None  # it does not open under another token
    assert not audit.verify(store).ok
    set_active(store, "rep", False)
    assert token_access(store, second) is None and sealed(second) is None
