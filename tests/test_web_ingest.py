"""Uploading reports through the API: who may, what a good upload stores and returns, and that a
bad or oversized upload is refused whole, with the CLI's one-line messages, storing nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from ceasefire.pipeline import Pipeline
from ceasefire.store import DocumentRow
from ceasefire.web import create_app
from ceasefire.web.uploads import MAX_UPLOAD_BYTES
from test_web_api import auth, demo_store, tokens_for

REPORT = b"""date 2017-01-21
outlet: Hama Evening Courier
Shelling hits Kafr Zita

Government artillery shelled the town of Kafr Zita in the northern Hama countryside on
Saturday, killing two civilians, local medics said.
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = demo_store(tmp_path_factory)
    return store, TestClient(create_app(store)), tokens_for(store)


def upload(world, who: str | None, files: list[tuple[str, bytes]], **fields: str):
    _, client, tokens = world
    return client.post(
        "/api/documents",
        files=[("files", (name, data)) for name, data in files],
        data=fields,
        headers=auth(tokens[who]) if who else {},
    )


def state(store) -> tuple[int, str]:
    """What a refused upload must leave as it was: the documents and the audit log's head."""
    return store.count(DocumentRow), store.head()


def test_only_monitors_and_admins_may_ingest(world):
    store = world[0]
    before = state(store)
    assert upload(world, None, [("r.txt", REPORT)]).status_code == 401
    for who in ("guarantor", "gov-rep", "opp-rep"):
        refused = upload(world, who, [("r.txt", REPORT)])
        assert refused.status_code == 403 and "may not ingest" in refused.json()["detail"], who
    assert state(store) == before


def test_a_monitors_upload_is_stored_judged_and_recorded_as_theirs(world):
    store = world[0]
    done = upload(world, "monitor", [("kafr-zita.txt", REPORT)])
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["read"] == report["stored"] == 1 and report["run"] is not None
    assert report["incidents"] and sum(report["claims"].values()) >= 1
    assert report["incidents_new"] == sum(i["new"] for i in report["incidents"])
    (document,) = store.documents(report["documents"])
    assert document.outlet == "Hama Evening Courier"
    incident = store.incidents(ids=[int(report["incidents"][0]["id"])])[0]
    assert incident.place is not None and "Kafr Zita" in (incident.place.name or "")
    event = next(e for e in reversed(list(store.events())) if e.action == "ingest")
    details = json.loads(event.details)
    assert details["by"] == "monitor" and details["files"] == ["kafr-zita.txt"]
    assert details["run"] == report["run"]
    again = upload(world, "admin", [("copy.txt", REPORT)]).json()
    assert again["stored"] == 0 and again["already_stored"] == 1


def test_form_fields_fill_in_what_reports_do_not_say(world):
    store = world[0]
    text = b"Rebel fighters attacked army positions near Kafr Nabl on Sunday.\n"
    done = upload(
        world, "monitor", [("wire.txt", text)], outlet="Idleb Wire", published="2017-01-22"
    )
    (document,) = store.documents(done.json()["documents"])
    assert document.outlet == "Idleb Wire" and document.published_at.isoformat() == "2017-01-22"


@pytest.mark.parametrize(
    ("files", "fields", "message"),
    [
        ([("notes.pdf", b"%PDF-1.4")], {}, "notes.pdf: unknown file type '.pdf'"),
        ([("empty.txt", b"  \n")], {}, "empty.txt: empty file"),
        ([("feed.jsonl", b'{"text": "ok"}\n{"text": 3}\n')], {}, "feed.jsonl:2: field 'text'"),
        ([("r.txt", b"date 2017-13-45\nShelling.\n")], {}, "r.txt:1: bad date line"),
        ([("../../etc/r.txt", b"\x00\x01\x02")], {}, "r.txt: binary file"),
        ([("r.txt", REPORT)], {"published": "last week"}, "published: 'last week' is not a date"),
        ([], {"outlet": "x"}, "upload: no files"),
    ],
)
def test_a_bad_upload_is_refused_whole_with_one_line_messages(world, files, fields, message):
    store = world[0]
    good = ("good.txt", b"Government forces shelled Douma on 2017-01-23.\n")
    before = state(store)
    refused = upload(world, "monitor", [good, *files] if files else [], **fields)
    assert refused.status_code == 422
    messages = [p["msg"] for p in refused.json()["detail"]]
    assert any(m.startswith(message) for m in messages), messages
    assert all("\n" not in m and "ceasefire-upload-" not in m for m in messages)
    assert state(store) == before


def test_an_oversized_upload_is_refused_before_anything_is_read(world):
    store = world[0]
    before = state(store)
    big = b"x" * (MAX_UPLOAD_BYTES + 1)
    refused = upload(world, "monitor", [("big.txt", big)])
    assert refused.status_code == 413
    assert refused.json()["detail"].startswith("upload: too large (")
    split = upload(world, "monitor", [("a.txt", big[: MAX_UPLOAD_BYTES // 2])] * 3)
    assert split.status_code == 413
    assert state(store) == before


ORIGINAL = """date 2017-02-02
outlet: Orontes Daily
Artillery fire hits Latamneh

Government artillery shelled the town of Latamneh in the northern Hama countryside on Thursday,
damaging a bakery and two houses, residents said. Rescue workers said three people were wounded
and taken to a field clinic. Opposition fighters said they returned fire at army positions near
Halfaya. The shelling continued into the evening, a local council member said.
"""


def test_a_copy_of_a_report_stored_by_another_process_is_known_for_a_copy(world, tmp_path):
    store = world[0]
    assert upload(world, "monitor", [("warm.txt", REPORT)]).status_code == 200
    elsewhere = tmp_path / "original.txt"
    elsewhere.write_text(ORIGINAL)
    assert Pipeline(store).run([elsewhere]).stored == 1  # as `ceasefire ingest` would
    syndicated = ORIGINAL.replace("Orontes Daily", "Gulf Syndicate", 1)
    copy = syndicated + "This report first appeared in Orontes Daily.\n"
    report = upload(world, "monitor", [("copy.txt", copy.encode())]).json()
    assert report["stored"] == 1 and report["near_duplicates"] == 1
