"""People who use a store: roles, passwords, API tokens, and the keys they sign with.

Roles (SPEC §5): admin, monitor, guarantor, and party, which speaks for one party of the active
agreement. Passwords are hashed with Argon2id (argon2-cffi). API tokens are random 256-bit strings
of which only the SHA-256 is stored: a token is as strong as a key, so a slow hash would add
nothing but a delay to every request. Each person gets an Ed25519 key when they are added, sealed
under their password (`ceasefire.keys`), so what they sign, only they could have signed. A token
the person issues themself, key open, carries the key sealed under the token, so what is done with
it is signed as them too; other tokens are signed for by the installation.

Every change here is an audited write, signed by whoever makes it: the installation for the
command line, an admin's own key when the web makes it on their behalf.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ceasefire.actors import ActorRegistry
from ceasefire.agreement import load_agreement
from ceasefire.errors import InputError
from ceasefire.keys import (
    INSTALLATION,
    Signer,
    lock_key,
    lock_key_with_token,
    unlock_key,
    unlock_key_with_token,
)
from ceasefire.store import SigningKeyRow, Store, TokenKeyRow, TokenRow, UserRow, now

ROLES = ("admin", "monitor", "guarantor", "party")
MIN_PASSWORD = 10
TOKEN_PREFIX = "cft_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    party: str | None
    key_id: str
    active: bool


def _user(row: UserRow) -> User:
    return User(row.name, row.role, row.party, row.key_id, row.active)


def parse_role(store: Store, spec: str) -> tuple[str, str | None]:
    """`monitor` -> (monitor, None); `party:government` -> (party, government), the party checked
    against the active agreement."""
    role, _, party = spec.partition(":")
    if role not in ROLES:
        raise InputError("--role", f"{spec!r} is not one of admin, monitor, guarantor, party:PARTY")
    if (role == "party") != bool(party):
        raise InputError("--role", f"{spec!r}: a party user is party:PARTY, other roles take none")
    if party:
        source = store.active_agreement_source()
        if source is None:
            raise InputError(store.url, "store has no agreement; run `ceasefire init` first")
        actors = ActorRegistry(store.actors())
        parties = [
            p.id
            for p in load_agreement(Path(f"{store.url}#agreement"), actors, text=source).parties
        ]
        if party not in parties:
            raise InputError(
                "--role", f"no party {party!r} in the agreement ({', '.join(parties)})"
            )
    return role, party or None


def _check_password(name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"user {name}", f"password too short (at least {MIN_PASSWORD} characters)")


def _row(session: Session, name: str) -> UserRow:
    row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
    if row is None:
        raise InputError(f"user {name}", "no such user")
    return row


def add_user(
    store: Store, name: str, role: str, password: str, *, signer: Signer | None = None
) -> User:
    """Add a person with a role (as `parse_role` reads it), a password and a new signing key."""
    if not _NAME.fullmatch(name) or name == INSTALLATION:
        raise InputError(
            f"user {name}", "names are letters, digits and . _ @ - (and not 'installation')"
        )
    _check_password(name, password)
    kind, party = parse_role(store, role)
    key = Ed25519PrivateKey.generate()
    own = Signer(name, key)
    details = {"role": kind, "party": party, "key": own.key_id}
    with store.session("user.add", subject=name, details=details, signer=signer) as s:
        if s.scalars(select(UserRow.id).where(UserRow.name == name)).first() is not None:
            raise InputError(f"user {name}", "already exists")
        s.add(SigningKeyRow(id=own.key_id, owner=name, public_key=own.public_key, created_at=now()))
        row = UserRow(
            name=name,
            role=kind,
            party=party,
            password_hash=_hasher.hash(password),
            key_id=own.key_id,
            private_key=lock_key(key, password, name),
            active=True,
            created_at=now(),
        )
        s.add(row)
    return _user(row)


def set_role(store: Store, name: str, role: str, *, signer: Signer | None = None) -> User:
    kind, party = parse_role(store, role)
    details = {"role": kind, "party": party}
    with store.session("user.role", subject=name, details=details, signer=signer) as s:
        row = _row(s, name)
        row.role, row.party = kind, party
    return _user(row)


def set_active(store: Store, name: str, active: bool, *, signer: Signer | None = None) -> User:
    """Disable (or re-enable) a user: they keep their history and key, but cannot sign in."""
    action = "user.enable" if active else "user.disable"
    with store.session(action, subject=name, signer=signer) as s:
        row = _row(s, name)
        row.active = active
        if not active:
            live = select(TokenRow).where(TokenRow.user_id == row.id, TokenRow.revoked_at.is_(None))
            for token in s.scalars(live):
                end_token(s, token)
    return _user(row)


def users(store: Store) -> list[User]:
    with store.session() as s:
        return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]


def find_user(store: Store, name: str) -> User | None:
    with store.session() as s:
        row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
    return _user(row) if row is not None else None


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The active user with this name and password, or None (which of the two was wrong is not
    said)."""
    with store.session() as s:
        row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
    if row is None or not row.active:
        _hasher.hash(password)  # the same work either way, so timing does not tell names apart
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return _user(row)


