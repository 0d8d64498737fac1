"""The pipeline: ingest -> clean -> dedupe -> extract -> resolve -> fuse -> adjudicate.

Documents stream through in batches. Each batch is stored in one transaction together with its
claims and the incidents and verdicts they change, and the audit event that records them, so an
interrupted run leaves the store as it was after the last whole batch, and re-running it picks up
where it stopped. A run that stores nothing (everything known or rejected) writes nothing.

Parsing and extraction, most of a run, happen in worker processes, one per core, forked once the
extractor is built so they share its model; the main process deduplicates, fuses and writes one
batch behind them. Only the main process touches the store, batches are written in input order,
and the results are the same with any number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy import select

from ceasefire import __version__
from ceasefire.actors import ActorRegistry, load_actors
from ceasefire.adjudicate import rejudge
from ceasefire.agreement import BUNDLED_AGREEMENT, Sides, load_agreement
from ceasefire.dedupe import DuplicateIndex
from ceasefire.errors import InputError
from ceasefire.extract import Extractor
from ceasefire.fuse import (
    DATE_SLACK,
    MAX_SPAN_ACROSS_REPORTS,
    becomes_incident,
    fuse,
    nearby_box,
    reaches_across_reports,
    report_of,
)
from ceasefire.gazetteer import Gazetteer, load_gazetteer
from ceasefire.ingest import read_documents
from ceasefire.keys import Signer
from ceasefire.model import Agreement, Claim, Document, Incident, Source
from ceasefire.store import DocumentRow, Store, now

BATCH_SIZE = 64
CHUNK_SIZE = 8  # documents a worker parses at a time: small, so a batch is shared out evenly
CHUNKS_PER_WORKER = 250  # then the worker is replaced, so a long run's memory cannot creep up


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
    # by stage, for the benchmark: prefilter, parse and extract as the extracting processes
    # spent them (summed over workers); dedupe and "store, fuse, adjudicate" are the main
    # process's CPU seconds, fair on a shared machine; "waiting for extraction" is its wall time
    seconds: Counter[str] = field(default_factory=Counter)

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

    def __init__(
        self,
        store: Store,
        knowledge: Knowledge | None = None,
        *,
        workers: int | None = None,
        prefilter: bool = True,
    ) -> None:
        self.store = store
        # processes that parse and extract; by default one per core this process may use
        self.workers = _cores() if workers is None else workers
        self.knowledge = knowledge or Knowledge.from_store(store)
        self.sides = self.knowledge.sides
        actors = self.knowledge.actors
        self.roots = {a.id: actors.lineage(a.id)[-1] for a in actors}
        self.extractor = Extractor(
            self.knowledge.actors, self.knowledge.gazetteer, prefilter=prefilter
        )
        # signatures are read back from the store when a new document is compared with them
        self.duplicates = DuplicateIndex(load=store.signatures_of)
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
        signer: Signer | None = None,
        details: Mapping[str, object] | None = None,
    ) -> RunReport:
        """Read `paths` through every stage. Each batch's audit event is signed by `signer`
        (the installation unless a person ingests) and carries `details` (who asked for it)."""
        report = RunReport()
        items = read_documents(paths, outlet=outlet, published=published)
        batches = _batches(items, BATCH_SIZE)
        head = list(itertools.islice(batches, 2))  # a run of one batch is not worth a fork
        pending: _Batch | None = None
        parallel = self.workers > 1 and len(head) > 1 and _can_fork()
        with self._extraction(parallel) as extract:
            for batch in itertools.chain(head, batches):
                docs: list[Document] = []
                for item in batch:
                    report.read += 1
                    if isinstance(item, InputError):
                        report.rejected.append(str(item))
                        if on_error:
                            on_error(item)
                    else:
                        docs.append(item)
                prepared = self._prepare(docs, len(batch), report, extract)
                if pending is not None:
                    self._store(pending, report, signer, details or {}, on_progress)
                pending = prepared
            if pending is not None:
                self._store(pending, report, signer, details or {}, on_progress)
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
            "prefilter": "on" if self.extractor.prefilter else "off",
        }

    @contextmanager
    def _extraction(self, parallel: bool) -> Iterator[_Submit]:
        """How a batch's claims are extracted: here, when they are needed, or by a pool of
        workers forked now, which start on the next batch while this process stores one."""
        if not parallel:
            yield lambda docs: lambda: _extract(self.extractor, docs)
            return
        context = multiprocessing.get_context("fork")
        with context.Pool(self.workers, _adopt, (self.extractor,), CHUNKS_PER_WORKER) as pool:

            def submit(docs: list[Document]) -> Callable[[], _Extracted]:
                light = [replace(d, raw=b"") for d in docs]  # the raw bytes stay here
                chunks = [light[i : i + CHUNK_SIZE] for i in range(0, len(light), CHUNK_SIZE)]
                result = pool.map_async(_extract_chunk, chunks)
                return lambda: _joined(result.get())

            yield submit

    def _prepare(
        self, docs: list[Document], read: int, report: RunReport, extract: _Submit
    ) -> _Batch:
        """The batch's new documents, deduplicated, and their extraction under way."""
        known = self.store.known_document_ids(d.id for d in docs)
        fresh: dict[str, Document] = {}
        for doc in docs:
            if doc.id in known or doc.id in fresh:
                report.already_stored += 1
            else:
                fresh[doc.id] = doc
        if not fresh:
            return _Batch(read, {}, {}, lambda: ([], Counter()))
        # Earliest and fullest first, so an original heads its cluster when a batch holds both
        # it and its copies (a truncated copy is shorter than what it copies); documents are
        # stored in this order too, each after the original it points to.
        fresh = dict(
            sorted(fresh.items(), key=lambda kv: (kv[1].published_at or date.max, -len(kv[1].text)))
        )
        started = time.process_time()
        signatures = {}
        for doc in fresh.values():
            signatures[doc.id] = self.duplicates.signature_bytes(doc.text)
            doc.duplicate_of = self.duplicates.add(doc.id, doc.text, signatures[doc.id])
            doc.ingested_at = now()
            report.near_duplicates += doc.duplicate_of is not None
        report.seconds["dedupe"] += time.process_time() - started
        return _Batch(read, fresh, signatures, extract(list(fresh.values())))

    def _store(
        self,
        batch: _Batch,
        report: RunReport,
        signer: Signer | None,
        details: Mapping[str, object],
        on_progress: Callable[[int], None] | None,
    ) -> None:
        """One batch, with its claims and the incidents and verdicts they change, in one
        transaction."""
        started = time.perf_counter()
        claims, seconds = batch.claims()
        report.seconds.update(seconds)
        report.seconds["waiting for extraction"] += time.perf_counter() - started
        if batch.fresh:
            self._write(batch.fresh, batch.signatures, claims, report, signer, details)
            self.duplicates.stored(batch.fresh)
        if on_progress:
            on_progress(batch.read)

    def _write(
        self,
        fresh: dict[str, Document],
        signatures: dict[str, bytes],
        claims: list[Claim],
        report: RunReport,
        signer: Signer | None,
        details: Mapping[str, object],
    ) -> None:
        started = time.process_time()
        effective = self.knowledge.agreement.effective_from.date()
        if report.run_id is None:
            report.run_id = self.store.start_run("ingest", self.versions())
        subject = f"{len(fresh)} documents"
        details = {**(details or {}), "run": report.run_id}
        with self.store.session("ingest", subject=subject, details=details, signer=signer) as s:
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
            incidents = self._fuse(eventful, fresh)
            for incident in incidents:
                report.incidents_new += incident.id is None
                report.incidents_updated += incident.id is not None
                incident.verdict = rejudge(incident, self.knowledge.agreement, self.sides)
                report.verdicts[incident.verdict.status.value] += 1
            self.store.save_incidents(s, incidents)
        report.stored += len(fresh)
        report.seconds["store, fuse, adjudicate"] += time.process_time() - started

    def _fuse(self, claims: list[Claim], fresh: dict[str, Document]) -> list[Incident]:
        """Fuse a batch's claims with the stored incidents they could join: those of their own
        reports and, within their dates, at or near their places (see `fuse.Candidates`)."""
        if not claims:
            return []
        sources = {d.id: Source(d.id, d.outlet, d.duplicate_of) for d in fresh.values()}
        reaching = [c.place for c in claims if c.place and reaches_across_reports(c.place)]
        boxes = {
            nearby_box(p.lat, p.lon) for p in reaching if p.lat is not None and p.lon is not None
        }
        place_ids = {p.place for p in reaching if p.place is not None}
        reports = {report_of(c, sources) for c in claims}
        ids: set[int] = set()
        for low, high in _windows(claims, slack=DATE_SLACK):
            ids |= self.store.fusion_candidates(
                (low, high),
                # across reports an incident spans at most a couple of days
                near_from=low - MAX_SPAN_ACROSS_REPORTS,
                boxes=sorted(boxes),
                place_ids=sorted(place_ids),
                reports=sorted(reports),
            )
        found = sorted(ids)
        candidates = [
            incident
            for start in range(0, len(found), 500)
            for incident in self.store.incidents(ids=found[start : start + 500])
        ]
        # in the order one query over all the windows would give
        candidates.sort(key=lambda i: (i.date_from or date.min, i.id or -1))
        claims_of: dict[int, list[Claim]] = {}
        for start in range(0, len(found), 500):
            for claim in self.store.claims(incident_ids=found[start : start + 500]):
                claims_of.setdefault(claim.incident_id or -1, []).append(claim)
        doc_ids = {c.document_id for c in claims} | {
            c.document_id for group in claims_of.values() for c in group
        }
        stored = self.store.sources(doc_ids)
        stored.update(sources)
        return fuse(claims, candidates, claims_of, stored, self.roots, sides=self.sides)


