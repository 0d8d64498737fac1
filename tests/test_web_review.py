"""Review actions and party responses through the API: who may do what, and the record after."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ceasefire import audit
from ceasefire.model import ReviewStatus
from ceasefire.web import create_app
from test_web_api import auth, demo_store, tokens_for


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = demo_store(tmp_path_factory)
    return store, TestClient(create_app(store)), tokens_for(store)


def post(world, path: str, who: str | None, body: dict):
    _, client, tokens = world
    return client.post(path, json=body, headers=auth(tokens[who]) if who else {})


def detail(world, incident_id: int, who: str | None = "monitor"):
    _, client, tokens = world
    return client.get(f"/api/incidents/{incident_id}", headers=auth(tokens[who]) if who else {})


def violations(world, party: str) -> list[int]:
    return [i.id for i in world[0].incidents(verdict="violation", violator=party) if i.id]


def test_only_monitors_and_admins_review(world):
    store = world[0]
    target, other = violations(world, "government")[:2]
    body = {"action": "verify", "note": "two field teams confirm"}
    assert post(world, f"/api/incidents/{target}/review", None, body).status_code == 401
    for who in ("guarantor", "gov-rep", "opp-rep"):
        assert post(world, f"/api/incidents/{target}/review", who, body).status_code == 403, who
    assert detail(world, target, None).status_code == 404  # nothing was verified by them
    done = post(world, f"/api/incidents/{target}/review", "monitor", body)
    assert done.status_code == 200 and done.json()["review_status"] == "verified"
    assert detail(world, target, None).status_code == 200  # now public
    rejected = post(world, f"/api/incidents/{other}/review", "admin", {"action": "reject"})
    assert rejected.json()["review_status"] == "rejected"
    history = detail(world, target).json()["reviews"]
    assert [(h["action"], h["reviewer"], h["note"]) for h in history] == [
        ("verify", "monitor", "two field teams confirm")
    ]
    assert history[0]["changes"]["review_status"][1] == "verified"
    event = next(e for e in store.events() if e.action == "review.verify")
    assert '"by":"monitor"' in event.details and event.subject == f"incident {target}"
    assert post(world, "/api/incidents/999999/review", "monitor", body).status_code == 404


def test_a_correction_is_judged_again_and_recorded(world):
    target = violations(world, "government")[2]
    before = detail(world, target).json()
    body = {"action": "correct", "changes": {"perpetrators": ["isis"]}, "note": "IS claimed it"}
    after = post(world, f"/api/incidents/{target}/review", "monitor", body).json()
    assert after["perpetrators"][0]["actor"] == "isis"
    assert after["verdict"]["status"] == "not_a_violation"
    assert after["verdict"]["reason"] == "excluded_actor"
    assert after["sources"] == before["sources"]  # the evidence is untouched
    changes = detail(world, target).json()["reviews"][-1]["changes"]
    assert changes["perpetrators"][1] == ["isis"]
    assert changes["verdict"][0][0] == "violation" and changes["verdict"][1][0] == "not_a_violation"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"colour": "red"},
        {"perpetrators": ["nobody-we-know"]},
        {"perpetrators": "government"},
        {"type": "picnic"},
        {"place": "atlantis"},
        {"date_from": "soon"},
        {"date_from": "2017-02-02", "date_to": "2017-02-01"},
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(world, changes):
    target = violations(world, "opposition")[0]
    before = detail(world, target).json()
    body = {"action": "correct", "changes": changes}
    assert post(world, f"/api/incidents/{target}/review", "monitor", body).status_code == 422
    assert detail(world, target).json() == before


def test_a_merge_moves_the_claims_and_keeps_the_merged_incident_as_a_pointer(world):
    store = world[0]
    first, second = violations(world, "government")[3:5]
    gone_sources = {s["document"] for s in detail(world, first).json()["sources"]}
    merged = post(
        world, f"/api/incidents/{first}/review", "monitor", {"action": "merge", "into": second}
    )
    assert merged.status_code == 200 and merged.json()["id"] == str(second)
    assert gone_sources <= {s["document"] for s in merged.json()["sources"]}
    assert detail(world, first).json()["review_status"] == "merged"
    assert first not in [i.id for i in store.incidents()]
    again = {"action": "merge", "into": second}
    assert post(world, f"/api/incidents/{first}/review", "monitor", again).status_code == 404
    self_merge = {"action": "merge", "into": second}
    assert post(world, f"/api/incidents/{second}/review", "monitor", self_merge).status_code == 422
    no_target = {"action": "merge"}
    assert post(world, f"/api/incidents/{second}/review", "monitor", no_target).status_code == 422


def test_a_party_answers_its_own_incidents_and_they_show_disputed(world):
    store = world[0]
    ours = violations(world, "government")[5]
    before = detail(world, ours).json()
    assert before["verdict"]["disputed"] is False
    body = {"kind": "deny", "text": "Our units were not in the area that day."}
    filed = post(world, f"/api/incidents/{ours}/responses", "gov-rep", body)
    assert filed.status_code == 201 and filed.json()["party"] == "government"
    after = detail(world, ours).json()
    assert after["verdict"] == {**before["verdict"], "disputed": True}
    assert after["sources"] == before["sources"] and after["summary"] == before["summary"]
    assert [(r["kind"], r["author"]) for r in after["responses"]] == [("deny", "gov-rep")]
    # a later review judges again, and the dispute stands
    post(world, f"/api/incidents/{ours}/review", "monitor", {"action": "verify"})
    assert detail(world, ours, None).json()["verdict"]["disputed"] is True
    assert [r["text"] for r in detail(world, ours, None).json()["responses"]] == [body["text"]]
    assert store.incidents(ids=[ours])[0].review_status is ReviewStatus.VERIFIED


def test_parties_cannot_answer_for_others_and_others_cannot_answer(world):
    theirs = violations(world, "opposition")[1]
    body = {"kind": "counter_claim", "text": "They fired first."}
    assert post(world, f"/api/incidents/{theirs}/responses", "gov-rep", body).status_code == 404
    post(world, f"/api/incidents/{theirs}/review", "monitor", {"action": "verify"})
    assert post(world, f"/api/incidents/{theirs}/responses", "gov-rep", body).status_code == 403
    for who in ("monitor", "admin", "guarantor"):
        assert post(world, f"/api/incidents/{theirs}/responses", who, body).status_code == 403
    assert post(world, f"/api/incidents/{theirs}/responses", None, body).status_code == 401
    bad = [{"kind": "apologise", "text": "x"}, {"kind": "deny", "text": ""}]
    for payload in bad:
        assert (
            post(world, f"/api/incidents/{theirs}/responses", "opp-rep", payload).status_code == 422
        )
    assert detail(world, theirs).json()["verdict"]["disputed"] is False


def test_the_log_verifies_after_every_kind_of_write(world):
    store = world[0]
    actions = {e.action for e in store.events()}
    assert {"review.verify", "review.reject", "review.correct", "review.merge"} <= actions
    assert "response.file" in actions
    result = audit.verify(store)
    assert result.ok, result.summary()


def upload(world, text: str, name: str) -> dict:
    _, client, tokens = world
    done = client.post(
        "/api/documents",
        files=[("files", (name, text.encode()))],
        headers=auth(tokens["monitor"]),
    )
    assert done.status_code == 200, done.text
    return done.json()


FIRST = """date 2017-01-24
outlet: Ghouta Morning
Government artillery shelled the town of Douma on 24 January, wounding several residents.
"""
SECOND = """date 2017-01-25
outlet: Rif Dimashq Herald
Syrian army guns hit Douma on 24 January, local medics said.
"""
SHELLED = """date 2017-01-29
outlet: {outlet}
{who} shelled the town of Saraqib on 28 January, residents said.
"""


def test_a_monitors_review_survives_new_reports_of_the_same_event(world):
    store = world[0]
    (made,) = upload(world, FIRST, "first.txt")["incidents"]
    assert made["new"]
    target = int(made["id"])
    correction = {"type": "airstrike", "targets": ["civilians"]}
    post(
        world,
        f"/api/incidents/{target}/review",
        "monitor",
        {"action": "correct", "changes": correction},
    )
    post(world, f"/api/incidents/{target}/review", "monitor", {"action": "verify"})
    judged = detail(world, target).json()
    later = upload(world, SECOND, "second.txt")
    assert later["incidents"] == [{"id": str(target), "new": False}]
    after = detail(world, target).json()
    assert after["independent_sources"] == 2 and len(after["sources"]) == 2
    assert after["type"] == "airstrike" and [t["actor"] for t in after["targets"]] == ["civilians"]
    assert after["review_status"] == "verified" and after["verdict"] == judged["verdict"]
    assert "airstrike" in after["summary"]
    assert [h["action"] for h in after["reviews"]] == ["correct", "verify"]
    assert store.incidents(ids=[target])[0].corrected == ("event_type", "targets")


def test_a_merge_survives_new_reports_of_the_same_event(world):
    store = world[0]
    ours = SHELLED.format(outlet="Idleb Gazette", who="Government artillery")
    theirs = SHELLED.format(outlet="North Wire", who="Rebel fighters")
    (survivor,) = [int(i["id"]) for i in upload(world, ours, "ours.txt")["incidents"]]
    (gone,) = [int(i["id"]) for i in upload(world, theirs, "theirs.txt")["incidents"]]
    assert gone != survivor  # the two reports blame different sides: two incidents
    body = {"action": "merge", "into": survivor, "note": "one exchange of fire"}
    merged = post(world, f"/api/incidents/{gone}/review", "monitor", body).json()
    later = SHELLED.format(outlet="Saraqib Voice", who="Government guns")
    assert upload(world, later, "later.txt")["incidents"] == [{"id": str(survivor), "new": False}]
    after = detail(world, survivor).json()
    assert {s["document"] for s in merged["sources"]} < {s["document"] for s in after["sources"]}
    assert store.incidents(ids=[gone], include_merged=True)[0].review_status is ReviewStatus.MERGED


DISPUTED = """date 2017-01-31
outlet: Hama Dispatch
Government helicopters dropped barrel bombs on the town of Kafr Zita on 30 January.
"""
DISPUTED_LATER = """date 2017-02-01
outlet: Orontes Wire
Regime aircraft bombed Kafr Zita in northern Hama on Monday, residents told us.
"""


def test_a_partys_dispute_survives_new_reports_of_the_same_event(world):
    first = upload(world, DISPUTED, "disputed-1.txt")
    (made,) = first["incidents"]
    target = int(made["id"])
    assert detail(world, target).json()["verdict"]["violator"] == "government"
    body = {"kind": "deny", "text": "No aircraft of ours flew over Kafr Zita that day."}
    assert post(world, f"/api/incidents/{target}/responses", "gov-rep", body).status_code == 201
    later = upload(world, DISPUTED_LATER, "disputed-2.txt")
    assert later["incidents"] == [{"id": str(target), "new": False}]
    after = detail(world, target).json()
    assert after["independent_sources"] == 2
    assert after["verdict"]["disputed"] is True
    assert [r["text"] for r in after["responses"]] == [body["text"]]
