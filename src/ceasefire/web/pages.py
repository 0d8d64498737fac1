"""The pages: dashboard with the map, incident page with its evidence, sign-in, and the forms
through which monitors review and parties answer. Rendered on the server (Jinja2); the map is the
only part that needs JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ceasefire import review, users
from ceasefire.errors import InputError
from ceasefire.keys import Signer
from ceasefire.model import EventType, Incident, ReviewStatus, VerdictStatus
from ceasefire.report import compliance
from ceasefire.web.api import KnowledgeDep, StoreDep
from ceasefire.web.auth import Viewer, check_csrf, csrf_token
from ceasefire.web.query import Filters, matching, one, records

router = APIRouter(include_in_schema=False)
FILTER_FIELDS = ("party", "verdict", "type", "date_from", "date_to")
TABLE_ROWS = 500  # the dashboard's table; the map, the counts and the exports cover them all
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_token"] = csrf_token


def page_viewer(request: Request, store: StoreDep) -> Viewer:
    """Pages know people by their sign-in cookie only."""
    return request.app.state.signins.viewer(store, request)


PageViewer = Annotated[Viewer, Depends(page_viewer)]


def _page_filters(params: dict[str, str]) -> Filters:
    """The dashboard's filter form; empty fields mean no filter, unreadable ones are ignored."""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(params[name]) if params.get(name) else None
        except ValueError:
            return None

    verdict = params.get("verdict", "")
    kind = params.get("type", "")
    return Filters(
        date_from=day("date_from"),
        date_to=day("date_to"),
        party=params.get("party") or None,
        verdict=VerdictStatus(verdict) if verdict in {v.value for v in VerdictStatus} else None,
        type=EventType(kind) if kind in {t.value for t in EventType} else None,
    )


@dataclass(frozen=True)
class PartyCount:
    party: str
    name: str
    violations: int
    verified: int
    disputed: int
    fatalities: int


def _per_party(incidents: list[Incident], parties: list[tuple[str, str]]) -> list[PartyCount]:
    rows = []
    for party_id, name in parties:
        mine = [
            i
            for i in incidents
            if i.verdict
            and i.verdict.status is VerdictStatus.VIOLATION
            and i.verdict.violator == party_id
        ]
        rows.append(
            PartyCount(
                party_id,
                name,
                len(mine),
                sum(i.review_status is ReviewStatus.VERIFIED for i in mine),
                sum(bool(i.verdict and i.verdict.disputed) for i in mine),
                sum(i.fatalities_min or 0 for i in mine),
            )
        )
    return rows


@dataclass(frozen=True)
class Bar:
    """One party's violations on one day, placed in the timeline's grid."""

    day: date
    party: str
    count: int
    column: int  # days since the first day shown
    below: int  # violations of parties stacked under this one that day


def timeline(incidents: list[Incident], parties: list[str]) -> list[Bar]:
    """Violations per party per day, stacked in the agreement's order of parties, then
    violations whose initiator is not established (party "")."""
    counts: dict[tuple[date, str], int] = {}
    for i in incidents:
        v = i.verdict
        if v is not None and v.status is VerdictStatus.VIOLATION and i.date_from:
            key = (i.date_from, v.violator or "")
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return []
    first = min(day for day, _ in counts)
    order = {p: n for n, p in enumerate([*parties, ""])}
    bars: list[Bar] = []
    stacked: dict[date, int] = {}
    for (day, party), count in sorted(
        counts.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], len(order)))
    ):
        below = stacked.get(day, 0)
        bars.append(Bar(day, party, count, (day - first).days, below))
        stacked[day] = below + count
    return bars


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, store: StoreDep, knowledge: KnowledgeDep, viewer: PageViewer
) -> HTMLResponse:
    params = dict(request.query_params)
    filters = _page_filters(params)
    found = matching(store, viewer, filters)
    parties = [(p.id, p.name) for p in knowledge.agreement.parties]
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "viewer": viewer,
            "agreement": knowledge.agreement,
            "params": params,
            "parties": parties,
            "verdicts": [v.value for v in VerdictStatus],
            "types": [t.value for t in EventType],
            "incidents": found[:TABLE_ROWS],
            "total": len(found),
            "query": urlencode({k: v for k, v in params.items() if v and k in FILTER_FIELDS}),
            "per_party": _per_party(found, parties),
            "timeline": timeline(found, [p for p, _ in parties]),
            "party_index": {p: n for n, (p, _) in enumerate(parties)},
        },
    )


