"""API tokens made on the tokens page carry the person's key: what a program writes with one is
signed by that person, not by the installation for them, until the token is revoked."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ceasefire import audit, positions
from ceasefire.users import find_user, issue_token
from ceasefire.web import create_app
from test_web_api import auth, demo_store
from test_web_pages import csrf, sign_in

REPORT = b"""date 2017-01-23
outlet: Orontes Valley Bulletin
Mortar fire on Tell Rifaat

Opposition fighters fired mortar rounds at Tell Rifaat in the northern Aleppo countryside on
Monday, wounding three civilians, residents said.
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = demo_store(tmp_path_factory)
    return store, TestClient(create_app(store))


def page_token(app_client: TestClient, name: str, label: str) -> tuple[str, int]:
    """Sign in as `name`, make a token on the tokens page; its value and its number."""
    browser = TestClient(app_client.app)
    sign_in(browser, name)
    made = browser.post("/tokens", data={"label": label, "csrf": csrf(browser, "/tokens")})
    value = re.search(r'<code class="token">(cft_[^<]+)</code>', made.text)
    assert value, made.text
    number = max(int(n) for n in re.findall(r'action="/tokens/(\d+)/revoke"', made.text))
    return value.group(1), number


def last_event(store, action: str) -> audit.Event:
    return next(e for e in reversed(list(store.events())) if e.action == action)


def test_a_response_filed_with_a_page_token_is_signed_by_the_representative(world):
    store, client = world
    token, _ = page_token(client, "opp-rep", "field laptop")
    incident = store.incidents(verdict="violation", violator="opposition")[0]
    filed = client.post(
        f"/api/incidents/{incident.id}/responses",
        json={"kind": "deny", "text": "Our units were not in the area."},
        headers=auth(token),
    )
    assert filed.status_code == 201, filed.text
    rep = find_user(store, "opp-rep")
    event = last_event(store, "response.file")
    assert (event.actor, event.key_id) == ("opp-rep", rep.key_id)
    [signature] = positions.response_signatures(store, incident.id).values()
    assert (signature.signer, signature.key_id, signature.verifies) == ("opp-rep", rep.key_id, True)
    browser = TestClient(client.app)
    sign_in(browser, "opp-rep")
    [block] = re.findall(
        r'<p class="signature">(.*?)</p>', browser.get(f"/incidents/{incident.id}").text, re.S
    )
    assert "Signed by <strong>opp-rep</strong> (key" in block and "on behalf of" not in block
    result = audit.verify(store)
    assert result.ok, result.problems


def test_reviews_and_uploads_with_a_page_token_are_signed_by_the_monitor(world):
    store, client = world
    token, _ = page_token(client, "monitor", "desk")
    monitor = find_user(store, "monitor")
    incident = store.incidents(verdict="violation", violator="government")[0]
    done = client.post(
        f"/api/incidents/{incident.id}/review",
        json={"action": "verify", "note": "Two sources agree."},
        headers=auth(token),
    )
    assert done.status_code == 200, done.text
    event = last_event(store, "review.verify")
    assert (event.actor, event.key_id) == ("monitor", monitor.key_id)
    uploaded = client.post(
        "/api/documents", files=[("files", ("bulletin.txt", REPORT))], headers=auth(token)
    )
    assert uploaded.status_code == 200, uploaded.text
    event = last_event(store, "ingest")
    assert (event.actor, event.key_id) == ("monitor", monitor.key_id)
    result = audit.verify(store)
    assert result.ok, result.problems


def test_a_revoked_token_signs_nothing_and_an_old_token_is_signed_for(world):
    store, client = world
    token, number = page_token(client, "gov-rep", "to revoke")
    browser = TestClient(client.app)
    sign_in(browser, "gov-rep")
    revoked = browser.post(
        f"/tokens/{number}/revoke", data={"csrf": csrf(browser, "/tokens")}, follow_redirects=False
    )
    assert revoked.status_code == 303
    incident = store.incidents(verdict="violation", violator="government")[-1]
    path = f"/api/incidents/{incident.id}/responses"
    body = {"kind": "explain", "text": "The unit returned fire."}
    before = store.head()
    assert client.post(path, json=body, headers=auth(token)).status_code == 401
    assert store.head() == before
    legacy = issue_token(store, "gov-rep", "issued before tokens carried keys")
    assert client.post(path, json=body, headers=auth(legacy)).status_code == 201
    event = last_event(store, "response.file")
    assert event.actor == "installation"
    signatures = positions.response_signatures(store, incident.id).values()
    assert [(s.signer, s.verifies) for s in signatures] == [("installation", True)]
