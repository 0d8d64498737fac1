"""The store: one SQLAlchemy schema for documents, claims, incidents, verdicts and registries.

SQLite by default (one file, nothing to run), any SQLAlchemy URL for deployments. The schema is
created and upgraded by Alembic migrations only, so a store made by an older release upgrades in
place. Rows convert to and from the domain types of `ceasefire.model` here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from ceasefire.model import (
    Actor,
    ActorKind,
    ActorMention,
    Claim,
    DatePrecision,
    Document,
    EventType,
    Factuality,
    Incident,
    Place,
    PlaceMention,
    Precision,
    Reason,
    ReviewStatus,
    Source,
    Span,
    Verdict,
    VerdictStatus,
)

DEFAULT_DB = "ceasefire.db"
MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


class AgreementRow(Base):
    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)  # the YAML exactly as loaded
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ActorRow(Base):
    __tablename__ = "actors"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    parent: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(8))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class PlaceRow(Base):
    __tablename__ = "places"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(40))
    precision: Mapped[str] = mapped_column(String(20))
    admin1: Mapped[str | None] = mapped_column(String(100))
    admin2: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(8))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    population: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40))  # geonames, boundaries, curated or import


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(200), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[date | None] = mapped_column(Date, index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    source_path: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(40))
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("documents.id"), index=True)
    reliability: Mapped[str] = mapped_column(String(1), default="F")
    affiliation: Mapped[str | None] = mapped_column(String(100))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # MinHash, for near-duplicates


class ClaimRow(Base):
    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    perpetrators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(10))
    fatalities_min: Mapped[int | None] = mapped_column(Integer)
    fatalities_max: Mapped[int | None] = mapped_column(Integer)
    factuality: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    spans: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    summary: Mapped[str] = mapped_column(Text)
    perpetrators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    admin1: Mapped[str | None] = mapped_column(String(100), index=True)
    date_from: Mapped[date | None] = mapped_column(Date, index=True)
    date_to: Mapped[date | None] = mapped_column(Date, index=True)
    date_precision: Mapped[str] = mapped_column(String(10))
    fatalities_min: Mapped[int | None] = mapped_column(Integer)
    fatalities_max: Mapped[int | None] = mapped_column(Integer)
    independent_sources: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    review_status: Mapped[str] = mapped_column(String(20), index=True)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class VerdictRow(Base):
    __tablename__ = "verdicts"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    violator: Mapped[str | None] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    clause: Mapped[str | None] = mapped_column(String(100))
    explanation: Mapped[str] = mapped_column(Text)
    agreement_version: Mapped[str] = mapped_column(String(50))
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    """One pipeline run: what it read and made, for the record and for the user."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    command: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def database_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from `--db`, `CEASEFIRE_DB` or the default file; paths mean SQLite."""
    value = db or os.environ.get("CEASEFIRE_DB") or DEFAULT_DB
    return value if "://" in value else f"sqlite:///{Path(value).expanduser()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def now() -> datetime:
    return datetime.now(UTC)


def _mentions(rows: Iterable[dict[str, Any]]) -> list[ActorMention]:
    return [ActorMention(actor=r.get("actor"), text=r.get("text", "")) for r in rows]


def _place(row: dict[str, Any] | None) -> PlaceMention | None:
    if not row:
        return None
    precision = row.get("precision")
    return PlaceMention(**{**row, "precision": Precision(precision) if precision else None})


def _place_json(place: PlaceMention | None) -> dict[str, Any] | None:
    if place is None:
        return None
    data = asdict(place)
    data["precision"] = place.precision.value if place.precision else None
    return data


