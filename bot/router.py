"""The router: explicit registration of commands, button actions, forms, thread listeners and the fallback.

Every capability registers here (see `handlers/__init__.py`); reading those calls tells you every command
the bot knows. The router also owns the three user-facing failure modes: a usage error, a permission error
and an unexpected crash, each answered politely and never propagated to a platform listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.chat_text import is_id
from bot.commands import split_command_word, without_leading_mentions
from bot.context import Core
from bot.database import transient_database_error
from bot.errors import PermissionDenied, UsageError, UserFacingError
from bot.forms import FormErrors
from bot.i18n import both
from bot.messages import IncomingMessage, Kind, Reply

logger = logging.getLogger(__name__)

C = TypeVar("C", bound=Core)  # what handlers receive: the core plus the capabilities (services.context)
HandlerResult = Reply | Iterable[Reply] | None
Handler = Callable[[IncomingMessage, C], HandlerResult]
FormValidator = Callable[[IncomingMessage, C], None]  # raises FormErrors; pure and fast


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler[Any]
    aliases: tuple[str, ...]
    summary_en: str
    summary_zh: str
    usage: str  # one or more example lines, shown by help and on usage errors
    roles: frozenset[str]  # empty: everyone
    placeholder: bool  # slow command: post "Looking it up…" first, then replace it
    details_en: str = ""  # longer explanation for `help <command>`
    details_zh: str = ""


@dataclass(frozen=True)
class ButtonText:
    """The text command that does what a button does: `announce ack 7` clicks "Acknowledge / 已阅" of
    announcement 7. `command` is the canonical command it is a subcommand of, `words` its spellings;
    the message becomes the button's action (value: the id typed) or, with `form_id`, that form submitted
    with the text after the id in `field` (the button would have opened the form)."""

    command: str
    words: tuple[str, ...]
    label: str  # the button, as people see it
    example: str  # e.g. "announce ack 7"
    action_id: str = ""
    form_id: str = ""
    field: str = ""
    value: Callable[[list[str]], str] | None = None  # the words after the subcommand → the action value

    def convert(self, msg: IncomingMessage, rest: str) -> IncomingMessage:
        words = rest.split()
        usage = f"Usage / 用法: `{self.example}`"
        if self.value is not None:
            value = self.value(words)
        else:
            if not words or not is_id(words[0].lstrip("#＃")):
                command, number = self.example.rsplit(" ", 1)
                typed = without_leading_mentions(msg.text).removesuffix(rest.strip()).strip() or command
                raise UsageError(
                    f"`{command}` needs an id, like `{self.example}`.",
                    f"`{typed}` 需要编号，例如 `{typed} {number}`。",  # as they typed it: `反馈 有帮助 12`
                    usage=self.example,
                )
            value = words[0].lstrip("#＃")
        if self.form_id:
            text = rest.split(maxsplit=1)[1].strip() if len(words) > 1 else ""
            if not text:
                raise UsageError(f"Add the text after the id. {usage}", f"请在编号后写内容。{usage}")
            return msg.evolve(
                kind=Kind.FORM, form_id=self.form_id, form={self.field: text}, action_value=value
            )
        return msg.evolve(kind=Kind.ACTION, action_id=self.action_id, action_value=value)


def _raising(exc: Exception) -> Handler[Any]:
    """A handler that raises `exc`, so that `Router.run` answers it like any handler's error."""

    def handler(msg: IncomingMessage, services: Any) -> HandlerResult:
        raise exc

    return handler


@dataclass(frozen=True)
class Route:
    """Where one message goes, decided once: the handler, the message with its command and arguments
    filled in, the command it is, and whether it is slow enough to post "Looking it up…" first."""

    incoming: IncomingMessage
    handler: Handler[Any] | None
    msg: IncomingMessage
    spec: CommandSpec | None = None
    placeholder: bool = False


def as_replies(result: HandlerResult) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, Reply):
        return [result]
    return list(result)


def usage_reply(spec: CommandSpec, en: str = "", zh: str = "") -> Reply:
    lines = [both(en, zh)] if en else []
    lines.append(f"Usage / 用法:\n```\n{spec.usage}\n```")
    return Reply(text="\n".join(lines), where="ephemeral", color="warning")