_Extracted = tuple[list[Claim], Counter[str]]  # a batch's claims, and the seconds by stage
_Submit = Callable[[list[Document]], Callable[[], _Extracted]]


@dataclass
class _Batch:
    """Documents of one batch on their way to the store."""

    read: int  # items read, stored or not, for the progress bar
    fresh: dict[str, Document]
    signatures: dict[str, bytes]
    claims: Callable[[], _Extracted]  # waits for the extraction if it is still running


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _can_fork() -> bool:
    """Workers share the parent's model by forking; where that is unavailable, one process."""
    return "fork" in multiprocessing.get_all_start_methods()


_worker_extractor: Extractor | None = None


def _adopt(extractor: Extractor) -> None:
    """A worker starts with the extractor it was forked with; Ctrl-C is the main process's."""
    global _worker_extractor
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_extractor = extractor


def _extract_chunk(docs: list[Document]) -> _Extracted:
    if _worker_extractor is None:
        raise RuntimeError("a pipeline worker runs only in a pool made by Pipeline.run")
    return _extract(_worker_extractor, docs)


def _extract(extractor: Extractor, docs: list[Document]) -> _Extracted:
    before = Counter(extractor.seconds)
    claims = [claim for _, found in extractor.extract_many(docs) for claim in found]
    return claims, extractor.seconds - before


def _joined(parts: list[_Extracted]) -> _Extracted:
    seconds: Counter[str] = Counter()
    for _, part in parts:
        seconds.update(part)
    return [claim for found, _ in parts for claim in found], seconds


def _windows(claims: Iterable[Claim], slack: timedelta) -> list[tuple[date, date]]:
    """The days a batch's claims may share with stored incidents, as few disjoint ranges: a
    report that also recalls a battle of two years ago must not make the batch read every
    incident in between."""
    spans = sorted(
        (c.date_from - slack, c.date_to + slack) for c in claims if c.date_from and c.date_to
    )
    merged: list[tuple[date, date]] = []
    for low, high in spans:
        if merged and low <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _batches(items: Iterable[Document | InputError], size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
