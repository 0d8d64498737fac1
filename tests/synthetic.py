"""Short generated reports for the tests that need many documents (crash, concurrency, hostile).

One or two sentences each, in date order like a real feed, so thousands of them go through the
real pipeline in seconds. The wording is the team's own; nothing here comes from real reports.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

PERPETRATORS = (
    "Syrian government forces",
    "Regime warplanes",
    "Rebel fighters",
    "Islamic State militants",
    "Russian jets",
    "Unidentified gunmen",
)
ACTS = ("shelled", "bombed", "struck", "attacked", "fired rockets at")
PLACES = (
    "Nawa in Daraa province",
    "Saraqib in Idlib",
    "Douma in Eastern Ghouta",
    "Harasta",
    "Palmyra",
    "Al Bab",
    "Tal Rifaat",
    "Maarat al-Numan",
    "Jisr al-Shughur",
    "Kafr Nabl",
    "Talbiseh in Homs province",
    "Morek in Hama province",
)
DAYS = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "overnight")
FOLLOW_UPS = (
    "Rescue workers said the toll could rise.",
    "A monitoring group confirmed the report.",
    "State media denied the account.",
    "",
)
OUTLETS = ("Test Wire", "Field Desk", "Valley Monitor", "Coast Courier")


def records(count: int, seed: int, start: int = 0) -> list[dict[str, str]]:
    """`count` reports numbered from `start`, reproducible from `seed`."""
    rng = random.Random(seed)
    first = date(2017, 1, 5)
    out = []
    for n in range(start, start + count):
        published = first + timedelta(days=n * 150 // max(start + count, 1))
        killed = rng.randrange(0, 12)
        toll = f", killing {killed} people" if killed else ""
        text = (
            f"{rng.choice(PERPETRATORS)} {rng.choice(ACTS)} {rng.choice(PLACES)} "
            f"{rng.choice(DAYS)}{toll}, report {n} said. {rng.choice(FOLLOW_UPS)}"
        ).strip()
        out.append(
            {
                "id": f"gen-{n:05d}",
                "outlet": rng.choice(OUTLETS),
                "published_at": published.isoformat(),
                "text": text,
            }
        )
    return out


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
