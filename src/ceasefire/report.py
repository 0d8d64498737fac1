"""The situation report: a period's violations per party, excluded-group activity, evidence.

Markdown, because it is read in a terminal, pasted into mission reports and rendered by every
forge; every incident in it quotes the sentences it rests on and names its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ceasefire.model import Agreement
from ceasefire.store import now


@dataclass(frozen=True)
class ComplianceRow:
    """One line of the per-party table."""

    party: str
    name: str
    violations: int
    verified: int
    fatalities: int


def _is_violation(record: dict[str, Any]) -> bool:
    return bool(record["verdict"]) and record["verdict"]["status"] == "violation"


def compliance(records: list[dict[str, Any]], agreement: Agreement) -> list[ComplianceRow]:
    """Violations attributed to each party, plus clashes whose initiator is not established."""
    rows = []
    groups = [(p.id, p.name) for p in agreement.parties]
    groups.append(("", "Clashes between parties (initiator not established)"))
    for party_id, name in groups:
        mine = [
            r for r in records if _is_violation(r) and (r["verdict"]["violator"] or "") == party_id
        ]
        rows.append(
            ComplianceRow(
                party=party_id or "-",
                name=name,
                violations=len(mine),
                verified=sum(r["review_status"] == "verified" for r in mine),
                fatalities=sum(r["fatalities"]["min"] or 0 for r in mine),
            )
        )
    return rows


def _involves_excluded(record: dict[str, Any]) -> bool:
    return any(a["side"] == "excluded" for a in record["perpetrators"] + record["targets"])


def _incident_section(record: dict[str, Any]) -> list[str]:
    verdict = record["verdict"] or {}
    place = record["place"] or {}
    where = ", ".join(filter(None, [place.get("name"), place.get("admin1")])) or "place unknown"
    when = record["date_from"] or "date unknown"
    if record["date_to"] and record["date_to"] != record["date_from"]:
        when += f" to {record['date_to']}"
    lines = [
        f"#### Incident {record['id']}: {record['type'].replace('_', ' ')}, {where}, {when}",
        "",
        f"- **Verdict:** {verdict.get('status', 'none')}"
        + (f" by {verdict['violator']}" if verdict.get("violator") else "")
        + f" ({verdict.get('reason', '-')}; clause `{verdict.get('clause') or '-'}`)",
        f"- **Why:** {verdict.get('explanation', '-')}",
        f"- **Fatalities:** {_toll(record['fatalities'])}; "
        f"**independent sources:** {record['independent_sources']}; "
        f"**review:** {record['review_status']}",
        "- **Evidence:**",
    ]
    for source in record["sources"]:
        label = source["outlet"] or "unknown outlet"
        if source["external_id"]:
            label += f" [{source['external_id']}]"
        if source["published_at"]:
            label += f", {source['published_at']}"
        if source["duplicate_of"]:
            label += " (copy of an earlier report; not independent)"
        for evidence in source["evidence"]:
            lines.append(f"  - > {evidence['text'].strip()} — *{label}*")
    lines.append("")
    return lines


def _toll(fatalities: dict[str, int | None]) -> str:
    low, high = fatalities["min"], fatalities["max"]
    if low is None:
        return "not reported"
    if high is None:
        return f"at least {low}"
    return str(low) if low == high else f"{low}–{high}"


def situation_report(
    records: list[dict[str, Any]],
    agreement: Agreement,
    period: tuple[date | None, date | None],
    head: str | None = None,
) -> str:
    """The Markdown report for the incidents in `records` (already filtered to the period).

    `head` is the audit log's head hash when the report was made: it pins the record the report
    rests on, which `ceasefire log verify --pinned HEAD` checks later."""
    start, end = period
    span = f"{start.isoformat() if start else 'the start'} to {end.isoformat() if end else 'now'}"
    counts = {
        status: sum(1 for r in records if (r["verdict"] or {}).get("status") == status)
        for status in ("violation", "not_a_violation", "undetermined")
    }
    pinned = [f"Record: audit log head `{head}`.", ""] if head else []
    lines = [
        f"# Situation report: {agreement.title}",
        "",
        f"Period: {span}. Agreement `{agreement.id}` version {agreement.version}, "
        f"in effect from {agreement.effective_from.isoformat()}. "
        f"Generated {now().isoformat(timespec='seconds')}.",
        "",
        *pinned,
        f"{len(records)} incidents: {counts['violation']} violations, "
        f"{counts['not_a_violation']} not violations, {counts['undetermined']} undetermined.",
        "",
        "## Violations per party",
        "",
        "| party | violations | verified | fatalities (at least) |",
        "|---|---:|---:|---:|",
    ]
    for row in compliance(records, agreement):
        lines.append(f"| {row.name} | {row.violations} | {row.verified} | {row.fatalities} |")
    excluded = [r for r in records if _involves_excluded(r)]
    lines += [
        "",
        "## Activity involving excluded groups",
        "",
        f"{len(excluded)} incidents involve groups the agreement excludes; operations against "
        "them are permitted and are not violations.",
        "",
    ]
    for record in excluded:
        lines.append(f"- Incident {record['id']}: {record['summary']}")
    sections = [
        ("Violations", [r for r in records if _is_violation(r)]),
        (
            "Undetermined",
            [r for r in records if (r["verdict"] or {}).get("status") == "undetermined"],
        ),
        (
            "Not violations",
            [r for r in records if (r["verdict"] or {}).get("status") == "not_a_violation"],
        ),
    ]
    lines.append("")
    lines.append("## Incidents")
    lines.append("")
    for title, chosen in sections:
        lines += [f"### {title} ({len(chosen)})", ""]
        for record in chosen:
            lines += _incident_section(record)
    return "\n".join(lines).rstrip() + "\n"
