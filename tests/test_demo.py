"""`ceasefire demo` end to end: the sample corpus gives the verdicts its gold expects."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli import EXAMPLES, app
from ceasefire.evaluate import document_keys, load_incident_gold, score_incidents
from ceasefire.export import gather
from ceasefire.pipeline import Knowledge
from ceasefire.store import Store

GOLD = EXAMPLES.parent / "gold.yaml"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("demo")
    db, out = root / "demo.db", root / "out"
    result = CliRunner().invoke(app, ["--db", str(db), "demo", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return db, out, result.output


@pytest.fixture(scope="module")
def scored(demo_run):
    db, _, _ = demo_run
    store = Store.open(str(db))
    knowledge = Knowledge.from_store(store)
    records = gather(store, knowledge)
    keys = document_keys(store.documents())
    return (
        records,
        keys,
        score_incidents(load_incident_gold(GOLD), records, keys),
    )


def test_demo_prints_the_compliance_table_and_writes_outputs(demo_run):
    _, out, output = demo_run
    assert "Compliance per party" in output
    for name in ("report.md", "incidents.json", "incidents.csv", "incidents.geojson"):
        assert (out / name).stat().st_size > 0, name
    report = (out / "report.md").read_text()
    assert "## Violations per party" in report and "> " in report


def test_no_statement_of_intent_or_speculation_becomes_a_violation(scored):
    _, _, scores = scored
    assert scores.out_of_scope_violations == 0, scores.errors
    assert scores.false_violations == 0, scores.errors


def test_the_gold_incidents_are_found_with_the_right_verdicts(scored):
    _, _, scores = scored
    assert scores.found / scores.gold >= 0.85, scores.errors
    assert scores.verdict_right / scores.gold >= 0.8, scores.errors


def test_copies_never_count_as_independent_sources(scored):
    records, keys, _ = scored
    for record in records:
        originals = {s["duplicate_of"] or s["document"] for s in record["sources"]}
        assert record["independent_sources"] <= len(originals)
    copies = {
        k for r in records for s in r["sources"] if s["duplicate_of"] for k in [keys[s["document"]]]
    }
    # A syndicated copy and its original are alike: one of the two is marked as the copy.
    syndicated = {
        "2017-01-05-cedar-post-wadi-barada-syndicated",
        "2017-01-05-levant-wire-wadi-barada-ground-offensive",
    }
    assert len(syndicated & copies) == 1
    # A truncated copy is shorter than the full story, which heads the cluster.
    assert "2017-01-20-damascus-echo-harasta-truncated" in copies
    assert "2017-01-20-levant-wire-harasta-jaysh-al-islam-attack" not in copies


def test_the_two_independent_reports_of_one_strike_corroborate_it(scored):
    records, keys, _ = scored
    kafr_nabl = [
        r
        for r in records
        if {
            "2017-01-10-levant-wire-kafr-nabl-airstrike",
            "2017-01-11-northern-monitor-kafr-nabl-market-raid",
        }
        <= {keys[s["document"]] for s in r["sources"]}
    ]
    assert kafr_nabl and kafr_nabl[0]["independent_sources"] == 2
    assert kafr_nabl[0]["review_status"] == "corroborated"


def test_the_demo_replaces_only_its_own_store(tmp_path, demo_run):
    db, _, _ = demo_run
    again = CliRunner().invoke(app, ["--db", str(db), "demo", "--output", str(tmp_path)])
    assert again.exit_code == 0, again.output
    other = tmp_path / "mine.db"
    runner = CliRunner()
    runner.invoke(app, ["--db", str(other), "init"])
    report = tmp_path / "r.txt"
    report.write_text("date 2017-01-05\nRebels shelled Hama on Tuesday, killing two people.\n")
    runner.invoke(app, ["--db", str(other), "ingest", str(report)])
    refused = runner.invoke(app, ["--db", str(other), "demo", "--output", str(tmp_path)])
    assert refused.exit_code == 1
    assert "did not make" in refused.output
    assert json.loads((tmp_path / "incidents.json").read_text())["incidents"]
