"""The store: one SQLAlchemy schema for documents, claims, incidents, verdicts and registries.

SQLite by default (one file, nothing to run), any SQLAlchemy URL for deployments. The schema is
created and upgraded by Alembic migrations only, so a store made by an older release upgrades in
place. Rows convert to and from the domain types of `ceasefire.model` here and nowhere else.

Every write is explained by the audit log (`ceasefire.audit`), and the store does the explaining:
a session collects the rows of audited tables it flushes, and when it commits, appends one signed
event with the digest of each row, in the same transaction. Writers take the store's write lock
when they begin (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock), so the log stays one chain
however many processes write at once.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    object_mapper,
    sessionmaker,
)
from sqlalchemy.types import NullType

from ceasefire import audit
from ceasefire.errors import InputError
from ceasefire.keys import INSTALLATION, KEY_ENV, Signer, create_key, key_path, read_key
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


class Audited:
    """Mixed into the rows the audit log explains: every insert, update and delete of them is
    recorded, and `ceasefire log verify` checks each stored row against the log."""

    __table_args__: ClassVar[dict[str, Any]] = {"info": {"audited": True}}


class AgreementRow(Audited, Base):
    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)  # the YAML exactly as loaded
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ActorRow(Audited, Base):
    __tablename__ = "actors"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    parent: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(8))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class ActorAreaRow(Audited, Base):
    """The governorates an actor fights in, in a table of its own: the `actors` rows an older
    store logged keep their digests."""

    __tablename__ = "actor_areas"
    actor_id: Mapped[str] = mapped_column(ForeignKey("actors.id"), primary_key=True)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)


class PlaceRow(Audited, Base):
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


class DocumentRow(Audited, Base):
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


class ClaimRow(Audited, Base):
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


class IncidentRow(Audited, Base):
    __tablename__ = "incidents"
    # Lists page through incidents in date order under filters on these columns: with them all
    # in one index, choosing a page reads the index, not the rows (migration 0005).
    __table_args__ = (
        Index(
            "ix_incidents_listing",
            "date_from",
            "date_to",
            "lon",
            "lat",
            "review_status",
            "event_type",
        ),
        Audited.__table_args__,
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    summary: Mapped[str] = mapped_column(Text)
    perpetrators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    admin1: Mapped[str | None] = mapped_column(String(100), index=True)
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date, index=True)
    date_precision: Mapped[str] = mapped_column(String(10))
    fatalities_min: Mapped[int | None] = mapped_column(Integer)
    fatalities_max: Mapped[int | None] = mapped_column(Integer)
    independent_sources: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    review_status: Mapped[str] = mapped_column(String(20), index=True)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class VerdictRow(Audited, Base):
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


class RunRow(Audited, Base):
    """One pipeline run: what it read and made, for the record and for the user."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    command: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SigningKeyRow(Audited, Base):
    """A public key that signs events: the installation's, or a person's."""

    __tablename__ = "signing_keys"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the public key
    owner: Mapped[str] = mapped_column(String(100), index=True)  # "installation" or a user name
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    """One event of the audit log; its fields are `ceasefire.audit.Event`'s."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)  # one successor: no forks
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class UserRow(Audited, Base):
    """A person who signs in: role, password hash, and their signing key, sealed under the
    password (see `ceasefire.keys`), so only they can sign as themselves."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # admin, monitor, guarantor, party
    party: Mapped[str | None] = mapped_column(String(100))  # the party a party user speaks for
    password_hash: Mapped[str] = mapped_column(Text)  # Argon2id, PHC string
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"))
    private_key: Mapped[str] = mapped_column(Text)  # sealed, see keys.lock_key
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TokenRow(Audited, Base):
    """An API token: only its SHA-256 is kept, so the table does not hand out access."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TokenKeyRow(Audited, Base):
    """The owner's key sealed under a token they issued with it open (`keys.lock_key_with_token`),
    so requests with the token sign as them; deleted when the token is revoked. A table of its
    own: a new column would change the logged digest of every token issued before it."""

    __tablename__ = "api_token_keys"
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    sealed_key: Mapped[str] = mapped_column(Text)


def database_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from `--db`, `CEASEFIRE_DB` or the default file; paths mean SQLite."""
    value = db or os.environ.get("CEASEFIRE_DB") or DEFAULT_DB
    return value if "://" in value else f"sqlite:///{Path(value).expanduser()}"


WRITE = "ceasefire_write"  # execution option: this connection begins holding the write lock
WRITER_LOCK = 0x63656173  # the PostgreSQL advisory lock writers take ("ceas")
_PENDING = "ceasefire_audit_pending"  # session.info: audited rows flushed, not yet recorded
_CONTEXT = "ceasefire_audit_context"  # session.info: the event the session's changes belong to
_RowRef = tuple[str, tuple[Any, ...]]  # (table name, primary key values)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 would begin transactions itself, late (at the first write) and always
    # deferred; SQLAlchemy's "begin" event takes that over (`_begin`), as its SQLite docs show.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin(connection: Connection) -> None:
    """Writers wait for each other at the start of their transaction, not halfway through it:
    that is what keeps the audit log one chain and makes read-modify-write safe."""
    write = connection.get_execution_options().get(WRITE, False)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    elif write and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")


