"""Who is asking: a bearer token (API), a signed-in browser (pages), or nobody (the public).

A browser signs in with name and password; the password also opens the person's signing key, which
is kept in this process's memory (never in the cookie, never on disk) for as long as they stay
signed in, so what they do in the pages is signed as them. The cookie holds only a random session
id and the CSRF token its forms must echo. A bearer token a person issued with their key open
opens that key too (`users.token_access`), so what a program does with it is signed as them.

What each role may see: the public sees verified incidents only; a party's representative also
sees every incident attributed to their party (to answer it); monitors, guarantors and admins see
everything. `Viewer.scope` states the rule once, as store filters, and every way of reaching an
incident (a list, a count, the map, one incident by its id) goes through it.

Who sent a report marked sensitive, and exactly where it puts an incident, only monitors (and
admins) see (`Viewer.sees_sources`); everyone else gets the records `export` protects.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request, status

from ceasefire import users
from ceasefire.keys import Signer
from ceasefire.model import ReviewStatus
from ceasefire.review import REVIEWERS
from ceasefire.store import Store


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, or the public when `user` is None."""

    user: users.User | None = None
    signer: Signer | None = None  # their own key, when it is open; None: the installation signs

    @property
    def name(self) -> str:
        return self.user.name if self.user else "public"

    @property
    def role(self) -> str:
        return self.user.role if self.user else "public"

    @property
    def party(self) -> str | None:
        return self.user.party if self.user else None

    @property
    def sees_everything(self) -> bool:
        return self.role in ("admin", "monitor", "guarantor")

    @property
    def reviews(self) -> bool:
        return self.role in REVIEWERS

    @property
    def sees_sources(self) -> bool:
        """Sees who sent a sensitive report and the precise place of what it reports."""
        return self.role in REVIEWERS

    def scope(self) -> dict[str, Any]:
        """What this viewer may see, as filters of `Store.incident_query`, so the database
        leaves out the rest."""
        if self.sees_everything:
            return {}
        return {"review_status": ReviewStatus.VERIFIED.value, "or_violator": self.party}


def bearer_viewer(store: Store, request: Request) -> Viewer:
    """The token's user; no Authorization header means the public, a bad token is refused
    rather than quietly downgraded, so a client with an expired token notices."""
    header = request.headers.get("authorization")
    if not header:
        return Viewer()
    scheme, _, token = header.partition(" ")
    found = users.token_access(store, token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked API token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Viewer(*found)


@dataclass
class SignIns:
    """The browsers signed in to this process: session id -> (user, their unlocked signer)."""

    live: dict[str, Viewer] = field(default_factory=dict)

    def sign_in(self, request: Request, viewer: Viewer) -> None:
        request.session.clear()
        sid = secrets.token_urlsafe(32)
        self.live[sid] = viewer
        request.session["sid"] = sid
        request.session["csrf"] = secrets.token_urlsafe(32)

    def sign_out(self, request: Request) -> None:
        self.live.pop(request.session.get("sid", ""), None)
        request.session.clear()

    def viewer(self, store: Store, request: Request) -> Viewer:
        """The signed-in person, if still active; otherwise the public."""
        found = self.live.get(request.session.get("sid", ""))
        if found is None or found.user is None:
            return Viewer()
        current = next((u for u in users.users(store) if u.name == found.user.name), None)
        if current is None or not current.active:
            self.sign_out(request)
            return Viewer()
        return Viewer(current, found.signer)


def csrf_token(request: Request) -> str:
    """The token forms carry; made on first use so the sign-in form has one too."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def check_csrf(request: Request, presented: str) -> None:
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(expected, presented):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "missing or stale form token; reload the page"
        )
