"""The HTTP API over a real store built from the sample reports: every endpoint, every role."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ceasefire.cli import EXAMPLES
from ceasefire.model import ReviewStatus
from ceasefire.pipeline import Pipeline, init_store
from ceasefire.store import Store
from ceasefire.users import add_user, issue_token, revoke_token
from ceasefire.web import create_app

PASSWORD = "a long enough secret"
ROLES = {
    "admin": "admin",
    "monitor": "monitor",
    "guarantor": "guarantor",
    "gov-rep": "party:government",
    "opp-rep": "party:opposition",
}
STAFF = ("admin", "monitor", "guarantor")
_TEMPLATE: dict[str, Path] = {}


def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A fresh copy of a store holding the sample reports and a user of each role: the pipeline
    runs once per test session, each caller gets its own copy to change."""
    if "db" not in _TEMPLATE:
        root = tmp_path_factory.mktemp("web-demo")
        store = Store.open(str(root / "demo.db"))
        init_store(store)
        report = Pipeline(store).run([EXAMPLES])
        assert report.incidents_new > 10 and not report.rejected
        for name, role in ROLES.items():
            add_user(store, name, role, PASSWORD)
        store.backup(root / "template.db")
        store.close()
        _TEMPLATE["db"] = root / "template.db"
    copy = tmp_path_factory.mktemp("web-store") / "store.db"
    shutil.copyfile(_TEMPLATE["db"], copy)
    shutil.copyfile(_TEMPLATE["db"].with_name("demo.db.key"), Path(f"{copy}.key"))
    return Store.open(str(copy))


def tokens_for(store: Store) -> dict[str, str]:
    return {name: issue_token(store, name, "tests") for name in ROLES}


def verify_some(store: Store) -> dict[str, int]:
    """Mark one government and one opposition violation verified, as a review would; return
    their ids by party."""
    chosen: dict[str, int] = {}
    for party in ("government", "opposition"):
        incident = store.incidents(verdict="violation", violator=party)[0]
        incident.review_status = ReviewStatus.VERIFIED
        with store.session("test.verify", subject=str(incident.id)) as s:
            store.save_incident(s, incident)
        assert incident.id is not None
        chosen[party] = incident.id
    return chosen


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = demo_store(tmp_path_factory)
    verified = verify_some(store)
    client = TestClient(create_app(store))
    return store, client, tokens_for(store), verified


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(world, path: str, who: str | None = None, **params):
    _, client, tokens, _ = world
    return client.get(path, params=params, headers=auth(tokens[who]) if who else {})


def all_ids(world, who: str | None, **params) -> list[str]:
    body = get(world, "/api/incidents", who, limit=1000, **params).json()
    assert body["total"] == len(body["incidents"])
    return [r["id"] for r in body["incidents"]]


