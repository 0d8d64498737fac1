"""Signed positions: a party's acceptance of an agreement version and its responses, each signed
with the representative's own key, shown with whether the signature still verifies."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ceasefire import audit, positions
from ceasefire.cli import app
from ceasefire.errors import InputError
from ceasefire.keys import Signer, verify_signature
from ceasefire.pipeline import init_store
from ceasefire.review import NotAllowed
from ceasefire.store import Store
from ceasefire.users import add_user, issue_token, unlock
from ceasefire.web import create_app
from test_web_api import PASSWORD, demo_store

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
runner = CliRunner()


@pytest.fixture
def store(tmp_path) -> Store:
    """A store with the bundled agreement, a representative of two parties and a monitor."""
    store = Store.open(str(tmp_path / "p.db"))
    init_store(store)
    add_user(store, "gov-rep", "party:government", PASSWORD)
    add_user(store, "opp-rep", "party:opposition", PASSWORD)
    add_user(store, "monitor", "monitor", PASSWORD)
    return store


def database(store: Store) -> str:
    return str(store.engine.url.database)


def test_an_acceptance_is_a_statement_signed_with_the_representatives_own_key(store):
    signer = unlock(store, "gov-rep", PASSWORD)
    accepted = positions.accept(store, signer)
    assert (accepted.party, accepted.signer, accepted.verifies) == ("government", "gov-rep", True)
    [listed] = positions.acceptances(store, "syria-2016-12", accepted.version)
    assert listed == accepted
    with sqlite3.connect(database(store)) as raw:
        statement, signature = raw.execute(
            "SELECT statement, signature FROM acceptances"
        ).fetchone()
        [source] = raw.execute("SELECT source FROM agreements WHERE active").fetchone()
    signed = json.loads(statement)
    assert signed["agreement_sha256"] == audit.sha256(source.encode())
    assert (signed["party"], signed["signer"], signed["key"]) == (
        "government",
        "gov-rep",
        signer.key_id,
    )
    # Checkable with nothing but the public key: no trust in this software or database needed.
    assert verify_signature(signer.public_key, signature, statement.encode())
    [event] = store.events(last=1)
    assert (event.action, event.actor, event.key_id) == (
        "agreement.accept",
        "gov-rep",
        signer.key_id,
    )
    assert audit.verify(store).ok


def test_only_a_partys_representative_accepts_and_only_for_their_own_party(store):
    monitor = unlock(store, "monitor", PASSWORD)
    with pytest.raises(NotAllowed, match="does not speak for a party"):
        positions.accept(store, monitor)
    gov = unlock(store, "gov-rep", PASSWORD)
    with pytest.raises(NotAllowed, match="speaks for government, not for opposition"):
        positions.accept(store, gov, party="opposition")
    impostor = Signer("opp-rep", gov.key)  # someone else's key under opp-rep's name
    with pytest.raises(NotAllowed, match="signing with their own key"):
        positions.accept(store, impostor)
    with pytest.raises(InputError, match="no version '7'"):
        positions.accept(store, gov, version="7")
    positions.accept(store, gov)
    with pytest.raises(InputError, match="already accepted it"):
        positions.accept(store, gov)
    assert [a.party for a in positions.acceptances(store, "syria-2016-12", "1")] == ["government"]
    assert audit.verify(store).ok


def test_a_tampered_acceptance_fails_verification_and_the_log_names_the_event(store):
    positions.accept(store, unlock(store, "gov-rep", PASSWORD))
    [event] = store.events(last=1)
    with sqlite3.connect(database(store)) as raw:
        raw.execute("UPDATE acceptances SET party = 'opposition'")
    [changed] = positions.acceptances(store, "syria-2016-12", "1")
    assert changed.problem == "the stored fields differ from the signed statement"
    result = runner.invoke(app, ["--db", database(store), "log", "verify"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: acceptances 1: row differs from what event {event.seq} recorded"
    ]
    with sqlite3.connect(database(store)) as raw:
        raw.execute(
            "UPDATE acceptances SET party = 'government', "
            'statement = replace(statement, \'"at":"2\', \'"at":"1\')'
        )
    [redated] = positions.acceptances(store, "syria-2016-12", "1")
    assert redated.at.startswith("1") and redated.problem == "the signature does not verify"


def test_an_acceptance_covers_the_text_not_just_the_version_number(store):
    positions.accept(store, unlock(store, "gov-rep", PASSWORD))
    source = store.active_agreement_source() or ""
    changed = source.replace("title:", "title: Amended,", 1)
    assert changed != source
    store.save_agreement("syria-2016-12", "1", "Amended", changed)
    [stale] = positions.acceptances(store, "syria-2016-12", "1")
    assert stale.problem == "the agreement text changed after it was accepted"
    again = positions.accept(store, unlock(store, "gov-rep", PASSWORD))  # the new text, anew
    assert again.verifies
    assert audit.verify(store).ok


def test_the_accept_command_asks_for_the_password_and_lists_each_party(store):
    db = database(store)
    wrong = runner.invoke(
        app, ["--db", db, "agreement", "accept", "--user", "opp-rep"], input="not it\n"
    )
    assert wrong.exit_code == 1 and "wrong name or password" in wrong.output
    done = runner.invoke(
        app, ["--db", db, "agreement", "accept", "--user", "opp-rep"], input=f"{PASSWORD}\n"
    )
    assert done.exit_code == 0, done.output
    assert "opposition accepts syria-2016-12 v1: signed by opp-rep" in done.output
    refused = runner.invoke(
        app,
        ["--db", db, "agreement", "accept", "--user", "monitor"],
        env={"CEASEFIRE_PASSWORD": PASSWORD},
    )
    assert refused.exit_code == 1
    assert refused.output.strip() == "error: monitor (monitor) does not speak for a party"
    listing = runner.invoke(app, ["--db", db, "agreement", "acceptances"], terminal_width=200)
    assert listing.exit_code == 0, listing.output
    rows = {line.split("│")[1].strip(): line for line in listing.output.splitlines() if "│" in line}
    assert "opp-rep" in rows["opposition"] and "yes" in rows["opposition"].split("│")[5]
    assert rows["government"].split("│")[2].strip() == "no"


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_store(tmp_path_factory) -> Store:
    return demo_store(tmp_path_factory)


def sign_in(client: TestClient, name: str) -> str:
    """Sign in; returns the form token of the session."""
    token = CSRF.search(client.get("/login").text)
    assert token
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)})
    found = CSRF.search(client.get("/agreement").text)
    assert found
    return found.group(1)


def party_section(page: str, party: str) -> str:
    found = re.search(rf'<section class="party" id="party-{party}">(.*?)</section>', page, re.S)
    assert found, party
    return found.group(1)


def test_the_agreement_page_shows_each_partys_signed_acceptance(web_store):
    browser = TestClient(create_app(web_store))
    public = browser.get("/agreement").text
    assert "Has not accepted version 1" in party_section(public, "government")
    assert 'action="/agreement/accept"' not in public
    token = sign_in(browser, "monitor")
    assert 'action="/agreement/accept"' not in browser.get("/agreement").text
    refused = browser.post("/agreement/accept", data={"csrf": token}, follow_redirects=False)
    assert refused.status_code == 403
    token = sign_in(browser, "gov-rep")
    assert 'action="/agreement/accept"' in browser.get("/agreement").text
    done = browser.post("/agreement/accept", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    page = browser.get("/agreement").text
    mine = party_section(page, "government")
    assert "signed by <strong>gov-rep</strong>" in mine and 'class="verifies"' in mine
    assert "Has not accepted" in party_section(page, "opposition")
    assert 'action="/agreement/accept"' not in page  # accepted once, no second form
    with sqlite3.connect(database(web_store)) as raw:
        raw.execute("UPDATE acceptances SET signer = 'opp-rep' WHERE party = 'government'")
    tampered = party_section(TestClient(create_app(web_store)).get("/agreement").text, "government")
    assert "does not verify: the stored fields differ from the signed statement" in tampered


def test_the_incident_page_shows_who_signed_each_response_and_whether_it_verifies(web_store):
    incident = web_store.incidents(verdict="violation", violator="opposition")[0]
    path = f"/incidents/{incident.id}"
    browser = TestClient(create_app(web_store))
    token = sign_in(browser, "opp-rep")
    browser.post(f"{path}/responses", data={"kind": "deny", "text": "Not our unit.", "csrf": token})
    token_api = issue_token(web_store, "opp-rep", "tests")
    filed = browser.post(
        f"/api/incidents/{incident.id}/responses",
        json={"kind": "explain", "text": "Filed through the API."},
        headers={"Authorization": f"Bearer {token_api}"},
    )
    assert filed.status_code in (200, 201), filed.text
    signatures = positions.response_signatures(web_store, incident.id)
    assert [(s.signer, s.verifies) for s in signatures.values()] == [
        ("opp-rep", True),
        ("installation", True),
    ]
    page = browser.get(path).text
    blocks = re.findall(r'<p class="signature">(.*?)</p>', page, re.S)
    assert len(blocks) == 2
    assert "Signed by <strong>opp-rep</strong> (key" in blocks[0] and "verifies" in blocks[0]
    assert "on behalf of opp-rep, not with the representative's own key" in blocks[1]
    with sqlite3.connect(database(web_store)) as raw:
        raw.execute("UPDATE party_responses SET text = 'We did it.' WHERE text = 'Not our unit.'")
    page = browser.get(path).text
    assert "does not verify: the response was changed after it was signed" in page
    assert not audit.verify(web_store).ok


def test_a_response_without_a_signed_record_says_so(web_store):
    incident = web_store.incidents(verdict="violation", violator="government")[0]
    with sqlite3.connect(database(web_store)) as raw:
        raw.execute(
            "INSERT INTO party_responses (incident_id, party, kind, text, author, at) "
            "VALUES (?, 'government', 'deny', 'Slipped in.', 'gov-rep', '2017-01-02 00:00:00')",
            (incident.id,),
        )
    assert positions.response_signatures(web_store, incident.id) == {}
    browser = TestClient(create_app(web_store))
    sign_in(browser, "gov-rep")
    page = browser.get(f"/incidents/{incident.id}").text
    assert "Slipped in." in page and "No signed record of this response." in page
