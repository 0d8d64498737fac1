"""The audit log: one hash chain of signed events that explains every stored row.

Each committed transaction that changes an audited table appends one event (the store does it;
see `Store.session`). An event names who, when, what action on what subject, and the digest of
every row it wrote: `changes` maps table -> row key -> SHA-256 of the row as stored (null when the
row was deleted). The event's hash covers its fields, the digest of its changes and the previous
event's hash; its Ed25519 signature covers the hash.

So the log pins stored *state*, not only itself: `verify` walks the chain, checks every hash and
signature, replays the row digests, then recomputes the digest of every stored row and compares
it with the last one the log recorded. A row edited, added or deleted behind the store's back,
or an event altered, removed or reordered, is named in one line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ceasefire.keys import INSTALLATION, Signer, verify_signature

if TYPE_CHECKING:
    from ceasefire.store import Store

GENESIS = "0" * 64  # the "previous hash" of the first event
KEYS_TABLE = "signing_keys"
FORMAT = "ceasefire-log-1"  # hashed into every event, so a later format cannot be confused with it


def canonical(value: Any) -> bytes:
    """The one byte string a JSON value hashes as: sorted keys, no spaces, ASCII only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _typed(value: Any) -> Any:
    """A stored value as JSON, its type kept: a text "1" and an integer 1 digest differently."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", sha256(bytes(value))]
    if isinstance(value, datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, dict | list):  # a JSON column on a server database
        return ["json", value]
    raise TypeError(f"cannot digest a {type(value).__name__}")


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """SHA-256 of a row exactly as the database returns it, named by its table."""
    return sha256(canonical([table, {column: _typed(v) for column, v in row.items()}]))


def row_key(primary_key: Iterable[Any]) -> str:
    """How the log names a row: its primary key, composite keys as a JSON list."""
    values = list(primary_key)
    return str(values[0]) if len(values) == 1 else json.dumps(values, default=str)


@dataclass(frozen=True)
class Event:
    """One entry of the log, as stored."""

    seq: int
    at: str  # ISO 8601, UTC
    actor: str  # "installation" or a user name: the owner of the signing key
    action: str  # e.g. ingest, run.finish, user.add, agreement.load
    subject: str
    details: str  # canonical JSON: versions, counts, notes
    changes: str  # canonical JSON: table -> row key -> row digest | null
    digest: str  # SHA-256 of `changes`
    prev_hash: str
    hash: str
    key_id: str
    signature: bytes

    def computed_hash(self) -> str:
        return sha256(
            canonical(
                [
                    FORMAT,
                    self.seq,
                    self.at,
                    self.actor,
                    self.action,
                    self.subject,
                    self.details,
                    self.digest,
                    self.prev_hash,
                    self.key_id,
                ]
            )
        )


def seal(
    *,
    seq: int,
    prev_hash: str,
    at: str,
    signer: Signer,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    changes: Mapping[str, Mapping[str, str | None]],
) -> Event:
    """A new event, hashed and signed."""
    changes_text = canonical(changes).decode()
    unsigned = Event(
        seq=seq,
        at=at,
        actor=signer.name,
        action=action,
        subject=subject,
        details=canonical(details).decode(),
        changes=changes_text,
        digest=sha256(changes_text.encode()),
        prev_hash=prev_hash,
        hash="",
        key_id=signer.key_id,
        signature=b"",
    )
    own = unsigned.computed_hash()
    return replace(unsigned, hash=own, signature=signer.sign(bytes.fromhex(own)))


@dataclass(frozen=True)
class PublicKey:
    owner: str
    public_key: bytes


def event_problem(event: Event, keys: Mapping[str, PublicKey]) -> str | None:
    """What is wrong with one event on its own (contents, hash, signature), or None."""
    changes = event.changes
    if (
        not isinstance(changes, str)
        or sha256(changes.encode("utf-8", "surrogateescape")) != event.digest
    ):
        return "its changes do not match its digest"
    if event.computed_hash() != event.hash:
        return "its hash does not match its contents"
    key = keys.get(event.key_id)
    if key is None:
        return f"signed with an unknown key {event.key_id!s:.16}"
    if key.owner != event.actor:
        return f"signed with {key.owner}'s key, but names {event.actor} as its actor"
    if not verify_signature(key.public_key, bytes(event.signature), bytes.fromhex(event.hash)):
        return "its signature does not verify"
    return None


@dataclass
class Verification:
    events: int = 0
    rows: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: the first problem (and how many more), or what was checked."""
        if self.problems:
            more = len(self.problems) - 1
            return self.problems[0] + (f" (and {more} more problems)" if more else "")
        return f"ok: {self.events} events and {self.rows} rows verified; head {self.head}"


