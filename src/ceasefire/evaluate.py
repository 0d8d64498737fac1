"""Measure the pipeline against gold: the incident-level YAML of SPEC §3.

A mission annotates its own reports once and re-measures after every change of code, model or
registries. Matching follows SPEC §3: a predicted incident matches a gold one when it cites one of
its sources, lies within 40 km or in the same governorate, is dated within 3 days, and has a
compatible act or shares an actor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from ceasefire.fuse import types_compatible
from ceasefire.gazetteer import canonical_admin1
from ceasefire.model import Document, EventType
from ceasefire.yamlfile import load_yaml

MATCH_KM = 40.0
MATCH_DAYS = timedelta(days=3)


class GoldIncident(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    type: EventType
    perpetrators: list[str] = []
    targets: list[str] = []
    place: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    date_from: date
    date_to: date
    fatalities_min: int | None = None
    sources: list[str]
    verdict: str
    violator: str | None = None
    reason: str | None = None
    optional: bool = False


class OutOfScope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc: str
    what: str
    reason: str


class IncidentGold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incidents: list[GoldIncident]
    out_of_scope: list[OutOfScope] = []


def load_incident_gold(path: Path) -> IncidentGold:
    return load_yaml(path, IncidentGold)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def same_admin1(a: str | None, b: str | None) -> bool:
    """Governorate names compared in any spelling, so 'Idlib' and 'Idleb' agree."""
    if not a or not b:
        return False
    return (canonical_admin1(a) or a.casefold()) == (canonical_admin1(b) or b.casefold())


def document_keys(documents: Iterable[Document]) -> dict[str, str]:
    """Gold names documents by their JSONL `id`, or by file name without extension."""
    keys = {}
    for doc in documents:
        if doc.external_id:
            keys[doc.id] = doc.external_id
        elif doc.source_path:
            keys[doc.id] = Path(doc.source_path).stem
    return keys


def doc_keys(record: dict[str, Any], keys: dict[str, str]) -> set[str]:
    return {keys[s["document"]] for s in record["sources"] if s["document"] in keys}


def _matches(gold: GoldIncident, record: dict[str, Any], keys: dict[str, str]) -> bool:
    if not doc_keys(record, keys) & set(gold.sources):
        return False
    place = record["place"] or {}
    near = (
        gold.lat is not None
        and gold.lon is not None
        and place.get("lat") is not None
        and km(gold.lat, gold.lon, place["lat"], place["lon"]) <= MATCH_KM
    )
    if not near and not same_admin1(gold.admin1, place.get("admin1")):
        return False
    if not record["date_from"] or not record["date_to"]:
        return False
    start, end = date.fromisoformat(record["date_from"]), date.fromisoformat(record["date_to"])
    if start > gold.date_to + MATCH_DAYS or end < gold.date_from - MATCH_DAYS:
        return False
    actors = {a["actor"] for a in record["perpetrators"] + record["targets"]}
    return types_compatible(EventType(record["type"]), gold.type) or bool(
        actors & set(gold.perpetrators + gold.targets)
    )


@dataclass
class IncidentScores:
    """The SPEC §3 metrics, with the misses kept for the `--errors` file."""

    gold: int = 0
    found: int = 0
    verdict_right: int = 0
    sources_right: int = 0
    false_violations: int = 0
    out_of_scope_violations: int = 0
    unmatched_predictions: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        def ratio(n: int, d: int) -> str:
            return f"{n / d:.3f} ({n}/{d})" if d else "-"

        return [
            ("gold incidents found", ratio(self.found, self.gold)),
            ("verdicts right", ratio(self.verdict_right, self.gold)),
            ("independent-source counts right", ratio(self.sources_right, self.gold)),
            ("false violations", str(self.false_violations)),
            ("out-of-scope statements made violations", str(self.out_of_scope_violations)),
            ("incidents matching nothing", str(self.unmatched_predictions)),
        ]


def _verdict_right(gold: GoldIncident, record: dict[str, Any]) -> bool:
    verdict = record["verdict"] or {}
    if verdict.get("status") != gold.verdict:
        return False
    return gold.verdict != "violation" or verdict.get("violator") == gold.violator


def score_incidents(
    gold: IncidentGold,
    records: list[dict[str, Any]],
    keys: dict[str, str],
) -> IncidentScores:
    """Score export records (SPEC §6 shape); `keys` maps document ids to the gold's names."""
    scores = IncidentScores()
    matched: set[str] = set()
    for item in gold.incidents:
        candidates = [r for r in records if _matches(item, r, keys)]
        matched.update(r["id"] for r in candidates)
        if item.optional and not candidates:
            continue
        scores.gold += 1
        if not candidates:
            scores.errors.append({"gold": item.id, "problem": "not found"})
            continue
        scores.found += 1
        best = max(candidates, key=lambda r: (_verdict_right(item, r), r["confidence"]))
        if _verdict_right(item, best):
            scores.verdict_right += 1
        else:
            scores.errors.append(
                {"gold": item.id, "problem": "wrong verdict", "predicted": best["verdict"]}
            )
        if best["independent_sources"] == len(item.sources):
            scores.sources_right += 1
        else:
            scores.errors.append(
                {
                    "gold": item.id,
                    "problem": "independent sources",
                    "expected": len(item.sources),
                    "predicted": best["independent_sources"],
                }
            )
    for record in records:
        if record["id"] in matched:
            continue
        scores.unmatched_predictions += 1
        if (record["verdict"] or {}).get("status") == "violation":
            scores.false_violations += 1
            scores.errors.append({"problem": "false violation", "predicted": record})
    for statement in gold.out_of_scope:
        for record in records:
            if (record["verdict"] or {}).get("status") != "violation":
                continue
            if statement.doc not in doc_keys(record, keys):
                continue
            evidence = [e["text"] for s in record["sources"] for e in s["evidence"]]
            if any(fuzz.partial_ratio(statement.what, text) >= 90 for text in evidence):
                scores.out_of_scope_violations += 1
                scores.errors.append(
                    {"problem": "out-of-scope statement became a violation", "gold": statement.what}
                )
    return scores
