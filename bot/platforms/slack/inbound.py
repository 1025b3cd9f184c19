"""Inbound Slack: a slack-bolt `App` that verifies requests, writes each `IncomingMessage` to the inbox
(`dispatcher.submit`) and only then acknowledges. HTTP mode feeds it the raw Starlette body and headers;
Socket Mode uses bolt's own handler. Plain event callbacks skip bolt before the ack (`events.py`): they are
verified, written down as they came and dispatched through a second bolt App by the worker (`replay`).

Every listener translates with `translate.py` and submits — nothing slow before the ack. A payload that
cannot be translated is logged and acknowledged; an inbox write that fails is answered 503, so Slack
retries instead of the event being lost. A middleware answers requests from other teams, enterprises or
apps 200 and drops them (`workspace.py`); a user of another organisation (Slack Connect) arrives marked
`external`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.config import secret
from bot.dispatch import Dispatcher
from bot.errors import ConfigurationError
from bot.inbox import IntakeError, RawEvent
from bot.messages import IncomingMessage, Platform
from bot.platforms.slack import translate
from bot.platforms.slack.codec import OPEN_FORM_ACTION, original_action_id, unpack_form
from bot.platforms.slack.events import kept_headers, plain_event, signed
from bot.platforms.slack.port import create_client
from bot.platforms.slack.render import render_view
from bot.platforms.slack.workspace import SlackInstallation

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler


logger = logging.getLogger(__name__)

Translator = Callable[[Mapping[str, Any]], IncomingMessage | None]
Validator = Callable[[IncomingMessage], dict[str, str]]  # a form's errors by input name; {} when fine
_ANY = re.compile(".*")


class _ClientGivenFilter(logging.Filter):
    """bolt warns on every start-up that SLACK_BOT_TOKEN "will be unused" when it is given a `client` too —
    always true here (the client carries that token and our base URL): not worth an operator's attention."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_bolt_logger() -> None:
    bolt_logger = logging.getLogger(f"slack_bolt.{App.__name__}")  # bolt's framework logger for App
    if not any(isinstance(f, _ClientGivenFilter) for f in bolt_logger.filters):
        bolt_logger.addFilter(_ClientGivenFilter())


