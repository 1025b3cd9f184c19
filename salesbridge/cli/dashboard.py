"""`salesbridge dashboard link slack:U123` — a one-time sign-in link to the web dashboard, for an operator to
hand to someone (the same link `dashboard` in chat sends, `services.dashboard_access`)."""

from __future__ import annotations

import typer

from bot.clock import Clock
from bot.config import Settings
from bot.database import Database
from bot.errors import UsageError
from bot.roles import ROLE_ZH, Roles
from salesbridge.cli.usage_errors import fail
from services.dashboard_access import LINK_TTL, create_link, parse_identity, sign_in_url

dashboard_app = typer.Typer(
    help="The web dashboard (served by `salesbridge serve` under /app).", no_args_is_help=True
)


@dashboard_app.command("link")
def link(
    person: str = typer.Argument(..., help="Who signs in: slack:U0123, feishu:ou_abc or console:ann."),
    workspace: str = typer.Option(
        "", help="The Slack team (T…) or Feishu tenant the person's role is looked up in (default: any)."
    ),
) -> None:
    """Print a one-time sign-in link (valid 10 minutes) for PERSON."""
    settings = Settings()
    try:
        identity = parse_identity(person, workspace=workspace)
    except UsageError as exc:
        raise fail(exc.en, exc.zh) from exc
    database = Database(settings.database_url)
    database.upgrade()
    with database.session() as session:
        token = create_link(session=session, identity=identity, now=Clock().now())
    role = Roles(settings=settings, db=database).role_of(
        platform=identity.platform, user=identity.user, workspace=identity.workspace
    )
    database.dispose()
    typer.echo(sign_in_url(public_url=settings.public_url, token=token))
    minutes = int(LINK_TTL.total_seconds() // 60)
    typer.echo(
        f"signs in {identity.label} ({role}) once, within {minutes} minutes / "
        f"{identity.label}（{ROLE_ZH[role]}）可在 {minutes} 分钟内用它登录一次",
        err=True,
    )
    if role == "sales":
        typer.echo(
            "As sales they see requests and announcements but cannot triage or post: give the PM role with "
            "SALESBRIDGE_PM_USERS, or `role grant @person pm` in chat. / 销售角色只能查看，不能分流或发布："
            "请用 SALESBRIDGE_PM_USERS 或在聊天中用 `角色 授予 @某人 产品经理` 授予产品经理角色。",
            err=True,
        )
