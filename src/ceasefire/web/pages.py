"""The pages: dashboard with the map, incident page with its evidence, sign-in, the forms
through which monitors review and upload reports and parties answer, and each person's API
tokens. Rendered on the server (Jinja2); the map is the only part that needs JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from ceasefire import positions, review, users
from ceasefire.errors import InputError
from ceasefire.keys import Signer
from ceasefire.model import EventType, ReviewStatus, VerdictStatus
from ceasefire.report import compliance
from ceasefire.store import Store
from ceasefire.web import tokens
from ceasefire.web.api import KnowledgeDep, StoreDep
from ceasefire.web.auth import Viewer, check_csrf, csrf_token
from ceasefire.web.query import Filters, history, matching, one, records, scope, shown
from ceasefire.web.query import count as count_visible
from ceasefire.web.uploads import MAX_UPLOAD_BYTES, Rejected, TooLarge, published_day, read_upload

router = APIRouter(include_in_schema=False)
PROTECTED = "protected source"  # what others than monitors see of who sent a sensitive report
TABLE_ROWS = 500  # the dashboard's table; the map, the counts and the exports cover them all
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_token"] = csrf_token


def page_viewer(request: Request, store: StoreDep) -> Viewer:
    """Pages know people by their sign-in cookie only."""
    return request.app.state.signins.viewer(store, request)


PageViewer = Annotated[Viewer, Depends(page_viewer)]


def _page_filters(params: dict[str, str]) -> Filters:
    """The dashboard's filter form; empty fields mean no filter, unreadable ones are ignored.
    Incidents outside the agreement's territory are left out unless asked for (`territory`):
    they are judged, but they are not what the dashboard is for."""

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
        outside_territory=params.get("territory") == "all",
    )


def _api_params(filters: Filters) -> dict[str, str]:
    """The filters as the API reads them, for the map's request and the export link: only
    those the page understood, so neither asks the API for what it would refuse."""
    chosen = {
        "party": filters.party,
        "verdict": filters.verdict.value if filters.verdict else None,
        "type": filters.type.value if filters.type else None,
        "date_from": filters.date_from.isoformat() if filters.date_from else None,
        "date_to": filters.date_to.isoformat() if filters.date_to else None,
        "territory": "all" if filters.outside_territory else "inside",
    }
    return {k: v for k, v in chosen.items() if v}


@dataclass(frozen=True)
class PartyCount:
    party: str
    name: str
    violations: int
    verified: int
    disputed: int
    fatalities: int


def _per_party(
    violations: list[dict[str, Any]], parties: list[tuple[str, str]]
) -> list[PartyCount]:
    """Each party's violations from `Store.violation_tallies` rows."""
    rows = []
    for party_id, name in parties:
        mine = [v for v in violations if v["violator"] == party_id]
        rows.append(
            PartyCount(
                party_id,
                name,
                len(mine),
                sum(v["review_status"] == ReviewStatus.VERIFIED.value for v in mine),
                sum(bool(v["disputed"]) for v in mine),
                sum(v["fatalities_min"] or 0 for v in mine),
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


def timeline(violations: list[dict[str, Any]], parties: list[str]) -> list[Bar]:
    """Violations (`Store.violation_tallies` rows) per party per day, stacked in the
    agreement's order of parties, then violations whose initiator is not established
    (party "")."""
    counts: dict[tuple[date, str], int] = {}
    for v in violations:
        if v["date_from"]:
            key = (v["date_from"], v["violator"] or "")
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
    total = count_visible(store, viewer, filters)
    outside = 0
    if not filters.outside_territory:
        outside = count_visible(store, viewer, replace(filters, outside_territory=True)) - total
    violations = store.violation_tallies(**scope(viewer, filters))
    chosen = _api_params(filters)
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
            "incidents": shown(
                store, knowledge, matching(store, viewer, filters, limit=TABLE_ROWS), viewer
            ),
            "total": total,
            "outside": outside,
            "show_outside": urlencode({**chosen, "territory": "all"}),
            "query": urlencode(chosen),
            "map_points": f"/api/map?{urlencode(chosen)}",
            "per_party": _per_party(violations, parties),
            "timeline": timeline(violations, [p for p, _ in parties]),
            "party_index": {p: n for n, (p, _) in enumerate(parties)},
        },
    )


@router.get("/agreement", response_class=HTMLResponse)
def agreement_page(
    request: Request, store: StoreDep, knowledge: KnowledgeDep, viewer: PageViewer
) -> HTMLResponse:
    """Parties with their signed acceptance, guarantors, excluded groups with the basis of each
    designation, and clauses."""
    actors = knowledge.actors
    agreement = knowledge.agreement

    def name(actor_id: str) -> str:
        return actors.get(actor_id).name if actor_id in actors else actor_id

    signed = positions.acceptances(store, agreement.id, agreement.version)
    accepted = {p.id: [a for a in signed if a.party == p.id] for p in agreement.parties}
    context = {
        "viewer": viewer,
        "agreement": agreement,
        "name": name,
        "accepted": accepted,
        "may_accept": viewer.party in accepted
        and viewer.signer is not None
        and not any(a.verifies for a in accepted[viewer.party]),
        "error": request.query_params.get("error"),
    }
    return templates.TemplateResponse(request, "agreement.html", context)


