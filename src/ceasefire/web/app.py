"""The application: one FastAPI app over one store, for `ceasefire serve` and for tests."""

from __future__ import annotations

import os
import secrets
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from shapely.geometry import mapping
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ceasefire import __version__
from ceasefire.pipeline import Knowledge, Pipeline
from ceasefire.store import Store
from ceasefire.web import api, pages
from ceasefire.web.auth import SignIns
from ceasefire.web.uploads import Ingester

HERE = Path(__file__).parent
SECRET_ENV = "CEASEFIRE_SECRET"
SECURE_COOKIES_ENV = "CEASEFIRE_SECURE_COOKIES"
SIMPLIFY_DEGREES = 0.01  # about a kilometre: plenty for a country map, a thirtieth of the bytes


def leaflet_files() -> Path:
    """Leaflet as the installed django-js-lib-leaflet package ships it (no CDN, no copy)."""
    return Path(str(files("js_lib_leaflet"))) / "static" / "js_lib_leaflet"


class Sessions:
    """Starlette's signed-cookie sessions, the cookie HttpOnly and SameSite=Strict, and Secure
    when the request came over HTTPS (as the server or a trusted proxy's X-Forwarded-Proto
    says) or always, with `secure`: a browser then never sends it over plain HTTP."""

    def __init__(self, app: ASGIApp, *, secret_key: str, secure: bool) -> None:
        common = {"secret_key": secret_key, "session_cookie": "ceasefire_session"}
        self.plain = SessionMiddleware(app, same_site="strict", https_only=False, **common)
        self.secure = SessionMiddleware(app, same_site="strict", https_only=True, **common)
        self.always_secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") in ("https", "wss")
        chosen = self.secure if https or self.always_secure else self.plain
        await chosen(scope, receive, send)


def create_app(store: Store, *, secure_cookies: bool | None = None) -> FastAPI:
    """The pages, the API (OpenAPI at /api/openapi.json) and static files over `store`.

    Session cookies are signed with `CEASEFIRE_SECRET`, or a random key made at start-up, which
    signs everyone out when the server restarts. They are marked Secure on HTTPS requests, and
    on every request with `secure_cookies` (default: `CEASEFIRE_SECURE_COOKIES=1`), for a server
    behind a proxy that does not say the request came over HTTPS."""
    if secure_cookies is None:
        secure_cookies = os.environ.get(SECURE_COOKIES_ENV, "").lower() in ("1", "true", "yes")
    app = FastAPI(
        title="ceasefire",
        version=__version__,
        description="Incidents, verdicts and evidence of a monitored ceasefire.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the pages work offline
        redoc_url=None,
    )
    app.state.store = store
    # The agreement and registries change only with `ceasefire init`; read them once, when first
    # needed, so an app starts fast.
    app.state.knowledge = cache(lambda: Knowledge.from_store(store))
    app.state.governorates = cache(lambda: _governorates(app.state.knowledge()))
    app.state.signins = SignIns()
    # One process: forking a server's threads (and its open connections) is not safe, and an
    # upload is small enough for one.
    app.state.ingester = Ingester(store, lambda: Pipeline(store, app.state.knowledge(), workers=1))
    app.add_middleware(
        Sessions,
        secret_key=os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
        secure=secure_cookies,
    )
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static/leaflet", StaticFiles(directory=leaflet_files()), name="leaflet")
    app.mount("/static/app", StaticFiles(directory=HERE / "static"), name="app")
    return app


def _governorates(knowledge: Knowledge) -> dict[str, Any]:
    shapes = knowledge.gazetteer.governorate_shapes()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": mapping(shape.simplify(SIMPLIFY_DEGREES)),
            }
            for name, shape in sorted(shapes.items())
        ],
    }
