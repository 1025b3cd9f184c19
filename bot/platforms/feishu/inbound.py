"""`FeishuInbound`: webhook requests and the long connection → `IncomingMessage`s for the dispatcher.

lark-oapi's `EventDispatcherHandler` decrypts (AES-256-CBC), checks the verification token and the
signature, and answers URL verification. A received message skips lark's dispatch before the ack
(`events.py`): checked, written down decrypted, and dispatched through lark by the worker (`replay`). lark-oapi 1.7.5 does not check the request timestamp, so this
module rejects signed requests outside `replay_window_seconds` itself, before dispatch. Every listener
translates, hands the message to `dispatcher.submit` and returns at once; nothing raises into lark.

Only our installation: an event whose `header.app_id` is not FEISHU_APP_ID, or whose `header.tenant_key`
is not the app's tenant (SALESBRIDGE_FEISHU_TENANT_KEYS, else learned once from
`tenant/v2/tenant/query`), is answered 200 and ignored with one log line.
A message or click by a user of another tenant (the sender's or operator's own `tenant_key`: an external
group, 外部群) arrives marked `external`, as a Slack Connect user's does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.config import secret
from bot.dispatch import Dispatcher
from bot.inbox import IntakeError, RawEvent
from bot.messages import IncomingMessage, Kind, Platform
from bot.platforms.feishu import events, translate
from bot.platforms.feishu.events import NONCE, SIGNATURE, TIMESTAMP
from bot.platforms.feishu.lark_logging import quiet_lark_logger
from bot.platforms.feishu.render import form_with_errors_card, submitted_card

if TYPE_CHECKING:
    import lark_oapi


logger = logging.getLogger(__name__)

REQUEST_ID = "X-Request-Id"
_AUTH_FAILURES = ("signature verification failed", "verification_token", "encrypt_key not found")
ACK_ACTION = {"toast": {"type": "info", "content": "Got it, working on it… / 收到，处理中…"}}
ACK_FORM = {"toast": {"type": "success", "content": "Submitted / 已提交"}}
ACK_UNKNOWN = {"toast": {"type": "warning", "content": "This button is no longer active / 此按钮已失效"}}


def _as_dict(data: Any) -> dict[str, Any]:
    """A lark-oapi event model back to the plain JSON shape of the payload."""
    from lark_oapi.core.json import JSON

    decoded = json.loads(JSON.marshal(data) or "{}")
    return decoded if isinstance(decoded, dict) else {}


class FeishuInbound:
    def __init__(self, dispatcher: Dispatcher[Any]) -> None:
        self.dispatcher = dispatcher
        self.settings = dispatcher.services.settings
        self._webhook: lark_oapi.EventDispatcherHandler | None = None
        self._lock = threading.Lock()
        self._ws_client: Any = None
        self._ws_loop: asyncio.AbstractEventLoop | None = None
        self._ws_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._intake_failed = threading.local()  # set by `_submit` in the request's thread: answer 503
        self._replay = threading.local()  # `replay`'s message, in the worker's thread
        self._replay_lark: lark_oapi.EventDispatcherHandler | None = None
        # Build the webhook handler (and so import lark-oapi, ~2.5 s) now, at start-up, not inside the
        # first request's 3-second budget; then learn the bot's open_id in the background.
        self._webhook_handler()
        from lark_oapi.core.utils import AESCipher

        self._encrypt_key = secret(self.settings.feishu_encrypt_key)
        self._verification_token = secret(self.settings.feishu_verification_token)
        self._cipher = AESCipher(self._encrypt_key) if self._encrypt_key else None
        self._warned_tenant = False
        threading.Thread(target=self._learn_identity, name="feishu-bot-info", daemon=True).start()

    def _learn_identity(self) -> None:
        self.bot_open_id()
        if not self.settings.feishu_tenant_keys:
            self.tenant_keys()

    # --- only our installation ---------------------------------------------------------------------
    def tenant_keys(self) -> frozenset[str] | None:
        """Our tenant(s): configured, else the app's own; None when neither can tell (not checked then)."""
        if self.settings.feishu_tenant_keys:
            return frozenset(self.settings.feishu_tenant_keys)
        port = self.dispatcher.services.ports.get("feishu")
        known = getattr(port, "known_tenant_key", None)
        if known:
            return frozenset({str(known)})
        lookup = getattr(port, "tenant_key", None)
        try:
            found = lookup() if callable(lookup) else None
        except Exception:
            logger.warning("could not read the Feishu app's tenant", exc_info=True)
            found = None
        if found:
            return frozenset({str(found)})
        if not self._warned_tenant:
            self._warned_tenant = True
            logger.warning(
                "feishu: the app's tenant is unknown (tenant/v2/tenant/query needs tenant:tenant:readonly); "
                "tenant_key is not checked — set SALESBRIDGE_FEISHU_TENANT_KEYS"
            )
        return None

    def foreign(self, payload: Mapping[str, Any]) -> str | None:
        """Why an event is not for this installation, or None when it is."""
        header = payload.get("header")
        header = header if isinstance(header, Mapping) else {}
        app_id = str(header.get("app_id") or "")
        if app_id != (self.settings.feishu_app_id or ""):
            return f"app_id {app_id or '-'} is not ours"
        tenant = str(header.get("tenant_key") or "")
        tenants = self.tenant_keys()
        if tenants is not None and tenant not in tenants:
            return f"tenant_key {tenant or '-'} is not ours"
        return None

    def _ignored(self, payload: Mapping[str, Any], kind: str) -> bool:
        reason = self.foreign(payload)
        if reason is not None:
            header = payload.get("header")
            event_id = header.get("event_id") if isinstance(header, Mapping) else None
            logger.info("feishu %s ignored: %s (event %s)", kind, reason, event_id or "-")
        return reason is not None

    # --- translation + hand-off (no lark needed) ---------------------------------------------------
    def bot_open_id(self) -> str | None:
        port = self.dispatcher.services.ports.get("feishu")
        lookup = getattr(port, "bot_open_id", None)
        if not callable(lookup):
            return None
        try:
            result = lookup()
        except Exception:
            logger.warning("could not read the Feishu bot's identity", exc_info=True)
            return None
        return str(result) if result else None

    def accept_message(self, payload: Mapping[str, Any]) -> IncomingMessage | None:
        """Translate an `im.message.receive_v1` payload and queue it. Never raises, never blocks: while the
        bot's own open_id is unknown (its lookup at start-up failed), the lookup and the translation run in
        a background thread, off the 3-second ack path; the message is then not returned."""
        if self._ignored(payload, "message"):
            return None
        known = self._known_bot_open_id()
        if known is None and not self._replaying():
            threading.Thread(
                target=self._translate_and_submit, args=(payload, None), name="feishu-accept", daemon=True
            ).start()
            return None
        return self._translate_and_submit(payload, known)

    def _translate_and_submit(
        self, payload: Mapping[str, Any], bot_open_id: str | None
    ) -> IncomingMessage | None:
        try:
            msg = translate.message_event(payload, bot_open_id=bot_open_id or self.bot_open_id())
        except Exception:
            logger.exception("feishu message event could not be translated")
            return None
        if msg is not None:
            self._submit(msg)
        return msg

    def _known_bot_open_id(self) -> str | None:
        known = getattr(self.dispatcher.services.ports.get("feishu"), "known_bot_open_id", None)
        return str(known) if known else None

    def _submit(self, msg: IncomingMessage) -> None:
        """Write the event to the inbox; when that fails the webhook answers 503 (Feishu pushes it again).
        In a replay, the message goes back to `replay` instead. A user of another tenant (an external group,
        外部群) is marked `external`, as a Slack Connect user is."""
        if msg.user_workspace and msg.user_workspace != msg.workspace:
            tenants = self.tenant_keys()
            if tenants is not None and msg.user_workspace not in tenants:
                msg = msg.evolve(external=True)
        if self._replaying():
            self._replay.message = msg
            return
        try:
            self.dispatcher.submit(msg)
        except IntakeError:
            logger.warning("feishu event %s not written to the inbox; asking Feishu to retry", msg.event_id)
            self._intake_failed.failed = True

    def accept_card_action(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Translate a `card.action.trigger` payload, queue it and return the toast to answer with."""
        if self._ignored(payload, "card action"):
            return {}
        try:
            msg = translate.card_action(payload)
            if msg is None:
                return ACK_UNKNOWN
            if msg.kind is Kind.FORM:
                refused = self._form_errors(msg, payload)
                if refused is not None:
                    return refused
            self._submit(msg)
            if msg.kind is Kind.FORM:
                # Replace the form with a read-only summary, so it cannot be submitted twice by accident.
                value = ((payload.get("event") or {}).get("action") or {}).get("value") or {}
                summary = submitted_card(msg.form, value if isinstance(value, Mapping) else {})
                return {**ACK_FORM, "card": {"type": "raw", "data": summary}}
            return ACK_ACTION
        except Exception:
            logger.exception("feishu card action could not be handled")
            return ACK_UNKNOWN

    def _form_errors(self, msg: IncomingMessage, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """A form with wrong fields is answered, inside the callback, with the same form card: everything
        typed kept, each error under its field, and an error toast. None when the form is fine."""
        errors = self.dispatcher.validate_form(msg)
        if not errors:
            return None
        toast = {
            "type": "error",
            "content": f"Please correct {len(errors)} field(s) / 请修改 {len(errors)} 处填写",
        }
        value = ((payload.get("event") or {}).get("action") or {}).get("value") or {}
        card = form_with_errors_card(value if isinstance(value, Mapping) else {}, msg.form, errors)
        if card is None:  # no spec to rebuild the card from: list the errors in the toast, keep the card
            toast["content"] += ": " + "; ".join(f"{name}: {text}" for name, text in errors.items())
            return {"toast": toast}
        return {"toast": toast, "card": {"type": "raw", "data": card}}

    # --- lark-oapi listeners -----------------------------------------------------------------------
    def _on_message(self, data: Any) -> None:
        try:
            self.accept_message(_as_dict(data))
        except Exception:
            logger.exception("feishu message event could not be decoded")

    def _on_card_action(self, data: Any) -> Any:
        from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTriggerResponse

        try:
            answer = self.accept_card_action(_as_dict(data))
        except Exception:
            logger.exception("feishu card action could not be decoded")
            answer = ACK_UNKNOWN
        return P2CardActionTriggerResponse(answer)

    def build_handler(self, encrypt_key: str, verification_token: str) -> lark_oapi.EventDispatcherHandler:
        import lark_oapi as lark

        quiet_lark_logger()
        return (
            lark.EventDispatcherHandler.builder(encrypt_key, verification_token)
            .register_p2_im_message_receive_v1(self._on_message)
            .register_p2_card_action_trigger(self._on_card_action)
            .build()
        )

    def _webhook_handler(self) -> lark_oapi.EventDispatcherHandler:
        with self._lock:
            if self._webhook is None:
                self._webhook = self.build_handler(
                    secret(self.settings.feishu_encrypt_key), secret(self.settings.feishu_verification_token)
                )
            return self._webhook

    # --- webhook -----------------------------------------------------------------------------------
    def _stale(self, timestamp: str) -> bool:
        try:
            sent_at = int(timestamp)
        except ValueError:
            return True
        now = self.dispatcher.services.now().timestamp()
        return abs(now - sent_at) > self.settings.replay_window_seconds

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {
            name: request.headers.get(name.lower(), "") for name in (TIMESTAMP, NONCE, SIGNATURE, REQUEST_ID)
        }
        if headers[TIMESTAMP] and self._stale(headers[TIMESTAMP]):
            logger.warning(
                "feishu request rejected: timestamp %s outside the replay window", headers[TIMESTAMP]
            )
            return JSONResponse({"msg": "request timestamp outside the replay window"}, status_code=401)
        if not body:
            return JSONResponse({"msg": "empty body"}, status_code=400)
        received = self._received_message(headers, body)
        if isinstance(received, Response):
            return received
        if received is not None:
            return await self._acknowledge_message(*received)
        return await run_in_threadpool(self._dispatch, request.url.path, headers, body)

    def _dispatch(self, uri: str, headers: dict[str, str], body: bytes) -> Response:
        from lark_oapi.core.model import RawRequest

        raw = RawRequest()
        raw.uri = uri
        raw.headers = dict(headers)  # exact case: lark-oapi's lookups are case-sensitive
        raw.body = body
        self._intake_failed.failed = False
        try:
            result = self._webhook_handler().do(raw)
        except Exception:  # lark catches its own errors; this is belt and braces
            logger.exception("feishu webhook dispatch failed")
            return JSONResponse({"msg": "internal error"}, status_code=500)
        if self._intake_failed.failed:
            return JSONResponse({"msg": "temporarily unavailable, retry"}, status_code=503)
        content = bytes(result.content or b"")
        status = int(result.status_code or 500)
        if status != 200:
            status = self._status_for_failure(content)
            if status == 200:
                content = b'{"msg":"ignored"}'
        return Response(content=content, status_code=status, media_type="application/json; charset=utf-8")

    # --- received messages: checked and written down before the ack, dispatched by lark in the worker ---
    def _received_message(
        self, headers: dict[str, str], body: bytes
    ) -> Response | tuple[str, dict[str, Any]] | None:
        """An encrypted `im.message.receive_v1` checked as lark's `do` checks it (see `events.py`): its
        plaintext and payload, or the refusal (401). None for anything else (lark's `do` takes it)."""
        if self._cipher is None or not self._verification_token:
            return None
        found = events.received_message(body, self._cipher)
        if found is None:
            return None
        if not events.token_ok(found[1], self._verification_token):
            logger.warning("feishu request rejected: invalid verification_token")
            return JSONResponse({"msg": "invalid verification_token"}, status_code=401)
        if not events.signed(headers, body, self._encrypt_key):
            logger.warning("feishu request rejected: signature verification failed")
            return JSONResponse({"msg": "signature verification failed"}, status_code=401)
        return found

    async def _acknowledge_message(self, plaintext: str, payload: dict[str, Any]) -> Response:
        """Write a verified received message down unless it is not ours or not for the bot; then lark's 200."""
        # on the loop once the tenant is known (no lookup left to make); else in a thread
        known = bool(self.settings.feishu_tenant_keys) or bool(
            getattr(self.dispatcher.services.ports.get("feishu"), "known_tenant_key", None)
        )
        event_id = self._wanted(payload) if known else await run_in_threadpool(self._wanted, payload)
        if event_id is not None:
            try:
                await self.dispatcher.submit_async(
                    RawEvent(platform=Platform.FEISHU, event_id=event_id, body=plaintext)
                )
            except IntakeError:
                logger.warning("feishu event %s not written to the inbox; asking Feishu to retry", event_id)
                return JSONResponse({"msg": "temporarily unavailable, retry"}, status_code=503)
        return Response(b'{"msg":"success"}', media_type="application/json; charset=utf-8")  # lark's

    def _wanted(self, payload: Mapping[str, Any]) -> str | None:
        """The event id to write a received message down under, or None: not ours, or not for the bot (its
        own message, an image…). While the bot's open_id is unknown the worker decides."""
        if self._ignored(payload, "message"):
            return None
        known = self._known_bot_open_id()
        if known is not None:
            try:
                if translate.message_event(payload, bot_open_id=known) is None:
                    return None
            except Exception:
                logger.exception("feishu message event could not be translated")
                return None
        return translate.message_event_id(payload)

    def replay(self, raw: RawEvent) -> IncomingMessage | None:
        """A received message the ack path wrote down (decrypted), through lark's `do` in this thread: the
        token checked again, unmarshalled, our listener translates it. The message, or None (not ours, not
        for the bot, or lark refused it — logged)."""
        from lark_oapi.core.model import RawRequest

        with self._lock:
            if self._replay_lark is None:  # no encrypt key: the body is the plaintext the ack path checked
                self._replay_lark = self.build_handler("", self._verification_token)
            handler = self._replay_lark
        request = RawRequest()
        request.uri = "/feishu/events"
        request.headers = {}
        request.body = raw.body.encode()
        self._replay.active, self._replay.message = True, None
        try:
            result = handler.do(request)
        finally:
            self._replay.active = False
        if int(result.status_code or 500) != 200:
            logger.warning(
                "feishu event %s refused on replay: %s", raw.event_id, bytes(result.content or b"")
            )
        message: IncomingMessage | None = self._replay.message
        self._replay.message = None
        return message

    def _replaying(self) -> bool:
        return bool(getattr(self._replay, "active", False))

    @staticmethod
    def _status_for_failure(content: bytes) -> int:
        """lark-oapi answers every failure with 500; tell the platform what really happened."""
        try:
            message = str(json.loads(content).get("msg", ""))
        except (ValueError, AttributeError):
            message = ""
        if any(marker in message for marker in _AUTH_FAILURES):
            logger.warning("feishu request rejected: %s", message)
            return 401
        if message.startswith("processor not found"):
            # lark's own log line already says so, once (lark_logging.py)
            return 200  # an event type we do not subscribe to: do not make Feishu retry it
        logger.warning("feishu request not understood: %s", message)
        return 400

    # --- long connection ---------------------------------------------------------------------------
    def start_long_connection(self) -> None:
        """Connect over lark's WebSocket client in its own thread (it blocks on a module-level loop)."""
        import lark_oapi as lark

        handler = self.build_handler("", "")
        client = lark.ws.Client(
            self.settings.feishu_app_id or "",
            secret(self.settings.feishu_app_secret),
            event_handler=handler,
            domain=self.settings.feishu_domain.rstrip("/"),
            log_level=lark.LogLevel.INFO,
        )
        self._ws_client = client
        ready = threading.Event()

        def run() -> None:
            import lark_oapi.ws.client as ws_client

            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            ws_client.loop = loop  # type: ignore[attr-defined]  # the client schedules on this global
            self._ws_loop = loop
            ready.set()
            try:
                client.start()
            except Exception:
                if not self._stopping.is_set():
                    logger.exception("feishu long connection stopped")
            finally:
                loop.close()

        self._ws_thread = threading.Thread(target=run, name="feishu-long-connection", daemon=True)
        self._ws_thread.start()
        ready.wait(timeout=5)

    def stop_long_connection(self, timeout: float = 5.0) -> None:
        """Close the WebSocket and end the thread (graceful shutdown, tests)."""
        loop, client, thread = self._ws_loop, self._ws_client, self._ws_thread
        if loop is None or client is None or thread is None:
            return
        self._stopping.set()
        client._auto_reconnect = False
        if loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(client._disconnect(), loop).result(timeout=timeout)
            except Exception:
                logger.debug("feishu long connection did not close cleanly", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=timeout)