def unlock(store: Store, name: str, password: str) -> Signer:
    """The user's signer: their private key, opened with their password."""
    user = authenticate(store, name, password)
    if user is not None:
        with store.session() as s:
            locked = _row(s, name).private_key
        key = unlock_key(locked, password, name, user.key_id)
        if key is not None:
            return Signer(name, key)
    raise InputError(f"user {name}", "wrong name or password")


def change_password(store: Store, name: str, old: str, new: str) -> None:
    """Re-hash the password and re-seal the key; the user signs the change with that key."""
    _check_password(name, new)
    signer = unlock(store, name, old)
    with store.session("user.password", subject=name, signer=signer) as s:
        row = _row(s, name)
        row.password_hash = _hasher.hash(new)
        row.private_key = lock_key(signer.key, new, name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store: Store, name: str, label: str = "", *, signer: Signer | None = None) -> str:
    """A new API token for the user; it is shown once, only its hash is kept. When the user signs
    the issue with their own key, the token also carries that key, sealed under the token."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.session("token.issue", subject=name, details={"label": label}, signer=signer) as s:
        row = _row(s, name)
        if not row.active:
            raise InputError(f"user {name}", "is disabled")
        own = signer if signer is not None and signer.name == name else None
        if own is not None and own.key_id != row.key_id:
            raise InputError(f"user {name}", "signs with a key that is not theirs")
        issued = TokenRow(
            user_id=row.id, token_hash=_token_hash(token), label=label, created_at=now()
        )
        s.add(issued)
        if own is not None:
            s.flush()  # the token's id
            sealed = lock_key_with_token(own.key, token, name)
            s.add(TokenKeyRow(token_id=issued.id, sealed_key=sealed))
    return token


def end_token(session: Session, token: TokenRow) -> None:
    """Revoke a token in an audited session, deleting the key sealed under it with it."""
    token.revoked_at = now()
    sealed = session.get(TokenKeyRow, token.id)
    if sealed is not None:
        session.delete(sealed)


def revoke_token(store: Store, token: str, *, signer: Signer | None = None) -> bool:
    digest = _token_hash(token)
    with store.session("token.revoke", subject=digest[:16], signer=signer) as s:
        row = s.scalars(select(TokenRow).where(TokenRow.token_hash == digest)).first()
        if row is None or row.revoked_at is not None:
            return False
        end_token(s, row)
    return True


def user_for_token(store: Store, token: str) -> User | None:
    """Who a presented API token belongs to, if it is valid and its user active."""
    found = token_access(store, token)
    return found[0] if found is not None else None


def token_access(store: Store, token: str) -> tuple[User, Signer | None] | None:
    """The user of a valid token of an active user, and their signer if the token carries their
    key (None: what they do is signed for by the installation); None for a bad token."""
    with store.session() as s:
        found = s.execute(
            select(UserRow, TokenKeyRow.sealed_key)
            .join(TokenRow, TokenRow.user_id == UserRow.id)
            .outerjoin(TokenKeyRow, TokenKeyRow.token_id == TokenRow.id)
            .where(TokenRow.token_hash == _token_hash(token), TokenRow.revoked_at.is_(None))
        ).one_or_none()
    if found is None or not found[0].active:
        return None
    row, sealed = found
    key = unlock_key_with_token(sealed, token, row.name, row.key_id) if sealed else None
    return _user(row), (Signer(row.name, key) if key is not None else None)
