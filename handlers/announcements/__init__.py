"""Release announcements, end-of-sale (停售) notices, acknowledgement tracking and launch timelines.

`register` lists every command, button and form of the capability; the data and rules live in
`services/announcements/`, the jobs in `jobs/announcements.py`, the tables in `bot/models/announcements.py`.
"""

from __future__ import annotations

from bot.router import ButtonText, Router
from handlers.announcements import commands, launch
from handlers.announcements.render import CANCEL_ACTION, CONFIRM_ACTION
from services.announcements.posts import ACK_ACTION


def register(router: Router) -> None:
    router.command(
        "announce",
        commands.handle_announce,
        aliases=("公告", "announcement"),
        summary_en="Post a release or end-of-sale notice to sales channels and track who read it",
        summary_zh="向销售频道发布版本发布或停售通知，并跟踪阅读情况",
        usage=commands.ANNOUNCE_USAGE,
        details_en=(
            "PMs and admins publish. Without `at:` you get a preview with Confirm / Cancel; with `at:` the post "
            "is scheduled. Channels: slack:#sales, slack:C0123, feishu:oc_…, or an audience name. An end-of-sale "
            "notice must state reason, last-order date, end-of-support date, scope, alternative, support plan "
            "and contact. Every post has an Acknowledge / 已阅 button; `announce status <id>` shows who read it."
        ),
        details_zh=(
            "产品经理和管理员可发布。不带 `at:` 时先预览，确认后发布；带 `at:` 则定时发布。频道：slack:#sales、"
            "slack:C0123、feishu:oc_… 或受众名称。停售通知必须写明原因、最后订购日、停止支持日、影响范围、替代方案、"
            "支持方案和联系人。每条公告都有“已阅”按钮；`公告 status <编号>` 查看谁已阅读。"
        ),
    )
    router.command(
        "audience",
        commands.handle_audience,
        aliases=("audiences", "受众"),
        summary_en="Name a set of channels once: `audience add sales-cn feishu:oc_1 feishu:oc_2`",
        summary_zh="为一组频道命名：`受众 add sales-cn feishu:oc_1 feishu:oc_2`",
        usage=commands.AUDIENCE_USAGE,
        roles=("pm",),
    )
    router.command(
        "launch",
        launch.handle_launch,
        aliases=("launches", "上市"),
        summary_en="Plan a launch: milestone checklists posted at T-90, T-60, T-30, T0, T+30, T+90",
        summary_zh="上市计划：在 T-90、T-60、T-30、T0、T+30、T+90 发送里程碑清单",
        usage=launch.LAUNCH_USAGE,
        details_en=launch.LAUNCH_DETAILS_EN,
        details_zh=launch.LAUNCH_DETAILS_ZH,
        roles=("pm",),
    )
    for words, action, label, example in (
        (("ack", "acknowledge", "已阅"), ACK_ACTION, "Acknowledge / 已阅", "announce ack 7"),
        (("confirm", "确认"), CONFIRM_ACTION, "Confirm & post / 确认发布", "announce confirm 7"),
        ((), CANCEL_ACTION, "Cancel / 取消", "announce cancel 7"),  # a subcommand of its own
    ):
        router.button_text(
            ButtonText(command="announce", words=words, action_id=action, label=label, example=example)
        )
    router.action(ACK_ACTION, commands.handle_ack)
    router.action(CONFIRM_ACTION, commands.handle_confirm)
    router.action(CANCEL_ACTION, commands.handle_cancel)
    router.form(commands.RELEASE_FORM, commands.handle_release_form, validate=commands.validate_form)
    router.form(commands.EOS_FORM, commands.handle_eos_form, validate=commands.validate_form)
