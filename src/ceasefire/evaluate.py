"""Measure the pipeline against gold: incident-level YAML (SPEC §3) or documents with `gold`.

A mission annotates its own reports once and re-measures after every change of code, model or
registries. Matching follows SPEC §3: a predicted incident matches a gold one when it cites one of
its sources, lies within 40 km or in the same governorate, is dated within 3 days, and has a
compatible act or shares an actor.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from ceasefire.agreement import GUARANTOR, Sides
from ceasefire.export import gather
from ceasefire.fuse import types_compatible
from ceasefire.gazetteer import canonical_admin1, haversine_km, read_places
from ceasefire.model import Claim, Document, EventType, Verdict
from ceasefire.pipeline import Knowledge, Pipeline, init_store
from ceasefire.store import DocumentRow, Store
from ceasefire.yamlfile import load_yaml

MATCH_KM = 40.0
MATCH_DAYS = timedelta(days=3)
# Governorates split from another ("Rural Damascus" from Damascus in 1972): gold whose vocabulary
# never names the newer one (FA-KES) means the old, larger governorate by the older name.
SPLIT_FROM = {"Rural Damascus": "Damascus"}


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
    corpus: str = "reports"  # the documents the gold describes, relative to the gold file
    incidents: list[GoldIncident]
    out_of_scope: list[OutOfScope] = []


def load_incident_gold(path: Path) -> IncidentGold:
    return load_yaml(path, IncidentGold)


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
        and haversine_km(gold.lat, gold.lon, place["lat"], place["lon"]) <= MATCH_KM
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


# --- document-level gold: JSONL documents each carrying `gold` (ACLED- and FA-KES-style) -------


@dataclass
class Metric:
    """Right out of scored; a metric is scored only on documents whose gold has the field."""

    name: str
    right: int = 0
    scored: int = 0

    def add(self, ok: bool) -> bool:
        self.scored += 1
        self.right += ok
        return ok

    @property
    def value(self) -> float | None:
        return self.right / self.scored if self.scored else None


DOCUMENT_METRICS = (
    "detection",
    "verdict accuracy",
    "admin1 accuracy",
    "place within 10 km",
    "event date in range",
    "fatalities exact",
    "perpetrator side",
    "death toll within 10%",
)


@dataclass
class DocumentScores:
    metrics: dict[str, Metric] = field(
        default_factory=lambda: {name: Metric(name) for name in DOCUMENT_METRICS}
    )
    errors: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (m.name, f"{m.value:.3f} ({m.right}/{m.scored})" if m.value is not None else "-")
            for m in self.metrics.values()
        ]


def _factual(claims: list[Claim]) -> list[Claim]:
    return sorted(
        (c for c in claims if c.factuality.is_factual),
        key=lambda c: c.spans[0].start if c.spans else 0,
    )


def main_claim(claims: list[Claim]) -> Claim | None:
    """The event a document is about: its first factual claim.

    News and event notes are written lead first: the opening sentence tells the event, later
    ones add what went on around it ("amid clashes with IS, an airstrike killed a civilian"),
    reactions and earlier events. A later claim that counts dead is often such an aside, so
    the actors, place and date a document's gold gives are the lead's.
    """
    factual = _factual(claims)
    return factual[0] if factual else None


def toll_claim(claims: list[Claim]) -> Claim | None:
    """Where a document counts the dead of its event: the first factual claim that counts
    dead, else the first that says none died, else the lead.

    The toll is often told after the event, in a sentence of its own ("three fighters died in
    the fighting"), and the war's overall toll ("more than 280000 people have been killed
    since 2011") comes last, as background, so the first count is the event's.
    """
    factual = _factual(claims)
    dead = [c for c in factual if c.fatalities_min]
    counted = [c for c in factual if c.fatalities_min is not None]
    return (dead or counted or factual or [None])[0]


def score_document(
    gold: dict[str, Any],
    claims: list[Claim],
    verdict: Verdict | None,
    sides: Sides,
    scores: DocumentScores,
    merged: dict[str, str] | None = None,
) -> list[str]:
    """Score one document's extraction against its gold; return the names of the misses.

    `merged` maps governorates the gold's vocabulary lacks to the one that stands for them.
    """
    m = scores.metrics
    claim, toll = main_claim(claims), toll_claim(claims)
    misses = []

    def check(name: str, ok: bool) -> None:
        if not m[name].add(ok):
            misses.append(name)

    check("detection", claim is not None)
    place = claim.place if claim else None
    if gold.get("verdict"):
        check("verdict accuracy", verdict is not None and verdict.status.value == gold["verdict"])
    if gold.get("admin1"):
        admin1 = place.admin1 if place else None
        admin1 = (merged or {}).get(admin1 or "", admin1)
        check("admin1 accuracy", same_admin1(admin1, gold["admin1"]))
    if gold.get("lat") is not None and gold.get("lon") is not None:
        near = (
            bool(place and place.lat is not None and place.lon is not None)
            and haversine_km(
                gold["lat"],
                gold["lon"],
                place.lat,
                place.lon,  # type: ignore[union-attr,arg-type]
            )
            <= 10.0
        )
        check("place within 10 km", near)
    if gold.get("event_date"):
        day = date.fromisoformat(gold["event_date"])
        check(
            "event date in range",
            bool(claim and claim.date_from and claim.date_to)
            and claim.date_from <= day <= claim.date_to,  # type: ignore[union-attr,operator]
        )
    if gold.get("fatalities") is not None:
        check(
            "fatalities exact",
            toll is not None and (toll.fatalities_min or 0) == gold["fatalities"],
        )
    if gold.get("side"):
        predicted = "unknown"
        if claim:
            found = [_gold_side(sides, p.actor) for p in claim.perpetrators if p.actor]
            predicted = next((s for s in found if s != "unknown"), "unknown")
        check("perpetrator side", predicted == gold["side"])
    if "civilians" in gold and "noncivilians" in gold:
        told = gold["civilians"] + gold["noncivilians"]
        predicted = (toll.fatalities_min or 0) if toll else 0
        check("death toll within 10%", abs(predicted - told) <= 0.1 * told)
    return misses


def _gold_side(sides: Sides, actor: str) -> str:
    """The side in the gold's terms, which have no guarantors: a guarantor's forces (Russia's
    jets) count for the party the agreement has it answer for."""
    side = sides.side(actor)
    return (sides.party(actor) or side) if side == GUARANTOR else side


def _claim_summary(claim: Claim) -> dict[str, Any]:
    place = claim.place
    return {
        "type": claim.event_type.value,
        "factuality": claim.factuality.value,
        "perpetrators": [p.actor or p.text for p in claim.perpetrators],
        "targets": [t.actor or t.text for t in claim.targets],
        "place": place
        and {
            "name": place.name or place.text,
            "admin1": place.admin1,
            "lat": place.lat,
            "lon": place.lon,
        },
        "date": [str(claim.date_from), str(claim.date_to)],
        "fatalities": [claim.fatalities_min, claim.fatalities_max],
        "evidence": [s.text for s in claim.spans],
    }


def score_documents(store: Store, corpus: Path, sides: Sides, limit: int | None) -> DocumentScores:
    """Score every document of a JSONL corpus whose lines carry `gold`."""
    scores = DocumentScores()
    gold_of: dict[str, dict[str, Any]] = {}
    with corpus.open(encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            if line.strip():
                record = json.loads(line)
                gold_of[str(record["id"])] = record["gold"]
    documents = {d.external_id: d for d in store.documents() if d.external_id in gold_of}
    claims_of: dict[str, list[Claim]] = {}
    for claim in store.claims(document_ids=[d.id for d in documents.values()]):
        claims_of.setdefault(claim.document_id, []).append(claim)
    incident_ids = {c.incident_id for group in claims_of.values() for c in group if c.incident_id}
    verdicts = {i.id: i.verdict for i in store.incidents(ids=incident_ids, include_merged=True)}
    named = [g["admin1"] for g in gold_of.values() if g.get("admin1")]
    merged = {
        new: old
        for new, old in SPLIT_FROM.items()
        if named and not any(same_admin1(new, name) for name in named)
    }
    for external_id, gold in gold_of.items():
        doc = documents.get(external_id)
        claims = claims_of.get(doc.id, []) if doc else []
        claim, toll = main_claim(claims), toll_claim(claims)
        verdict = verdicts.get(claim.incident_id) if claim and claim.incident_id else None
        misses = score_document(gold, claims, verdict, sides, scores, merged)
        if misses:
            scores.errors.append(
                {
                    "id": external_id,
                    "missed": misses,
                    "text": doc.text if doc else None,
                    "gold": gold,
                    "main": _claim_summary(claim) if claim else None,
                    "toll": _claim_summary(toll) if toll and toll is not claim else None,
                    "verdict": verdict
                    and {"status": verdict.status.value, "reason": verdict.reason.value},
                    "claims": [_claim_summary(c) for c in claims],
                }
            )
    return scores


@dataclass
class EvalResult:
    rows: list[tuple[str, str]]
    errors: list[dict[str, Any]]
    documents: int
    seconds: float


def run_eval(gold: Path, *, limit: int | None = None, gazetteer: Path | None = None) -> EvalResult:
    """Run the whole pipeline on a fresh temporary store and score it against `gold`."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ceasefire-eval-") as tmp:
        store = Store.open(str(Path(tmp) / "eval.db"))
        try:
            knowledge = init_store(store)
            if gazetteer is not None:
                store.save_places(read_places(gazetteer))
                knowledge = Knowledge.from_store(store)
            pipeline = Pipeline(store, knowledge)
            scores: IncidentScores | DocumentScores
            if gold.suffix.lower() in (".yaml", ".yml"):
                incident_gold = load_incident_gold(gold)
                pipeline.run([gold.parent / incident_gold.corpus])
                records = gather(store, knowledge)
                keys = document_keys(store.documents())
                scores = score_incidents(incident_gold, records, keys)
            else:
                corpus = gold
                if limit is not None:
                    corpus = Path(tmp) / gold.name
                    with gold.open("rb") as src, corpus.open("wb") as dst:
                        dst.writelines(itertools.islice(src, limit))
                pipeline.run([corpus])
                scores = score_documents(store, corpus, knowledge.sides, None)
            documents = store.count(DocumentRow)
        finally:
            store.close()
    return EvalResult(scores.rows(), scores.errors, documents, time.perf_counter() - started)
