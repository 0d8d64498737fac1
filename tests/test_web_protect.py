"""Protecting people: who sent a report marked sensitive is shown to monitors and admins only,
and everyone else sees the incidents it reports placed no finer than the governorate (the bundled
gazetteer knows no districts), in the API, the exports, the map and the pages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from ceasefire.pipeline import Knowledge
from ceasefire.web import create_app
from test_web_api import auth, demo_store, map_points, tokens_for
from test_web_pages import sign_in

OBSERVER = "Field Team Idleb-3"
REPORT = f"""date 2017-01-27
outlet: {OBSERVER}
url: https://observers.example.org/idleb-3/41
sensitive: yes
Government artillery shelled the town of Kafr Nabl on 26 January, hitting the market.
"""
SEES_SOURCES = ("monitor", "admin")
PROTECTED_FROM = ("guarantor", "gov-rep", None)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = demo_store(tmp_path_factory)
    client = TestClient(create_app(store))
    tokens = tokens_for(store)
    done = client.post(
        "/api/documents",
        files=[("files", ("idleb-3-41.txt", REPORT.encode()))],
        headers=auth(tokens["monitor"]),
    )
    assert done.status_code == 200, done.text
    (made,) = done.json()["incidents"]
    target = int(made["id"])
    verified = client.post(
        f"/api/incidents/{target}/review",
        json={"action": "verify"},
        headers=auth(tokens["monitor"]),
    )
    assert verified.status_code == 200
    return store, client, tokens, target


def get(world, path: str, who: str | None, **params):
    _, client, tokens, _ = world
    return client.get(path, params=params, headers=auth(tokens[who]) if who else {})


def test_the_header_marks_the_report_sensitive(world):
    store, _, _, target = world
    (claim,) = [c for c in store.claims(incident_ids=[target])]
    (document,) = store.documents([claim.document_id])
    assert document.sensitive and document.outlet == OBSERVER


@pytest.mark.parametrize("who", SEES_SOURCES)
def test_monitors_see_who_sent_it_and_where_exactly(world, who):
    target = world[3]
    record = get(world, f"/api/incidents/{target}", who).json()
    (source,) = record["sources"]
    assert source["outlet"] == OBSERVER and source["url"]
    assert record["place"]["name"] == "Kafr Nabl" and record["place"]["precision"] == "town"
    assert "Kafr Nabl" in record["summary"]


@pytest.mark.parametrize("who", PROTECTED_FROM)
def test_others_see_neither_who_sent_it_nor_where_exactly(world, who):
    store, _, _, target = world
    idleb = Knowledge.from_store(store).gazetteer.get("governorate:idleb")
    record = get(world, f"/api/incidents/{target}", who).json()
    (source,) = record["sources"]
    assert source["evidence"] and store.documents([source["document"]])[0].sensitive
    assert (source["outlet"], source["url"], source["external_id"]) == (None, None, None)
    place = record["place"]
    assert (place["name"], place["lat"], place["lon"]) == ("Idleb", idleb.lat, idleb.lon)
    assert place["precision"] == "governorate"
    assert "Kafr Nabl" not in json.dumps([record[k] for k in ("summary", "verdict", "place")])
    listed = get(world, "/api/incidents", who, limit=1000).json()["incidents"]
    same = next(r for r in listed if r["id"] == str(target))
    assert (same["place"], same["sources"], same["summary"]) == (
        record["place"],
        record["sources"],
        record["summary"],
    )
    for fmt in ("json", "csv", "geojson"):
        text = get(world, "/api/export", who, format=fmt).text
        assert OBSERVER not in text and "observers.example.org" not in text, fmt
    rows = csv.DictReader(io.StringIO(get(world, "/api/export", who, format="csv").text))
    row = next(r for r in rows if r["event_id"] == str(target))
    assert (row["location"], float(row["latitude"])) == ("Idleb", idleb.lat)
    answer = get(world, "/api/map", who)
    point = map_points(answer.json())[str(target)]
    assert (point["lon"], point["lat"]) == (round(idleb.lon, 5), round(idleb.lat, 5))
    assert "Kafr Nabl" not in answer.text
    assert OBSERVER not in get(world, "/api/report", who).text


def test_a_small_box_does_not_locate_a_protected_incident(world):
    store, _, _, target = world
    (claim,) = store.claims(incident_ids=[target])
    assert claim.place is not None and claim.place.lat is not None and claim.place.lon is not None
    lat, lon = claim.place.lat, claim.place.lon
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    ids = {r["id"] for r in get(world, "/api/incidents", "monitor", bbox=box).json()["incidents"]}
    assert str(target) in ids
    for who in PROTECTED_FROM:
        found = get(world, "/api/incidents", who, bbox=box).json()
        assert str(target) not in {r["id"] for r in found["incidents"]}, who
        assert str(target) not in map_points(get(world, "/api/map", who, bbox=box).json()), who


def test_the_pages_protect_the_observer_too(world):
    _, client, _, target = world
    public = TestClient(client.app)
    page = public.get(f"/incidents/{target}").text
    assert OBSERVER not in page and "protected source" in page and "Kafr Nabl" in page
    assert "Government artillery shelled" in page  # the evidence stays
    dashboard = public.get("/").text
    row = dashboard.split(f'<a href="/incidents/{target}">')[1].split("</tr>")[0]
    assert "Kafr Nabl" not in row and "in Idleb on 2017-01-26" in row
    guarantor = TestClient(client.app)
    sign_in(guarantor, "guarantor")
    assert OBSERVER not in guarantor.get("/sources").text
    assert OBSERVER not in guarantor.get(f"/incidents/{target}").text
    monitor = TestClient(client.app)
    sign_in(monitor, "monitor")
    assert OBSERVER in monitor.get("/sources").text
    assert OBSERVER in monitor.get(f"/incidents/{target}").text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "r.txt",
            b"outlet: Team 2\nsensitive: maybe\nShelling in Douma.\n",
            "r.txt:2: bad sensitive",
        ),
        ("r.jsonl", b'{"text": "Shelling in Douma.", "sensitive": "yes"}\n', "r.jsonl:1: field"),
    ],
)
def test_a_bad_sensitive_mark_is_refused(world, name, data, message):
    _, client, tokens, _ = world
    refused = client.post(
        "/api/documents", files=[("files", (name, data))], headers=auth(tokens["monitor"])
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"].startswith(message)


def test_a_jsonl_record_is_marked_sensitive_by_its_field(world):
    store, client, tokens, _ = world
    line = {"id": "obs-77", "text": "Rebels shelled Douma on 28 January.", "sensitive": True}
    done = client.post(
        "/api/documents",
        files=[("files", ("obs.jsonl", json.dumps(line).encode()))],
        headers=auth(tokens["admin"]),
    ).json()
    (document,) = store.documents(done["documents"])
    assert document.sensitive and document.external_id == "obs-77"


def test_a_correction_of_the_place_is_withheld_like_the_place(world):
    store, client, tokens, target = world
    saraqib = next(p for p in Knowledge.from_store(store).gazetteer if p.name == "Saraqib")
    body = {"action": "correct", "changes": {"place": saraqib.id}, "note": "two streets over"}
    done = client.post(
        f"/api/incidents/{target}/review", json=body, headers=auth(tokens["monitor"])
    )
    assert done.status_code == 200
    for who in SEES_SOURCES:
        change = get(world, f"/api/incidents/{target}", who).json()["reviews"][-1]["changes"]
        assert change["place"][1] == saraqib.id
    for who in PROTECTED_FROM:
        record = get(world, f"/api/incidents/{target}", who).json()
        assert record["reviews"][-1]["changes"]["place"] == ["withheld", "withheld"]
        assert record["place"]["name"] == "Idleb" and "Saraqib" not in json.dumps(record)
    page = TestClient(client.app).get(f"/incidents/{target}").text
    assert "Saraqib" not in page and saraqib.id not in page
