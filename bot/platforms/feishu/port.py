"""`FeishuPort`: outbound calls to the Feishu / Lark Open API through lark-oapi's `Client`.

Messages are interactive cards (schema 2.0, see `render.py`). lark-oapi fetches and caches the tenant
access token; this module classifies failures into `DeliveryError`s (rate limits and 5xx are retried here a
few times with backoff, then left to the outbox; permission / not-found errors are permanent).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.errors import DeliveryError
from bot.messages import Address, Attachment, Form, IncomingMessage, Reply, Sent
from bot.platforms.feishu.render import render_card, render_form_card, text_fallback

if TYPE_CHECKING:
    import lark_oapi

logger = logging.getLogger(__name__)

PLATFORM = "feishu"
TOKEN_CODES = frozenset({99991661, 99991663, 99991671})  # missing / invalid / expired tenant token
RATE_LIMIT_CODES = frozenset({99991400, 11232, 230020, 11233, 99991401})
# Retrying cannot help: bad parameters, bot not in chat / no bot ability, no permission, not found, …
PERMANENT_CODES = frozenset(
    {230001, 230002, 230006, 230011, 230013, 230017, 230018, 230027, 230099, 231003, 232009, 99991672,
     10003, 10014, 11201, 11246}
)  # fmt: skip
# The card itself was refused (bad card JSON, too long): the same content is sent again as plain text.
CARD_REJECTED_CODES = frozenset({230001, 230025, 230099, 200621, 11310})
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
FILE_TYPES = {"application/pdf": "pdf", "application/msword": "doc", "application/vnd.ms-excel": "xls"}


class FeishuApiError(DeliveryError):
    """A refused Open API call, with Feishu's error `code` (None when there was no JSON answer)."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        retry_after: float | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(message, retry_after=retry_after, permanent=permanent)
        self.code = code


def classify(status: int, body: dict[str, Any], headers: dict[str, str]) -> FeishuApiError | None:
    """None when the call succeeded; otherwise the `FeishuApiError` to raise."""
    raw_code = body.get("code")
    if 200 <= status < 300 and raw_code in (0, None):
        return None
    code = raw_code if isinstance(raw_code, int) else None
    message = f"feishu HTTP {status} code {raw_code}: {body.get('msg') or ''}".strip()
    lowered = {k.lower(): v for k, v in headers.items()}
    if code in TOKEN_CODES:
        return FeishuApiError(message, code=code)  # the caller drops the cached token; a retry gets a new one
    if status == 429 or code in RATE_LIMIT_CODES:
        reset = lowered.get("x-ogw-ratelimit-reset") or lowered.get("retry-after") or "1"
        try:
            retry_after = max(float(reset), 0.5)
        except ValueError:
            retry_after = 1.0
        return FeishuApiError(message, code=code, retry_after=retry_after)
    if status in TRANSIENT_STATUS or status >= 500:
        return FeishuApiError(message, code=code)
    if code in PERMANENT_CODES or status in (400, 403, 404):
        return FeishuApiError(message, code=code, permanent=True)
    return FeishuApiError(message, code=code)


