"""`help` / `帮助`: every command with an example, in the user's language; `help <command>` for details."""

from __future__ import annotations

from bot.i18n import both, pick
from bot.messages import IncomingMessage, Reply
from bot.router import Router
from services.context import Services


def register(router: Router) -> None:
    def handle(msg: IncomingMessage, services: Services) -> Reply:
        return help_reply(router, msg)

    router.command(
        "help",
        handle,
        aliases=("帮助", "?", "h"),
        summary_en="List every command, or explain one: `help requests`",
        summary_zh="列出所有命令，或解释某个命令：`帮助 需求`",
        usage="help\nhelp requests\n帮助",
    )


def help_reply(router: Router, msg: IncomingMessage) -> Reply:
    lang = msg.language if msg.text.strip() else "en"
    topic = msg.args.strip().split(" ")[0] if msg.args.strip() else ""
    if topic:
        spec = router.lookup(topic)
        if spec is None:
            return Reply(
                text=both(
                    f"I don't know the command `{topic}`. Type `help` for the list.",
                    f"没有 `{topic}` 这个命令。输入 `帮助` 查看命令列表。",
                ),
                where="ephemeral",
                color="warning",
            )
        details = pick(lang, spec.details_en, spec.details_zh)
        aliases = ", ".join(f"`{a}`" for a in spec.aliases)
        text = pick(lang, spec.summary_en, spec.summary_zh)
        if details:
            text += "\n\n" + details
        text += f"\n\n{pick(lang, 'Examples', '示例')}:\n```\n{spec.usage}\n```"
        own = [f"• `{b.example}` — {b.label}" for b in router.button_texts if b.command == spec.name]
        if own:
            text += "\n\n" + pick(lang, "Buttons as text", "按钮对应的文字命令") + ":\n" + "\n".join(own)
        context = [pick(lang, f"Also: {aliases}", f"别名：{aliases}")] if aliases else []
        return Reply(title=f"`{spec.name}`", text=text, context=context, where="ephemeral")
    lines = []
    for spec in router.commands.values():
        example = spec.usage.splitlines()[0] if spec.usage else spec.name
        lines.append(f"• `{example}` — {pick(lang, spec.summary_en, spec.summary_zh)}")
    intro = pick(
        lang,
        "Mention me with a question, or use a command. On Slack: `/salesbridge <command>`; "
        "on Feishu: type the command after @SalesBridge (a leading `/` is optional).",
        "直接 @我 提问，或使用命令。Slack：`/salesbridge <命令>`；飞书：在 @SalesBridge 后输入命令（可加 `/`）。",
    )
    buttons = [f"• `{b.example}` — {b.label}" for b in router.button_texts]
    if buttons:
        lines.append("")
        lines.append(
            pick(
                lang,
                "Every button has a text command that does the same:",
                "每个按钮都有同样效果的文字命令：",
            )
        )
        lines.extend(buttons)
    return Reply(
        title=pick(lang, "SalesBridge commands", "SalesBridge 命令"),
        text=intro + "\n\n" + "\n".join(lines),
        context=[pick(lang, "`help <command>` explains one command.", "`帮助 <命令>` 查看某个命令的详情。")],
        where="ephemeral",
    )
