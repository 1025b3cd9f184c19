"""Outbound Slack: the `ChatPort` over slack_sdk's `WebClient` (chat.*, views.open, files, conversations.*).

Every failure becomes a `DeliveryError` the outbox understands: HTTP 429 carries `retry_after`, errors that
retrying cannot fix (unknown channel, revoked token, …) are `permanent`, everything else is transient.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.config import Settings, secret
from bot.errors import DeliveryError
from bot.messages import Address, Button, Form, IncomingMessage, Reply, Sent
from bot.platforms.slack.codec import OPEN_FORM_ACTION, FormContext, pack_form
from bot.platforms.slack.render import fallback_text, render_message, render_view

logger = logging.getLogger(__name__)

METADATA_EVENT = "salesbridge_message"  # Slack message metadata: the outbox key of every message we post

NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "cant_update_message",
        "channel_not_found",
        "edit_window_closed",
        "ekm_access_denied",
        "expired_trigger_id",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_trigger_id",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "no_text",
        "not_allowed_token_type",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_expired",
        "token_revoked",
        "too_many_attachments",
        "user_not_found",
        "user_not_in_channel",
        "user_not_visible",
        "view_too_large",
    }
)
EPHEMERAL_FILE_NOTE = "📎 The file was sent to you as a direct message. / 文件已通过私信发送给你。"


def _retry_after(headers: Any) -> float | None:
    for key, value in dict(headers or {}).items():
        if str(key).lower() == "retry-after":
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def delivery_error(exc: Exception, *, method: str) -> DeliveryError:
    """Classify an SDK exception."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 0)
        code = str(response.get("error") or "") if hasattr(response, "get") else ""
        if status == 429 or code == "ratelimited":
            retry = _retry_after(getattr(response, "headers", None))
            return DeliveryError(f"{method}: rate limited", retry_after=retry if retry is not None else 1.0)
        return DeliveryError(f"{method}: {code or f'HTTP {status}'}", permanent=code in PERMANENT_ERRORS)
    return DeliveryError(f"{method}: {type(exc).__name__}: {exc}")


@contextmanager
def slack_call(method: str) -> Iterator[None]:
    try:
        yield
    except (SlackClientError, OSError) as exc:
        raise delivery_error(exc, method=method) from exc