class FeishuPort:
    platform = PLATFORM

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        domain: str = "https://open.feishu.cn",
        timeout: float = 10.0,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.domain = domain.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self._sleep = sleep
        self._client: lark_oapi.Client | None = None
        self._lock = threading.Lock()
        self._bot_open_id: str | None = None
        self._tenant_key: str | None = None
        self._chat_modes: dict[str, str] = {}  # chat id → chat_mode (p2p / group / topic)
        self._chat_modes_lock = threading.Lock()
        self._names: dict[str, str] = {}  # open_id → name, from chat member lists and the contact API

    # --- plumbing ----------------------------------------------------------------------------------
    @property
    def client(self) -> lark_oapi.Client:
        with self._lock:
            if self._client is None:
                import lark_oapi as lark

                from bot.platforms.feishu.lark_logging import quiet_lark_logger

                quiet_lark_logger()

                self._client = (
                    lark.Client.builder()
                    .app_id(self.app_id)
                    .app_secret(self._app_secret)
                    .domain(self.domain)
                    .timeout(self.timeout)
                    .log_level(lark.LogLevel.WARNING)
                    .build()
                )
            return self._client

    def call(
        self,
        method: str,
        uri: str,
        *,
        body: dict[str, Any] | None = None,
        queries: list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        """One Open API call with the tenant token; retries rate limits and 5xx a few times."""
        attempt = 0
        while True:
            attempt += 1
            error = self._call_once(method, uri, body=body, queries=queries)
            if isinstance(error, dict):
                return error
            if error.permanent or attempt > self.max_retries:
                raise error
            delay = min(error.retry_after or 0.25 * 2 ** (attempt - 1), 2.0)
            logger.info("feishu %s %s: %s; retry %d in %.2fs", method, uri, error, attempt, delay)
            self._sleep(delay)

    def _call_once(
        self, method: str, uri: str, *, body: dict[str, Any] | None, queries: list[tuple[str, str]] | None
    ) -> dict[str, Any] | DeliveryError:
        import lark_oapi as lark

        builder = (
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod[method])
            .uri(uri)
            .token_types({lark.AccessTokenType.TENANT})
            .queries(queries or [])
        )
        if body is not None:
            builder = builder.body(body)
        try:
            response = self.client.request(builder.build())
        except Exception as exc:  # token refused, network failure: try again later
            return DeliveryError(f"feishu {method} {uri} failed: {type(exc).__name__}: {exc}")
        raw = response.raw
        status = int(raw.status_code or 0) if raw is not None else 0
        headers = dict(raw.headers or {}) if raw is not None else {}
        try:
            decoded = json.loads(raw.content or b"{}") if raw is not None else {}
        except ValueError:
            decoded = {"code": None, "msg": "non-JSON response"}
        data = decoded if isinstance(decoded, dict) else {}
        if data.get("code") in TOKEN_CODES:
            self._forget_token()
        error = classify(status, data, headers)
        return data if error is None else error

    def _forget_token(self) -> None:
        """Drop lark-oapi's cached tenant token (process-wide, per app id) after Feishu rejected it."""
        from lark_oapi.core.token.manager import TokenManager

        TokenManager.cache.set(f"self_tenant_token:{self.app_id}", "", 0)

    # --- ChatPort ----------------------------------------------------------------------------------
    def find_sent(self, address: Address, key: str) -> Sent | None:
        """Never needed: a resend carries the same `uuid`, and Feishu answers it with the first message."""
        return None

    def send(self, address: Address, reply: Reply, *, key: str | None = None) -> Sent:
        content_given = bool(
            reply.text or reply.title or reply.fields or reply.citations or reply.buttons or reply.context
        )
        sent: Sent | None = None
        if content_given or reply.attachment is None:
            try:
                sent = self._deliver(address, "interactive", render_card(reply), uuid=_uuid(key, "c"))
            except FeishuApiError as exc:
                if not exc.permanent or exc.code not in CARD_REJECTED_CODES:
                    raise
                logger.warning("feishu refused the card (%s); sending it as plain text", exc)
                sent = self._deliver(address, "text", {"text": text_fallback(reply)}, uuid=_uuid(key, "t"))
        if reply.attachment is not None:
            file_sent = self._send_attachment(address, reply.attachment, uuid=_uuid(key, "f"))
            sent = sent or file_sent
        assert sent is not None
        return sent

    def is_p2p(self, chat_id: str) -> bool:
        """Whether `chat_id` is a one-to-one chat (im.v1.chat.get `chat_mode`), cached: a chat's mode never
        changes. A card click carries only the chat id, and the "visible to one person" API works in group
        chats only. False when it cannot be told (the group path then falls back to a DM)."""
        with self._chat_modes_lock:
            if chat_id in self._chat_modes:
                return self._chat_modes[chat_id] == "p2p"
        try:
            result = self.call("GET", f"/open-apis/im/v1/chats/{chat_id}")
        except DeliveryError as exc:
            logger.info("could not read the mode of feishu chat %s: %s", chat_id, exc)
            return False
        mode = str((result.get("data") or {}).get("chat_mode") or "")
        with self._chat_modes_lock:
            self._chat_modes[chat_id] = mode
        return mode == "p2p"

    def _deliver(
        self, address: Address, msg_type: str, content: dict[str, Any], *, uuid: str | None = None
    ) -> Sent:
        """Route one message: ephemeral card, reply in a thread, a chat, or a DM (open_id)."""
        if address.ephemeral and address.conversation and self.is_p2p(address.conversation):
            # a one-to-one chat is private already: answer in it, like any message
            address = address.model_copy(update={"ephemeral": False})
        if address.ephemeral and address.user:
            # Private content never goes to the group: an ephemeral card, else a direct message.
            if address.conversation and msg_type == "interactive":
                try:
                    return self._send_ephemeral(address.conversation, address.user, content)
                except DeliveryError as exc:
                    if not exc.permanent:
                        raise
                    logger.info("ephemeral card refused (%s); sending it as a direct message instead", exc)
            return self._create(address.user, "open_id", msg_type, content, uuid=uuid)
        if address.thread:
            return self._reply(address.thread, msg_type, content, conversation=address.conversation, uuid=uuid)
        if address.conversation:
            return self._create(address.conversation, "chat_id", msg_type, content, uuid=uuid)
        if address.user:
            return self._create(address.user, "open_id", msg_type, content, uuid=uuid)
        raise DeliveryError(f"feishu address without a destination: {address}", permanent=True)

    def _sent(self, data: dict[str, Any], fallback_conversation: str) -> Sent:
        payload = data.get("data") or {}
        message_id = str(payload.get("message_id") or "")
        if not message_id:
            raise DeliveryError("feishu accepted the message but returned no message_id")
        return Sent(
            platform=PLATFORM,
            conversation=str(payload.get("chat_id") or fallback_conversation),
            message_id=message_id,
        )

    def _create(
        self, receive_id: str, id_type: str, msg_type: str, content: dict[str, Any], *, uuid: str | None = None
    ) -> Sent:
        body = {"receive_id": receive_id, "msg_type": msg_type, "content": json.dumps(content)}
        data = self.call(
            "POST",
            "/open-apis/im/v1/messages",
            queries=[("receive_id_type", id_type)],
            body={**body, "uuid": uuid} if uuid else body,
        )
        return self._sent(data, receive_id)

    def _reply(
        self,
        message_id: str,
        msg_type: str,
        content: dict[str, Any],
        *,
        conversation: str | None,
        uuid: str | None = None,
    ) -> Sent:
        body = {"msg_type": msg_type, "content": json.dumps(content), "reply_in_thread": False}
        data = self.call(
            "POST",
            f"/open-apis/im/v1/messages/{message_id}/reply",
            body={**body, "uuid": uuid} if uuid else body,
        )
        return self._sent(data, conversation or "")

    def _send_ephemeral(self, chat_id: str, open_id: str, card: dict[str, Any]) -> Sent:
        data = self.call(
            "POST",
            "/open-apis/ephemeral/v1/send",
            body={"chat_id": chat_id, "open_id": open_id, "msg_type": "interactive", "card": card},
        )
        return self._sent(data, chat_id)

    def _send_attachment(self, address: Address, attachment: Attachment, *, uuid: str | None = None) -> Sent:
        """Upload the file (im.v1.file.create), then post a `file` message where the reply goes (a private
        attachment goes to the user's DM: ephemeral messages can only be cards)."""
        return self._deliver(address, "file", {"file_key": self.upload_file(attachment)}, uuid=uuid)

    def upload_file(self, attachment: Attachment) -> str:
        """Upload a file to Feishu (`POST /open-apis/im/v1/files`); returns its `file_key`."""
        attempt = 0
        while True:
            attempt += 1
            result = self._upload_once(attachment)
            if isinstance(result, str):
                return result
            if result.permanent or attempt > self.max_retries:
                raise result
            self._sleep(min(result.retry_after or 0.25 * 2 ** (attempt - 1), 2.0))

    def _upload_once(self, attachment: Attachment) -> str | DeliveryError:
        import io

        from lark_oapi.api.im.v1 import CreateFileRequest, CreateFileRequestBody

        request = (
            CreateFileRequest.builder()
            .request_body(
                CreateFileRequestBody.builder()
                .file_type(FILE_TYPES.get(attachment.mimetype, "stream"))
                .file_name(attachment.filename)
                .file(io.BytesIO(attachment.content.encode("utf-8")))
                .build()
            )
            .build()
        )
        try:
            response = self.client.im.v1.file.create(request)
        except Exception as exc:
            return DeliveryError(f"feishu file upload failed: {type(exc).__name__}: {exc}")
        raw = response.raw
        status = int(raw.status_code or 0) if raw is not None else 0
        headers = dict(raw.headers or {}) if raw is not None else {}
        error = classify(status, {"code": response.code, "msg": response.msg}, headers)
        if error is not None:
            return error
        if response.data is None or not response.data.file_key:
            return DeliveryError("feishu file upload returned no file_key")
        return str(response.data.file_key)

    def update(self, sent: Sent, reply: Reply) -> None:
        self.call(
            "PATCH",
            f"/open-apis/im/v1/messages/{sent.message_id}",
            body={"content": json.dumps(render_card(reply))},
        )

    def open_form(self, msg: IncomingMessage, form: Form) -> None:
        """A form card: privately (ephemeral) in a group, else in the thread / chat / DM of `msg`."""
        card = render_form_card(form)
        if msg.conversation and not msg.is_direct and not self.is_p2p(msg.conversation):
            address = Address(platform=PLATFORM, conversation=msg.conversation, user=msg.user, ephemeral=True)
            try:
                self._send_ephemeral(msg.conversation, msg.user, card)
                return
            except DeliveryError as exc:
                if not exc.permanent:
                    raise
                logger.info("ephemeral form refused (%s); replying in the thread instead", exc)
            address = address.model_copy(update={"ephemeral": False, "thread": msg.thread or msg.message_id})
            self._deliver(address, "interactive", card)
            return
        thread = msg.thread or msg.message_id
        address = Address(
            platform=PLATFORM, conversation=msg.conversation or None, thread=thread, user=msg.user
        )
        self._deliver(address, "interactive", card)

    def members(self, conversation: str) -> list[str]:
        """open_ids of the human members of a group chat (bots are not listed by this API)."""
        members: list[str] = []
        page_token = ""
        for _page in range(100):  # 10,000 members: beyond any chat a sales team runs
            queries = [("member_id_type", "open_id"), ("page_size", "100")]
            if page_token:
                queries.append(("page_token", page_token))
            data = self.call("GET", f"/open-apis/im/v1/chats/{conversation}/members", queries=queries)
            payload = data.get("data") or {}
            for item in payload.get("items") or []:
                if item.get("member_id"):
                    members.append(str(item["member_id"]))
                    if item.get("name") and item["name"] != item["member_id"]:
                        with self._chat_modes_lock:
                            self._names[str(item["member_id"])] = str(item["name"])
            page_token = str(payload.get("page_token") or "")
            if not payload.get("has_more") or not page_token:
                break
        return members

    def display_name(self, user: str) -> str | None:
        """The user's name: from a chat member list the bot already read, else the contact API
        (`GET /open-apis/contact/v3/users/:user_id`, needs the contact:user.base:readonly scope); cached."""
        with self._chat_modes_lock:
            if user in self._names:
                return self._names[user]
        try:
            data = self.call(
                "GET", f"/open-apis/contact/v3/users/{user}", queries=[("user_id_type", "open_id")]
            )
        except DeliveryError as exc:
            logger.info("could not read the name of feishu user %s: %s", user, exc)
            return None
        found = (data.get("data") or {}).get("user") or {}
        name = str(found.get("name") or found.get("en_name") or "").strip()
        if not name:
            return None
        with self._chat_modes_lock:
            self._names[user] = name
        return name

    # --- bot identity ------------------------------------------------------------------------------
    @property
    def known_tenant_key(self) -> str | None:
        """The app's tenant, if already learned (safe on the ack path)."""
        return self._tenant_key

    def tenant_key(self) -> str | None:
        """The tenant the app's credentials belong to (GET /open-apis/tenant/v2/tenant/query, which needs
        the tenant:tenant:readonly permission), cached after the first success."""
        if self._tenant_key is None:
            try:
                data = self.call("GET", "/open-apis/tenant/v2/tenant/query")
            except DeliveryError as exc:
                logger.warning("could not read the Feishu app's tenant: %s", exc)
                return None
            tenant = (data.get("data") or {}).get("tenant") or data.get("tenant") or {}
            key = tenant.get("tenant_key")
            self._tenant_key = str(key) if key else None
        return self._tenant_key

    @property
    def known_bot_open_id(self) -> str | None:
        """The cached open_id, without asking Feishu (safe on the ack path)."""
        return self._bot_open_id

    def bot_open_id(self) -> str | None:
        """The bot's own open_id (GET /open-apis/bot/v3/info), cached after the first success."""
        if self._bot_open_id is None:
            try:
                data = self.call("GET", "/open-apis/bot/v3/info")
            except DeliveryError as exc:
                logger.warning("could not read the Feishu bot's identity: %s", exc)
                return None
            bot = data.get("bot") or (data.get("data") or {}).get("bot") or {}
            open_id = bot.get("open_id")
            self._bot_open_id = str(open_id) if open_id else None
        return self._bot_open_id


def _uuid(key: str | None, part: str) -> str | None:
    """Feishu's idempotency `uuid` (at most 50 characters, deduplicated for an hour) for one part of an
    outbox message: the same on every attempt, different for the card, its text fallback and a file."""
    if not key:
        return None
    return f"{part}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:40]}"
