"""The `ceasefire` command: a thin layer of Typer commands over the pipeline and the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import click
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from ceasefire import audit, positions, users
from ceasefire import export as exports
from ceasefire.errors import InputError
from ceasefire.evaluate import run_eval
from ceasefire.gazetteer import read_places
from ceasefire.model import ReviewStatus
from ceasefire.pipeline import Knowledge, Pipeline, RunReport, init_store
from ceasefire.report import compliance, situation_report
from ceasefire.review import NotAllowed
from ceasefire.store import DocumentRow, RunRow, Store, database_url, now
from ceasefire.web import create_app


class _Commands(TyperGroup):
    """Bad input, in any command, ends it with its one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            fail(str(exc))


app = typer.Typer(
    cls=_Commands,
    help="Monitor a ceasefire: reports in; incidents, verdicts and situation reports out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
gazetteer_app = typer.Typer(
    help="Manage the places the pipeline can resolve.", no_args_is_help=True
)
app.add_typer(gazetteer_app, name="gazetteer")
log_app = typer.Typer(
    help="The signed audit log that explains every stored row.", no_args_is_help=True
)
app.add_typer(log_app, name="log")
user_app = typer.Typer(
    help="People who sign in: roles, passwords, API tokens.", no_args_is_help=True
)
app.add_typer(user_app, name="user")
agreement_app = typer.Typer(
    help="The agreement's parties and their signed acceptance of it.", no_args_is_help=True
)
app.add_typer(agreement_app, name="agreement")
key_app = typer.Typer(help="The installation's signing key.", no_args_is_help=True)
app.add_typer(key_app, name="key")

out = Console()
err = Console(stderr=True)
PROGRESS_THRESHOLD = 50
EXAMPLES = Path(__file__).resolve().parent / "examples" / "reports"  # shipped in the package


class State:
    db: str | None = None


def fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            help="Store: a SQLite path or SQLAlchemy URL (or set CEASEFIRE_DB).", show_default=False
        ),
    ] = None,
) -> None:
    State.db = db


def open_store(write: bool = False) -> Store:
    """The store; for a command that writes, with its installation key at hand, so a missing
    key stops the command before it does any work."""
    try:
        store = Store.open(State.db)
    except Exception as exc:  # the driver's own message names the problem best
        fail(f"{database_url(State.db)}: cannot open store ({exc})")
        raise
    if write:
        store.signer()
    return store


@app.command()
def init(
    agreement: Annotated[
        Path | None, typer.Option(help="Agreement YAML; the bundled Syria agreement by default.")
    ] = None,
) -> None:
    """Create (or upgrade) a store with an agreement and the bundled registries."""
    store = open_store(write=True)
    loaded = init_store(store, agreement)
    out.print(
        f"Store {store.url}: agreement [bold]{loaded.agreement.id}[/bold] "
        f"v{loaded.agreement.version}, {len(loaded.actors)} actors, "
        f"{len(loaded.gazetteer)} places."
    )