def verify(store: Store, pinned: Iterable[str] = ()) -> Verification:
    """Check the chain, every signature, and every audited row against the log."""
    result = Verification()
    keys = store.signing_keys()
    own_key = store.installation_key_id()  # None when the key file is not at hand
    recorded: dict[str, dict[str, tuple[str | None, int]]] = {}
    hashes: set[str] = set()
    follows = {GENESIS}
    for position, event in enumerate(store.events(), start=1):
        result.events = position
        try:
            changes = _parse(event.changes)
            if position == 1:  # the first event registers the key it is signed with
                _replay(recorded, changes, position)
            problem = _chain_problem(event, position, follows, keys, recorded, own_key)
            if position > 1:
                _replay(recorded, changes, position)
            follows = {event.hash, event.computed_hash()}
        except (TypeError, ValueError, AttributeError) as exc:
            problem, follows = f"cannot be read ({exc})", {str(event.hash)}
        if problem:
            result.problems.append(f"event {position}: {problem}")
        hashes.add(str(event.hash))
        result.head = str(event.hash)
    for pin in pinned:
        if pin not in hashes:
            result.problems.append(f"pinned head {pin} is not an event of this log")
    for table in store.audited_tables():
        mine = recorded.pop(table, {})
        seen: set[str] = set()
        for key, digest in store.row_digests(table):
            result.rows += 1
            seen.add(key)
            entry = mine.get(key)
            if entry is None:
                result.problems.append(f"{table} {key}: row was never recorded in the log")
            elif entry[0] != digest:
                result.problems.append(
                    f"{table} {key}: row differs from what event {entry[1]} recorded"
                )
        for key, (digest, seq) in mine.items():
            if digest is not None and key not in seen:
                result.problems.append(f"{table} {key}: row recorded by event {seq} is missing")
    for table in recorded:
        result.problems.append(f"log records rows of {table!r}, which is not an audited table")
    return result


def _parse(changes: Any) -> dict[str, Any]:
    """An event's changes; nothing if they do not parse (the digest check names that event)."""
    try:
        parsed = json.loads(changes)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _replay(
    recorded: dict[str, dict[str, tuple[str | None, int]]], changes: Any, position: int
) -> None:
    for table, rows in changes.items():
        for key, digest in rows.items():
            recorded.setdefault(table, {})[key] = (digest, position)


def _chain_problem(
    event: Event,
    position: int,
    follows: set[str],
    keys: Mapping[str, PublicKey],
    recorded: dict[str, dict[str, tuple[str | None, int]]],
    own_key: str | None,
) -> str | None:
    if event.seq != position:
        return f"has sequence number {event.seq} (events missing or reordered)"
    if event.prev_hash not in follows:
        return "does not follow the previous event (events missing, inserted or reordered)"
    if recorded.get(KEYS_TABLE, {}).get(event.key_id, (None,))[0] is None:
        # Every key but the first is registered by an earlier event, signed by a key already
        # trusted: nobody can vouch for a key of their own making.
        return f"signed with key {event.key_id!s:.16}, which no earlier event registered"
    problem = event_problem(event, keys)
    if problem is None and own_key and event.actor == INSTALLATION and event.key_id != own_key:
        problem = (
            f"signed with installation key {event.key_id:.16}, not with this installation's "
            f"key file ({own_key:.16})"
        )
    return problem
