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

from ceasefire import __version__
from ceasefire.pipeline import Knowledge
from ceasefire.store import Store
from ceasefire.web import api, pages
from ceasefire.web.auth import SignIns

HERE = Path(__file__).parent
SECRET_ENV = "CEASEFIRE_SECRET"
SIMPLIFY_DEGREES = 0.01  # about a kilometre: plenty for a country map, a thirtieth of the bytes


def leaflet_files() -> Path:
    """Leaflet as the installed django-js-lib-leaflet package ships it (no CDN, no copy)."""
    return Path(str(files("js_lib_leaflet"))) / "static" / "js_lib_leaflet"


def create_app(store: Store) -> FastAPI:
    """The pages, the API (OpenAPI at /api/openapi.json) and static files over `store`.

    Session cookies are signed with `CEASEFIRE_SECRET`, or a random key made at start-up, which
    signs everyone out when the server restarts."""
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
    app.add_middleware(
        SessionMiddleware,
        secret_key=os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
        session_cookie="ceasefire_session",
        same_site="strict",
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