def map_points(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """/api/map's rows as dicts of its fields, by incident id as the records give it."""
    rows = [dict(zip(answer["fields"], row, strict=True)) for row in answer["points"]]
    return {str(row["id"]): row for row in rows}


def test_openapi_describes_every_endpoint(world):
    paths = get(world, "/api/openapi.json").json()["paths"]
    assert set(paths) == {
        "/api/incidents",
        "/api/incidents/{incident_id}",
        "/api/incidents/{incident_id}/review",
        "/api/incidents/{incident_id}/responses",
        "/api/documents",
        "/api/export",
        "/api/report",
        "/api/map",
        "/api/governorates",
    }


def test_the_public_sees_only_verified_incidents(world):
    store, _, _, verified = world
    public = all_ids(world, None)
    assert sorted(public) == sorted(str(i) for i in verified.values())
    hidden = next(i for i in store.incidents() if i.review_status is not ReviewStatus.VERIFIED)
    assert get(world, f"/api/incidents/{hidden.id}").status_code == 404
    assert get(world, f"/api/incidents/{verified['government']}").status_code == 200


@pytest.mark.parametrize("who", ["admin", "monitor", "guarantor"])
def test_staff_see_every_incident(world, who):
    store = world[0]
    assert len(all_ids(world, who)) == len(store.incidents())


def test_a_party_sees_verified_incidents_and_those_attributed_to_it(world):
    store, _, _, verified = world
    ids = set(all_ids(world, "gov-rep"))
    own = {str(i.id) for i in store.incidents(violator="government")}
    assert ids == own | {str(verified["opposition"])}
    other = next(
        i
        for i in store.incidents(violator="opposition")
        if i.review_status is not ReviewStatus.VERIFIED
    )
    assert get(world, f"/api/incidents/{other.id}", "gov-rep").status_code == 404
    assert get(world, f"/api/incidents/{other.id}", "opp-rep").status_code == 200


def test_bad_and_revoked_tokens_are_refused(world):
    store, client, _, _ = world
    assert client.get("/api/incidents", headers=auth("cft_nonsense")).status_code == 401
    assert client.get("/api/incidents", headers={"Authorization": "Basic x"}).status_code == 401
    token = issue_token(store, "monitor", "short-lived")
    assert client.get("/api/incidents", headers=auth(token)).status_code == 200
    assert revoke_token(store, token)
    refused = client.get("/api/incidents", headers=auth(token))
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"


def test_one_incident_carries_its_evidence_in_the_export_shape(world):
    store = world[0]
    incident = store.incidents(verdict="violation")[0]
    record = get(world, f"/api/incidents/{incident.id}", "monitor").json()
    assert record["id"] == str(incident.id)
    assert record["verdict"]["status"] == "violation" and record["verdict"]["clause"]
    texts = {d.id: d.text for d in store.documents(s["document"] for s in record["sources"])}
    evidence = [(s["document"], e) for s in record["sources"] for e in s["evidence"]]
    assert evidence
    for doc_id, e in evidence:
        assert texts[doc_id][e["start"] : e["end"]] == e["text"]
    assert get(world, "/api/incidents/999999", "monitor").status_code == 404


def test_filters_narrow_by_party_verdict_type_dates_and_bbox(world):
    store = world[0]
    every = store.incidents()
    government = all_ids(world, "monitor", party="government")
    assert government and set(government) == {
        str(i.id) for i in every if i.verdict and i.verdict.violator == "government"
    }
    undetermined = all_ids(world, "monitor", verdict="undetermined")
    assert set(undetermined) == {
        str(i.id) for i in every if i.verdict and i.verdict.status.value == "undetermined"
    }
    shelling = all_ids(world, "monitor", type="shelling")
    assert shelling and all(
        r["type"] == "shelling"
        for r in get(world, "/api/incidents", "monitor", type="shelling").json()["incidents"]
    )
    dated = sorted(i.date_from for i in every if i.date_from)
    middle = dated[len(dated) // 2]
    later = all_ids(world, "monitor", date_from=middle.isoformat())
    assert 0 < len(later) < len(every)
    located = [i for i in every if i.place and i.place.lat is not None]
    pin = located[0].place
    assert pin is not None and pin.lat is not None and pin.lon is not None
    box = f"{pin.lon - 0.01},{pin.lat - 0.01},{pin.lon + 0.01},{pin.lat + 0.01}"
    inside = all_ids(world, "monitor", bbox=box)
    assert str(located[0].id) in inside and len(inside) < len(every)


def test_pages_cover_the_whole_list_once(world):
    everything = all_ids(world, "monitor")
    seen: list[str] = []
    for offset in range(0, len(everything), 7):
        page = get(world, "/api/incidents", "monitor", limit=7, offset=offset).json()
        assert page["total"] == len(everything) and page["offset"] == offset
        seen += [r["id"] for r in page["incidents"]]
    assert seen == everything


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"bbox": "40,30,35,37"},
        {"verdict": "maybe"},
        {"type": "picnic"},
        {"date_from": "yesterday"},
        {"limit": 0},
        {"offset": -1},
    ],
)
def test_bad_parameters_are_refused_with_422(world, params):
    assert get(world, "/api/incidents", "monitor", **params).status_code == 422


