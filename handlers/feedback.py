"""`feedback up 12` / `feedback down 12` / `feedback pm 12`: the text commands of the buttons under an
answer (👍 Helpful, 👎 Not helpful, Ask a PM), for places without buttons and for people who type.
The buttons' handlers live with the answers (`handlers/ask/`), their action ids in `services.questions.buttons`;
these commands click them."""

from __future__ import annotations

from bot.errors import UsageError
from bot.messages import IncomingMessage, Reply
from bot.router import ButtonText, Router
from services.context import Services
from services.questions.buttons import ANSWER_BUTTON, ESCALATE, FEEDBACK

USAGE = "feedback up 12\nfeedback down 12\nfeedback pm 12"


def register(router: Router) -> None:
    router.command(
        "feedback",
        handle_feedback_command,
        aliases=("反馈",),
        summary_en="Rate answer 12 without its buttons: `feedback up 12`, `feedback down 12`, `feedback pm 12`",
        summary_zh="不用按钮评价回答 12：`反馈 有帮助 12`、`反馈 没帮助 12`、`反馈 转给产品经理 12`",
        usage=USAGE,
    )
    for words, action, label, example in (
        (("up", "helpful", "有帮助"), f"{FEEDBACK}.up", "👍 Helpful / 有帮助", "feedback up 12"),
        (("down", "unhelpful", "没帮助"), f"{FEEDBACK}.down", "👎 Not helpful / 没帮助", "feedback down 12"),
        (("pm", "escalate", "转给产品经理"), ESCALATE, "Ask a PM / 转给产品经理", "feedback pm 12"),
    ):
        router.button_text(
            ButtonText(command="feedback", words=words, action_id=action, label=label, example=example)
        )
    # "Answer / 回答" opens a form; `answer 12 <text>` is its command (registered with the answers)
    router.button_text(
        ButtonText(
            command="answer",
            words=(),
            action_id=ANSWER_BUTTON,
            label="Answer / 回答",
            example="answer 12 <text>",
        )
    )


def handle_feedback_command(msg: IncomingMessage, services: Services) -> Reply:
    raise UsageError(
        "Say which answer and how: `feedback up 12`, `feedback down 12` or `feedback pm 12` (ask a PM).",
        "请说明哪条回答以及评价：`反馈 有帮助 12`、`反馈 没帮助 12` 或 `反馈 转给产品经理 12`。",
        usage=USAGE,
    )