@dataclass
class _Audit:
    """What a session's changes will be recorded as."""

    action: str
    subject: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    signer: Signer | None = None


def _raw(table: Table) -> Any:
    """SELECT of a table's columns as the driver returns them, untouched by column types, so a
    digest covers what is stored and a damaged value cannot stop the reading."""
    return select(*(type_coerce(c, NullType()).label(c.name) for c in table.columns))


@contextmanager
def _lenient_text(connection: Connection) -> Iterator[None]:
    """Read text that is not valid UTF-8 (a damaged row) instead of failing on it."""
    dbapi = connection.connection.dbapi_connection
    if not isinstance(dbapi, sqlite3.Connection):
        yield
        return
    dbapi.text_factory = lambda data: data.decode("utf-8", "surrogateescape")
    try:
        yield
    finally:
        dbapi.text_factory = str


def _pending_key(path: Path, key_id: str) -> Path:
    """Where a rotation writes a new installation key until its event is committed."""
    return path.with_name(f"{path.name}.{key_id[:16]}.new")


def audited_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.info.get("audited")]


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
    """A handle on one store: sessions, the audit log, and conversions between rows and domain
    objects."""

    def __init__(self, engine: Engine, key: Path | None = None) -> None:
        self.engine = engine
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.key_path = key_path(database if database and database != ":memory:" else None, key)
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(**{WRITE: True}), expire_on_commit=False
        )
        for maker in (self._reader, self._writer):
            event.listen(maker, "after_flush", self._collect)
            event.listen(maker, "before_commit", self._record)
        self._signer: Signer | None = None

    @classmethod
    def open(cls, db: str | None = None, *, migrate: bool = True, key: Path | None = None) -> Store:
        """The store at `db` (see `database_url`); `key` overrides where the installation key
        file is (see `ceasefire.keys.key_path`)."""
        engine = create_engine(database_url(db))
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _begin)
        store = cls(engine, key)
        if migrate:
            store.migrate()
        return store

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Bring the schema to the newest migration, under the write lock when there is work, so
        processes opening a new store at once do not all create it."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        newest = ScriptDirectory.from_config(config).get_current_head()
        with self.engine.connect() as connection:
            if MigrationContext.configure(connection).get_current_revision() == newest:
                return
        with self.engine.execution_options(**{WRITE: True}).begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(
        self,
        action: str | None = None,
        *,
        subject: str = "",
        details: Mapping[str, Any] | None = None,
        signer: Signer | None = None,
    ) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises.

        A write names its `action` (and what it acts on, `subject`): the session then begins
        holding the store's write lock, and what it changes is recorded as one event signed by
        `signer` (the installation unless a person signs). Changes made in a session without an
        action are recorded too, as "write", but such a session takes the lock only at its first
        write, which on SQLite fails if another process wrote since it began reading.
        """
        if action is None:
            maker, context = self._reader, _Audit("write")
        else:
            if signer is None:
                self.signer()  # a missing installation key stops a write before it begins
            maker, context = self._writer, _Audit(action, subject, dict(details or {}), signer)
        with maker.begin() as session:
            session.info[_CONTEXT] = context
            yield session

    def close(self) -> None:
        self.engine.dispose()

    # --- the audit log ------------------------------------------------------------------------

    def signer(self) -> Signer:
        """The installation's signer, from its key file, which the store's first write creates.

        Without the key file a store can be read and verified but not written: the error says
        which key the store expects, and where it was looked for."""
        if self._signer is not None:
            return self._signer
        path = self.key_path
        registered = self._installation_keys()
        if path is None:
            raise InputError(
                self.url,
                f"no installation key: set {KEY_ENV} to the path of its key file "
                "(a new key is written there if this store has none yet)",
            )
        if path.exists():
            key = read_key(path)
        elif registered:
            raise InputError(
                path,
                f"installation key not found; this store is signed with key {registered[-1]:.16}: "
                f"restore that key file (or point {KEY_ENV} at it) to write; reading and "
                "`ceasefire log verify` work without it",
            )
        else:
            key = create_key(path)
        signer = Signer(INSTALLATION, key)
        if registered and signer.key_id != registered[-1]:
            signer = self._finish_rotation(path, signer, registered)
        self._signer = signer
        return signer

    def _finish_rotation(self, path: Path, signer: Signer, registered: list[str]) -> Signer:
        """The current key when the key file holds a retired one because a rotation committed
        but stopped before moving the new key into place; any other key is refused."""
        pending = _pending_key(path, registered[-1])
        if signer.key_id in registered and pending.exists():
            fresh = Signer(INSTALLATION, read_key(pending))
            if fresh.key_id == registered[-1]:
                os.replace(pending, path)
                return fresh
        retired = "was retired by a key rotation" if signer.key_id in registered else "is not"
        raise InputError(
            path,
            f"key {signer.key_id:.16} {retired} the installation key of this store "
            f"({registered[-1]:.16}); restore that key file or point {KEY_ENV} at it",
        )

    def rotate_key(self) -> tuple[str, str]:
        """Replace the installation key with a new one; returns (old, new) fingerprints.

        The old key signs the event that registers the new one, and the new key signs the
        rotation statement in that event, so the log shows both holders agreed. The new key is
        written beside the old one first and moved into place once the event is committed: a
        crash leaves either the old key in force or the new key ready (see `signer`)."""
        old = self.signer()
        path = self.key_path
        assert path is not None  # signer() found or made the key file
        new = Signer(INSTALLATION, Ed25519PrivateKey.generate())
        pending = _pending_key(path, new.key_id)
        create_key(pending, new.key)
        details = {
            "old": old.key_id,
            "new": new.key_id,
            "new_signature": new.sign(audit.rotation_statement(old.key_id, new.key_id)).hex(),
        }
        subject = f"installation key {new.key_id}"
        try:
            with self.session("key.rotate", subject=subject, details=details, signer=old) as s:
                query = select(SigningKeyRow.id).where(SigningKeyRow.owner == INSTALLATION)
                newest = s.scalars(query.order_by(SigningKeyRow.created_at.desc())).first()
                if newest != old.key_id:
                    raise InputError(path, "the installation key was rotated meanwhile; try again")
                s.add(
                    SigningKeyRow(
                        id=new.key_id,
                        owner=INSTALLATION,
                        public_key=new.public_key,
                        created_at=now(),
                    )
                )
        except InputError:
            pending.unlink(missing_ok=True)  # never registered, never to be used
            raise
        try:
            os.replace(pending, path)
        except FileNotFoundError:  # another process's `signer` already moved it into place
            if Signer(INSTALLATION, read_key(path)).key_id != new.key_id:
                raise
        self._signer = new
        return old.key_id, new.key_id

    def installation_key_id(self) -> str | None:
        """The fingerprint of the key file at hand, if any: `verify` holds the log to it."""
        if self.key_path is None or not self.key_path.exists():
            return None
        try:
            return Signer(INSTALLATION, read_key(self.key_path)).key_id
        except InputError:
            return None

    def _installation_keys(self) -> list[str]:
        """Installation keys, oldest first: the last is the one in force."""
        query = select(SigningKeyRow.id).where(SigningKeyRow.owner == INSTALLATION)
        with self.session() as s:
            return list(s.scalars(query.order_by(SigningKeyRow.created_at)))

    def _collect(self, session: Session, _flush: Any) -> None:
        """After each flush: note which audited rows it wrote (their keys; digests come later)."""
        pending = session.info.setdefault(_PENDING, set())
        modified = [obj for obj in session.dirty if session.is_modified(obj)]
        for obj in chain(session.new, modified, session.deleted):
            mapper = object_mapper(obj)
            if mapper.local_table.info.get("audited"):
                key = tuple(mapper.primary_key_from_instance(obj))
                pending.add((mapper.local_table.name, key))

    def _record(self, session: Session) -> None:
        """Before commit: append the event that explains what this transaction wrote."""
        session.flush()
        pending = session.info.pop(_PENDING, set())
        if not pending:
            return
        context = session.info.get(_CONTEXT) or _Audit("write")
        if session.get_bind().dialect.name == "postgresql":
            # A session begun without an action holds no lock yet (SQLite takes its lock at the
            # first write); the advisory lock is reentrant, so writers that hold it lose nothing.
            session.execute(select(func.pg_advisory_xact_lock(WRITER_LOCK)))
        signer = context.signer or self._in_force(session, self.signer())
        last = session.execute(
            select(AuditEventRow.seq, AuditEventRow.hash).order_by(AuditEventRow.seq.desc())
        ).first()
        seq, prev = (last[0], last[1]) if last else self._start_log(session, pending)
        if session.get(SigningKeyRow, signer.key_id) is None:
            raise InputError(
                self.url, f"{signer.name}'s key {signer.key_id:.16} is not registered in this store"
            )
        tables = sorted({table for table, _ in pending})
        sealed = audit.seal(
            seq=seq + 1,
            prev_hash=prev,
            at=now().isoformat(),
            signer=signer,
            action=context.action,
            subject=context.subject or ", ".join(tables),
            details=context.details,
            changes=self._digests(session, pending),
        )
        session.execute(insert(AuditEventRow).values(**asdict(sealed)))

    def _in_force(self, session: Session, signer: Signer) -> Signer:
        """The installation's signer, read again if another process rotated the key since this
        one read it: a retired key signs nothing more."""
        query = select(SigningKeyRow.id).where(SigningKeyRow.owner == INSTALLATION)
        newest = session.scalars(query.order_by(SigningKeyRow.created_at.desc())).first()
        if newest is None or newest == signer.key_id:
            return signer
        self._signer = None
        return self.signer()

    def _start_log(self, session: Session, pending: set[_RowRef]) -> tuple[int, str]:
        """Event 1: registers the installation key, and adopts any rows that predate the log (a
        store made by a release without it), so that from here on every row is accounted for."""
        signer = self.signer()
        if session.get(SigningKeyRow, signer.key_id) is None:
            session.add(
                SigningKeyRow(
                    id=signer.key_id,
                    owner=signer.name,
                    public_key=signer.public_key,
                    created_at=now(),
                )
            )
            session.flush()
        session.info.pop(_PENDING, None)
        adopted: dict[str, dict[str, str | None]] = {}
        for table in audited_tables():
            primary = [c.name for c in table.primary_key.columns]
            for row in session.execute(_raw(table)).mappings():
                pk = tuple(row[c] for c in primary)
                if (table.name, pk) not in pending:
                    adopted.setdefault(table.name, {})[audit.row_key(pk)] = audit.row_digest(
                        table.name, row
                    )
        rows = sum(len(v) for k, v in adopted.items() if k != SigningKeyRow.__tablename__)
        first = audit.seal(
            seq=1,
            prev_hash=audit.GENESIS,
            at=now().isoformat(),
            signer=signer,
            action="log.start",
            subject=f"installation key {signer.key_id}",
            details={"adopted_rows": rows},
            changes=adopted,
        )
        session.execute(insert(AuditEventRow).values(**asdict(first)))
        return first.seq, first.hash

    def _digests(self, session: Session, pending: set[_RowRef]) -> dict[str, dict[str, str | None]]:
        """table -> row key -> digest of the row as stored now (None: deleted)."""
        changes: dict[str, dict[str, str | None]] = {}
        by_table: dict[str, list[tuple[Any, ...]]] = {}
        for name, pk in pending:
            by_table.setdefault(name, []).append(pk)
        for name, pks in by_table.items():
            table = Base.metadata.tables[name]
            columns = list(table.primary_key.columns)
            found = changes.setdefault(name, {})
            for pk in pks:
                found[audit.row_key(pk)] = None
            for i in range(0, len(pks), 500):
                chunk = pks[i : i + 500]
                match = (
                    columns[0].in_([pk[0] for pk in chunk])
                    if len(columns) == 1
                    else tuple_(*columns).in_(chunk)
                )
                for row in session.execute(_raw(table).where(match)).mappings():
                    key = audit.row_key(row[c.name] for c in columns)
                    found[key] = audit.row_digest(name, row)
        return changes

    def head(self) -> str:
        """The hash of the newest event: what a published report pins."""
        with self.session() as s:
            last = s.scalars(select(AuditEventRow.hash).order_by(AuditEventRow.seq.desc())).first()
        return last or audit.GENESIS

    def signing_keys(self) -> dict[str, audit.PublicKey]:
        with self.session() as s:
            return {
                r.id: audit.PublicKey(r.owner, r.public_key)
                for r in s.scalars(select(SigningKeyRow))
            }

    def events(
        self, last: int | None = None, *, action: str | None = None, subject: str | None = None
    ) -> Iterator[audit.Event]:
        """The log's events in order (only the `last` few, or those of one action and subject,
        if given), as stored."""
        table = AuditEventRow.__table__
        query = _raw(table).order_by(table.c.seq)
        if action is not None:
            query = query.where(table.c.action == action)
        if subject is not None:
            query = query.where(table.c.subject == subject)
        if last is not None:
            newest = select(table.c.seq).order_by(table.c.seq.desc()).limit(last).subquery()
            query = query.where(table.c.seq.in_(select(newest.c.seq)))
        with self.engine.connect() as connection, _lenient_text(connection):
            for row in connection.execute(query).mappings():
                yield audit.Event(**row)

    def audited_tables(self) -> list[str]:
        return [t.name for t in audited_tables()]

    def row_digests(self, name: str) -> Iterator[tuple[str, str]]:
        """(row key, digest) of every stored row of an audited table."""
        table = Base.metadata.tables[name]
        primary = [c.name for c in table.primary_key.columns]
        with self.engine.connect() as connection, _lenient_text(connection):
            for row in connection.execute(_raw(table)).mappings():
                yield audit.row_key(row[c] for c in primary), audit.row_digest(name, row)

    # --- runs ---------------------------------------------------------------------------------

    def start_run(self, command: str, versions: Mapping[str, str]) -> int:
        """Record that a run began and with what; a run killed midway stays unfinished."""
        with self.session("run.start", subject=command, details={"versions": dict(versions)}) as s:
            row = RunRow(command=command, started_at=now(), counts={}, versions=dict(versions))
            s.add(row)
            s.flush()
            return row.id

    def finish_run(self, run_id: int, counts: Mapping[str, int]) -> None:
        with self.session("run.finish", subject=f"run {run_id}", details=dict(counts)) as s:
            row = s.get(RunRow, run_id)
            if row is not None:
                row.finished_at = now()
                row.counts = dict(counts)

    # --- backup ---------------------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        """A consistent copy of the store in one SQLite file, taken while others keep writing
        (SQLite's online backup). The installation key file is not part of it."""
        self._require_sqlite("backup")
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.unlink(missing_ok=True)
            copy = sqlite3.connect(partial)
            try:
                with self.engine.connect() as connection:
                    connection.connection.dbapi_connection.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                copy.close()
            partial.replace(target)
        except (OSError, sqlite3.Error) as exc:
            partial.unlink(missing_ok=True)
            raise InputError(target, f"cannot write backup ({exc})") from exc

    def restore(self, source: Path, *, force: bool = False) -> audit.Verification:
        """Replace this store's contents with a backup's, once the backup has verified.

        The backup is checked on a scratch copy (opening it could change it), then copied in
        page by page with SQLite's backup API. A store that holds anything is replaced only with
        `force`."""
        self._require_sqlite("restore")
        if not force and not self.is_empty():
            raise InputError(self.url, "store is not empty; pass --force to replace it")
        with tempfile.TemporaryDirectory(prefix="ceasefire-restore-") as scratch:
            copy = Path(scratch) / "backup.db"
            try:
                shutil.copyfile(source, copy)
                candidate = Store.open(str(copy))
                result = audit.verify(candidate)
            except (OSError, SQLAlchemyError) as exc:
                raise InputError(source, f"not a readable ceasefire backup ({exc})") from exc
            try:
                if result.events == 0:
                    raise InputError(source, "not a ceasefire backup (it has no audit log)")
                if not result.ok:
                    raise InputError(source, f"backup does not verify: {result.summary()}")
                with candidate.engine.connect() as backup, self.engine.connect() as target:
                    backup.connection.dbapi_connection.backup(target.connection.dbapi_connection)
            finally:
                candidate.close()
        self.engine.dispose()
        return audit.verify(self)

    def is_empty(self) -> bool:
        """No event and no audited row: nothing a restore would destroy."""
        with self.session() as s:
            return all(
                s.execute(select(*t.primary_key.columns).limit(1)).first() is None
                for t in [AuditEventRow.__table__, *audited_tables()]
            )

    def _require_sqlite(self, what: str) -> None:
        if self.engine.dialect.name != "sqlite":
            raise InputError(self.url, f"{what} works on SQLite stores; use the server's own tools")

    # --- registries ---------------------------------------------------------------------------

    def save_actors(self, actors: Iterable[Actor]) -> None:
        with self.session("registry.actors", subject="actors") as s:
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
                if a.areas:
                    s.merge(ActorAreaRow(actor_id=a.id, areas=list(a.areas)))
                elif (old := s.get(ActorAreaRow, a.id)) is not None:
                    s.delete(old)

    def actors(self) -> list[Actor]:
        with self.session() as s:
            areas = {r.actor_id: tuple(r.areas) for r in s.scalars(select(ActorAreaRow))}
            return [
                Actor(
                    id=r.id,
                    name=r.name,
                    kind=ActorKind(r.kind),
                    aliases=tuple(r.aliases),
                    parent=r.parent,
                    country=r.country,
                    areas=areas.get(r.id, ()),
                )
                for r in s.scalars(select(ActorRow).order_by(ActorRow.id))
            ]

    def save_places(self, places: Iterable[Place]) -> int:
        count = 0
        with self.session("registry.places", subject="places") as s:
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
        """Record an agreement version (an amendment, if the agreement is known) and make it the
        active one."""
        with self.session("agreement.load", subject=f"{agreement_id}@{version}") as s:
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

    def signatures_of(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The stored near-duplicate signatures of these documents, for the index to load the
        ones it has to compare a new document with rather than hold them all."""
        wanted = list(ids)
        found: dict[str, bytes] = {}
        with self.session() as s:
            for i in range(0, len(wanted), 500):
                query = select(DocumentRow.id, DocumentRow.signature)
                query = query.where(DocumentRow.id.in_(wanted[i : i + 500]))
                query = query.where(DocumentRow.signature.is_not(None))
                found.update((doc_id, signature) for doc_id, signature in s.execute(query))
        return found

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
        self.save_incidents(session, [incident])

    def save_incidents(self, session: Session, incidents: list[Incident]) -> None:
        """`save_incident` for many: a pipeline batch changes hundreds of incidents, and a few
        statements for all of them cost far less than a few for each."""
        known = [i.id for i in incidents if i.id is not None]
        rows: dict[int, IncidentRow] = {}
        for start in range(0, len(known), 500):
            query = select(IncidentRow).where(IncidentRow.id.in_(known[start : start + 500]))
            rows.update((r.id, r) for r in session.scalars(query))
        saved = []
        for incident in incidents:
            row = rows.get(incident.id) if incident.id is not None else None
            if row is None:
                row = IncidentRow()
                session.add(row)
            _fill_incident(row, incident)
            saved.append(row)
        session.flush()
        owner: dict[int, int] = {}
        for incident, row in zip(incidents, saved, strict=True):
            incident.id = row.id
            owner.update((claim_id, row.id) for claim_id in incident.claim_ids)
        claim_ids = list(owner)
        for start in range(0, len(claim_ids), 500):
            claimed = select(ClaimRow).where(ClaimRow.id.in_(claim_ids[start : start + 500]))
            for claim_row in session.scalars(claimed):
                claim_row.incident_id = owner[claim_row.id]
        judged = {i.id: i.verdict for i in incidents if i.id is not None and i.verdict is not None}
        ids = list(judged)
        verdicts: dict[int, VerdictRow] = {}
        for start in range(0, len(ids), 500):
            query = select(VerdictRow).where(VerdictRow.incident_id.in_(ids[start : start + 500]))
            verdicts.update((v.incident_id, v) for v in session.scalars(query))
        for incident_id, v in judged.items():
            verdict = verdicts.get(incident_id)
            if verdict is None:
                verdict = VerdictRow(incident_id=incident_id)
                session.add(verdict)
            verdict.status = v.status.value
            verdict.violator = v.violator
            verdict.reason = v.reason.value
            verdict.clause = v.clause
            verdict.explanation = v.explanation
            verdict.agreement_version = v.agreement_version
            verdict.disputed = v.disputed
            verdict.decided_at = now()

    def incidents(
        self,
        *,
        ids: Iterable[int] | None = None,
        limit: int | None = None,
        offset: int = 0,
        **filters: Any,
    ) -> list[Incident]:
        """Incidents with their verdicts, filtered as a monitor asks for them (see
        `incident_query`), oldest first; `limit` and `offset` page through them.

        The page is chosen on narrow rows (ids and dates) and only its incidents are read in
        full: sorting whole incident rows to keep a hundred of them is what made a page slow."""
        chosen = self.incident_query(ids=ids, columns=[IncidentRow.id], **filters)
        chosen = chosen.order_by(IncidentRow.date_from, IncidentRow.id)
        if limit is not None or offset:
            chosen = chosen.limit(limit).offset(offset)
        with self.session() as s:
            page = list(s.scalars(chosen))
            rows: dict[int, tuple[IncidentRow, VerdictRow | None]] = {}
            claim_ids: dict[int, list[int]] = {}
            corrected: dict[int, set[str]] = {}
            for i in range(0, len(page), 500):
                chunk = page[i : i + 500]
                full = select(IncidentRow, VerdictRow).outerjoin(
                    VerdictRow, VerdictRow.incident_id == IncidentRow.id
                )
                for incident, verdict in s.execute(full.where(IncidentRow.id.in_(chunk))).all():
                    rows[incident.id] = (incident, verdict)
                pairs = s.execute(
                    select(ClaimRow.incident_id, ClaimRow.id).where(ClaimRow.incident_id.in_(chunk))
                )
                for incident_id, claim_id in pairs:
                    claim_ids.setdefault(incident_id, []).append(claim_id)
                corrections = select(ReviewRow.incident_id, ReviewRow.changes).where(
                    ReviewRow.incident_id.in_(chunk), ReviewRow.action == "correct"
                )
                for incident_id, changes in s.execute(corrections):
                    fields = {CORRECTED_FIELDS[k] for k in changes if k in CORRECTED_FIELDS}
                    corrected.setdefault(incident_id, set()).update(fields)
            return [
                _incident(*rows[n], sorted(claim_ids.get(n, [])), corrected.get(n, set()))
                for n in page
                if n in rows
            ]

    def fusion_candidates(
        self,
        window: tuple[date, date],
        *,
        near_from: date,
        boxes: Iterable[tuple[float, float, float, float]] = (),
        place_ids: Iterable[str] = (),
        reports: Iterable[str] = (),
    ) -> set[int]:
        """Ids of the unmerged incidents overlapping `window` that a batch's claims could fuse
        with: those beginning no earlier than `near_from` that lie in one of `boxes` (west,
        south, east, north) or at one of `place_ids`, and those holding a claim of one of
        `reports` (a document, or the original its near-duplicate copies point to). Which of
        them fuse is `fuse.same_event`'s to decide; this keeps a batch from reading every
        incident of a busy week. Each part is its own query, so each can use an index, and each
        starts from the window's incidents: on a feed that keeps its pace they are as many in
        the tenth year as in the first week, where a report's copies, or all the incidents begun
        before the window's end, grow with the store."""
        low, high = window
        unmerged = IncidentRow.review_status != ReviewStatus.MERGED.value
        overlapping = select(IncidentRow.id).where(
            # bounded on both sides so that SQLite, which has no statistics, chooses the index
            # on date_to over the one leading with date_from, whose range is the whole past
            IncidentRow.date_to.between(low, date.max),
            IncidentRow.date_from <= high,
            unmerged,
        )
        # and here the index leading with date_from, now bounded on both sides
        recent = select(IncidentRow.id).where(
            IncidentRow.date_from.between(near_from, high), IncidentRow.date_to >= low, unmerged
        )
        near = [
            IncidentRow.lon.between(west, east) & IncidentRow.lat.between(south, north)
            for west, south, east, north in boxes
        ]
        wanted_places = list(place_ids)
        if wanted_places:
            near.append(IncidentRow.place["place"].as_string().in_(wanted_places))
        wanted_reports = set(reports)
        found: set[int] = set()
        with self.session() as s:
            for start in range(0, len(near), 200):  # SQLite nests each OR a level deeper
                found.update(s.scalars(recent.where(or_(*near[start : start + 200]))))
            if wanted_reports:
                # The window's claims, then their documents, each read by key: a report's copies
                # span the whole feed, and a join would leave PostgreSQL free to read them all.
                holding: dict[str, set[int]] = {}
                window_ids = list(s.scalars(overlapping))
                for i in range(0, len(window_ids), 500):
                    query = select(ClaimRow.document_id, ClaimRow.incident_id)
                    query = query.where(ClaimRow.incident_id.in_(window_ids[i : i + 500]))
                    for document_id, incident_id in s.execute(query):
                        holding.setdefault(document_id, set()).add(incident_id)
                documents = sorted(holding)
                for i in range(0, len(documents), 500):
                    query = select(DocumentRow.id, DocumentRow.duplicate_of)
                    query = query.where(DocumentRow.id.in_(documents[i : i + 500]))
                    for document_id, duplicate_of in s.execute(query):
                        if document_id in wanted_reports or duplicate_of in wanted_reports:
                            found.update(holding[document_id])
        return found

    def count_incidents(self, **filters: Any) -> int:
        """How many incidents `incidents(**filters)` would return without a limit."""
        query = self.incident_query(columns=(func.count(),), **filters)
        with self.session() as s:
            return s.scalar(query) or 0

    def violation_tallies(self, **filters: Any) -> list[dict[str, Any]]:
        """Day, violator, review status, dispute and dead of each violation matching `filters`
        (see `incident_query`): what the dashboard counts and charts, without loading a single
        incident."""
        if filters.get("verdict") not in (None, VerdictStatus.VIOLATION.value):
            return []
        query = self.incident_query(
            columns=(
                IncidentRow.date_from,
                VerdictRow.violator,
                IncidentRow.review_status,
                VerdictRow.disputed,
                IncidentRow.fatalities_min,
            ),
            **{**filters, "verdict": VerdictStatus.VIOLATION.value},
        )
        with self.session() as s:
            return [dict(row) for row in s.execute(query).mappings()]

    def sensitive_incidents(self, ids: Iterable[int]) -> set[int]:
        """Which of these incidents rest on a document marked sensitive (see `export`)."""
        wanted = sorted(set(ids))
        found: set[int] = set()
        with self.session() as s:
            for i in range(0, len(wanted), 500):
                query = (
                    select(ClaimRow.incident_id)
                    .join(DocumentRow, DocumentRow.id == ClaimRow.document_id)
                    .where(DocumentRow.sensitive, ClaimRow.incident_id.in_(wanted[i : i + 500]))
                )
                found.update(s.scalars(query.distinct()))
        return found

    def incident_points(self, **filters: Any) -> list[dict[str, Any]]:
        """Id, lon, lat and verdict of each located incident matching `filters` (see
        `incident_query`), oldest first: what a map draws, so a whole map comes in one request.
        The incident columns asked for are all in `ix_incidents_listing`, which SQLite then
        reads instead of the incident rows."""
        query = (
            self.incident_query(
                columns=(
                    IncidentRow.id,
                    IncidentRow.lon,
                    IncidentRow.lat,
                    VerdictRow.status.label("verdict"),
                ),
                **filters,
            )
            .where(IncidentRow.lat.is_not(None), IncidentRow.lon.is_not(None))
            .order_by(IncidentRow.date_from, IncidentRow.id)
        )
        with self.session() as s:
            result = s.execute(query)
            keys = list(result.keys())  # once: a mapping per row asks for them each time
            return [dict(zip(keys, row, strict=True)) for row in result]

    @staticmethod
    def incident_query(
        *,
        columns: Iterable[Any] = (IncidentRow, VerdictRow),
        ids: Iterable[int] | None = None,
        verdict: str | None = None,
        violator: str | None = None,
        event_type: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        review_status: str | None = None,
        or_violator: str | None = None,
        hide_reason: str | None = None,
        hide_sensitive: bool = False,
        include_merged: bool = False,
    ) -> Any:
        """The SELECT of `columns` (incident and verdict rows unless given) for these filters,
        done in SQL so a page of a large store costs what the page costs. `bbox` is west,
        south, east, north; incidents without coordinates fall outside it. `review_status`
        keeps incidents in that state, and, with `or_violator`, those attributed to that party
        too (what a party may see). `hide_reason` leaves out incidents judged for that reason,
        `hide_sensitive` those resting on a document marked sensitive.

        Verdicts are joined only when the columns or the filters need them: a count of
        incidents that joins every verdict reads every verdict."""
        wanted = list(columns)
        query = select(*wanted)
        by_verdict = (verdict, violator, hide_reason, review_status and or_violator)
        if any(by_verdict) or any(_of_table(c, VerdictRow) for c in wanted):
            query = query.outerjoin_from(
                IncidentRow, VerdictRow, VerdictRow.incident_id == IncidentRow.id
            )
        else:
            query = query.select_from(IncidentRow)
        if ids is not None:
            query = query.where(IncidentRow.id.in_(list(ids)))
        if not include_merged:
            query = query.where(IncidentRow.review_status != ReviewStatus.MERGED.value)
        if verdict:
            query = query.where(VerdictRow.status == verdict)
        if violator:
            query = query.where(VerdictRow.violator == violator)
        if hide_reason:
            query = query.where(or_(VerdictRow.reason.is_(None), VerdictRow.reason != hide_reason))
        if hide_sensitive:
            sensitive = (
                select(ClaimRow.id)
                .join(DocumentRow, DocumentRow.id == ClaimRow.document_id)
                .where(ClaimRow.incident_id == IncidentRow.id, DocumentRow.sensitive)
            )
            query = query.where(~sensitive.exists())
        if event_type:
            query = query.where(IncidentRow.event_type == event_type)
        if date_from:
            query = query.where(IncidentRow.date_to >= date_from)
        if date_to:
            query = query.where(IncidentRow.date_from <= date_to)
        if bbox is not None:
            west, south, east, north = bbox
            query = query.where(
                IncidentRow.lon.between(west, east), IncidentRow.lat.between(south, north)
            )
        if review_status is not None:
            visible = IncidentRow.review_status == review_status
            if or_violator is not None:
                visible = or_(visible, VerdictRow.violator == or_violator)
            query = query.where(visible)
        return query


def _of_table(column: Any, row: type[Base]) -> bool:
    """Whether a selected column (or the row entity itself) comes from `row`'s table."""
    if column is row:
        return True
    table = getattr(getattr(column, "element", column), "table", None)
    return table is row.__table__


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


def _fill_incident(row: IncidentRow, incident: Incident) -> None:
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


def _incident(
    r: IncidentRow, v: VerdictRow | None, claim_ids: list[int], corrected: Iterable[str] = ()
) -> Incident:
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
        corrected=tuple(sorted(corrected)),
    )


# What a review's "correct" records changing (its `changes` keys) -> the Incident field it sets.
CORRECTED_FIELDS = {
    "type": "event_type",
    "perpetrators": "perpetrators",
    "targets": "targets",
    "place": "place",
    "date_from": "date_from",
    "date_to": "date_to",
}


class ReviewRow(Audited, Base):
    """One review action on an incident (verify, reject, merge, correct): who, when, and the
    fields it changed, old and new, so the incident's history can be read back."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class ResponseRow(Audited, Base):
    """A party's answer to an incident attributed to it (deny, explain, counter-claim): kept
    beside the evidence, never instead of it."""

    __tablename__ = "party_responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    party: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AcceptanceRow(Audited, Base):
    """A party's signed acceptance of one agreement version (see `ceasefire.positions`): the
    statement exactly as signed (its time included), its signature, and the statement's fields
    for querying."""

    __tablename__ = "acceptances"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version", "agreement_sha256", "party"),
        Audited.__table_args__,
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    agreement_sha256: Mapped[str] = mapped_column(String(64))  # of the agreement text accepted
    party: Mapped[str] = mapped_column(String(100))
    signer: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"))
    statement: Mapped[str] = mapped_column(Text)  # canonical JSON, the bytes the signature covers
    signature: Mapped[bytes] = mapped_column(LargeBinary)