def test_exports_in_every_format_hold_what_the_caller_may_see(world):
    store, _, _, verified = world
    total = len(store.incidents())
    payload = get(world, "/api/export", "monitor", format="json")
    assert payload.headers["content-type"].startswith("application/json")
    assert payload.json()["agreement"] == "syria-2016-12"
    assert len(payload.json()["incidents"]) == total
    rows = list(
        csv.DictReader(io.StringIO(get(world, "/api/export", "guarantor", format="csv").text))
    )
    assert len(rows) == total and {"event_id", "verdict", "violator"} <= set(rows[0])
    public = json.loads(get(world, "/api/export", None, format="geojson").text)
    assert sorted(f["id"] for f in public["features"]) == sorted(str(i) for i in verified.values())
    assert get(world, "/api/export", "monitor", format="xml").status_code == 422


def test_the_report_covers_what_the_caller_may_see(world):
    store, _, _, verified = world
    staff = get(world, "/api/report", "monitor")
    assert staff.headers["content-type"].startswith("text/markdown")
    assert f"{len(store.incidents())} incidents" in staff.text
    public = get(world, "/api/report").text
    assert public.startswith("# Situation report") and f"{len(verified)} incidents" in public
    assert f"audit log head `{store.head()}`" in public


def test_the_map_has_one_point_per_located_visible_incident(world):
    store, _, _, verified = world
    located = {str(i.id): i for i in store.incidents() if i.place and i.place.lat is not None}
    staff = map_points(get(world, "/api/map", "guarantor").json())
    assert staff.keys() == located.keys()
    for number, point in staff.items():
        incident = located[number]
        assert incident.place is not None and incident.place.lon is not None
        place = (round(incident.place.lon, 5), round(incident.place.lat, 5))
        assert (point["lon"], point["lat"]) == place
        assert point["verdict"] == (incident.verdict and incident.verdict.status.value)
    public = map_points(get(world, "/api/map").json())
    assert public and public.keys() <= {str(i) for i in verified.values()}
    ours = map_points(get(world, "/api/map", "monitor", party="opposition").json())
    violators = {n: v.violator for n, i in located.items() if (v := i.verdict)}
    assert ours and all(violators.get(n) == "opposition" for n in ours)


def test_the_map_holds_what_it_draws_and_a_popup_asks_for_the_rest(world):
    store = world[0]
    answer = get(world, "/api/map", "monitor")
    incident = store.incidents()[0]
    assert incident.summary and incident.summary not in answer.text
    assert len(answer.content) < 60 * len(answer.json()["points"])
    record = get(world, f"/api/incidents/{incident.id}", "monitor").json()
    assert record["summary"] == incident.summary


def test_the_base_map_is_the_governorates_as_polygons(world):
    shapes = get(world, "/api/governorates").json()
    assert len(shapes["features"]) == 14
    assert {f["geometry"]["type"] for f in shapes["features"]} <= {"Polygon", "MultiPolygon"}
    names = {f["properties"]["name"] for f in shapes["features"]}
    assert {"Aleppo", "Damascus", "Idleb"} <= names


@pytest.mark.parametrize("who", [None, *ROLES])
def test_what_a_list_shows_is_what_can_be_opened_one_by_one(world, who):
    store = world[0]
    listed = set(all_ids(world, who))
    every = store.incidents(include_merged=True)
    opened = {
        str(i.id) for i in every if get(world, f"/api/incidents/{i.id}", who).status_code == 200
    }
    assert opened == listed | {
        str(i.id) for i in every if i.review_status.value == "merged" and who in STAFF
    }
    on_map = map_points(get(world, "/api/map", who).json()).keys()
    assert on_map <= listed
