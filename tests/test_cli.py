"""The `ceasefire` command end to end on a real SQLite file, as SPEC §5–6 describe it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire import users
from ceasefire.cli import app
from ceasefire.model import ReviewStatus
from ceasefire.pipeline import Knowledge
from ceasefire.review import set_status
from ceasefire.store import ClaimRow, DocumentRow, IncidentRow, Store

runner = CliRunner()

FEED = [
    {
        "id": "t-001",
        "outlet": "Test Wire",
        "published_at": "2017-01-12",
        "title": "Shelling in Daraa",
        "text": "Syrian government forces shelled the town of Nawa in Daraa province on "
        "Wednesday, killing four civilians, local activists said.",
    },
    {
        "id": "t-002",
        "outlet": "Second Wire",
        "published_at": "2017-01-14",
        "text": "Islamic State fighters attacked army positions near Palmyra on Friday. "
        "Six soldiers were killed in the assault, the Syrian Observatory said.",
    },
]


def invoke(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args])


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in FEED), encoding="utf-8")
    return path


def counts(db: Path) -> tuple[int, int, int]:
    store = Store.open(str(db))
    try:
        return store.count(DocumentRow), store.count(ClaimRow), store.count(IncidentRow)
    finally:
        store.close()


def test_init_ingest_export_follow_the_contract(tmp_path, feed):
    db = tmp_path / "c.db"
    assert invoke(db, "init").exit_code == 0
    result = invoke(db, "ingest", str(feed))
    assert result.exit_code == 0, result.output
    out = tmp_path / "incidents.json"
    assert invoke(db, "export", "--format", "json", "--output", str(out)).exit_code == 0
    payload = json.loads(out.read_text())
    assert payload["agreement"] == "syria-2016-12"
    assert payload["generated_at"]
    by_source = {
        s["external_id"]: incident for incident in payload["incidents"] for s in incident["sources"]
    }
    shelling = by_source["t-001"]
    assert set(shelling) >= {
        "id",
        "type",
        "summary",
        "date_from",
        "date_to",
        "date_precision",
        "place",
        "perpetrators",
        "targets",
        "fatalities",
        "verdict",
        "review_status",
        "confidence",
        "independent_sources",
        "sources",
    }
    assert shelling["type"] == "shelling"
    assert shelling["date_from"] == "2017-01-11"
    assert shelling["place"]["admin1"] == "Dar'a" and shelling["place"]["country"] == "SY"
    assert shelling["fatalities"]["min"] == 4
    assert shelling["perpetrators"][0]["side"] == "government"
    assert shelling["verdict"]["status"] == "violation"
    assert shelling["verdict"]["violator"] == "government"
    assert shelling["verdict"]["clause"] and shelling["verdict"]["explanation"]
    source = shelling["sources"][0]
    assert set(source) == {
        "document",
        "external_id",
        "outlet",
        "url",
        "published_at",
        "duplicate_of",
        "evidence",
    }
    evidence = source["evidence"][0]
    text = FEED[0]["text"]
    assert text[evidence["start"] : evidence["end"]] == evidence["text"]
    palmyra = by_source["t-002"]
    assert palmyra["verdict"]["status"] == "not_a_violation"
    assert palmyra["verdict"]["reason"] == "excluded_actor"

    csv_out = tmp_path / "incidents.csv"
    assert invoke(db, "export", "--format", "csv", "--output", str(csv_out)).exit_code == 0
    header = csv_out.read_text().splitlines()[0].split(",")
    assert header[:12] == [
        "event_id",
        "event_date",
        "date_to",
        "event_type",
        "actor1",
        "actor2",
        "admin1",
        "location",
        "latitude",
        "longitude",
        "fatalities",
        "notes",
    ]
    assert {"verdict", "violator", "reason"} <= set(header)
    geo_out = tmp_path / "incidents.geojson"
    assert invoke(db, "export", "--format", "geojson", "--output", str(geo_out)).exit_code == 0
    features = json.loads(geo_out.read_text())["features"]
    assert len(features) == len(payload["incidents"])
    assert all(f["geometry"]["type"] == "Point" for f in features)


def test_reingesting_the_same_bytes_changes_nothing(tmp_path, feed):
    db = tmp_path / "c.db"
    invoke(db, "init")
    invoke(db, "ingest", str(feed))
    before = counts(db)
    result = invoke(db, "ingest", str(feed))
    assert result.exit_code == 0
    assert "2 already stored" in result.output
    assert counts(db) == before


def test_bad_input_is_named_and_the_rest_is_stored(tmp_path, feed):
    db = tmp_path / "c.db"
    invoke(db, "init")
    invoke(db, "ingest", str(feed))
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "empty.txt").write_text("")
    (batch / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (batch / "good.txt").write_text(
        "date 2017-01-20\nRegime warplanes struck the town of Saraqib in Idlib on Thursday, "
        "killing three people, rescue workers said.\n"
    )
    (batch / "lines.jsonl").write_text(
        '{"id": "ok-1", "published_at": "2017-01-21", "text": "Rebels shelled a district of '
        'Aleppo on Friday, killing two civilians, state media said."}\n{not json\n'
    )
    result = invoke(db, "ingest", str(batch))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("rejected:")]
    assert any("empty.txt" in e for e in errors)
    assert any("binary.txt" in e for e in errors)
    assert any("lines.jsonl:2" in e for e in errors)
    documents, _, _ = counts(db)
    assert documents == len(FEED) + 2


def test_invalid_agreement_and_gazetteer_files_get_one_line(tmp_path):
    db = tmp_path / "c.db"
    bad = tmp_path / "agreement.yaml"
    bad.write_text("id: x\nversion: '1'\ntitle: [unclosed\n")
    result = invoke(db, "init", "--agreement", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "malformed YAML" in result.output
    invoke(db, "init")
    places = tmp_path / "places.csv"
    places.write_text("name,lat,lon,admin1\nTell Nowhere,not-a-number,36.1,Hama\n")
    result = invoke(db, "gazetteer", "import", str(places))
    assert result.exit_code == 1
    assert f"{places}:2" in result.output


def test_a_mission_gazetteer_resolves_places_the_bundled_one_lacks(tmp_path):
    db = tmp_path / "c.db"
    invoke(db, "init")
    places = tmp_path / "places.csv"
    places.write_text("name,lat,lon,admin1\nKhirbet Zeitouna Gharbiya,35.41,36.52,Hama\n")
    assert invoke(db, "gazetteer", "import", str(places)).exit_code == 0
    report = tmp_path / "r.txt"
    report.write_text(
        "date 2017-02-02\nGovernment helicopters dropped barrel bombs on Khirbet Zeitouna "
        "Gharbiya on Wednesday, killing five people, activists said.\n"
    )
    assert invoke(db, "ingest", str(report)).exit_code == 0
    out = tmp_path / "x.json"
    invoke(db, "export", "--format", "json", "--output", str(out))
    [incident] = json.loads(out.read_text())["incidents"]
    assert incident["place"]["name"] == "Khirbet Zeitouna Gharbiya"
    assert incident["place"]["admin1"] == "Hama"


def verify_every_incident(db: Path) -> None:
    """What a monitor does before anything is published."""
    store = Store.open(str(db))
    try:
        knowledge = Knowledge.from_store(store)
        monitor = users.add_user(store, "amira", "monitor", "correct horse battery")
        for incident in store.incidents():
            set_status(store, knowledge, incident.id, ReviewStatus.VERIFIED, monitor)
    finally:
        store.close()


def test_public_export_holds_verified_incidents_and_protects_sensitive_sources(tmp_path):
    feed = tmp_path / "observer.jsonl"
    observer = {**FEED[0], "id": "obs-7", "outlet": "Field Team Daraa-2", "sensitive": True}
    feed.write_text(json.dumps(observer) + "\n" + json.dumps(FEED[1]) + "\n", encoding="utf-8")
    db = tmp_path / "c.db"
    assert invoke(db, "init").exit_code == 0
    assert invoke(db, "ingest", str(feed)).exit_code == 0
    out = tmp_path / "public.json"
    assert invoke(db, "export", "--public", "--output", str(out)).exit_code == 0
    assert json.loads(out.read_text())["incidents"] == []

    verify_every_incident(db)
    assert invoke(db, "export", "--public", "--output", str(out)).exit_code == 0
    public = {i["type"]: i for i in json.loads(out.read_text())["incidents"]}
    assert invoke(db, "export", "--output", str(out)).exit_code == 0
    staff = {i["type"]: i for i in json.loads(out.read_text())["incidents"]}
    assert set(public) == set(staff)
    shelled, staff_shelled = public["shelling"], staff["shelling"]
    assert staff_shelled["sources"][0]["outlet"] == "Field Team Daraa-2"
    assert staff_shelled["place"]["name"] == "Nawa"
    assert shelled["sources"][0]["outlet"] is None
    assert shelled["sources"][0]["external_id"] is None
    assert shelled["place"]["name"] != "Nawa" and shelled["place"]["admin1"] == "Dar'a"
    (open_source,) = [i for kind, i in public.items() if kind != "shelling"]
    assert open_source["sources"][0]["outlet"] == "Second Wire"


def test_public_report_holds_verified_incidents_and_withholds_a_sensitive_sender(tmp_path):
    feed = tmp_path / "observer.jsonl"
    observer = {**FEED[0], "id": "obs-9", "outlet": "Field Team Daraa-4", "sensitive": True}
    feed.write_text(json.dumps(observer) + "\n", encoding="utf-8")
    db = tmp_path / "c.db"
    assert invoke(db, "init").exit_code == 0
    assert invoke(db, "ingest", str(feed)).exit_code == 0
    staff, public = tmp_path / "staff.md", tmp_path / "public.md"
    assert invoke(db, "report", "--public", "--output", str(public)).exit_code == 0
    assert "Nawa" not in public.read_text()

    verify_every_incident(db)
    assert invoke(db, "report", "--output", str(staff)).exit_code == 0
    assert invoke(db, "report", "--public", "--output", str(public)).exit_code == 0
    assert "Field Team Daraa-4" in staff.read_text() and "Nawa" in staff.read_text()
    shown = public.read_text()
    assert "Field Team Daraa-4" not in shown and "obs-9" not in shown
    assert "shelled the town of Nawa" in shown  # the evidence stays: the verdict rests on it
