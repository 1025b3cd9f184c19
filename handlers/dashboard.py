"""`dashboard` / `看板`: a one-time sign-in link to the web dashboard, shown only to the asker.

The link (`{SALESBRIDGE_PUBLIC_URL}/app/login?token=…`) is valid for ten minutes and signs in once, as the
asker, with the role the bot already knows for them (`services.dashboard_access`). The reply is ephemeral;
where a platform has no ephemeral messages, its adapter sends it as a DM. Words after the command make it a
question like any other ("dashboard export to PDF?" is asked of the knowledge base, as before).
"""

from __future__ import annotations

from bot.i18n import pick
from bot.messages import IncomingMessage, Reply
from bot.router import Router
from handlers.ask.asking import handle_question
from services.context import Services
from services.dashboard_access import LINK_TTL, Identity, create_link, sign_in_url

USAGE = "dashboard\n看板"


def register(router: Router) -> None:
    router.command(
        "dashboard",
        handle_dashboard,
        aliases=("看板",),
        summary_en="A one-time sign-in link to the web dashboard (only you see it)",
        summary_zh="获取网页看板的一次性登录链接（仅你可见）",
        usage=USAGE,
        details_en=(
            "The link works once, for 10 minutes, and signs you in with your role: PMs and admins triage and "
            "publish; sales see their own requests and what is published. Ask again for a new link."
        ),
        details_zh=(
            "链接 10 分钟内有效，只能使用一次，登录后沿用你在机器人中的角色：产品经理和管理员可以分诊和发布，"
            "销售可以查看自己的需求和已发布的内容。需要时再次发送 `看板` 获取新链接。"
        ),
    )


def handle_dashboard(msg: IncomingMessage, services: Services) -> Reply:
    if msg.args.strip():  # "dashboard export to PDF?" is a question, as it was before this command
        return handle_question(msg.evolve(command=None, args=""), services)
    identity = Identity(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
    with services.db.session() as session:
        token = create_link(session=session, identity=identity, now=services.now())
    url = sign_in_url(public_url=services.settings.public_url, token=token)
    minutes = int(LINK_TTL.total_seconds() // 60)
    lang = msg.language
    return Reply(
        title=pick(lang, "Your dashboard sign-in link", "你的看板登录链接"),
        text=url,
        context=[
            pick(
                lang,
                f"Only you can see this. It works once, within {minutes} minutes; "
                "type `dashboard` again for a new one.",
                f"仅你可见。{minutes} 分钟内有效，只能使用一次；需要时再发送 `看板` 获取新链接。",
            )
        ],
        where="ephemeral",
    )
