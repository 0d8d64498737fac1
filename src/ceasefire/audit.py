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

The installation key can be replaced (`Store.rotate_key`): the old key signs the event that
registers the new one, and the new key signs the hand-over inside it. From then on only the new
key signs for the installation; an event signed with a retired key is named like any other fault.
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
ROTATE = "key.rotate"  # the action of the event that hands the installation's signing to a new key


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


def rotation_statement(old: str, new: str) -> bytes:
    """What a new installation key signs when it takes over from `old`: proof that whoever
    rotated holds the new key, not only the old one."""
    return canonical(["ceasefire-key-rotation-1", old, new])


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


@dataclass
class _Installation:
    """Which installation key is in force as the log is read: the first event's, then each
    rotation's new key. Only the key in force signs for the installation."""

    own_key: str | None  # the key file at hand, if any
    claimed: set[str]  # every key the log says the installation had
    current: str | None = None
    retired: dict[str, int] = field(default_factory=dict)  # key -> the event that retired it

    def problem(self, event: Event, position: int, keys: Mapping[str, PublicKey]) -> str | None:
        if event.actor != INSTALLATION:
            return (
                "a key rotation must be made by the installation"
                if event.action == ROTATE
                else None
            )
        if self.own_key and self.own_key not in self.claimed:
            return (
                f"signed with installation key {event.key_id:.16}, not with this installation's "
                f"key file ({self.own_key:.16})"
            )
        if self.current is None:
            self.current = event.key_id
        elif event.key_id in self.retired:
            return (
                f"signed with installation key {event.key_id:.16}, retired by event "
                f"{self.retired[event.key_id]}"
            )
        elif event.key_id != self.current:
            return f"signed with installation key {event.key_id:.16}, not the one in force"
        return self._rotate(event, position, keys) if event.action == ROTATE else None

    def _rotate(self, event: Event, position: int, keys: Mapping[str, PublicKey]) -> str | None:
        details = json.loads(event.details)
        old, new = details.get("old"), details.get("new")
        if old != event.key_id:
            return "rotates a key other than the one that signs the rotation"
        key = keys.get(str(new))
        if key is None or key.owner != INSTALLATION or new in self.retired:
            return f"rotates to {new!s:.16}, which is not a new installation key"
        signature = bytes.fromhex(str(details.get("new_signature", "")))
        if not verify_signature(key.public_key, signature, rotation_statement(old, new)):
            return "the new key did not sign the rotation"
        self.retired[old] = position
        self.current = new
        return None

    def final_problem(self) -> str | None:
        if self.own_key and self.own_key in self.claimed and self.own_key != self.current:
            when = self.retired.get(self.own_key)
            retired = f", retired by event {when}" if when else ""
            return (
                f"this installation's key file ({self.own_key:.16}) is not the installation key "
                f"in force ({self.current!s:.16}){retired}"
            )
        return None


def _claimed_keys(store: Store) -> set[str]:
    """The installation keys the log names: the first event's and every rotation's new key."""
    claimed = {e.key_id for e in store.events(action="log.start")}
    for event in store.events(action=ROTATE):
        try:
            claimed.add(str(json.loads(event.details).get("new")))
        except (TypeError, ValueError, AttributeError):
            continue  # the walk names the event
    return claimed


def verify(store: Store, pinned: Iterable[str] = ()) -> Verification:
    """Check the chain, every signature, and every audited row against the log."""
    result = Verification()
    keys = store.signing_keys()
    # the key file at hand (None when it is not), held to the log's keys
    installation = _Installation(store.installation_key_id(), _claimed_keys(store))
    recorded: dict[str, dict[str, tuple[str | None, int]]] = {}
    hashes: set[str] = set()
    follows = {GENESIS}
    for position, event in enumerate(store.events(), start=1):
        result.events = position
        try:
            changes = _parse(event.changes)
            if position == 1:  # the first event registers the key it is signed with
                _replay(recorded, changes, position)
            problem = _chain_problem(event, position, follows, keys, recorded)
            problem = problem or installation.problem(event, position, keys)
            if position > 1:
                _replay(recorded, changes, position)
            follows = {event.hash, event.computed_hash()}
        except (TypeError, ValueError, AttributeError) as exc:
            problem, follows = f"cannot be read ({exc})", {str(event.hash)}
        if problem:
            result.problems.append(f"event {position}: {problem}")
        hashes.add(str(event.hash))
        result.head = str(event.hash)
    if (key_problem := installation.final_problem()) is not None:
        result.problems.append(key_problem)
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
) -> str | None:
    if event.seq != position:
        return f"has sequence number {event.seq} (events missing or reordered)"
    if event.prev_hash not in follows:
        return "does not follow the previous event (events missing, inserted or reordered)"
    if recorded.get(KEYS_TABLE, {}).get(event.key_id, (None,))[0] is None:
        # Every key but the first is registered by an earlier event, signed by a key already
        # trusted: nobody can vouch for a key of their own making.
        return f"signed with key {event.key_id!s:.16}, which no earlier event registered"
    return event_problem(event, keys)