@router.get("/agreement", response_class=HTMLResponse)
def agreement_page(request: Request, knowledge: KnowledgeDep, viewer: PageViewer) -> HTMLResponse:
    """Parties, guarantors, excluded groups with the basis of each designation, and clauses."""
    actors = knowledge.actors

    def name(actor_id: str) -> str:
        return actors.get(actor_id).name if actor_id in actors else actor_id

    context = {"viewer": viewer, "agreement": knowledge.agreement, "name": name}
    return templates.TemplateResponse(request, "agreement.html", context)


AWAITING = (ReviewStatus.REPORTED, ReviewStatus.CORROBORATED)


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request, store: StoreDep, knowledge: KnowledgeDep, viewer: PageViewer
) -> HTMLResponse:
    """What monitors have still to review: disputed first, then best corroborated, oldest."""
    if not viewer.reviews:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the review queue is for monitors")
    waiting = [i for i in store.incidents() if i.review_status in AWAITING]
    waiting.sort(
        key=lambda i: (
            not (i.verdict and i.verdict.disputed),
            -i.independent_sources,
            i.date_from or date.max,
        )
    )
    context = {"viewer": viewer, "agreement": knowledge.agreement, "incidents": waiting}
    return templates.TemplateResponse(request, "queue.html", context)


@router.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request, store: StoreDep, knowledge: KnowledgeDep, viewer: PageViewer
) -> HTMLResponse:
    """The situation report for a period, as a printable page."""
    params = _page_filters(
        {
            "date_from": request.query_params.get("since", ""),
            "date_to": request.query_params.get("until", ""),
        }
    )
    chosen = records(store, knowledge, matching(store, viewer, params))

    def status_is(value: str) -> list[dict[str, Any]]:
        return [r for r in chosen if (r["verdict"] or {}).get("status") == value]

    context = {
        "viewer": viewer,
        "agreement": knowledge.agreement,
        "since": params.date_from,
        "until": params.date_to,
        "query": urlencode(
            {k: v for k in ("since", "until") if (v := request.query_params.get(k, ""))}
        ),
        "records": chosen,
        "head": store.head(),
        "compliance": compliance(chosen, knowledge.agreement),
        "sections": [
            ("Violations", status_is("violation")),
            ("Undetermined", status_is("undetermined")),
            ("Not violations", status_is("not_a_violation")),
        ],
    }
    return templates.TemplateResponse(request, "report.html", context)


@dataclass(frozen=True)
class OutletCount:
    name: str
    documents: int
    copies: int


@router.get("/sources", response_class=HTMLResponse)
def sources_page(
    request: Request, store: StoreDep, knowledge: KnowledgeDep, viewer: PageViewer
) -> HTMLResponse:
    """Outlets, documents and near-duplicate clusters. Staff only: a document may name a
    source who must stay protected."""
    if not viewer.sees_everything:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sources are for monitors and guarantors")
    documents = store.documents()
    by_id = {d.id: d for d in documents}
    names = sorted({d.outlet or "unknown outlet" for d in documents})
    outlets = [
        OutletCount(
            name,
            sum((d.outlet or "unknown outlet") == name for d in documents),
            sum((d.outlet or "unknown outlet") == name and bool(d.duplicate_of) for d in documents),
        )
        for name in names
    ]
    copies: dict[str, list[Any]] = {}
    for d in documents:
        if d.duplicate_of in by_id:
            copies.setdefault(d.duplicate_of, []).append(d)
    context = {
        "viewer": viewer,
        "agreement": knowledge.agreement,
        "documents": documents,
        "outlets": outlets,
        "clusters": [(by_id[original], found) for original, found in copies.items()],
    }
    return templates.TemplateResponse(request, "sources.html", context)