class Router(Generic[C]):
    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}  # canonical name → spec
        self._words: dict[str, CommandSpec] = {}  # every spelling (aliases too) → spec
        self._actions: list[tuple[str, Handler[C]]] = []
        self._forms: dict[str, Handler[C]] = {}
        self._form_validators: dict[str, FormValidator[C]] = {}
        self._thread_listeners: list[Handler[C]] = []
        self._fallback: Handler[C] | None = None
        self._fallback_placeholder = False
        self.button_texts: list[ButtonText] = []
        self._button_words: dict[tuple[str, str], ButtonText] = {}

    # --- registration ------------------------------------------------------------------------------
    def command(
        self,
        name: str,
        handler: Handler[C],
        *,
        aliases: Iterable[str] = (),
        summary_en: str,
        summary_zh: str,
        usage: str,
        roles: Iterable[str] = (),
        placeholder: bool = False,
        details_en: str = "",
        details_zh: str = "",
    ) -> None:
        spec = CommandSpec(
            name=name,
            handler=handler,
            aliases=tuple(aliases),
            summary_en=summary_en,
            summary_zh=summary_zh,
            usage=usage,
            roles=frozenset(roles),
            placeholder=placeholder,
            details_en=details_en,
            details_zh=details_zh,
        )
        for word in (name, *spec.aliases):
            key = word.lower()
            if key in self._words:
                raise ValueError(f"command word {word!r} registered twice")
            self._words[key] = spec
        self.commands[name] = spec

    def action(self, prefix: str, handler: Handler[C]) -> None:
        """Button clicks whose action id starts with `prefix` (e.g. "request." or "kb.feedback")."""
        self._actions.append((prefix, handler))

    def form(self, form_id: str, handler: Handler[C], *, validate: FormValidator[C] | None = None) -> None:
        """A submitted form. `validate` checks every field at once (raising `bot.forms.FormErrors`) without
        side effects; adapters run it inside the platform's ack so errors appear next to the fields."""
        self._forms[form_id] = handler
        if validate is not None:
            self._form_validators[form_id] = validate

    def validate_form(self, msg: IncomingMessage, services: C) -> dict[str, str]:
        """The errors of a submitted form, one bilingual line per input name; empty when it is fine (or has
        no validator, or the validator itself failed: the handler then answers as usual). Never raises."""
        validate = self._form_validators.get(msg.form_id or "")
        if msg.kind is not Kind.FORM or validate is None:
            return {}
        try:
            validate(msg, services)
        except FormErrors as exc:
            return exc.messages()
        except UserFacingError:  # e.g. not allowed to submit it at all: the handler says so
            return {}
        except Exception:
            logger.exception("form validator failed form=%s event_id=%s", msg.form_id, msg.event_id)
        return {}

    def button_text(self, button: ButtonText) -> None:
        """A text command for a button (every button has one; `help` lists them)."""
        for word in button.words:
            key = (button.command, word.lower())
            if key in self._button_words:
                raise ValueError(f"button text {word!r} of {button.command!r} registered twice")
            self._button_words[key] = button
        self.button_texts.append(button)

    def thread_listener(self, handler: Handler[C]) -> None:
        """Called for channel messages inside a thread that do not mention the bot (e.g. practice answers).

        The handler returns nothing when the thread is not one it follows.
        """
        self._thread_listeners.append(handler)

    def fallback(self, handler: Handler[C], *, placeholder: bool = False) -> None:
        """Free text addressed to the bot that is not a command (a question for the knowledge base)."""
        self._fallback = handler
        self._fallback_placeholder = placeholder

    # --- lookup ------------------------------------------------------------------------------------
    def lookup(self, word: str) -> CommandSpec | None:
        return self._words.get(word.lower())

    def route(self, msg: IncomingMessage) -> Route:
        """Resolve a message once: the dispatcher asks for the placeholder and runs the handler from it."""
        try:
            handler, routed, spec = self._resolve(msg)
        except Exception as exc:  # a button text's converter failed: answered like a crashing handler
            handler, routed, spec = _raising(exc), msg, None
        if msg.external:  # answered with a refusal or served in an allowed channel: no "Looking it up…"
            placeholder = False
        elif spec is not None:
            # a slow command with nothing to look up (`ask` alone) answers with its usage at once
            placeholder = spec.placeholder and bool(routed.args.strip())
        else:
            placeholder = handler is not None and handler is self._fallback and self._fallback_placeholder
        return Route(incoming=msg, handler=handler, msg=routed, spec=spec, placeholder=placeholder)

    def _resolve(
        self, msg: IncomingMessage
    ) -> tuple[Handler[Any] | None, IncomingMessage, CommandSpec | None]:
        """Which handler takes this message, with command/args filled in."""
        if msg.kind is Kind.ACTION:
            for prefix, handler in self._actions:
                if msg.action_id and msg.action_id.startswith(prefix):
                    return handler, msg, None
            return None, msg, None
        if msg.kind is Kind.FORM:
            return self._forms.get(msg.form_id or ""), msg, None
        if not msg.addressed_to_bot:
            return None, msg, None
        word, rest = split_command_word(msg.text)
        spec = self.lookup(word) if word else None
        if spec is not None:
            sub, sub_rest = split_command_word(rest)
            button = self._button_words.get((spec.name, sub.lower())) if sub else None
            if button is not None:
                try:
                    converted = button.convert(msg, sub_rest)
                except UsageError as exc:
                    return _raising(exc), msg.evolve(command=spec.name, args=rest), None
                return self._resolve(converted)
            return spec.handler, msg.evolve(command=spec.name, args=rest), spec
        if msg.kind is Kind.COMMAND or not msg.text.strip():
            help_spec = self.commands.get("help")
            return (help_spec.handler if help_spec else None), msg.evolve(command="help", args=""), help_spec
        return self._fallback, msg, None

    # --- dispatch ----------------------------------------------------------------------------------
    def handle(self, msg: IncomingMessage, services: C) -> list[Reply]:
        """Route one message and return the replies. Never raises, but for a database error (retried)."""
        return self.run(self.route(msg), services)

    def run(self, route: Route, services: C) -> list[Reply]:
        """Run a routed message's handler (or thread listener) and return the replies. Never raises but
        for a database error, which the dispatcher retries from the inbox."""
        msg = route.incoming
        try:
            if msg.external and msg.conversation not in services.settings.slack_connect_channels:
                return self._refuse_external(route, services)
            if msg.kind is Kind.MESSAGE and msg.in_thread:
                # Threads the bot follows (e.g. objection practice) take replies first, mention or not;
                # a mention that no listener claims is then a question or command like any other.
                is_command = self.lookup(split_command_word(msg.text)[0] or "") is not None
                if not (msg.addressed_to_bot and is_command):
                    replies = self._thread_replies(msg, services)
                    if replies or not msg.addressed_to_bot:
                        return replies
            elif msg.kind is Kind.MESSAGE and not msg.addressed_to_bot:
                return []
            handler, routed, spec = route.handler, route.msg, route.spec
            if handler is None:
                logger.info("no handler for %s action=%s form=%s", msg.kind, msg.action_id, msg.form_id)
                return []
            if spec is not None and spec.roles:
                role = services.roles.role_of(
                    platform=msg.platform, user=msg.user, workspace=msg.role_workspace
                )
                if role not in spec.roles and role != "admin":
                    raise PermissionDenied(
                        f"`{spec.name}` is for {' / '.join(sorted(spec.roles))} only; your role is {role}.",
                        f"`{spec.name}` 仅限 {' / '.join(sorted(spec.roles))} 使用；你的角色是 {role}。",
                    )
            if msg.kind is Kind.FORM and (validate := self._form_validators.get(msg.form_id or "")):
                validate(msg, services)
            return as_replies(handler(routed, services))
        except UsageError as exc:
            if isinstance(exc, FormErrors) and msg.kind is Kind.FORM:
                return [form_errors_reply(exc.messages())]
            if exc.usage:
                text = both(exc.en, exc.zh) + _usage_block(exc.usage)
            elif (spec := self.lookup(msg.command or split_command_word(msg.text)[0])) is not None:
                return [usage_reply(spec, exc.en, exc.zh)]
            else:
                text = both(exc.en, exc.zh)
            return [Reply(text=text, where="ephemeral", color="warning")]
        except UserFacingError as exc:
            return [Reply(text=both(exc.en, exc.zh), where="ephemeral", color="warning")]
        except Exception as exc:
            if transient_database_error(exc):
                raise  # not the user's fault nor the handler's: the dispatcher retries the event later
            logger.exception(
                "handler failed event_id=%s platform=%s kind=%s", msg.event_id, msg.platform, msg.kind
            )
            return [
                Reply(
                    text=both(
                        "Sorry, something went wrong on my side. The team has been notified in the logs.",
                        "抱歉，我这边出了点问题，已记录在日志中。",
                    ),
                    where="ephemeral",
                    color="danger",
                )
            ]

    def _refuse_external(self, route: Route, services: C) -> list[Reply]:
        """A user of another organisation (Slack Connect) outside the allowed channels: `help` works, their
        thread chatter is ignored, anything else (knowledge answers, requests, PM actions) is declined."""
        msg, spec = route.incoming, route.spec
        if msg.kind is Kind.MESSAGE and not msg.addressed_to_bot:
            return []
        if spec is not None and spec.name == "help":
            return as_replies(spec.handler(route.msg, services))
        logger.info(
            "external user %s (team %s) declined in %s", msg.user, msg.user_workspace, msg.conversation
        )
        return [EXTERNAL_REFUSAL]

    def _thread_replies(self, msg: IncomingMessage, services: C) -> list[Reply]:
        for listener in self._thread_listeners:
            replies = as_replies(listener(msg, services))
            if replies:
                return replies
        return []


EXTERNAL_REFUSAL = Reply(
    text=both(
        "Sorry — I can only answer product questions and act on requests for members of our own workspace. "
        "Your contact at our company will be glad to help.",
        "抱歉，我只能为本公司工作区的成员解答产品问题和处理操作。请联系你在我们公司的对接人，他们会乐意帮忙。",
    ),
    where="ephemeral",
    color="info",
)


def _usage_block(usage: str) -> str:
    return f"\nUsage / 用法:\n```\n{usage}\n```" if usage else ""


def form_errors_reply(errors: dict[str, str]) -> Reply:
    """A form's errors as a message, for where the form cannot show them itself (the console, a form
    submitted without a validator run)."""
    lines = [f"• `{name}`: {text}" for name, text in errors.items()]
    return Reply(
        title="Please correct the form / 请修改表单",
        text="\n".join(lines),
        where="ephemeral",
        color="warning",
    )
