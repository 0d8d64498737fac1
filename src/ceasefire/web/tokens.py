"""A person's own API tokens, as the tokens page lists and revokes them. Tokens are made by
`users.issue_token` (shown once, only the hash kept); here a person sees theirs by label and date,
never by value, and revokes one by its number, which only works on their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ceasefire.keys import Signer
from ceasefire.store import Store, TokenRow, UserRow
from ceasefire.users import end_token

MAX_LABEL = 100  # the column's width


@dataclass(frozen=True)
class Token:
    id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None


def tokens_of(store: Store, name: str) -> list[Token]:
    """The person's tokens, newest first, revoked ones included (for the record)."""
    query = (
        select(TokenRow)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(UserRow.name == name)
        .order_by(TokenRow.id.desc())
    )
    with store.session() as s:
        return [Token(t.id, t.label, t.created_at, t.revoked_at) for t in s.scalars(query)]


def revoke_own(store: Store, name: str, token_id: int, *, signer: Signer | None) -> bool:
    """Revoke one of the person's live tokens, signed by them; False if it is not one."""
    query = (
        select(TokenRow)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(UserRow.name == name, TokenRow.id == token_id, TokenRow.revoked_at.is_(None))
    )
    with store.session("token.revoke", subject=f"{name} token {token_id}", signer=signer) as s:
        row = s.scalars(query).first()
        if row is None:
            return False
        end_token(s, row)
    return True
