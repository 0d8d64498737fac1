"""The server-rendered pages: sign-in with a session cookie, CSRF on every form, highlighted
evidence, and review and responses signed with the person's own key."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from ceasefire import audit, review, users
from ceasefire.pipeline import Knowledge
from ceasefire.web import create_app
from ceasefire.web.pages import segments, timeline
from test_web_api import PASSWORD, demo_store, map_points

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
    bars = timeline(store.violation_tallies(), ["government", "opposition"])
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
    inside = store.incidents(hide_reason="outside_territory")
    assert f"{len(inside)} incidents" in page.text and "monitor (monitor)" in page.text
    bars = timeline(
        store.violation_tallies(hide_reason="outside_territory"), ["government", "opposition"]
    )
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


def test_incidents_outside_the_territory_are_left_out_unless_asked_for(browser, store):
    monitor = next(u for u in users.users(store) if u.name == "monitor")
    target = store.incidents(verdict="violation")[-1]
    assert target.id is not None
    moved = review.correct(
        store, Knowledge.from_store(store), target.id, {"place": "curated:kilis"}, monitor
    )
    assert moved.verdict is not None and moved.verdict.reason.value == "outside_territory"
    sign_in(browser, "monitor")
    row = f'<a href="/incidents/{target.id}">'
    inside = store.count_incidents(hide_reason="outside_territory")
    outside = len(store.incidents()) - inside
    shown = browser.get("/").text
    assert row not in shown and f"{inside} incidents" in shown
    assert f"{outside} more outside the agreement's territory" in shown
    everything = browser.get("/", params={"territory": "all"}).text
    assert row in everything and f"{len(store.incidents())} incidents" in everything
    on_map = map_points(browser.get("/api/map", params={"territory": "inside"}).json())
    assert str(target.id) not in on_map
    api = browser.get("/api/incidents", params={"limit": 1000}).json()["incidents"]
    assert str(target.id) in {r["id"] for r in api}  # the API leaves nothing out unless asked


def test_the_map_asks_for_what_the_page_shows_and_nothing_the_api_would_refuse(browser, store):
    sign_in(browser, "monitor")
    asked = {"party": "government", "verdict": "nonsense", "type": "shelling", "date_to": "soon"}
    page = browser.get("/", params={**asked, "date_from": "2017-01-02"}).text
    found = re.search(r'data-points="([^"]+)"', page)
    assert found
    points = html.unescape(found.group(1))
    assert f'<link rel="preload" href="{found.group(1)}" as="fetch" crossorigin>' in page
    assert points == "/api/map?party=government&type=shelling&date_from=2017-01-02&territory=inside"
    answer = map_points(browser.get(points).json())
    wanted = store.incidents(
        violator="government",
        event_type="shelling",
        date_from=date(2017, 1, 2),
        hide_reason="outside_territory",
    )
    located = {str(i.id) for i in wanted if i.place and i.place.lat is not None}
    assert answer and answer.keys() == located


def test_a_person_makes_and_revokes_their_own_api_tokens(browser, store):
    assert browser.get("/tokens", follow_redirects=False).headers["location"] == "/login"
    sign_in(browser, "guarantor")
    token = csrf(browser, "/tokens")
    made = browser.post("/tokens", data={"label": "field laptop", "csrf": token})
    assert made.headers["cache-control"] == "no-store"
    value = re.search(r'<code class="token">(cft_[^<]+)</code>', made.text)
    assert value and "field laptop" in made.text
    event = list(store.events())[-1]
    assert event.action == "token.issue" and event.actor == "guarantor"
    api = TestClient(browser.app)
    bearer = {"Authorization": f"Bearer {value.group(1)}"}
    assert api.get("/api/incidents", headers=bearer).json()["total"] == len(store.incidents())
    listed = browser.get("/tokens").text
    assert value.group(1) not in listed  # shown once
    mine = [int(n) for n in re.findall(r'action="/tokens/(\d+)/revoke"', listed)]
    assert len(mine) == 1
    forged = browser.post(f"/tokens/{mine[0]}/revoke", data={"csrf": "x"})
    assert forged.status_code == 403
    sign_in(browser, "gov-rep")  # someone else's token cannot be revoked by number
    other = browser.post(f"/tokens/{mine[0]}/revoke", data={"csrf": csrf(browser, "/tokens")})
    assert other.status_code == 404
    assert api.get("/api/incidents", headers=bearer).status_code == 200
    sign_in(browser, "guarantor")
    done = browser.post(
        f"/tokens/{mine[0]}/revoke",
        data={"csrf": csrf(browser, "/tokens")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert list(store.events())[-1].actor == "guarantor"
    assert api.get("/api/incidents", headers=bearer).status_code == 401
    assert "revoked" in browser.get("/tokens").text
    long = browser.post("/tokens", data={"label": "x" * 101, "csrf": csrf(browser, "/tokens")})
    assert "at most 100 characters" in long.text


def cookie_flags(client: TestClient) -> set[str]:
    """The attributes of the session cookie the sign-in page sets (for its form token)."""
    header = client.get("/login").headers["set-cookie"]
    assert header.startswith("ceasefire_session=")
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_the_session_cookie_is_httponly_strict_and_secure_over_https(store):
    plain = cookie_flags(TestClient(create_app(store)))
    assert {"httponly", "samesite=strict"} <= plain and "secure" not in plain
    https = cookie_flags(TestClient(create_app(store), base_url="https://testserver"))
    assert {"httponly", "samesite=strict", "secure"} <= https
    forced = cookie_flags(TestClient(create_app(store, secure_cookies=True)))
    assert "secure" in forced


def test_a_monitor_uploads_reports_from_a_page_and_signs_the_run(browser, store):
    report = (
        b"date 2017-01-30\noutlet: Hama Courier\n"
        b"Government artillery shelled Kafr Zita on 29 January.\n"
    )
    assert browser.get("/upload", follow_redirects=False).headers["location"] == "/login"
    sign_in(browser, "guarantor")
    assert browser.get("/upload").status_code == 403
    sign_in(browser, "monitor")
    token = csrf(browser, "/upload")
    files = [("files", ("kafr-zita.txt", report))]
    forged = browser.post("/upload", data={"csrf": "x"}, files=files)
    assert forged.status_code == 403
    documents = len(store.documents())
    bad = browser.post(
        "/upload", data={"csrf": token}, files=[*files, ("files", ("notes.pdf", b"%PDF"))]
    )
    assert bad.status_code == 422 and "notes.pdf: unknown file type" in bad.text
    assert len(store.documents()) == documents
    done = browser.post("/upload", data={"csrf": token}, files=files)
    assert done.status_code == 200 and "stored 1 new" in done.text
    made = re.findall(r'<a href="/incidents/(\d+)">Incident \d+</a> \(new\)', done.text)
    assert made and len(store.documents()) == documents + 1
    event = next(e for e in reversed(list(store.events())) if e.action == "ingest")
    assert event.actor == "monitor" and '"by":"monitor"' in event.details


def test_the_dashboards_tallies_count_what_the_incidents_hold(store):
    for party in ("government", "opposition"):
        tallies = store.violation_tallies(violator=party)
        incidents = store.incidents(verdict="violation", violator=party)
        assert len(tallies) == len(incidents) > 0
        assert sorted(t["date_from"] for t in tallies) == sorted(i.date_from for i in incidents)
        assert sum(t["fatalities_min"] or 0 for t in tallies) == sum(
            i.fatalities_min or 0 for i in incidents
        )
    assert store.violation_tallies(verdict="not_a_violation") == []
