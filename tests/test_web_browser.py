"""The pages in a real browser (Debian's Chromium driven by Playwright) against a real server:
a monitor sees the demo incidents on the map, opens one, sees the evidence highlighted, verifies
it and filters to one party; a party answers and sees the incident disputed; the public sees only
verified incidents. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn

from ceasefire.store import Store
from ceasefire.web import create_app
from test_web_api import PASSWORD, demo_store

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Chromium missing: apt-get install -y chromium"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(store: Store) -> Iterator[str]:
    """A real server for the store on a free local port, for as long as the block runs."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Store]]:
    store = demo_store(tmp_path_factory)
    with serving(store) as base:
        yield base, store


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def page_for(chromium, base: str, name: str | None):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    if name:
        page.goto(f"{base}/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_url(f"{base}/")
    else:
        page.goto(f"{base}/")
    return page


def shown_on_map(page) -> int:
    page.wait_for_selector("#map[data-shown]")
    return int(page.get_attribute("#map", "data-shown") or -1)


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def located(incidents) -> list:
    return [i for i in incidents if i.place and i.place.lat is not None]


def on_dashboard(store: Store, **filters) -> list:
    """What the dashboard shows by default: incidents inside the agreement's territory."""
    return located(store.incidents(hide_reason="outside_territory", **filters))


def test_a_monitor_maps_opens_verifies_and_filters(served, chromium):
    base, store = served
    page = page_for(chromium, base, "monitor")
    expected = len(on_dashboard(store))
    assert expected > 10 and shown_on_map(page) == expected
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.reload()
    assert shown_on_map(page) == expected
    assert [url for url in asked if "/api/map" in url] == [f"{base}/api/map?territory=inside"]
    assert page.locator("path.incident-marker").count() == expected
    assert page.locator("path.leaflet-interactive:not(.incident-marker)").count() >= 14
    shot(page, "dashboard-monitor.png")

    page.locator("path.verdict-violation").first.click(force=True)
    link = page.locator(".leaflet-popup a.popup-link")
    (opened,) = store.incidents(ids=[int((link.get_attribute("href") or "").split("/")[-1])])
    assert page.locator(".leaflet-popup p").inner_text() == opened.summary  # asked for on opening
    link.click()
    page.wait_for_selector("mark.evidence")
    assert page.locator("mark.evidence").count() >= 1
    shot(page, "incident-evidence.png")
    page.click("form.review button[value=verify]")
    page.wait_for_selector("dd.review-status:has-text('verified')")
    assert page.locator(".review-entry").first.inner_text().startswith("verify by monitor")

    page.goto(f"{base}/")
    page.select_option("select[name=party]", "government")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**party=government**")
    ours = on_dashboard(store, violator="government")
    assert 0 < shown_on_map(page) == len(ours) < expected
    shot(page, "dashboard-government.png")
    page.context.close()


def test_a_party_answers_and_the_incident_shows_disputed(served, chromium):
    base, store = served
    page = page_for(chromium, base, "gov-rep")
    target = store.incidents(verdict="violation", violator="government")[-1]
    page.goto(f"{base}/incidents/{target.id}")
    page.select_option("form.respond select[name=kind]", "deny")
    page.fill("form.respond textarea", "No unit of ours was there.")
    page.click("form.respond button[type=submit]")
    page.wait_for_selector(".verdict .disputed")
    assert "No unit of ours was there." in page.locator(".responses").inner_text()
    shot(page, "incident-disputed.png")
    page.context.close()


def test_the_public_sees_only_verified_incidents(served, chromium):
    base, store = served
    page = page_for(chromium, base, None)
    verified = [i for i in on_dashboard(store) if i.review_status.value == "verified"]
    assert verified and shown_on_map(page) == len(verified)
    hidden = next(i for i in store.incidents() if i.review_status.value != "verified")
    assert page.goto(f"{base}/incidents/{hidden.id}").status == 404
    shot(page, "dashboard-public.png")
    page.context.close()


def test_a_dense_map_gathers_nearby_incidents_into_clusters(tmp_path_factory, chromium):
    store = demo_store(tmp_path_factory)
    model = on_dashboard(store)[0]
    assert model.place is not None and model.place.lat is not None and model.place.lon is not None
    with store.session("test.dense", subject="300 incidents around one town") as s:
        for n in range(300):
            spot = replace(
                model.place,
                lat=model.place.lat + (n % 20) * 0.01,
                lon=model.place.lon + (n // 20) * 0.01,
            )
            store.save_incident(s, replace(model, id=None, claim_ids=[], place=spot))
    total = len(on_dashboard(store))
    with serving(store) as base:
        page = page_for(chromium, base, "monitor")
        assert shown_on_map(page) == total
        clusters = page.locator(".incident-cluster")
        sizes = [int(text) for text in clusters.all_inner_texts()]
        singles = page.locator("path.incident-marker").count()
        assert sizes and sum(sizes) + singles == total and len(sizes) + singles < total
        shot(page, "dashboard-clustered.png", full_page=False)
        zoom = float(page.get_attribute("#map", "data-zoom") or 0)
        clusters.nth(sizes.index(max(sizes))).click()
        page.wait_for_function(f"Number(document.getElementById('map').dataset.zoom) > {zoom}")
        after = [int(text) for text in page.locator(".incident-cluster").all_inner_texts()]
        assert sum(after) + page.locator("path.incident-marker").count() == total
        page.context.close()