def _estimate(paths: Iterable[Path]) -> int:
    """How many documents the inputs hold, cheaply, to size the progress bar."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += _estimate(p for p in path.rglob("*") if p.is_file())
        elif path.suffix.lower() == ".jsonl" and path.is_file():
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        else:
            total += 1
    return total


def run_pipeline(store: Store, paths: list[Path], **meta: Any) -> RunReport:
    pipeline = Pipeline(store, Knowledge.from_store(store))

    def on_error(problem: InputError) -> None:
        err.print(f"[red]rejected:[/red] {problem}", highlight=False, soft_wrap=True)

    total = _estimate(paths)
    if total <= PROGRESS_THRESHOLD:
        return pipeline.run(paths, on_error=on_error, **meta)
    columns = (TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("ingest", total=total)
        return pipeline.run(
            paths,
            on_error=on_error,
            on_progress=lambda n: progress.advance(task, n),
            **meta,
        )


def print_report(report: RunReport) -> None:
    table = Table(title="Pipeline run", title_justify="left")
    for column in ("stage", "count", "detail"):
        table.add_column(column)
    for row in report.rows():
        table.add_row(*row)
    out.print(table)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt .html .jsonl .xml) or folders.")],
    outlet: Annotated[str | None, typer.Option(help="Outlet for documents that name none.")] = None,
    published: Annotated[
        str | None, typer.Option(help="Publication date YYYY-MM-DD for documents without one.")
    ] = None,
) -> None:
    """Ingest reports and run them through the whole pipeline to verdicts."""
    when = _date_option("--published", published)
    store = open_store(write=True)
    report = run_pipeline(store, paths, outlet=outlet, published=when)
    print_report(report)
    if report.rejected:
        err.print(f"{len(report.rejected)} input(s) rejected; everything else was stored.")
        raise typer.Exit(1)


def _date_option(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)")
        raise


@gazetteer_app.command("import")
def gazetteer_import(
    file: Annotated[Path, typer.Argument(help="GeoNames dump (XX.txt) or CSV name,lat,lon,admin1")],
) -> None:
    """Add a mission gazetteer; its places win over bundled places of the same name."""
    store = open_store(write=True)
    places = read_places(file)
    count = store.save_places(places)
    out.print(f"Imported {count} places from {file} into {store.url}.")


def _filters(
    verdict: str | None,
    party: str | None,
    event_type: str | None,
    since: str | None,
    until: str | None,
) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "violator": party,
        "event_type": event_type,
        "date_from": _date_option("--since", since),
        "date_to": _date_option("--until", until),
    }


VerdictOpt = Annotated[str | None, typer.Option(help="violation, not_a_violation or undetermined.")]
PartyOpt = Annotated[str | None, typer.Option(help="Violating party id, e.g. government.")]
TypeOpt = Annotated[str | None, typer.Option("--type", help="Event type, e.g. airstrike.")]
SinceOpt = Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option(help="Until this date (YYYY-MM-DD).")]
PasswordOpt = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        envvar="CEASEFIRE_PASSWORD",
        help="Opens their signing key; asked for when not given.",
    ),
]
PublicOpt = Annotated[
    bool,
    typer.Option(
        "--public",
        help="Only what the public may see: verified incidents, sensitive sources protected.",
    ),
]


@app.command()
def incidents(
    verdict: VerdictOpt = None,
    party: PartyOpt = None,
    event_type: TypeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """List incidents with their verdicts."""
    store = open_store()
    found = store.incidents(**_filters(verdict, party, event_type, since, until))
    table = Table(title=f"{len(found)} incidents", title_justify="left")
    for column in ("id", "date", "type", "place", "verdict", "violator", "src", "summary"):
        table.add_column(column, overflow="fold")
    for i in found:
        v = i.verdict
        table.add_row(
            str(i.id),
            i.date_from.isoformat() if i.date_from else "?",
            i.event_type.value,
            (i.place.name or i.place.text) if i.place else "?",
            v.status.value if v else "-",
            (v.violator or "-") if v else "-",
            str(i.independent_sources),
            i.summary,
        )
    out.print(table)


@app.command()
def show(incident_id: Annotated[int, typer.Argument(help="Incident id.")]) -> None:
    """Show one incident: fused fields, verdict, and every source with its evidence."""
    store = open_store()
    records = exports.gather(
        store, Knowledge.from_store(store), ids=[incident_id], include_merged=True
    )
    if not records:
        fail(f"no incident {incident_id} in {store.url}")
    r = records[0]
    verdict = r["verdict"] or {}
    place = r["place"] or {}
    out.print(f"[bold]Incident {r['id']}[/bold]: {r['summary']}")
    out.print(f"  type: {r['type']}   dates: {r['date_from']} .. {r['date_to']}")
    out.print(
        f"  place: {place.get('name')} ({place.get('admin1')}, {place.get('country')}) "
        f"{place.get('lat')}, {place.get('lon')} [{place.get('precision')}]"
    )
    for role in ("perpetrators", "targets"):
        names = ", ".join(f"{a['name']} ({a['side']})" for a in r[role]) or "-"
        out.print(f"  {role}: {names}")
    out.print(f"  fatalities: {r['fatalities']}   independent sources: {r['independent_sources']}")
    out.print(
        f"  verdict: [bold]{verdict.get('status')}[/bold] violator={verdict.get('violator')} "
        f"reason={verdict.get('reason')} clause={verdict.get('clause')}"
    )
    out.print(f"  why: {verdict.get('explanation')}")
    for source in r["sources"]:
        copy = f" (copy of {source['duplicate_of'][:12]})" if source["duplicate_of"] else ""
        out.print(
            f"  source {source['document'][:12]} {source['outlet']} {source['published_at']} "
            f"id={source['external_id']}{copy}"
        )
        for e in source["evidence"]:
            out.print(f"    > {e['text']}  [{e['start']}:{e['end']}]", highlight=False)


def _records(
    store: Store, knowledge: Knowledge, filters: dict[str, Any], public: bool
) -> list[dict[str, Any]]:
    """Export records for `filters`; for the public only verified incidents, and a sensitive
    report's sender and exact place withheld, as the web shows them."""
    if public:
        filters = {**filters, "review_status": ReviewStatus.VERIFIED.value}
    return exports.records(store, knowledge, store.incidents(**filters), protect=public)


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="json, csv or geojson.")] = "json",
    output: Annotated[Path | None, typer.Option(help="File to write; stdout by default.")] = None,
    verdict: VerdictOpt = None,
    party: PartyOpt = None,
    event_type: TypeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    public: PublicOpt = False,
) -> None:
    """Export incidents as open data (SPEC §6)."""
    if format not in exports.FORMATS:
        fail(f"--format: {format!r} is not one of {', '.join(exports.FORMATS)}")
    store = open_store()
    loaded = Knowledge.from_store(store)
    filters = _filters(verdict, party, event_type, since, until)
    records = _records(store, loaded, filters, public)
    text = exports.render(format, records, loaded)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {len(records)} incidents to {output}.")


