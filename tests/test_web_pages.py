"""The server-rendered pages: sign-in with a session cookie, CSRF on every form, highlighted
evidence, and review and responses signed with the person's own key."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from ceasefire import audit
from ceasefire.web import create_app
from ceasefire.web.pages import segments, timeline
from test_web_api import PASSWORD, demo_store

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return demo_store(tmp_path_factory)


@pytest.fixture
def browser(store):
    """A client with its own cookie jar, as one browser."""
    return TestClient(create_app(store))


def csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no form token on {path}"
    return found.group(1)


def sign_in(client: TestClient, name: str) -> None:
    token = csrf(client, "/login")
    done = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/"


def test_evidence_spans_cut_the_text_into_marked_pieces():
    text = "One. Two three. Four."
    spans = [{"start": 5, "end": 9}, {"start": 8, "end": 15}, {"start": 16, "end": 21}]
    assert segments(text, spans) == [
        ("One. ", False),
        ("Two three.", True),
        (" ", False),
        ("Four.", True),
    ]
    assert segments("abc", [{"start": 2, "end": 9}]) == [("ab", False), ("c", True)]


def test_the_timeline_stacks_each_days_violations_per_party(store):
    incidents = store.incidents()
    bars = timeline(incidents, ["government", "opposition"])
    violations = [i for i in incidents if i.verdict and i.verdict.status.value == "violation"]
    assert sum(b.count for b in bars) == len([i for i in violations if i.date_from])
    first = min(i.date_from for i in violations if i.date_from)
    for b in bars:
        assert b.column == (b.day - first).days
        same_day = [o for o in bars if o.day == b.day and o.below < b.below]
        assert b.below == sum(o.count for o in same_day)
    assert timeline([], ["government"]) == []


def test_the_public_dashboard_lists_only_verified_incidents(browser, store):
    page = browser.get("/")
    assert page.status_code == 200 and "public view" in page.text
    assert "0 incidents" in page.text
    hidden = store.incidents()[0]
    assert browser.get(f"/incidents/{hidden.id}").status_code == 404


def test_a_wrong_password_or_a_missing_token_does_not_sign_in(browser):
    token = csrf(browser, "/login")
    wrong = browser.post(
        "/login", data={"name": "monitor", "password": "not it at all", "csrf": token}
    )
    assert "wrong name or password" in wrong.text
    forged = browser.post("/login", data={"name": "monitor", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403
    assert "public view" in browser.get("/").text


def test_a_monitor_sees_everything_and_the_evidence_highlighted(browser, store):
    sign_in(browser, "monitor")
    page = browser.get("/")
    assert f"{len(store.incidents())} incidents" in page.text and "monitor (monitor)" in page.text
    bars = timeline(store.incidents(), ["government", "opposition"])
    assert page.text.count('<rect class="bar') == len(bars) > 0
    incident = store.incidents(verdict="violation")[0]
    detail = browser.get(f"/incidents/{incident.id}").text
    marked = re.findall(r'<mark class="evidence">(.*?)</mark>', detail, re.S)
    assert marked and 'value="verify"' in detail
    assert browser.get("/api/incidents", params={"limit": 1}).json()["total"] == len(
        store.incidents()
    )


def test_review_forms_need_the_form_token_and_are_signed_by_the_monitor(browser, store):
    sign_in(browser, "monitor")
    incident = store.incidents(verdict="violation", violator="opposition")[0]
    path = f"/incidents/{incident.id}"
    refused = browser.post(f"{path}/review", data={"action": "verify", "csrf": "forged"})
    assert refused.status_code == 403
    token = csrf(browser, path)
    done = browser.post(
        f"{path}/review", data={"action": "verify", "csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert store.incidents(ids=[incident.id])[0].review_status.value == "verified"
    event = list(store.events())[-1]
    assert event.action == "review.verify" and event.actor == "monitor"
    bad = browser.post(
        f"{path}/review", data={"action": "correct", "place": "atlantis", "csrf": token}
    )
    assert "is not a place id" in bad.text
    assert browser.post("/api/incidents/1/review", json={"action": "verify"}).status_code == 401


def test_a_party_files_a_response_from_the_incident_page(browser, store):
    sign_in(browser, "gov-rep")
    incident = store.incidents(verdict="violation", violator="government")[1]
    path = f"/incidents/{incident.id}"
    page = browser.get(path).text
    assert 'action="/incidents/' in page and 'value="verify"' not in page
    token = csrf(browser, path)
    browser.post(
        f"{path}/responses", data={"kind": "explain", "text": "Return fire only.", "csrf": token}
    )
    after = browser.get(path).text
    assert "Return fire only." in after and 'class="disputed"' in after
    assert list(store.events())[-1].actor == "gov-rep"
    other = store.incidents(verdict="violation", violator="opposition")[1]
    assert browser.get(f"/incidents/{other.id}").status_code == 404


def test_the_agreement_page_names_parties_exclusions_and_clauses(browser):
    page = browser.get("/agreement").text
    assert "Excluded groups" in page and "Islamic State" in page and "ceasefire-3" in page
    assert "resolution 2254" in page  # the basis of a designation


def test_only_monitors_and_admins_have_a_review_queue(browser, store):
    assert browser.get("/review").status_code == 403
    sign_in(browser, "guarantor")
    assert browser.get("/review").status_code == 403
    sign_in(browser, "admin")
    queue = browser.get("/review")
    waiting = [
        i for i in store.incidents() if i.review_status.value in ("reported", "corroborated")
    ]
    assert queue.status_code == 200 and f"{len(waiting)} incidents awaiting review" in queue.text
    first = re.search(r'<a href="/incidents/(\d+)">', queue.text)
    disputed = [i for i in waiting if i.verdict and i.verdict.disputed]
    assert first and disputed and int(first.group(1)) == disputed[0].id


def test_the_report_page_covers_the_period_the_caller_may_see(browser, store):
    sign_in(browser, "guarantor")
    january = store.incidents(date_from=date(2017, 1, 1), date_to=date(2017, 1, 31))
    page = browser.get("/report", params={"since": "2017-01-01", "until": "2017-01-31"}).text
    assert f"{len(january)} incidents." in page and store.head() in page
    assert page.count('class="report-incident"') == len(january)
    public = TestClient(browser.app).get("/report").text
    verified = [i for i in store.incidents() if i.review_status.value == "verified"]
    assert f"{len(verified)} incidents (verified only)" in public


def test_the_sources_page_groups_copies_with_their_original(browser, store):
    assert browser.get("/sources").status_code == 403
    sign_in(browser, "gov-rep")
    assert browser.get("/sources").status_code == 403
    sign_in(browser, "monitor")
    page = browser.get("/sources").text
    documents = store.documents()
    copies = [d for d in documents if d.duplicate_of]
    assert copies and f"Sources: {len(documents)} documents" in page
    assert page.count('<li class="copy">') == len(copies)
    assert page.count('<section class="cluster">') == len({d.duplicate_of for d in copies})


def test_signing_out_ends_the_session(browser):
    sign_in(browser, "admin")
    token = csrf(browser, "/")
    browser.post("/logout", data={"csrf": token})
    assert "public view" in browser.get("/").text


def test_the_log_verifies_after_the_pages_wrote(store):
    result = audit.verify(store)
    assert result.ok, result.summary()
