"""Speed of the web API over a store of 10,000 incidents (issue 5: the dashboard's data in one
request under a second, incident queries p95 < 50 ms).

    python bench/web.py [--incidents 10000] [--queries 300] [--runs 3] [--no-browser]

Builds the demo store from the sample reports, adds incidents made from its own with places, dates,
types, verdicts and review states varied, then asks the app in-process (no network) for the map and
for pages of incidents under a mix of filters. Prints one table: wall-clock times, and the
processor time this process spent, which other work on a shared machine inflates far less. Then
serves the store for real and opens the dashboard in Debian's Chromium, signed in as a monitor and
as the public, timing from navigation until the map has drawn its incidents, a few times each
(the median, then the fastest and the slowest).
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from ceasefire.cli import EXAMPLES
from ceasefire.model import EventType, Incident, ReviewStatus, VerdictStatus
from ceasefire.pipeline import Pipeline, init_store
from ceasefire.store import Store
from ceasefire.users import add_user, issue_token
from ceasefire.web import create_app

STATES = [ReviewStatus.REPORTED, ReviewStatus.CORROBORATED, ReviewStatus.VERIFIED]
PASSWORD = "a long enough secret"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def grow(store: Store, n: int, seed: int = 11) -> list[Incident]:
    """`n` incidents varied from the demo's, saved in one audited session."""
    rng = random.Random(seed)
    models = [i for i in store.incidents() if i.place is not None and i.place.lat is not None]
    made = []
    for k in range(n):
        model = rng.choice(models)
        place = model.place
        assert place is not None and place.lat is not None and place.lon is not None
        shift = timedelta(days=rng.randint(-20, 70))
        verdict = model.verdict
        if verdict is not None:
            verdict = replace(verdict, status=rng.choice(list(VerdictStatus)))
        made.append(
            replace(
                model,
                id=None,
                claim_ids=[],
                event_type=rng.choice(list(EventType)),
                place=replace(
                    place,
                    lat=round(place.lat + rng.uniform(-0.3, 0.3), 5),
                    lon=round(place.lon + rng.uniform(-0.3, 0.3), 5),
                ),
                date_from=model.date_from + shift if model.date_from else None,
                date_to=model.date_to + shift if model.date_to else None,
                review_status=rng.choice(STATES),
                verdict=verdict,
                summary=f"{model.summary} ({k})",
            )
        )
    with store.session("bench.incidents", subject=f"{n} incidents") as s:
        for incident in made:
            store.save_incident(s, incident)
    return made


def queries(incidents: list[Incident], n: int, seed: int = 5) -> list[dict[str, str | int]]:
    """A mix of what a dashboard asks: a region, a party, a verdict, a period, or some of each."""
    rng = random.Random(seed)
    dated = sorted(i.date_from for i in incidents if i.date_from)
    mix: list[dict[str, str | int]] = []
    for _ in range(n):
        params: dict[str, str | int] = {"limit": 100}
        if rng.random() < 0.5:
            lon, lat = rng.uniform(36.0, 38.5), rng.uniform(32.5, 36.5)
            params["bbox"] = f"{lon:.3f},{lat:.3f},{lon + 0.8:.3f},{lat + 0.8:.3f}"
        if rng.random() < 0.5:
            params["party"] = rng.choice(["government", "opposition"])
        if rng.random() < 0.4:
            params["verdict"] = rng.choice([v.value for v in VerdictStatus])
        if rng.random() < 0.4:
            start = rng.choice(dated)
            params["date_from"] = start.isoformat()
            params["date_to"] = (start + timedelta(days=rng.randint(1, 30))).isoformat()
        if rng.random() < 0.2:
            params["offset"] = rng.choice([100, 500])
        mix.append(params)
    return mix


def timed(client: TestClient, path: str, params: dict, headers: dict) -> tuple[float, float, int]:
    """Wall-clock and processor seconds of one request (the app runs in this process), and the
    size of the answer."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, params=params, headers=headers)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    response.raise_for_status()
    return elapsed, used, len(response.content)


@contextmanager
def serving(store: Store) -> Iterator[str]:
    """The app on a free local port, served by uvicorn for as long as the block runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def map_seconds(store: Store, user: str | None, runs: int) -> tuple[list[float], int]:
    """Seconds from opening the dashboard until the map has drawn its incidents, each of `runs`
    fresh loads, and how many it drew: what a person waits for."""
    with serving(store) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        if user:
            page.goto(f"{base}/login")
            page.fill("input[name=name]", user)
            page.fill("input[name=password]", PASSWORD)
            page.click("form.login button[type=submit]")
            page.wait_for_url(f"{base}/")
        seconds = []
        for _ in range(runs):
            page.goto("about:blank")  # time a fresh load of the dashboard, signed in or not
            started = time.perf_counter()
            page.goto(f"{base}/")
            page.wait_for_selector("#map[data-shown]")
            seconds.append(time.perf_counter() - started)
        shown = int(page.get_attribute("#map", "data-shown") or -1)
        browser.close()
    return seconds, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="Dashboard loads timed per viewer.")
    parser.add_argument("--no-browser", action="store_true", help="Skip the Chromium timing.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-web-") as scratch:
        store = Store.open(str(Path(scratch) / "bench.db"))
        init_store(store)
        Pipeline(store).run([EXAMPLES])
        made = grow(store, args.incidents)
        add_user(store, "bench-monitor", "monitor", PASSWORD)
        monitor = {"Authorization": f"Bearer {issue_token(store, 'bench-monitor', 'bench')}"}
        total = len(store.incidents())
        client = TestClient(create_app(store))
        client.get("/api/incidents", params={"limit": 1}, headers=monitor)  # warm the caches
        rows = []
        for who, headers in (("monitor", monitor), ("public", {})):
            asked = [timed(client, "/api/map", {}, headers) for _ in range(5)]
            size = asked[0][2]
            rows.append(
                (
                    f"/api/map ({who}, {size / 1e6:.2f} MB, median of 5)",
                    f"{statistics.median(a[0] for a in asked) * 1000:.0f} ms",
                    f"cpu {statistics.median(a[1] for a in asked) * 1000:.0f} ms",
                )
            )
        for who, headers in (("monitor", monitor), ("public", {})):
            measured = [
                timed(client, "/api/incidents", p, headers) for p in queries(made, args.queries)
            ]
            for kind, times in (
                ("wall", [m[0] for m in measured]),
                ("cpu", [m[1] for m in measured]),
            ):
                cuts = statistics.quantiles(times, n=100)
                rows.append(
                    (
                        f"/api/incidents ({who}, {len(times)} queries, {kind})",
                        f"p50 {cuts[49] * 1000:.1f} ms",
                        f"p95 {cuts[94] * 1000:.1f} ms",
                    )
                )
        if not args.no_browser:
            for who, user in (("monitor", "bench-monitor"), ("public", None)):
                seconds, shown = map_seconds(store, user, args.runs)
                rows.append(
                    (
                        f"dashboard map in Chromium ({who}, {shown} shown)",
                        f"{statistics.median(seconds):.2f} s",
                        f"{min(seconds):.2f}-{max(seconds):.2f} s",
                    )
                )
        store.close()
    print(f"{total} incidents")
    width = max(len(r[0]) for r in rows)
    for name, first, second in rows:
        print(f"{name:<{width}}  {first:>14}  {second:>14}")


if __name__ == "__main__":
    main()