@app.command()
def report(
    since: SinceOpt = None,
    until: UntilOpt = None,
    output: Annotated[Path | None, typer.Option(help="File to write; stdout by default.")] = None,
    public: PublicOpt = False,
) -> None:
    """Write the Markdown situation report for a period."""
    store = open_store()
    loaded = Knowledge.from_store(store)
    filters = _filters(None, None, None, since, until)
    records = _records(store, loaded, filters, public)
    period = (filters["date_from"], filters["date_to"])
    text = situation_report(records, loaded.agreement, period, head=store.head())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote the situation report to {output}.")


def _fresh_demo_store() -> Store:
    """A new store for the demo; an existing one is replaced only if the demo made it."""
    url = database_url(State.db)
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is None:
        fail(f"{url}: the demo builds a fresh SQLite store; give --db a file path")
        raise AssertionError
    if path.exists():
        existing = Store.open(str(path))
        made_by_demo = "demo" in existing.run_commands()
        has_documents = existing.count(DocumentRow) > 0
        existing.close()
        if has_documents and not made_by_demo:
            fail(f"{path}: holds documents the demo did not make; choose another --db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return Store.open(str(path))


@app.command()
def demo(
    corpus: Annotated[Path, typer.Option(help="Folder of sample reports.")] = EXAMPLES,
    output: Annotated[Path, typer.Option(help="Folder for the report and exports.")] = Path("out"),
) -> None:
    """Build a fresh store from the bundled agreement and the sample reports, end to end."""
    if not corpus.is_dir():
        fail(f"{corpus}: sample corpus not found; pass --corpus DIR")
    store = _fresh_demo_store()
    loaded = init_store(store)
    report = run_pipeline(store, [corpus])
    with store.session("run.demo", subject="demo") as s:
        s.add(RunRow(command="demo", started_at=now(), counts={}, versions={}))
    print_report(report)
    output.mkdir(parents=True, exist_ok=True)
    records = exports.gather(store, loaded)
    written = []
    for fmt in exports.FORMATS:
        target = output / f"incidents.{fmt}"
        target.write_text(exports.render(fmt, records, loaded), encoding="utf-8")
        written.append(target)
    report_path = output / "report.md"
    text = situation_report(records, loaded.agreement, (None, None), head=store.head())
    report_path.write_text(text, "utf-8")
    table = Table(title="Compliance per party", title_justify="left")
    for column in ("party", "violations", "verified", "fatalities (at least)"):
        table.add_column(column)
    for row in compliance(records, loaded.agreement):
        table.add_row(row.name, str(row.violations), str(row.verified), str(row.fatalities))
    out.print(table)
    out.print(f"Store: {store.url}")
    out.print(f"Situation report: {report_path}")
    out.print("Exports: " + ", ".join(str(p) for p in written))
    if report.rejected:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="JSONL documents with `gold`, or incident YAML.")],
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    gazetteer: Annotated[
        Path | None, typer.Option(help="A mission gazetteer to import first (CSV or GeoNames).")
    ] = None,
    errors: Annotated[Path | None, typer.Option(help="Write each miss as JSONL here.")] = None,
) -> None:
    """Run the pipeline on a fresh temporary store and print how it scores against gold."""
    result = run_eval(gold, limit=limit, gazetteer=gazetteer)
    table = Table(
        title=f"{gold.name}: {result.documents} documents in {result.seconds:.0f} s",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("score", justify="right")
    for row in result.rows:
        table.add_row(*row)
    out.print(table)
    if errors is not None:
        with errors.open("w", encoding="utf-8") as handle:
            for miss in result.errors:
                handle.write(json.dumps(miss, ensure_ascii=False, default=str) + "\n")
        err.print(f"Wrote {len(result.errors)} misses to {errors}.")


@log_app.command("verify")
def log_verify(
    pinned: Annotated[
        list[str] | None,
        typer.Option(
            "--pinned", help="A head hash a report was published with; must be in the log."
        ),
    ] = None,
) -> None:
    """Check the chain, every signature and every stored row; name the first problem."""
    store = open_store()
    result = audit.verify(store, pinned or [])
    if not result.ok:
        fail(result.summary())
    out.print(result.summary(), highlight=False, soft_wrap=True)


@log_app.command("head")
def log_head() -> None:
    """Print the hash of the newest event: it pins the record as it stands now."""
    sys.stdout.write(open_store().head() + "\n")


@log_app.command("show")
def log_show(
    last: Annotated[int, typer.Option(help="How many of the newest events.")] = 20,
) -> None:
    """List the newest events: who did what, when, and each event's hash."""
    store = open_store()
    table = Table(title=f"Audit log of {store.url}", title_justify="left")
    for column in ("seq", "at", "actor", "action", "subject", "hash"):
        table.add_column(column, overflow="fold")
    for e in store.events(last=last):
        table.add_row(str(e.seq), e.at[:19], e.actor, e.action, e.subject[:60], e.hash[:16])
    out.print(table)


RoleArg = Annotated[str, typer.Argument(help="admin, monitor, guarantor or party:PARTY_ID.")]


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[str, typer.Option(help="admin, monitor, guarantor or party:PARTY_ID.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="CEASEFIRE_PASSWORD",
            help="Asked for when not given.",
        ),
    ],
) -> None:
    """Add a person; they get a signing key, sealed under their password."""
    store = open_store(write=True)
    user = users.add_user(store, name, role, password)
    out.print(f"Added {user.name} ({role}) with signing key {user.key_id[:16]}.")


