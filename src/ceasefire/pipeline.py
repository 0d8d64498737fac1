"""The pipeline: ingest -> clean -> dedupe -> extract -> resolve -> fuse -> adjudicate.

Documents stream through in batches. Each batch is stored in one transaction together with its
claims and the incidents and verdicts they change, and the audit event that records them, so an
interrupted run leaves the store as it was after the last whole batch, and re-running it picks up
where it stopped. A run that stores nothing (everything known or rejected) writes nothing.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy import select

from ceasefire import __version__
from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.adjudicate import adjudicate
from ceasefire.agreement import BUNDLED_AGREEMENT, Sides, load_agreement
from ceasefire.dedupe import DuplicateIndex
from ceasefire.errors import InputError
from ceasefire.extract import Extractor
from ceasefire.fuse import becomes_incident, fuse
from ceasefire.gazetteer import Gazetteer, load_gazetteer
from ceasefire.ingest import read_documents
from ceasefire.model import Agreement, Claim, Document, Incident, Source
from ceasefire.store import DocumentRow, Store, now

BATCH_SIZE = 64


@dataclass
class Knowledge:
    """Everything a run judges by: the agreement and the registries, as stored."""

    agreement: Agreement
    actors: ActorRegistry
    gazetteer: Gazetteer

    @cached_property
    def sides(self) -> Sides:
        return Sides(self.agreement, self.actors)

    @classmethod
    def from_store(cls, store: Store) -> Knowledge:
        source = store.active_agreement_source()
        if source is None:
            raise InputError(store.url, "store has no agreement; run `ceasefire init` first")
        actors = ActorRegistry(store.actors())
        agreement = load_agreement(Path(f"{store.url}#agreement"), actors, text=source)
        return cls(agreement, actors, Gazetteer(store.places()))


def init_store(store: Store, agreement_path: Path | None = None) -> Knowledge:
    """Load the bundled registries and an agreement (bundled unless given) into the store."""
    actors = load_actors()
    path = agreement_path or BUNDLED_AGREEMENT
    agreement = load_agreement(path, actors)
    gazetteer = load_gazetteer()
    store.save_actors(actors)
    store.save_places(gazetteer)
    store.save_agreement(agreement.id, agreement.version, agreement.title, path.read_text("utf-8"))
    return Knowledge(agreement, actors, Gazetteer(store.places()))


@dataclass
class RunReport:
    """What each stage did, so a user sees where documents and claims went."""

    read: int = 0
    stored: int = 0
    already_stored: int = 0
    near_duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    claims: Counter[str] = field(default_factory=Counter)  # by factuality
    kept_as_claims: int = 0  # not factual, or before the effective date
    incidents_new: int = 0
    incidents_updated: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    run_id: int | None = None  # the run recorded in the store, once something was stored
    seconds: Counter[str] = field(default_factory=Counter)  # by stage, for the benchmark

    def rows(self) -> list[tuple[str, str, str]]:
        """(stage, count, detail) for the table the CLI prints."""
        facts = ", ".join(f"{n} {k}" for k, n in sorted(self.claims.items())) or "-"
        verdicts = ", ".join(f"{n} {k}" for k, n in sorted(self.verdicts.items())) or "-"
        return [
            ("ingest", str(self.read), f"{self.stored} new, {self.already_stored} already stored"),
            ("reject", str(len(self.rejected)), "see errors above" if self.rejected else "-"),
            ("dedupe", str(self.near_duplicates), "near-duplicate copies of earlier documents"),
            ("extract", str(sum(self.claims.values())), facts),
            (
                "fuse",
                str(self.incidents_new),
                f"new incidents, {self.incidents_updated} updated; "
                f"{self.kept_as_claims} claims kept out of incidents",
            ),
            ("adjudicate", str(sum(self.verdicts.values())), verdicts),
        ]


class Pipeline:
    """One run over a store: the extractor and the near-duplicate index are built once."""

    def __init__(self, store: Store, knowledge: Knowledge | None = None) -> None:
        self.store = store
        self.knowledge = knowledge or Knowledge.from_store(store)
        self.sides = self.knowledge.sides
        actors = self.knowledge.actors
        self.roots = {a.id: actors.lineage(a.id)[-1] for a in actors}
        self.extractor = Extractor(self.knowledge.actors, self.knowledge.gazetteer)
        self.duplicates = DuplicateIndex()
        for doc_id, signature, duplicate_of in store.signatures():
            self.duplicates.restore(doc_id, signature, duplicate_of)

    def run(
        self,
        paths: Iterable[Path],
        *,
        outlet: str | None = None,
        published: date | None = None,
        on_error: Callable[[InputError], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> RunReport:
        report = RunReport()
        items = read_documents(paths, outlet=outlet, published=published)
        for batch in _batches(items, BATCH_SIZE):
            docs: list[Document] = []
            for item in batch:
                report.read += 1
                if isinstance(item, InputError):
                    report.rejected.append(str(item))
                    if on_error:
                        on_error(item)
                else:
                    docs.append(item)
            self._process(docs, report)
            if on_progress:
                on_progress(len(batch))
        if report.run_id is not None:
            counts = {
                "read": report.read,
                "stored": report.stored,
                "rejected": len(report.rejected),
                "claims": sum(report.claims.values()),
                "incidents_new": report.incidents_new,
            }
            self.store.finish_run(report.run_id, counts)
        return report

    def versions(self) -> dict[str, str]:
        """What produced this run's results, so a re-run can be compared with it."""
        nlp = self.extractor.nlp
        return {
            "ceasefire": __version__,
            "model": f"{nlp.meta.get('name')}-{nlp.meta.get('version')}",
            "agreement": f"{self.knowledge.agreement.id}@{self.knowledge.agreement.version}",
            "actors": str(len(self.knowledge.actors)),
            "places": str(len(self.knowledge.gazetteer)),
        }

    def _process(self, docs: list[Document], report: RunReport) -> None:
        known = self.store.known_document_ids(d.id for d in docs)
        fresh: dict[str, Document] = {}
        for doc in docs:
            if doc.id in known or doc.id in fresh:
                report.already_stored += 1
            else:
                fresh[doc.id] = doc
        if not fresh:
            return
        # Earliest and fullest first, so an original heads its cluster when a batch holds both
        # it and its copies (a truncated copy is shorter than what it copies); documents are
        # stored in this order too, each after the original it points to.
        fresh = dict(
            sorted(fresh.items(), key=lambda kv: (kv[1].published_at or date.max, -len(kv[1].text)))
        )
        started = time.perf_counter()
        signatures = {}
        for doc in fresh.values():
            signatures[doc.id] = self.duplicates.signature_bytes(doc.text)
            doc.duplicate_of = self.duplicates.add(doc.id, doc.text, signatures[doc.id])
            doc.ingested_at = now()
            report.near_duplicates += doc.duplicate_of is not None
        report.seconds["dedupe"] += time.perf_counter() - started
        claims: list[Claim] = []
        before = Counter(self.extractor.seconds)
        for _doc, found in self.extractor.extract_many(fresh.values()):
            claims.extend(found)
        report.seconds.update(self.extractor.seconds - before)
        started = time.perf_counter()
        effective = self.knowledge.agreement.effective_from.date()
        if report.run_id is None:
            report.run_id = self.store.start_run("ingest", self.versions())
        subject = f"{len(fresh)} documents"
        with self.store.session("ingest", subject=subject, details={"run": report.run_id}) as s:
            # Holding the write lock now: another process may have stored some of these since
            # they were looked up; they are already stored, not stored twice.
            meanwhile = set(s.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(fresh))))
            if meanwhile:
                report.already_stored += len(meanwhile)
                fresh = {k: d for k, d in fresh.items() if k not in meanwhile}
                claims = [c for c in claims if c.document_id not in meanwhile]
            for doc in fresh.values():
                self.store.add_document(s, doc, signatures[doc.id])
            s.flush()
            self.store.add_claims(s, claims)
            for claim in claims:
                report.claims[claim.factuality.value] += 1
            eventful = [c for c in claims if becomes_incident(c, effective)]
            report.kept_as_claims += len(claims) - len(eventful)
            for incident in self._fuse(eventful, fresh):
                report.incidents_new += incident.id is None
                report.incidents_updated += incident.id is not None
                incident.verdict = adjudicate(incident, self.knowledge.agreement, self.sides)
                report.verdicts[incident.verdict.status.value] += 1
                self.store.save_incident(s, incident)
        report.stored += len(fresh)
        report.seconds["store, fuse, adjudicate"] += time.perf_counter() - started

    def _fuse(self, claims: list[Claim], fresh: dict[str, Document]) -> list[Incident]:
        if not claims:
            return []
        dated = [c for c in claims if c.date_from and c.date_to]
        candidates: list[Incident] = []
        if dated:
            slack = timedelta(days=1)
            candidates = self.store.incidents(
                date_from=min(c.date_from for c in dated if c.date_from) - slack,
                date_to=max(c.date_to for c in dated if c.date_to) + slack,
            )
        claims_of: dict[int, list[Claim]] = {}
        for claim in self.store.claims(incident_ids=[i.id for i in candidates if i.id]):
            claims_of.setdefault(claim.incident_id or -1, []).append(claim)
        doc_ids = {c.document_id for c in claims} | {
            c.document_id for group in claims_of.values() for c in group
        }
        sources = self.store.sources(doc_ids)
        sources.update({d.id: Source(d.id, d.outlet, d.duplicate_of) for d in fresh.values()})
        return fuse(claims, candidates, claims_of, sources, self.roots)


def _batches(items: Iterable[Document | InputError], size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
