"""lark-oapi's `Lark` logger, made to fit ours.

lark-oapi attaches its own stdout handler to the `Lark` logger *and* lets records propagate, so each of its
lines is written twice; an event the bot does not subscribe to (a v1-schema event, `im.chat.member.bot.
added_v1`, an old-style card callback) becomes a full ERROR traceback ("processor not found"), twice. Here
lark's own handler goes (its records reach our handlers once, through propagation, formatted and masked like
ours), and such an event is one INFO line without a traceback. Any other request lark refuses (a forged
token or signature, a body that does not decrypt or parse) was logged by lark as an ERROR with a full
traceback, though nothing failed: the caller (`FeishuInbound`) logs one WARNING with the reason and answers
401/400, so lark's record is dropped.
"""

from __future__ import annotations

import logging
import re

LARK_LOGGER = "Lark"
_NOT_FOUND = re.compile(r"processor not found, type: ([^\s,]*)")
_REFUSED = "handle event failed"  # EventDispatcherHandler.do's record of a request it answers 500


class UnsubscribedEventFilter(logging.Filter):
    """Turns lark's "processor not found" error (with traceback) into one INFO line naming the event, and
    drops its record of any other request it refused (the caller logs that one as a warning)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        match = _NOT_FOUND.search(text) or (
            _NOT_FOUND.search(str(record.exc_info[1])) if record.exc_info and record.exc_info[1] else None
        )
        if match is None:
            # a refused request: FeishuInbound logs it once, as a warning with the reason
            return not text.startswith(_REFUSED)
        record.msg = "feishu event ignored: the bot does not subscribe to %s"
        record.args = (match.group(1) or "an old-style or unknown event",)
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_lark_logger() -> logging.Logger:
    """Call after importing lark_oapi (its `core.log` module adds the handler at import). Idempotent."""
    import lark_oapi.core.log  # noqa: F401  (creates the logger and its handler)

    lark_logger = logging.getLogger(LARK_LOGGER)
    for handler in list(lark_logger.handlers):
        lark_logger.removeHandler(handler)
    if not any(isinstance(f, UnsubscribedEventFilter) for f in lark_logger.filters):
        lark_logger.addFilter(UnsubscribedEventFilter())
    lark_logger.propagate = True
    return lark_logger
