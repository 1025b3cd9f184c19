"""Only our workspaces: which Slack teams, enterprises and app a request may come from, and which users are
external (Slack Connect).

The installation is learned from the bot token — `auth.test` gives the team (and the enterprise of a
Grid install), `bots.info` the app id — unless `SALESBRIDGE_SLACK_TEAM_IDS` / `SALESBRIDGE_SLACK_APP_IDS`
pin them. A request from anything else is answered 200 and ignored (`foreign`); a user whose own team
(`user_team`, `user.team_id`) is not ours is `external`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.platforms.slack.translate import installation_team_ids

logger = logging.getLogger(__name__)


def _id(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("id")
    return str(value) if isinstance(value, str) and value else ""


def request_team_ids(body: Mapping[str, Any]) -> tuple[str, str]:
    """(team id, enterprise id) of an Events API envelope, a slash command or an interactive payload."""
    team = _id(body.get("team_id")) or _id(body.get("team"))
    if not team and isinstance(body.get("view"), Mapping):
        team = _id(body["view"].get("team_id"))
    enterprise = _id(body.get("enterprise_id")) or _id(body.get("enterprise"))
    return team, enterprise


def _connect_delivery(body: Mapping[str, Any]) -> bool:
    """A request from a Slack Connect channel, whose `team_id` / `team` may name the workspace of the other
    organisation where it happened, while the installation it was delivered to is in `authorizations[0]`
    (events) or `view.app_installed_team_id` (a modal opened there) — see `installation_team_ids`."""
    view = body.get("view")
    return body.get("is_ext_shared_channel") is True or (
        isinstance(view, Mapping) and bool(_id(view.get("app_installed_team_id")))
    )


class SlackInstallation:
    def __init__(self, *, client: WebClient, teams: list[str], apps: list[str]) -> None:
        self._client = client
        self._teams: frozenset[str] | None = frozenset(teams) or None
        self._apps: frozenset[str] | None = frozenset(apps) or None
        self._apps_pinned = bool(apps)
        self._apps_asked = False  # bots.info was tried (it is not tried again)
        self._bot_id = ""
        self._bot_user_id = ""
        self._warned = False
        self.settled = False  # teams and app known (or known to be unknowable): `foreign` calls nothing more
        self._lock = threading.Lock()

    def teams(self) -> frozenset[str]:
        """Our team and enterprise ids; empty while `auth.test` cannot tell (then nothing is accepted)."""
        with self._lock:
            if self._teams is None:
                try:
                    found = self._client.auth_test()
                except (SlackClientError, OSError) as exc:
                    logger.warning("slack: auth.test failed, workspace unknown: %s", exc)
                    return frozenset()
                self._teams = frozenset(
                    str(found.get(key)) for key in ("team_id", "enterprise_id") if found.get(key)
                )
                self._bot_id = str(found.get("bot_id") or "")
                self._bot_user_id = str(found.get("user_id") or "")
            return self._teams

    @property
    def known_bot_user_id(self) -> str | None:
        """The bot's user id, once `auth.test` told it (None before, or when the teams are pinned)."""
        return self._bot_user_id or None

    def apps(self) -> frozenset[str] | None:
        """Our app id(s); None when neither the settings nor `bots.info` can tell (then not checked).
        `bots.info` is asked once: without its scope every request's ack would wait on a refused call."""
        if self._apps is None and not self._apps_pinned:
            self.teams()
            with self._lock:
                if self._apps is None and self._bot_id and not self._apps_asked:
                    self._apps_asked = True
                    try:
                        info = self._client.bots_info(bot=self._bot_id)
                        app_id = str((info.get("bot") or {}).get("app_id") or "")
                        self._apps = frozenset({app_id}) if app_id else None
                    except (SlackClientError, OSError) as exc:
                        logger.debug("slack: bots.info failed: %s", exc)
                if self._apps is None and not self._warned:
                    self._warned = True
                    logger.warning(
                        "slack: the app id is unknown (bots.info needs users:read); api_app_id is not "
                        "checked — set SALESBRIDGE_SLACK_APP_IDS"
                    )
        return self._apps

    def ours(self, team: str) -> bool:
        return bool(team) and team in self.teams()

    def foreign(self, body: Mapping[str, Any]) -> str | None:
        """Why a request is not for this installation, or None when it is."""
        team, enterprise = request_team_ids(body)
        ours = self.teams()

        def our_pair(team: str, enterprise: str) -> bool:
            return bool(team or enterprise) and (team in ours or enterprise in ours)

        if not our_pair(team, enterprise) and not (
            _connect_delivery(body) and our_pair(*installation_team_ids(body))
        ):
            return f"team {team or '-'} / enterprise {enterprise or '-'} is not ours"
        app = _id(body.get("api_app_id"))
        apps = self.apps()
        self.settled = bool(ours) and (apps is not None or self._apps_asked or not self._bot_id)
        if app and apps is not None and app not in apps:
            return f"api_app_id {app} is not ours"
        return None
