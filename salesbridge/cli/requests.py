"""`salesbridge requests list [--json]` and `salesbridge requests export --csv FILE`.

Both read `services.requests.export.export_records`, the rows of the chat's `requests export`. A wrong option
or a file that cannot be written is told in English and Chinese on stderr, exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bot.config import Settings
from bot.database import Database
from bot.errors import UsageError
from salesbridge.cli.usage_errors import fail
from services.requests.export import ExportRecord, export_records, export_rows, rows_to_csv
from services.requests.vocabulary import OPEN_STATUSES, parse_status

requests_app = typer.Typer(help="Customer feature requests: list and export.", no_args_is_help=True)

LIST_USAGE = (
    "Usage: salesbridge requests list [--json] [--open] [--status STATUS] [--limit N]\n"
    "用法：salesbridge requests list [--json] [--open] [--status 状态] [--limit 数量]"
)


def _database() -> Database:
    database = Database(Settings().database_url)
    database.upgrade()
    return database


def _records() -> list[ExportRecord]:
    database = _database()
    with database.session() as session:
        records = export_records(session=session)
    database.dispose()
    return records


@requests_app.command("list")
def list_requests(
    as_json: bool = typer.Option(False, "--json", help="One JSON array (for scripts) instead of a table."),
    status: str = typer.Option(
        "",
        help="Only this status: new, triaged, planned, in-progress, shipped, declined, merged "
        "(or as in chat: 已排期, 开发中, …).",
    ),
    open_only: bool = typer.Option(False, "--open", help="Only open requests."),
    limit: int = typer.Option(0, min=0, help="At most this many (0: all), highest RICE first."),
) -> None:
    """List feature requests, highest RICE first."""
    wanted = ""
    if status:
        try:
            wanted = parse_status(status)
        except UsageError as exc:
            raise fail(exc.en, exc.zh, usage=LIST_USAGE) from exc
    rows = _records()
    if wanted:
        rows = [r for r in rows if r["status"] == wanted]
    if open_only:
        rows = [r for r in rows if r["status"] in OPEN_STATUSES]
    rows.sort(key=lambda r: (-r["rice"], -r["total_arr_usd"], r["id"]))
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
            f"#{r['id']:>5}  {r['priority']}  RICE {r['rice']:>8.2f}  "
            f"ARR ${r['total_arr_usd']:>12,.0f}  {r['status']:<11}  {title}"
        )


def _unwritable(path: Path, exc: OSError) -> typer.Exit:
    """Why `path` cannot be written, in both languages (a folder, a missing folder, no permission, …)."""
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        why_en, why_zh = "it is a folder; name a file in it, e.g.", "这是一个文件夹；请指定其中的文件，例如"
        example = path / "requests.csv"
        return fail(f"cannot write {path}: {why_en} {example}", f"无法写入 {path}：{why_zh} {example}")
    if isinstance(exc, FileNotFoundError):
        folder = path.parent
        return fail(
            f"cannot write {path}: the folder {folder} does not exist",
            f"无法写入 {path}：文件夹 {folder} 不存在",
        )
    if isinstance(exc, PermissionError):
        return fail(f"cannot write {path}: permission denied", f"无法写入 {path}：没有写入权限")
    reason = exc.strerror or str(exc)
    return fail(f"cannot write {path}: {reason}", f"无法写入 {path}：{reason}")


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
    try:
        csv_path.write_text(content, encoding="utf-8-sig")  # BOM: Excel opens Chinese text correctly
    except OSError as exc:
        raise _unwritable(csv_path, exc) from exc
    typer.echo(f"wrote {len(rows)} request(s) to {csv_path}")
