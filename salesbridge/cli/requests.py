"""`salesbridge requests list [--json]` and `salesbridge requests export --csv FILE`.

Both read `services.requests.export.export_rows`, the rows of the chat's `requests export`.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bot.config import Settings
from bot.database import Database
from services.requests.export import export_rows, rows_to_csv
from services.requests.vocabulary import OPEN_STATUSES

requests_app = typer.Typer(help="Customer feature requests: list and export.", no_args_is_help=True)


def _database() -> Database:
    database = Database(Settings().database_url)
    database.upgrade()
    return database


@requests_app.command("list")
def list_requests(
    as_json: bool = typer.Option(False, "--json", help="One JSON array (for scripts) instead of a table."),
    status: str = typer.Option("", help="Only this status (new, triaged, planned, in-progress, shipped, …)."),
    open_only: bool = typer.Option(False, "--open", help="Only open requests."),
    limit: int = typer.Option(0, min=0, help="At most this many (0: all), highest RICE first."),
) -> None:
    """List feature requests, highest RICE first."""
    database = _database()
    with database.session() as session:
        rows = export_rows(session=session)
    database.dispose()
    if status:
        rows = [r for r in rows if r["status"] == status]
    if open_only:
        rows = [r for r in rows if r["status"] in OPEN_STATUSES]
    rows.sort(key=lambda r: (-float(r["rice"]), -float(r["total_arr_usd"]), int(r["id"])))
    if limit:
        rows = rows[:limit]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no feature requests")
        return
    for r in rows:
        title = r["title"] if len(r["title"]) <= 60 else r["title"][:59] + "…"
        typer.echo(
            f"#{r['id']:>5}  {r['priority']}  RICE {float(r['rice']):>8.2f}  "
            f"ARR ${float(r['total_arr_usd']):>12,.0f}  {r['status']:<11}  {title}"
        )


@requests_app.command("export")
def export(
    csv_path: Path = typer.Option(
        ..., "--csv", help="Write every request to this CSV file ('-' for stdout)."
    ),
) -> None:
    """Export every feature request (customers, ARR, requesters, status) as CSV."""
    database = _database()
    with database.session() as session:
        rows = export_rows(session=session)
    database.dispose()
    content = rows_to_csv(rows)
    if str(csv_path) == "-":
        typer.echo(content, nl=False)
        return
    csv_path.write_text(content, encoding="utf-8-sig")  # BOM: Excel opens Chinese text correctly
    typer.echo(f"wrote {len(rows)} request(s) to {csv_path}")
