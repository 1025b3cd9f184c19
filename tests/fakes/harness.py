"""A whole bot in-process: real router, handlers, database and outbox; fake platforms.

bot = Harness.create(tmp_path)
replies = bot.say("request SSO customer:Acme", user="U1")
bot.click(replies[0].buttons[0], user="U1")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.clock import FrozenClock
from bot.config import Settings
from bot.messages import Button, IncomingMessage, Kind, Reply, Sent
from salesbridge.app import Application, build_application
from services.context import Services
from tests.fakes.chat import FakePort

_ids = itertools.count(1)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SALESBRIDGE_ADMIN_USERS": "UADMIN,ou_admin",
        "SALESBRIDGE_PM_USERS": "UPM,ou_pm",
        "SALESBRIDGE_PM_CHANNELS": "slack:CPM,feishu:oc_pm",
        "SALESBRIDGE_OUTBOX_RATE_LIMITS": "off",  # logic tests run on a frozen clock; tests/scale tests limits
        "SALESBRIDGE_EMBEDDINGS": "none",  # lexical by default; the semantic tests ask for a model
    }
    values.update({k: str(v) for k, v in overrides.items()})
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Harness:
    app: Application
    clock: FrozenClock
    ports: dict[str, FakePort]

    @classmethod
    def create(
        cls, database_url: str, *, start: datetime | None = None, migrate: bool = True, **settings: Any
    ) -> Harness:
        """`migrate=False` when the database is already migrated (a copy of the tests' migrated template,
        see tests/database_templates.py): the Alembic migrations then run once per session, not per test."""
        clock = FrozenClock(start or datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # Mon 10:00 Asia/Shanghai
        ports = {name: FakePort(platform=name) for name in ("slack", "feishu", "console")}
        config = make_settings(database_url, **settings)
        app = build_application(config, ports=ports, clock=clock, migrate=migrate)
        return cls(app=app, clock=clock, ports=ports)

    @property
    def services(self) -> Services:
        return self.app.services

    @property
    def slack(self) -> FakePort:
        return self.ports["slack"]

    @property
    def feishu(self) -> FakePort:
        return self.ports["feishu"]

    @property
    def console(self) -> FakePort:
        return self.ports["console"]

    @staticmethod
    def message(
        text: str,
        *,
        user: str = "U1",
        platform: str = "slack",
        channel: str = "C1",
        dm: bool = False,
        mention: bool = True,
        thread: str | None = None,
        kind: Kind = Kind.MESSAGE,
        **extra: Any,
    ) -> IncomingMessage:
        n = next(_ids)
        return IncomingMessage(
            platform=platform,
            conversation=f"D-{user}" if dm else channel,
            user=user,
            text=text,
            kind=kind,
            message_id=f"msg{n}",
            thread=thread or f"msg{n}",
            in_thread=thread is not None,
            mentions_bot=mention and not dm,
            is_direct=dm,
            **extra,
        )

    def say(self, text: str, **kwargs: Any) -> list[Reply]:
        """Route one message through the real router; returns the handler's replies (nothing is sent)."""
        return self.app.router.handle(self.message(text, **kwargs), self.services)

    def seen(self, reply: Reply, *, on: str = "slack") -> Reply:
        """`reply` as readers on `on` see it: people of `on` mentioned, people elsewhere by name (the outbox
        does this before sending; `say` returns what the handler wrote)."""
        return self.services.outbox.people.localize(reply, platform=on)

    def command(self, text: str, **kwargs: Any) -> list[Reply]:
        """As a slash command (`/request …` on Slack)."""
        return self.say(text, kind=Kind.COMMAND, mention=False, **kwargs)

    def click(
        self, button: Button, *, user: str = "U1", platform: str = "slack", channel: str = "C1"
    ) -> list[Reply]:
        msg = IncomingMessage(
            platform=platform,
            conversation=channel,
            user=user,
            kind=Kind.ACTION,
            action_id=button.action_id,
            action_value=button.value,
            message_id="clicked",
            thread="clicked",
        )
        return self.app.router.handle(msg, self.services)

    def submit(
        self,
        form_id: str,
        values: dict[str, str],
        *,
        private_value: str = "",
        user: str = "U1",
        platform: str = "slack",
    ) -> list[Reply]:
        msg = IncomingMessage(
            platform=platform,
            conversation="C1",
            user=user,
            kind=Kind.FORM,
            form_id=form_id,
            form=values,
            action_value=private_value,
        )
        return self.app.router.handle(msg, self.services)

    def process(self, msg: IncomingMessage) -> list[Sent]:
        """The full path after an ack: idempotency, routing, delivery through the outbox to the fakes."""
        return self.app.dispatcher.process(msg)

    def close(self) -> None:
        self.app.stop()
        self.services.db.dispose()
