"""Small encodings shared by the Slack renderer and translator (pure functions, no SDK imports).

- Slack requires unique `action_id`s inside one message, while our buttons may share an action id with
  different values (`request.vote` on three requests). The renderer appends `::<n>`; the translator strips it.
- A form cannot be opened without a fresh `trigger_id` (a mention has none; a trigger expires after 3 s).
  The port then offers an "Open form" button whose value carries the packed form; clicking it gives the
  inbound adapter a new trigger to open the modal with.
- A modal submission (`view_submission`) carries no channel. The renderer packs the neutral
  `Form.private_value` together with the conversation the form was opened from into `private_metadata`, so
  the answer to a submitted form lands where the user was.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from dataclasses import asdict, dataclass

from bot.messages import Form

_SUFFIX = re.compile(r"::\d+$")
METADATA_LIMIT = 3000  # Slack's private_metadata limit
BUTTON_VALUE_LIMIT = 2000
OPEN_FORM_ACTION = "slack.open_form"


def unique_action_id(action_id: str, index: int) -> str:
    return f"{action_id}::{index}"


def original_action_id(action_id: str) -> str:
    return _SUFFIX.sub("", action_id)


@dataclass(frozen=True)
class FormContext:
    value: str = ""
    channel: str = ""
    thread: str = ""
    response_url: str = ""


def encode_form_context(context: FormContext) -> str:
    """JSON `{"v","c","t","r"}`; the response URL is dropped first when the limit is reached."""
    data = {"v": context.value, "c": context.channel, "t": context.thread, "r": context.response_url}
    text = json.dumps({k: v for k, v in data.items() if v}, ensure_ascii=False, separators=(",", ":"))
    if len(text) > METADATA_LIMIT and context.response_url:
        return encode_form_context(
            FormContext(value=context.value, channel=context.channel, thread=context.thread)
        )
    return text


def decode_form_context(metadata: str) -> FormContext:
    """Inverse of `encode_form_context`; any other string (a view we did not open) is the plain value."""
    if not metadata:
        return FormContext()
    try:
        data = json.loads(metadata)
    except ValueError:
        return FormContext(value=metadata)
    if not isinstance(data, dict) or not set(data) <= {"v", "c", "t", "r"}:
        return FormContext(value=metadata)
    return FormContext(
        value=str(data.get("v", "")),
        channel=str(data.get("c", "")),
        thread=str(data.get("t", "")),
        response_url=str(data.get("r", "")),
    )


def pack_form(form: Form, context: FormContext) -> str | None:
    """A form and its origin as a button value (zlib + base64 JSON); None when it exceeds Slack's limit."""
    data = {"form": form.model_dump(mode="json"), "context": asdict(context)}
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()
    return packed if len(packed) <= BUTTON_VALUE_LIMIT else None


def unpack_form(value: str) -> tuple[Form, FormContext]:
    """Inverse of `pack_form`; raises ValueError on anything else."""
    try:
        data = json.loads(zlib.decompress(base64.urlsafe_b64decode(value.encode())))
        return Form.model_validate(data["form"]), FormContext(**data["context"])
    except Exception as exc:
        raise ValueError("not a packed form") from exc