class Store:
    """A handle on one store: sessions, and conversions between rows and domain objects."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, db: str | None = None, *, migrate: bool = True) -> Store:
        url = database_url(db)
        engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        if migrate:
            store.migrate()
        return store

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Bring the schema to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    # --- registries ---------------------------------------------------------------------------

    def save_actors(self, actors: Iterable[Actor]) -> None:
        with self.session() as s:
            for a in actors:
                s.merge(
                    ActorRow(
                        id=a.id,
                        name=a.name,
                        kind=a.kind.value,
                        parent=a.parent,
                        country=a.country,
                        aliases=list(a.aliases),
                    )
                )

    def actors(self) -> list[Actor]:
        with self.session() as s:
            return [
                Actor(
                    id=r.id,
                    name=r.name,
                    kind=ActorKind(r.kind),
                    aliases=tuple(r.aliases),
                    parent=r.parent,
                    country=r.country,
                )
                for r in s.scalars(select(ActorRow).order_by(ActorRow.id))
            ]

    def save_places(self, places: Iterable[Place]) -> int:
        count = 0
        with self.session() as s:
            for p in places:
                s.merge(
                    PlaceRow(
                        id=p.id,
                        name=p.name,
                        lat=p.lat,
                        lon=p.lon,
                        kind=p.kind,
                        precision=p.precision.value,
                        admin1=p.admin1,
                        admin2=p.admin2,
                        country=p.country,
                        aliases=list(p.aliases),
                        population=p.population,
                        source=p.source,
                    )
                )
                count += 1
        return count

    def places(self, source: str | None = None) -> list[Place]:
        query = select(PlaceRow).order_by(PlaceRow.id)
        if source is not None:
            query = query.where(PlaceRow.source == source)
        with self.session() as s:
            return [
                Place(
                    id=r.id,
                    name=r.name,
                    lat=r.lat,
                    lon=r.lon,
                    kind=r.kind,
                    precision=Precision(r.precision),
                    admin1=r.admin1,
                    admin2=r.admin2,
                    country=r.country,
                    aliases=tuple(r.aliases),
                    population=r.population,
                    source=r.source,
                )
                for r in s.scalars(query)
            ]

    def save_agreement(self, agreement_id: str, version: str, title: str, source: str) -> None:
        """Record an agreement version and make it the active one."""
        with self.session() as s:
            for row in s.scalars(select(AgreementRow).where(AgreementRow.active)):
                row.active = False
            s.merge(
                AgreementRow(
                    id=agreement_id,
                    version=version,
                    title=title,
                    source=source,
                    loaded_at=now(),
                    active=True,
                )
            )

    def active_agreement_source(self) -> str | None:
        with self.session() as s:
            row = s.scalars(select(AgreementRow).where(AgreementRow.active)).first()
            return row.source if row else None

    # --- documents ----------------------------------------------------------------------------

    def has_document(self, document_id: str) -> bool:
        with self.session() as s:
            return s.get(DocumentRow, document_id) is not None

    def known_document_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        found: set[str] = set()
        with self.session() as s:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                found.update(s.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(chunk))))
        return found

    def add_document(self, session: Session, doc: Document, signature: bytes | None) -> None:
        session.add(
            DocumentRow(
                id=doc.id,
                raw=doc.raw,
                text=doc.text,
                title=doc.title,
                outlet=doc.outlet,
                url=doc.url,
                published_at=doc.published_at,
                language=doc.language,
                external_id=doc.external_id,
                source_path=doc.source_path,
                content_type=doc.content_type,
                duplicate_of=doc.duplicate_of,
                reliability=doc.reliability,
                affiliation=doc.affiliation,
                sensitive=doc.sensitive,
                ingested_at=doc.ingested_at or now(),
                signature=signature,
            )
        )

    def signatures(self) -> Iterator[tuple[str, bytes, str | None]]:
        """(document id, MinHash bytes, duplicate_of) in ingest order, to rebuild the index."""
        with self.session() as s:
            query = select(DocumentRow.id, DocumentRow.signature, DocumentRow.duplicate_of)
            query = query.where(DocumentRow.signature.is_not(None))
            yield from s.execute(query.order_by(DocumentRow.ingested_at, DocumentRow.id))

    def sources(self, ids: Iterable[str]) -> dict[str, Source]:
        """Outlet and original of each document, and of those originals, to count sources."""
        wanted = set(ids)
        found: dict[str, Source] = {}
        with self.session() as s:
            while wanted:
                chunk = list(wanted)[:500]
                wanted -= set(chunk)
                query = select(DocumentRow.id, DocumentRow.outlet, DocumentRow.duplicate_of)
                for doc_id, outlet, duplicate_of in s.execute(
                    query.where(DocumentRow.id.in_(chunk))
                ):
                    found[doc_id] = Source(doc_id, outlet, duplicate_of)
                    if duplicate_of and duplicate_of not in found:
                        wanted.add(duplicate_of)
        return found

    def documents(self, ids: Iterable[str] | None = None) -> list[Document]:
        query = select(DocumentRow).order_by(DocumentRow.ingested_at, DocumentRow.id)
        if ids is not None:
            query = query.where(DocumentRow.id.in_(list(ids)))
        with self.session() as s:
            return [_document(r) for r in s.scalars(query)]

    def count(self, row_type: type[Base]) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(row_type)) or 0

    def run_commands(self) -> set[str]:
        """Which commands have run on this store (the demo replaces only its own stores)."""
        with self.session() as s:
            return set(s.scalars(select(RunRow.command).distinct()))

    # --- claims and incidents -----------------------------------------------------------------

    def add_claims(self, session: Session, claims: list[Claim]) -> None:
        rows = [
            ClaimRow(
                document_id=c.document_id,
                event_type=c.event_type.value,
                perpetrators=[asdict(m) for m in c.perpetrators],
                targets=[asdict(m) for m in c.targets],
                place=_place_json(c.place),
                date_from=c.date_from,
                date_to=c.date_to,
                date_precision=c.date_precision.value,
                fatalities_min=c.fatalities_min,
                fatalities_max=c.fatalities_max,
                factuality=c.factuality.value,
                confidence=c.confidence,
                spans=[asdict(sp) for sp in c.spans],
                incident_id=c.incident_id,
            )
            for c in claims
        ]
        session.add_all(rows)
        session.flush()
        for claim, row in zip(claims, rows, strict=True):
            claim.id = row.id

    def claims(
        self,
        *,
        incident_ids: Iterable[int] | None = None,
        ids: Iterable[int] | None = None,
        document_ids: Iterable[str] | None = None,
    ) -> list[Claim]:
        query = select(ClaimRow).order_by(ClaimRow.id)
        if document_ids is not None:
            query = query.where(ClaimRow.document_id.in_(list(document_ids)))
        if incident_ids is not None:
            query = query.where(ClaimRow.incident_id.in_(list(incident_ids)))
        if ids is not None:
            query = query.where(ClaimRow.id.in_(list(ids)))
        with self.session() as s:
            return [_claim(r) for r in s.scalars(query)]

    def save_incident(self, session: Session, incident: Incident) -> None:
        """Insert or update an incident, its verdict, and point its claims at it."""
        row = session.get(IncidentRow, incident.id) if incident.id is not None else None
        if row is None:
            row = IncidentRow()
            session.add(row)
        place = incident.place
        row.event_type = incident.event_type.value
        row.summary = incident.summary
        row.perpetrators = [asdict(m) for m in incident.perpetrators]
        row.targets = [asdict(m) for m in incident.targets]
        row.place = _place_json(place)
        row.lat = place.lat if place else None
        row.lon = place.lon if place else None
        row.admin1 = place.admin1 if place else None
        row.date_from = incident.date_from
        row.date_to = incident.date_to
        row.date_precision = incident.date_precision.value
        row.fatalities_min = incident.fatalities_min
        row.fatalities_max = incident.fatalities_max
        row.independent_sources = incident.independent_sources
        row.confidence = incident.confidence
        row.review_status = incident.review_status.value
        session.flush()
        incident.id = row.id
        claimed = select(ClaimRow).where(ClaimRow.id.in_(incident.claim_ids))
        for claim_row in session.scalars(claimed):
            claim_row.incident_id = row.id
        if incident.verdict is not None:
            v = incident.verdict
            session.merge(
                VerdictRow(
                    incident_id=row.id,
                    status=v.status.value,
                    violator=v.violator,
                    reason=v.reason.value,
                    clause=v.clause,
                    explanation=v.explanation,
                    agreement_version=v.agreement_version,
                    disputed=v.disputed,
                    decided_at=now(),
                )
            )

    def incidents(
        self,
        *,
        ids: Iterable[int] | None = None,
        verdict: str | None = None,
        violator: str | None = None,
        event_type: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        include_merged: bool = False,
    ) -> list[Incident]:
        """Incidents with their verdicts, filtered as a monitor asks for them, oldest first."""
        query = select(IncidentRow, VerdictRow).outerjoin(
            VerdictRow, VerdictRow.incident_id == IncidentRow.id
        )
        if ids is not None:
            query = query.where(IncidentRow.id.in_(list(ids)))
        if not include_merged:
            query = query.where(IncidentRow.review_status != ReviewStatus.MERGED.value)
        if verdict:
            query = query.where(VerdictRow.status == verdict)
        if violator:
            query = query.where(VerdictRow.violator == violator)
        if event_type:
            query = query.where(IncidentRow.event_type == event_type)
        if date_from:
            query = query.where(IncidentRow.date_to >= date_from)
        if date_to:
            query = query.where(IncidentRow.date_from <= date_to)
        query = query.order_by(IncidentRow.date_from, IncidentRow.id)
        with self.session() as s:
            rows = s.execute(query).all()
            claim_ids: dict[int, list[int]] = {}
            found = [r[0].id for r in rows]
            for i in range(0, len(found), 500):
                chunk = found[i : i + 500]
                pairs = s.execute(
                    select(ClaimRow.incident_id, ClaimRow.id).where(ClaimRow.incident_id.in_(chunk))
                )
                for incident_id, claim_id in pairs:
                    claim_ids.setdefault(incident_id, []).append(claim_id)
            return [_incident(i, v, sorted(claim_ids.get(i.id, []))) for i, v in rows]


def _document(r: DocumentRow) -> Document:
    return Document(
        id=r.id,
        raw=r.raw,
        text=r.text,
        title=r.title,
        outlet=r.outlet,
        url=r.url,
        published_at=r.published_at,
        language=r.language,
        external_id=r.external_id,
        source_path=r.source_path,
        content_type=r.content_type,
        duplicate_of=r.duplicate_of,
        reliability=r.reliability,
        affiliation=r.affiliation,
        sensitive=r.sensitive,
        ingested_at=r.ingested_at,
    )


def _claim(r: ClaimRow) -> Claim:
    return Claim(
        id=r.id,
        document_id=r.document_id,
        spans=[Span(**sp) for sp in r.spans],
        event_type=EventType(r.event_type),
        perpetrators=_mentions(r.perpetrators),
        targets=_mentions(r.targets),
        place=_place(r.place),
        date_from=r.date_from,
        date_to=r.date_to,
        date_precision=DatePrecision(r.date_precision),
        fatalities_min=r.fatalities_min,
        fatalities_max=r.fatalities_max,
        factuality=Factuality(r.factuality),
        confidence=r.confidence,
        incident_id=r.incident_id,
    )


def _incident(r: IncidentRow, v: VerdictRow | None, claim_ids: list[int]) -> Incident:
    verdict = None
    if v is not None:
        verdict = Verdict(
            status=VerdictStatus(v.status),
            reason=Reason(v.reason),
            clause=v.clause,
            explanation=v.explanation,
            agreement_version=v.agreement_version,
            violator=v.violator,
            disputed=v.disputed,
        )
    return Incident(
        id=r.id,
        event_type=EventType(r.event_type),
        claim_ids=claim_ids,
        perpetrators=_mentions(r.perpetrators),
        targets=_mentions(r.targets),
        place=_place(r.place),
        date_from=r.date_from,
        date_to=r.date_to,
        date_precision=DatePrecision(r.date_precision),
        fatalities_min=r.fatalities_min,
        fatalities_max=r.fatalities_max,
        independent_sources=r.independent_sources,
        confidence=r.confidence,
        summary=r.summary,
        review_status=ReviewStatus(r.review_status),
        verdict=verdict,
    )