@user_app.command("role")
def user_role(name: Annotated[str, typer.Argument(help="Sign-in name.")], role: RoleArg) -> None:
    """Change a person's role."""
    store = open_store(write=True)
    users.set_role(store, name, role)
    out.print(f"{name} is now {role}.")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="Sign-in name.")]) -> None:
    """Stop a person signing in and revoke their tokens; their record and key stay."""
    store = open_store(write=True)
    users.set_active(store, name, False)
    out.print(f"{name} is disabled.")


@user_app.command("list")
def user_list() -> None:
    """List people with their roles."""
    table = Table(title="Users", title_justify="left")
    for column in ("name", "role", "party", "active", "key"):
        table.add_column(column)
    for u in users.users(open_store()):
        table.add_row(u.name, u.role, u.party or "-", "yes" if u.active else "no", u.key_id[:16])
    out.print(table)


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    password: PasswordOpt,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Issue an API token, printed once (only its hash is kept); it carries the person's key, so
    what is done with it is signed as them."""
    store = open_store(write=True)
    token = users.issue_token(store, name, label, signer=users.unlock(store, name, password))
    sys.stdout.write(token + "\n")


@agreement_app.command("accept")
def agreement_accept(
    user: Annotated[str, typer.Option(help="The party representative who signs.")],
    password: PasswordOpt,
    version: Annotated[
        str | None, typer.Option(help="The version to accept; the active one by default.")
    ] = None,
) -> None:
    """Sign the party's acceptance of the agreement with the representative's own key."""
    store = open_store()
    signer = users.unlock(store, user, password)
    try:
        accepted = positions.accept(store, signer, version=version)
    except NotAllowed as exc:
        fail(str(exc))
        raise
    out.print(
        f"{accepted.party} accepts {accepted.agreement_id} v{accepted.version}: signed by "
        f"{accepted.signer} with key {accepted.key_id[:16]} at {accepted.at}."
    )


@agreement_app.command("acceptances")
def agreement_acceptances() -> None:
    """Each party of the active agreement: accepted or not, by whom, and whether it verifies."""
    store = open_store()
    agreement = Knowledge.from_store(store).agreement
    signed = positions.acceptances(store, agreement.id, agreement.version)
    table = Table(title=f"{agreement.id} v{agreement.version}", title_justify="left")
    for column in ("party", "accepted", "by", "at", "verifies"):
        table.add_column(column, overflow="fold")
    for party in agreement.parties:
        mine = [a for a in signed if a.party == party.id]
        if not mine:
            table.add_row(party.id, "no", "-", "-", "-")
        for a in mine:
            check = "yes" if a.verifies else f"no: {a.problem}"
            table.add_row(party.id, "yes", a.signer, a.at, check)
    out.print(table)


@key_app.command("rotate")
def key_rotate() -> None:
    """Replace the installation key: the old key and the new one both sign the hand-over."""
    store = open_store(write=True)
    old, new = store.rotate_key()
    out.print(
        f"Rotated the installation key {old[:16]} to {new[:16]}, now in {store.key_path}; "
        "the old key no longer signs. Keep a copy of the new key apart from the backups.",
        soft_wrap=True,
    )


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (one SQLite file).")],
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Copy the store into one file while it stays in use (SQLite's online backup)."""
    if file.exists() and not force:
        fail(f"{file}: exists; pass --force to overwrite it")
    store = open_store()
    store.backup(file)
    out.print(f"Backed up {store.url} to {file}; log head {store.head()}.", soft_wrap=True)
    if store.key_path is not None:
        err.print(
            f"The installation key {store.key_path} is not in the backup; keep a copy of it "
            "apart from the backups.",
            soft_wrap=True,
        )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file `ceasefire backup` wrote.")],
    force: Annotated[bool, typer.Option(help="Replace a store that is not empty.")] = False,
) -> None:
    """Replace the store with a backup, once the backup's log and rows verify."""
    store = open_store()
    result = store.restore(file, force=force)
    if not result.ok:
        fail(f"restored, but {result.summary()}")
    out.print(f"Restored {file} into {store.url}: {result.summary()}", soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web dashboard and the HTTP API (OpenAPI at /api/openapi.json)."""
    store = open_store()
    Knowledge.from_store(store)  # a store without an agreement stops here, with the usual message
    uvicorn.run(create_app(store), host=host, port=port)