class SlackPort:
    platform = "slack"

    def __init__(
        self, client: WebClient, *, webhook_factory: Callable[[str], WebhookClient] | None = None
    ) -> None:
        self.client = client
        self._webhook_factory = webhook_factory or (
            lambda url: WebhookClient(url, timeout=10, proxy=client.proxy)
        )
        self._humans: dict[str, bool] = {}
        self._names: dict[str, str] = {}
        self._bot_user_id: str | None = None
        self._lock = threading.Lock()

    # --- send ----------------------------------------------------------------------------------------
    def send(self, address: Address, reply: Reply, *, key: str | None = None) -> Sent:
        has_content = bool(
            reply.text or reply.title or reply.fields or reply.citations or reply.buttons or reply.context
        )
        private = address.ephemeral
        if reply.attachment is not None and private:
            note = reply.model_copy(update={"context": [*reply.context, EPHEMERAL_FILE_NOTE]})
            private_sent = self._send_private(address, note)
            if address.user:
                self._upload(self._dm_channel(address.user), None, reply)
            return private_sent
        if private:
            return self._send_private(address, reply)
        channel = address.conversation or (self._dm_channel(address.user) if address.user else None)
        if not channel:
            raise DeliveryError("slack: an address needs a conversation or a user", permanent=True)
        sent: Sent | None = None
        if has_content or reply.attachment is None:
            try:
                sent = self._post(channel, address.thread, reply, key=key)
            except DeliveryError as exc:
                if not (address.reply_url and NOT_A_MEMBER.intersection(str(exc).split())):
                    raise
                sent = self._respond(address.reply_url, reply, response_type="in_channel")
        if reply.attachment is not None:
            file_id = self._upload(channel, address.thread, reply)
            sent = sent or Sent(platform=self.platform, conversation=channel, message_id=file_id)
        assert sent is not None
        return sent

    def _post(self, channel: str, thread: str | None, reply: Reply, *, key: str | None = None) -> Sent:
        body = render_message(reply)
        if key:  # lets `find_sent` recognise this message after a crash in the middle of sending it
            body["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        with slack_call("chat.postMessage"):
            response = self.client.chat_postMessage(
                channel=channel, thread_ts=thread, unfurl_links=False, unfurl_media=False, **body
            )
        return Sent(
            platform=self.platform,
            conversation=str(response.get("channel") or channel),
            message_id=str(response.get("ts") or ""),
        )

    def find_sent(self, address: Address, key: str) -> Sent | None:
        """The message posted under `key` (its metadata), when a send may have reached Slack before the
        process died: looked up in the thread or the channel's latest messages. None when it is not there
        or cannot be looked up (no history scope: the message is then sent again)."""
        if address.ephemeral or not (address.conversation or address.user):
            return None
        try:
            channel = address.conversation or self._dm_channel(address.user or "")
            with slack_call("conversations.history"):
                if address.thread:
                    response = self.client.conversations_replies(
                        channel=channel, ts=address.thread, include_all_metadata=True, limit=200
                    )
                else:
                    response = self.client.conversations_history(
                        channel=channel, include_all_metadata=True, limit=100
                    )
        except DeliveryError as exc:
            logger.warning("slack: could not look for message %s (%s); sending it again", key, exc)
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return Sent(platform=self.platform, conversation=channel, message_id=str(message.get("ts")))
        return None

    def _respond(self, url: str, reply: Reply, *, response_type: str) -> Sent:
        """Post through a command's response_url (works in channels the bot has not joined)."""
        try:
            hook = self._webhook_factory(url).send_dict(
                {**render_message(reply), "response_type": response_type, "replace_original": False}
            )
        except (SlackClientError, OSError) as exc:
            raise DeliveryError(f"response_url: {type(exc).__name__}") from exc
        if hook.status_code != 200:
            raise DeliveryError(f"response_url: HTTP {hook.status_code}", permanent=hook.status_code == 404)
        return Sent(platform=self.platform, conversation="", message_id="")

    def _send_private(self, address: Address, reply: Reply) -> Sent:
        """An ephemeral note: through the command's response_url when we have one, else chat.postEphemeral."""
        body = render_message(reply)
        if address.reply_url:
            hook: WebhookResponse | None = None
            try:
                hook = self._webhook_factory(address.reply_url).send_dict(
                    {**body, "response_type": "ephemeral", "replace_original": False}
                )
            except (SlackClientError, OSError) as exc:
                logger.warning("response_url failed (%s); trying chat.postEphemeral", type(exc).__name__)
            if hook is not None and hook.status_code == 200:
                return Sent(platform=self.platform, conversation=address.conversation or "", message_id="")
            if hook is not None:
                logger.warning("response_url answered HTTP %s; trying chat.postEphemeral", hook.status_code)
            if not (address.conversation and address.user):
                raise DeliveryError(
                    "slack: response_url refused and no channel to fall back to", permanent=True
                )
        if not address.user:
            raise DeliveryError("slack: an ephemeral message needs a user", permanent=True)
        if not address.conversation:
            return self._post(self._dm_channel(address.user), None, reply)
        with slack_call("chat.postEphemeral"):
            response = self.client.chat_postEphemeral(
                channel=address.conversation, user=address.user, thread_ts=address.thread, **body
            )
        return Sent(
            platform=self.platform,
            conversation=address.conversation,
            message_id=str(response.get("message_ts") or ""),
        )

    def _dm_channel(self, user: str) -> str:
        with slack_call("conversations.open"):
            response = self.client.conversations_open(users=user)
        channel = (response.get("channel") or {}).get("id")
        if not channel:
            raise DeliveryError(f"conversations.open returned no channel for {user}")
        return str(channel)

    def _upload(self, channel: str, thread: str | None, reply: Reply) -> str:
        """files_upload_v2: files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal."""
        attachment = reply.attachment
        assert attachment is not None
        with slack_call("files_upload_v2"):
            response = self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread,
                filename=attachment.filename,
                title=attachment.filename,
                content=attachment.content,
                initial_comment=None if (reply.text or reply.title) else fallback_text(reply),
            )
        file = response.get("file") or {}
        return str(file.get("id") or "")

    # --- update / forms ------------------------------------------------------------------------------
    def update(self, sent: Sent, reply: Reply) -> None:
        if not sent.message_id:
            raise DeliveryError("slack: this message cannot be updated (no ts)", permanent=True)
        with slack_call("chat.update"):
            self.client.chat_update(channel=sent.conversation, ts=sent.message_id, **render_message(reply))

    def open_form(self, msg: IncomingMessage, form: Form) -> None:
        """views.open with the message's trigger; without a usable trigger (a mention, or more than 3 s
        passed) the user gets an ephemeral "Open form" button instead, which brings a fresh trigger."""
        context = FormContext(
            value=form.private_value,
            channel=msg.conversation,
            thread=msg.thread or "",
            response_url=str(msg.raw.get("response_url") or ""),
        )
        if msg.trigger_id:
            try:
                with slack_call("views.open"):
                    self.client.views_open(trigger_id=msg.trigger_id, view=render_view(form, context=context))
                return
            except DeliveryError as exc:
                logger.warning("views.open failed (%s); offering an Open form button instead", exc)
        try:
            self._offer_form(msg, form, context)
        except DeliveryError as exc:
            logger.warning("could not offer form %s to %s: %s", form.form_id, msg.user, exc)

    def _offer_form(self, msg: IncomingMessage, form: Form, context: FormContext) -> None:
        packed = pack_form(form, context)
        if packed is None:
            reply = Reply(
                text=(
                    f"*{form.title}* needs a form that is too large to offer here. Run the command as a slash "
                    f"command (`/salesbridge …`) to open it.\n"
                    f"*{form.title}* 的表单过大，无法在此打开。请使用斜杠命令（`/salesbridge …`）打开。"
                ),
                color="warning",
            )
        else:
            reply = Reply(
                text=f"*{form.title}* — click to fill in the form. / 点击按钮填写表单。",
                buttons=[
                    Button(
                        action_id=OPEN_FORM_ACTION,
                        label="Open form / 打开表单",
                        value=packed,
                        style="primary",
                    )
                ],
            )
        address = Address(
            platform=self.platform,
            conversation=msg.conversation,
            user=msg.user,
            thread=msg.thread,
            ephemeral=True,
            reply_url=str(msg.raw.get("response_url") or "") or None,
        )
        self._send_private(address, reply)

    # --- members -------------------------------------------------------------------------------------
    def members(self, conversation: str) -> list[str]:
        """Human members of a channel: conversations.members (paginated) without bots and deactivated users."""
        ids: list[str] = []
        cursor: str | None = None
        while True:
            with slack_call("conversations.members"):
                response = self.client.conversations_members(channel=conversation, limit=200, cursor=cursor)
            ids.extend(str(member) for member in response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return [member for member in ids if self._is_human(member)]

    def _is_human(self, user: str) -> bool:
        if user == "USLACKBOT" or user == self._own_user_id():
            return False
        with self._lock:
            known = self._humans.get(user)
        if known is not None:
            return known
        try:
            info = self.client.users_info(user=user).get("user") or {}
        except SlackClientError as exc:
            logger.warning("users.info failed for %s (%s); counting them as a person", user, exc)
            return True
        return self._learn(user, info)

    def _learn(self, user: str, info: Any) -> bool:
        """Remember what users.info said (human or not, display name); returns whether a person."""
        human = not (info.get("is_bot") or info.get("deleted") or info.get("is_app_user"))
        profile = info.get("profile") or {}
        name = str(
            profile.get("display_name")
            or profile.get("real_name")
            or info.get("real_name")
            or info.get("name")
            or ""
        ).strip()
        with self._lock:
            self._humans[user] = human
            if name:
                self._names[user] = name
        return human

    def display_name(self, user: str) -> str | None:
        """The profile's display name (else the real name, else the handle), from users.info; cached."""
        with self._lock:
            if user in self._names:
                return self._names[user]
        try:
            info = self.client.users_info(user=user).get("user") or {}
        except (SlackClientError, OSError) as exc:
            logger.info("users.info failed for %s (%s); showing a label instead of a name", user, exc)
            return None
        self._learn(user, info)
        with self._lock:
            return self._names.get(user)

    def _own_user_id(self) -> str | None:
        if self._bot_user_id is None:
            try:
                self._bot_user_id = str(self.client.auth_test().get("user_id") or "")
            except SlackClientError:
                return None
        return self._bot_user_id or None


def create_client(settings: Settings) -> WebClient:
    return WebClient(token=secret(settings.slack_bot_token), base_url=settings.slack_api_url)


def create_port(settings: Settings) -> SlackPort:
    return SlackPort(create_client(settings))
