"""The JSON API under /api: incidents, exports, the situation report, review actions, party
responses and report uploads (OpenAPI at /api/openapi.json). Records have the export contract's
shape (SPEC §6), so a client reads the API and the open data the same way; for callers other
than monitors they are protected (see `ceasefire.export`).

Writes made with an API token are signed by the installation, with the user named in the event's
details: a token cannot open its owner's password-sealed key (see `ceasefire.keys`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ceasefire import export, review
from ceasefire.errors import InputError
from ceasefire.model import EventType, ReviewStatus, VerdictStatus
from ceasefire.pipeline import Knowledge
from ceasefire.report import situation_report
from ceasefire.store import Store
from ceasefire.users import User
from ceasefire.web.auth import Viewer, bearer_viewer
from ceasefire.web.query import BBox, Filters, count, history, matching, one, points, records
from ceasefire.web.uploads import Rejected, TooLarge, published_day, read_upload

router = APIRouter(prefix="/api", tags=["api"])

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_knowledge(request: Request) -> Knowledge:
    return request.app.state.knowledge()


def get_viewer(request: Request, store: Annotated[Store, Depends(get_store)]) -> Viewer:
    """A token when one is presented, else the signed-in browser (for reading only, see
    `signed_in`), else the public."""
    if request.headers.get("authorization"):
        return bearer_viewer(store, request)
    return request.app.state.signins.viewer(store, request)


MAX_ID = 2**63 - 1  # SQLite's largest integer: anything larger cannot name a row
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID)]
StoreDep = Annotated[Store, Depends(get_store)]
KnowledgeDep = Annotated[Knowledge, Depends(get_knowledge)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def get_filters(
    bbox: Annotated[
        str | None, Query(description="west,south,east,north in degrees", examples=["36,35,37,36"])
    ] = None,
    date_from: Annotated[date | None, Query(description="Incidents ending on or after")] = None,
    date_to: Annotated[date | None, Query(description="Incidents starting on or before")] = None,
    party: Annotated[str | None, Query(description="The violating party's id")] = None,
    verdict: VerdictStatus | None = None,
    type: Annotated[EventType | None, Query(description="Event type")] = None,
    territory: Annotated[
        Literal["all", "inside"],
        Query(description="inside: leave out incidents outside the agreement's territory"),
    ] = "all",
) -> Filters:
    box = None
    if bbox is not None:
        try:
            box = BBox.parse(bbox)
        except ValueError as exc:  # shaped like FastAPI's own 422s, as the schema says
            problem = {"type": "value_error", "loc": ["query", "bbox"], "msg": str(exc)}
            raise RequestValidationError([{**problem, "input": bbox}]) from exc
    return Filters(date_from, date_to, party, verdict, type, box, territory == "all")


FiltersDep = Annotated[Filters, Depends(get_filters)]


@router.get("/incidents")
def list_incidents(
    store: StoreDep,
    knowledge: KnowledgeDep,
    viewer: ViewerDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    """Incidents the caller may see, oldest first, one page at a time."""
    page = matching(store, viewer, filters, limit=limit, offset=offset)
    return {
        "total": count(store, viewer, filters),
        "limit": limit,
        "offset": offset,
        "incidents": records(store, knowledge, page, viewer),
    }


@router.get("/incidents/{incident_id}")
def get_incident(
    incident_id: IncidentId, store: StoreDep, knowledge: KnowledgeDep, viewer: ViewerDep
) -> dict[str, Any]:
    """One incident with every source and its evidence sentences, its review history and the
    parties' responses."""
    incident = one(store, viewer, incident_id)
    if incident is None:  # hidden and missing look the same, so ids say nothing
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    record = records(store, knowledge, [incident], viewer)[0]
    record["reviews"] = [review.as_json(r) for r in history(store, viewer, incident_id)]
    record["responses"] = [review.as_json(r) for r in review.responses(store, incident_id)]
    return record


@router.get("/export", response_class=Response)
def export_incidents(
    store: StoreDep,
    knowledge: KnowledgeDep,
    viewer: ViewerDep,
    filters: FiltersDep,
    format: Literal["json", "csv", "geojson"] = "json",
) -> Response:
    """Open data as `ceasefire export` writes it, limited to what the caller may see."""
    chosen = records(store, knowledge, matching(store, viewer, filters), viewer)
    return Response(export.render(format, chosen, knowledge), media_type=MEDIA_TYPES[format])