@router.post("/agreement/accept")
def accept_form(
    request: Request, store: StoreDep, viewer: PageViewer, csrf: Annotated[str, Form()]
) -> RedirectResponse:
    """A party representative's acceptance of the agreement, signed with their own key."""
    check_csrf(request, csrf)
    user, signer = _signed_in(viewer)
    if signer is None or user.role != "party":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a party's representative accepts")
    try:
        positions.accept(store, signer)
    except review.NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except InputError as exc:
        return RedirectResponse(f"/agreement?error={quote(str(exc))}", status.HTTP_303_SEE_OTHER)
    return RedirectResponse("/agreement", status.HTTP_303_SEE_OTHER)


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
            "territory": "all",  # a report accounts for every incident of the period
        }
    )
    chosen = records(store, knowledge, matching(store, viewer, params), viewer)

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
    documents = [
        d
        if viewer.sees_sources or not d.sensitive
        else replace(d, outlet=PROTECTED, title=None, url=None, external_id=None)
        for d in store.documents()
    ]
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
    record = records(store, knowledge, [incident], viewer)[0]
    texts = {d.id: d for d in store.documents(s["document"] for s in record["sources"])}
    sources = []
    for source in record["sources"]:
        document = texts[source["document"]]
        if document.sensitive and not viewer.sees_sources:
            # the evidence only: the rest of a protected report may say who wrote it
            title, pieces = None, []
            for e in source["evidence"]:
                pieces += [(" … ", False)] if pieces else []
                pieces.append((e["text"], True))
        else:
            title, pieces = document.title, segments(document.text, source["evidence"])
        sources.append(
            {**source, "title": title, "pieces": pieces, "sensitive": document.sensitive}
        )
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
            "reviews": history(store, viewer, incident_id),
            "responses": review.responses(store, incident_id),
            "signatures": positions.response_signatures(store, incident_id),
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


def _tokens_page(
    request: Request, store: Store, viewer: Viewer, **shown: Any
) -> HTMLResponse | RedirectResponse:
    if viewer.user is None:
        return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    context = {
        "viewer": viewer,
        "tokens": tokens.tokens_of(store, viewer.user.name),
        "max_label": tokens.MAX_LABEL,
        "error": request.query_params.get("error"),
        **shown,
    }
    response = templates.TemplateResponse(request, "tokens.html", context)
    response.headers["Cache-Control"] = "no-store"  # a new token is on it
    return response


@router.get("/tokens", response_model=None)
def tokens_list(
    request: Request, store: StoreDep, viewer: PageViewer
) -> HTMLResponse | RedirectResponse:
    """The signed-in person's API tokens."""
    return _tokens_page(request, store, viewer)


@router.post("/tokens", response_model=None)
def token_create(
    request: Request,
    store: StoreDep,
    viewer: PageViewer,
    csrf: Annotated[str, Form()],
    label: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """A new token for the signed-in person, signed with their key and shown this once; it
    carries their key, so what a program does with it is signed as them."""
    check_csrf(request, csrf)
    user, signer = _signed_in(viewer)
    label = label.strip()
    if len(label) > tokens.MAX_LABEL:
        problem = f"a label is at most {tokens.MAX_LABEL} characters"
        return RedirectResponse(f"/tokens?error={quote(problem)}", status.HTTP_303_SEE_OTHER)
    try:
        token = users.issue_token(store, user.name, label, signer=signer)
    except InputError as exc:
        return RedirectResponse(f"/tokens?error={quote(str(exc))}", status.HTTP_303_SEE_OTHER)
    return _tokens_page(request, store, viewer, new_token=token, new_label=label)


@router.post("/tokens/{token_id}/revoke")
def token_revoke(
    token_id: int,
    request: Request,
    store: StoreDep,
    viewer: PageViewer,
    csrf: Annotated[str, Form()],
) -> RedirectResponse:
    """Revoke one of the signed-in person's own tokens; another's is not found."""
    check_csrf(request, csrf)
    user, signer = _signed_in(viewer)
    if not tokens.revoke_own(store, user.name, token_id, signer=signer):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no live token {token_id} of yours")
    return RedirectResponse("/tokens", status.HTTP_303_SEE_OTHER)


def _upload_page(
    request: Request, viewer: Viewer, status_code: int = 200, **shown: Any
) -> HTMLResponse:
    if not viewer.reviews:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "uploading reports is for monitors")
    context = {"viewer": viewer, "limit_mb": MAX_UPLOAD_BYTES // 2**20, **shown}
    return templates.TemplateResponse(request, "upload.html", context, status_code=status_code)


@router.get("/upload", response_model=None)
def upload_form(request: Request, viewer: PageViewer) -> HTMLResponse | RedirectResponse:
    if viewer.user is None:
        return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    return _upload_page(request, viewer)


@router.post("/upload")
async def upload(request: Request, viewer: PageViewer) -> HTMLResponse:
    """Reports uploaded from the page, stored as the API stores them, the run signed with the
    monitor's own key."""
    user, signer = _signed_in(viewer)
    _upload_page(request, viewer)  # refuses those who may not
    try:
        uploads, fields = await read_upload(request)
        check_csrf(request, fields.get("csrf", ""))
        day = published_day(fields.get("published"))
        outlet = fields.get("outlet") or None
        ingester = request.app.state.ingester
        report = await run_in_threadpool(
            lambda: ingester.ingest(
                uploads, by=user.name, signer=signer, outlet=outlet, published=day
            )
        )
    except TooLarge as exc:
        return _upload_page(request, viewer, status.HTTP_413_CONTENT_TOO_LARGE, errors=[exc])
    except Rejected as exc:
        return _upload_page(
            request, viewer, status.HTTP_422_UNPROCESSABLE_CONTENT, errors=exc.errors
        )
    return _upload_page(request, viewer, report=report)


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