def build_bolt_app(
    *,
    client: WebClient,
    signing_secret: str,
    submit: Callable[[IncomingMessage], object],
    validate: Validator | None = None,
    installation: SlackInstallation | None = None,
) -> App:
    """The bolt App with one listener per payload family; `submit` receives every translated message.
    `validate` checks a submitted form inside the ack: errors keep the modal open, shown under their fields
    (`response_action: "errors"`), with everything typed still there."""
    _quiet_bolt_logger()
    app = App(
        name="salesbridge",
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,  # auth.test runs on the first request, not at start-up
        request_verification_enabled=bool(signing_secret),  # Socket Mode needs no signing secret
        # Listeners run before the response goes out: `submit` writes the event to the inbox (one INSERT)
        # and only then does Slack get its 200; if that write fails, bolt answers 500 and Slack retries.
        process_before_response=True,
    )

    def only_ours(req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        reason = installation.foreign(req.body) if installation is not None else None
        if reason is not None:
            logger.info("slack request ignored: %s", reason)
            return BoltResponse(status=200, body="")
        return next()

    if installation is not None:
        app.use(only_ours)

    def forward(kind: str, body: Mapping[str, Any], translator: Translator) -> None:
        try:
            msg = translator(body)
        except Exception:
            logger.exception("slack %s payload could not be translated", kind)
            return
        if msg is not None:
            if installation is not None and msg.user_workspace and not installation.ours(msg.user_workspace):
                msg = msg.evolve(external=True)
            submit(msg)  # an IntakeError propagates: the request is answered 503 and Slack retries

    def on_event(body: dict[str, Any], context: BoltContext) -> None:
        # bolt acknowledges events itself once this returns
        forward("event", body, lambda b: translate.from_event(b, bot_user_id=context.bot_user_id))

    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        forward("command", body, translate.from_command)

    def on_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if offered_form_button(body):  # views.open must not hold up the ack: it runs beside it
            threading.Thread(target=open_offered_form, args=(body, client), name="slack-open-form").start()
            return
        forward("block action", body, translate.from_block_action)

    def on_view(ack: Ack, body: dict[str, Any]) -> None:
        try:
            msg = translate.from_view_submission(body)
        except Exception:
            logger.exception("slack view submission payload could not be handled")
            ack()
            return
        errors = view_errors(body.get("view") or {}, validate(msg)) if msg and validate else {}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()  # an empty 200 closes the modal; the answer follows as a message
        if msg is not None:
            forward("view submission", body, lambda _body: msg)

    def on_shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        forward("shortcut", body, translate.from_message_shortcut)

    def acknowledge(ack: Ack) -> None:
        ack()

    def no_options(ack: Ack) -> None:
        ack(options=[])

    def other_event(body: dict[str, Any]) -> None:
        event = body.get("event")
        logger.debug("slack %s event acknowledged", event.get("type") if isinstance(event, dict) else "-")

    app.event("app_mention")(on_event)
    app.event("message")(on_event)
    app.command(_ANY)(on_command)
    app.block_action(_ANY)(on_action)
    app.view_submission(_ANY)(on_view)
    app.shortcut(translate.LOG_REQUEST_SHORTCUT)(on_shortcut)
    # Everything else Slack may send the app is acknowledged with a 200 and nothing more — bolt answers an
    # unhandled request 404, and Slack retries events (and may turn the subscription off) or shows the
    # user an error: `app_home_opened`, `member_joined_channel` …, `view_closed` (modals notify on close),
    # other shortcuts, option loads.
    app.event(_ANY)(other_event)
    app.view_closed(_ANY)(acknowledge)
    app.shortcut(_ANY)(acknowledge)
    app.options(_ANY)(no_options)
    return app


def view_errors(view: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, str]:
    """Errors keyed by the view's input block ids (Slack refuses other keys). An error for an input the
    view does not have is added to the first input's, so it is never lost."""
    blocks = [
        str(block.get("block_id"))
        for block in view.get("blocks") or []
        if isinstance(block, Mapping) and block.get("type") == "input" and block.get("block_id")
    ]
    if not blocks:
        blocks = [str(name) for name in ((view.get("state") or {}).get("values") or {})]
    if not errors or not blocks:
        return {}
    keyed = {name: text for name, text in errors.items() if name in blocks}
    stray = [text for name, text in errors.items() if name not in blocks]
    if stray:
        first = next((name for name in blocks if name in keyed), blocks[0])
        keyed[first] = " ".join([keyed.get(first, ""), *stray]).strip()
    return {name: text[:1000] for name, text in keyed.items()}


def offered_form_button(body: Mapping[str, Any]) -> bool:
    """The "Open form" button the port offers when it had no trigger (`open_offered_form` opens it)."""
    actions = body.get("actions") or [{}]
    return original_action_id(str(actions[0].get("action_id") or "")) == OPEN_FORM_ACTION


def open_offered_form(body: Mapping[str, Any], client: WebClient) -> None:
    """Open the offered modal with this click's fresh trigger (valid 3 s). Never raises."""
    try:
        action = (body.get("actions") or [{}])[0]
        form, context = unpack_form(str(action.get("value") or ""))
        client.views_open(trigger_id=body.get("trigger_id"), view=render_view(form, context=context))
    except Exception:
        logger.exception("could not open the offered form")


def _response(bolt_response: BoltResponse) -> Response:
    return Response(
        status_code=bolt_response.status,
        content=bolt_response.body,
        headers=bolt_response.first_headers_without_set_cookie(),
    )


class SlackInbound:
    """`POST /slack/events` (events, slash commands, interactivity on one URL) and Socket Mode."""

    def __init__(self, dispatcher: Dispatcher[Any]) -> None:
        settings = dispatcher.services.settings
        self.dispatcher = dispatcher
        client = create_client(settings)
        self.installation = SlackInstallation(
            client=client, teams=settings.slack_team_ids, apps=settings.slack_app_ids
        )
        signing_secret = secret(settings.slack_signing_secret)
        self.app = build_bolt_app(
            client=client,
            installation=self.installation,
            signing_secret=signing_secret,
            submit=self._submit,
            validate=dispatcher.validate_form,
        )
        # the worker's App for events acknowledged before bolt saw them: verified then, so not again (a
        # backlog may be older than bolt's 5-minute window); its listeners hand the message back to `replay`
        self.replay_app = build_bolt_app(
            client=client,
            installation=self.installation,
            signing_secret="",
            submit=self._replayed,
            validate=dispatcher.validate_form,
        )
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._intake = threading.local()  # set by `_submit` in the request's thread when the inbox failed
        self._replay = threading.local()  # `replay`'s message, in the worker's thread
        self._app_token = secret(settings.slack_app_token)
        self._socket: SocketModeHandler | None = None

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        envelope = plain_event(body) if self._verifier is not None else None
        if envelope is not None:
            return await self._acknowledge_event(envelope, body, request.headers)
        try:  # bolt parses the body (JSON or form) before verifying it: garbage must not become a 500
            bolt_request = BoltRequest(
                body=body.decode("utf-8", errors="replace"),
                query=request.url.query,
                headers={key: value for key, value in request.headers.items()},
            )
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            logger.warning("slack request rejected: body is not a Slack payload")
            return Response(
                status_code=400, content=b'{"error": "malformed request"}', media_type="application/json"
            )
        bolt_response, intake_failed = await run_in_threadpool(self._dispatch, bolt_request)
        if intake_failed:
            logger.warning("slack event not written to the inbox; asking Slack to retry")
            return Response(
                status_code=503, content=b'{"error": "retry later"}', media_type="application/json"
            )
        if bolt_response.status >= 500:  # bolt's middleware or matchers choked on a malformed payload
            logger.warning("slack request rejected: bolt could not process the payload")
            return Response(
                status_code=400, content=b'{"error": "malformed request"}', media_type="application/json"
            )
        return _response(bolt_response)

    # --- plain events: checked and written down before the ack, dispatched by bolt in the worker -------
    async def _acknowledge_event(
        self, envelope: dict[str, Any], body: bytes, headers: Mapping[str, str]
    ) -> Response:
        assert self._verifier is not None
        if not signed(self._verifier, body, headers):
            logger.warning("slack request rejected: invalid signature or timestamp")
            return _response(BoltResponse(status=401, body={"error": "invalid request"}))  # as bolt answers
        # whether it is ours and for the bot: on the loop once the installation is known (no more calls)
        if self.installation.settled:
            wanted = self._wanted(envelope)
        else:
            wanted = await run_in_threadpool(self._wanted, envelope)
        if wanted:
            raw = RawEvent(
                platform=Platform.SLACK,
                event_id=str(envelope.get("event_id") or "") or None,
                body=body.decode("utf-8", errors="replace"),
                headers=kept_headers(headers),
            )
            try:
                await self.dispatcher.submit_async(raw)
            except IntakeError:
                logger.warning("slack event not written to the inbox; asking Slack to retry")
                return Response(
                    status_code=503, content=b'{"error": "retry later"}', media_type="application/json"
                )
        return _response(BoltResponse(status=200, body=""))  # bolt's ack of an event

    def _wanted(self, envelope: Mapping[str, Any]) -> bool:
        """Whether a verified plain event is to be written down: from our installation, and for the bot
        (otherwise it is only acknowledged, as bolt does)."""
        reason = self.installation.foreign(envelope)
        if reason is not None:
            logger.info("slack request ignored: %s", reason)
            return False
        try:
            return translate.from_event(envelope, bot_user_id=self.installation.known_bot_user_id) is not None
        except Exception:
            logger.exception("slack event payload could not be translated")
            return False

    def replay(self, raw: RawEvent) -> IncomingMessage | None:
        """A plain event the ack path wrote down, through bolt (middleware, listener, translation) in this
        thread: the message its listener made, or None (another team, the bot's own post, not for the bot)."""
        self._replay.message = None
        self.replay_app.dispatch(BoltRequest(body=raw.body, headers=dict(raw.headers)))
        message: IncomingMessage | None = self._replay.message
        self._replay.message = None
        return message

    def _replayed(self, msg: IncomingMessage) -> None:
        self._replay.message = msg

    def _submit(self, msg: IncomingMessage) -> None:
        try:
            self.dispatcher.submit(msg)
        except IntakeError:
            self._intake.failed = True
            raise

    def _dispatch(self, request: BoltRequest) -> tuple[BoltResponse, bool]:
        """bolt's answer, and whether an event could not be written to the inbox (then: 503, Slack retries)."""
        self._intake.failed = False
        response = self.app.dispatch(request)
        return response, bool(self._intake.failed)

    def start_socket_mode(self) -> None:
        """Connect to Slack over a WebSocket (apps.connections.open with the xapp- token); returns at once."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if not self._app_token:
            raise ConfigurationError("Slack Socket Mode needs SLACK_APP_TOKEN (an xapp- app-level token)")
        self._socket = SocketModeHandler(self.app, app_token=self._app_token)
        self._socket.connect()

    def stop_socket_mode(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