@router.get("/report", response_class=Response)
def report(
    store: StoreDep,
    knowledge: KnowledgeDep,
    viewer: ViewerDep,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    """The Markdown situation report for a period, over what the caller may see."""
    chosen = records(store, knowledge, matching(store, viewer, Filters(since, until)), viewer)
    text = situation_report(chosen, knowledge.agreement, (since, until), head=store.head())
    return Response(text, media_type="text/markdown; charset=utf-8")


def signed_in(viewer: ViewerDep, request: Request) -> User:
    """Writes through the API take a token: a browser's cookie would let any page the person
    visits post on their behalf; the pages' own forms carry a CSRF token instead."""
    if viewer.user is None or not request.headers.get("authorization"):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "sign in with an API token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return viewer.user


UserDep = Annotated[User, Depends(signed_in)]


class ReviewAction(BaseModel):
    """verify and reject take a note only; merge names the incident this one merges `into`;
    correct gives new values: type, perpetrators and targets (actor ids), place (a gazetteer
    id), date_from, date_to."""

    action: Literal["verify", "reject", "merge", "correct"]
    note: str = Field("", max_length=5000)
    into: int | None = None
    changes: dict[str, Any] = Field(default_factory=dict)


class PartyResponse(BaseModel):
    kind: Literal["deny", "explain", "counter_claim"]
    text: str = Field(min_length=1, max_length=review.MAX_RESPONSE)


def _problems(*messages: str) -> RequestValidationError:
    """FastAPI's own 422 shape (what the schema documents), one entry per one-line message."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ["body"], "msg": m, "input": None} for m in messages]
    )


def _refusal(exc: Exception) -> HTTPException | RequestValidationError:
    """403 and 404 say why in `detail`; a bad request body gets FastAPI's own 422 shape (what
    the schema documents), with the one-line message."""
    if isinstance(exc, review.NotAllowed):
        return HTTPException(status.HTTP_403_FORBIDDEN, str(exc))
    if isinstance(exc, review.NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    return _problems(str(exc))


@router.post("/incidents/{incident_id}/review")
def review_incident(
    incident_id: IncidentId,
    body: ReviewAction,
    store: StoreDep,
    knowledge: KnowledgeDep,
    viewer: ViewerDep,
    user: UserDep,
) -> dict[str, Any]:
    """A monitor's review action; the verdict is judged again. Returns the incident as it now
    stands (for a merge, the incident merged into)."""
    note, signer = body.note, viewer.signer
    try:
        if body.action in ("verify", "reject"):
            wanted = ReviewStatus.VERIFIED if body.action == "verify" else ReviewStatus.REJECTED
            done = review.set_status(
                store, knowledge, incident_id, wanted, user, note=note, signer=signer
            )
        elif body.action == "merge":
            if body.into is None:
                raise InputError("into", "a merge names the incident to merge into")
            done = review.merge(
                store, knowledge, incident_id, body.into, user, note=note, signer=signer
            )
        else:
            done = review.correct(
                store, knowledge, incident_id, body.changes, user, note=note, signer=signer
            )
    except (review.NotAllowed, review.NotFound, InputError) as exc:
        raise _refusal(exc) from exc
    return records(store, knowledge, [done], Viewer(user))[0]


@router.post("/incidents/{incident_id}/responses", status_code=status.HTTP_201_CREATED)
def respond_to_incident(
    incident_id: IncidentId, body: PartyResponse, store: StoreDep, viewer: ViewerDep, user: UserDep
) -> dict[str, Any]:
    """A party's response to an incident attributed to it; the verdict shows as disputed."""
    if one(store, viewer, incident_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id}")
    try:
        filed = review.respond(store, incident_id, user, body.kind, body.text, signer=viewer.signer)
    except (review.NotAllowed, review.NotFound, InputError) as exc:
        raise _refusal(exc) from exc
    return review.as_json(filed)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Reports: .txt .md .html .jsonl .xml/.rss/.atom",
                        },
                        "outlet": {"type": "string", "description": "For reports naming none"},
                        "published": {
                            "type": "string",
                            "format": "date",
                            "description": "For reports without a date",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/documents",
    openapi_extra=UPLOAD_BODY,
    responses={
        413: {"description": "The upload is larger than the limit"},
        422: {"description": "A file, line or entry is bad; nothing was stored"},
    },
)
async def ingest_documents(request: Request, viewer: ViewerDep, user: UserDep) -> dict[str, Any]:
    """Reports uploaded as files, read and checked as `ceasefire ingest` reads them, then run
    through the pipeline: all stored, or, if any file, line or entry is bad, none. Monitors and
    admins only. Returns the run's counts and the incidents the reports are in."""
    if user.role not in review.REVIEWERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{user.name} ({user.role}) may not ingest documents"
        )
    try:
        uploads, fields = await read_upload(request)
        day = published_day(fields.get("published"))
        outlet = fields.get("outlet") or None
        ingester = request.app.state.ingester
        return await run_in_threadpool(
            lambda: ingester.ingest(
                uploads, by=user.name, signer=viewer.signer, outlet=outlet, published=day
            )
        )
    except TooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from exc
    except Rejected as exc:
        raise _problems(*(str(e) for e in exc.errors)) from exc


MAP_FIELDS = ("id", "lon", "lat", "verdict")


class MapPoints(BaseModel):
    """The map's points: one [id, lon, lat, verdict] row each, as `fields` names them."""

    fields: list[str] = Field(examples=[list(MAP_FIELDS)])
    points: list[tuple[int, float, float, VerdictStatus | None]]


@router.get("/map", response_class=JSONResponse, responses={200: {"model": MapPoints}})
def incident_map(
    store: StoreDep, knowledge: KnowledgeDep, viewer: ViewerDep, filters: FiltersDep
) -> JSONResponse:
    """Every matching incident with a place, as a row of what the map draws: the whole map in
    one request, some forty bytes an incident. What a popup shows comes from
    /api/incidents/{id} when it opens. Coordinates are rounded to five decimals (a metre).
    Serialised straight to JSON: walking ten thousand rows through FastAPI's encoder would cost
    more than finding them."""
    rows = [
        [p["id"], round(p["lon"], 5), round(p["lat"], 5), p["verdict"]]
        for p in points(store, knowledge, viewer, filters)
    ]
    return JSONResponse({"fields": MAP_FIELDS, "points": rows})


@router.get("/governorates")
def governorates(request: Request) -> dict[str, Any]:
    """Syria's governorates as GeoJSON polygons: the base map, no tile server needed."""
    return request.app.state.governorates()