def segments(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is evidence) at the evidence spans, overlaps joined."""
    marks: list[list[int]] = []
    for span in sorted(spans, key=lambda s: s["start"]):
        start, end = max(0, span["start"]), min(len(text), span["end"])
        if start >= end:
            continue
        if marks and start <= marks[-1][1]:
            marks[-1][1] = max(marks[-1][1], end)
        else:
            marks.append([start, end])
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in marks:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    incident_id: int,
    request: Request,
    store: StoreDep,
    knowledge: KnowledgeDep,
    viewer: PageViewer,
) -> HTMLResponse:
    incident = one(store, viewer, incident_id)
    if incident is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    record = records(store, knowledge, [incident])[0]
    texts = {d.id: d for d in store.documents(s["document"] for s in record["sources"])}
    sources = [
        {
            **source,
            "title": texts[source["document"]].title,
            "pieces": segments(texts[source["document"]].text, source["evidence"]),
        }
        for source in record["sources"]
    ]
    clause = next(
        (c for c in knowledge.agreement.clauses if c.id == (record["verdict"] or {}).get("clause")),
        None,
    )
    verdict = incident.verdict
    return templates.TemplateResponse(
        request,
        "incident.html",
        {
            "viewer": viewer,
            "agreement": knowledge.agreement,
            "r": record,
            "clause": clause,
            "sources": sources,
            "reviews": review.history(store, incident_id),
            "responses": review.responses(store, incident_id),
            "may_respond": viewer.party is not None
            and verdict is not None
            and verdict.violator == viewer.party,
            "error": request.query_params.get("error"),
            "types": [t.value for t in EventType],
        },
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, viewer: PageViewer) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "login.html", {"viewer": viewer, "error": request.query_params.get("error")}
    )


@router.post("/login")
def login(
    request: Request,
    store: StoreDep,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
) -> RedirectResponse:
    check_csrf(request, csrf)
    try:
        signer = users.unlock(store, name, password)
    except InputError:
        return RedirectResponse("/login?error=wrong+name+or+password", status.HTTP_303_SEE_OTHER)
    user = next(u for u in users.users(store) if u.name == name)
    request.app.state.signins.sign_in(request, Viewer(user, signer))
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> RedirectResponse:
    check_csrf(request, csrf)
    request.app.state.signins.sign_out(request)
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)


def _back(incident_id: int, error: str | None = None) -> RedirectResponse:
    suffix = f"?error={quote(error)}" if error else ""
    return RedirectResponse(f"/incidents/{incident_id}{suffix}", status.HTTP_303_SEE_OTHER)


def _signed_in(viewer: Viewer) -> tuple[users.User, Signer | None]:
    if viewer.user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    return viewer.user, viewer.signer


@router.post("/incidents/{incident_id}/review")
def review_form(
    incident_id: int,
    request: Request,
    store: StoreDep,
    knowledge: KnowledgeDep,
    viewer: PageViewer,
    action: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    into: Annotated[str, Form()] = "",
    type: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    date_from: Annotated[str, Form()] = "",
    date_to: Annotated[str, Form()] = "",
    perpetrators: Annotated[str, Form()] = "",
    targets: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """The incident page's review form, signed with the monitor's own key."""
    check_csrf(request, csrf)
    user, signer = _signed_in(viewer)
    try:
        if action in ("verify", "reject"):
            wanted = ReviewStatus.VERIFIED if action == "verify" else ReviewStatus.REJECTED
            review.set_status(store, knowledge, incident_id, wanted, user, note=note, signer=signer)
        elif action == "merge":
            if not into.strip().isdigit():
                raise InputError("into", "give the number of the incident to merge into")
            survivor = review.merge(
                store, knowledge, incident_id, int(into), user, note=note, signer=signer
            )
            return _back(survivor.id or incident_id)
        elif action == "correct":
            given = {"type": type, "place": place, "date_from": date_from, "date_to": date_to}
            changes: dict[str, Any] = {k: v.strip() for k, v in given.items() if v.strip()}
            for role, value in (("perpetrators", perpetrators), ("targets", targets)):
                if value.strip():
                    changes[role] = [v.strip() for v in value.split(",") if v.strip()]
            review.correct(store, knowledge, incident_id, changes, user, note=note, signer=signer)
        else:
            raise InputError("action", f"{action!r} is not verify, reject, merge or correct")
    except review.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except review.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except InputError as exc:
        return _back(incident_id, str(exc))
    return _back(incident_id)


@router.post("/incidents/{incident_id}/responses")
def response_form(
    incident_id: int,
    request: Request,
    store: StoreDep,
    viewer: PageViewer,
    kind: Annotated[str, Form()],
    text: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
) -> RedirectResponse:
    """A party representative's response, signed with their own key."""
    check_csrf(request, csrf)
    user, signer = _signed_in(viewer)
    if one(store, viewer, incident_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    try:
        review.respond(store, incident_id, user, kind, text, signer=signer)
    except review.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except InputError as exc:
        return _back(incident_id, str(exc))
    return _back(incident_id)
