"""`Reply` / `Form` → Feishu interactive card JSON (schema 2.0). Pure: dicts in, dicts out.

Card markdown understands `**bold**`, `*italic*`, `` `code` ``, `[label](url)`, `<at id=ou_x></at>` and
`<font color='grey'>…</font>`. Text from handlers may contain user input, so every piece of text is escaped
in one step (`markdown`): `&`, `<` and `>` as HTML entities, and `](` split by a zero-width space so that
`[invoice.pdf](http://evil…)` stays text showing its real URL. Only the bot's own mention tokens
(`bot.markup`) become `<at id=…></at>`; links only from citations. The text fallback (`text_fallback`)
does the same with the text message's syntax (`<at user_id="…"></at>`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.markup import Mention, at_names, render
from bot.messages import Button, Citation, Form, FormInput, KeyValue, Reply
from bot.people import neutral_label

TEMPLATES = {
    "default": "blue",
    "info": "wathet",
    "success": "green",
    "warning": "orange",
    "danger": "red",
}
BUTTON_TYPES = {"default": "default", "primary": "primary_filled", "danger": "danger"}

_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_ZWSP = "\u200b"
_ITALIC = re.compile(r"(?<![\w*])_([^_\n]+)_(?![\w*])")
MAX_MARKDOWN = 8000  # stay well inside the card size limit (30 KB of JSON)


def escape(text: str) -> str:
    """Neutralise characters that card markdown reads as HTML-ish tags or entities, and link syntax."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("](", "]" + _ZWSP + "(")


def user_id(found: Mention) -> str | None:
    """The id a mention the bot made may carry on Feishu; None for someone elsewhere or a non-user id
    (`all` would notify the whole chat)."""
    if found.platform not in (None, "feishu"):
        return None
    if not _USER_ID.match(found.user) or found.user.lower() == "all":
        return None
    return found.user


def _at(found: Mention) -> str:
    user = user_id(found)
    if user is None:
        if found.platform not in (None, "feishu"):
            return escape(neutral_label(found.platform, "both"))
        return escape("@" + found.user)
    return f"<at id={user}></at>"


def markdown(text: str) -> str:
    """Neutral markdown-ish text → card markdown (escaped; the bot's mentions and italics converted)."""
    converted = _ITALIC.sub(r"*\1*", render(text, escape=escape, mention=_at))
    if len(converted) > MAX_MARKDOWN:
        converted = converted[: MAX_MARKDOWN - 1] + "…"
    return converted


def plain(text: str) -> dict[str, str]:
    return {"tag": "plain_text", "content": at_names(text)}


def _markdown_element(content: str) -> dict[str, Any]:
    return {"tag": "markdown", "content": content}


def grey(text: str) -> str:
    return f"<font color='grey'>{markdown(text)}</font>"


def _fields(fields: list[KeyValue]) -> list[dict[str, Any]]:
    """Key/value pairs, two per row."""
    rows = []
    for start in range(0, len(fields), 2):
        columns = [
            {
                "tag": "column",
                "width": "weighted",
                "weight": 1,
                "elements": [_markdown_element(f"**{markdown(f.label)}**\n{markdown(f.value)}")],
            }
            for f in fields[start : start + 2]
        ]
        rows.append({"tag": "column_set", "flex_mode": "bisect", "columns": columns})
    return rows


def citation_line(citation: Citation) -> str:
    title = markdown(citation.title)
    if citation.source.startswith(("http://", "https://")):
        source = citation.source.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        title = f"[{title}]({source})"
    line = f"[{citation.index}] {title}"
    if citation.section:
        line += f" › {markdown(citation.section)}"
    if citation.updated is not None:
        line += f" · {citation.updated.isoformat()}"
    if citation.stale:
        line += f" · ⚠️ {citation.stale_note()}"
    return line


def _citations(citations: list[Citation]) -> dict[str, Any]:
    lines = "\n".join(citation_line(c) for c in citations)
    return _markdown_element(f"<font color='grey'>{lines}</font>")


def button(label: str, value: dict[str, Any], *, style: str = "default", name: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {
        "tag": "button",
        "text": plain(label),
        "type": BUTTON_TYPES.get(style, "default"),
        "behaviors": [{"type": "callback", "value": value}],
    }
    if name:
        element["name"] = name
    return element


def _buttons(buttons: list[Button]) -> dict[str, Any]:
    columns = [
        {
            "tag": "column",
            "width": "auto",
            "elements": [
                button(b.label, {"action": b.action_id, "value": b.value}, style=b.style, name=f"b{n}")
            ],
        }
        for n, b in enumerate(buttons)
    ]
    return {"tag": "column_set", "flex_mode": "flow", "columns": columns}


def _card(elements: list[dict[str, Any]], *, title: str | None, color: str) -> dict[str, Any]:
    card: dict[str, Any] = {
        "schema": "2.0",
        "config": {"update_multi": True, "width_mode": "fill"},
        "body": {"elements": elements or [_markdown_element(" ")]},
    }
    if title:
        card["header"] = {"title": plain(title), "template": TEMPLATES.get(color, "blue")}
    return card


def render_card(reply: Reply) -> dict[str, Any]:
    """One reply → one card."""
    elements: list[dict[str, Any]] = []
    if reply.text:
        elements.append(_markdown_element(markdown(reply.text)))
    elements.extend(_fields(reply.fields))
    if reply.citations:
        elements.append(_citations(reply.citations))
    if reply.buttons:
        elements.append(_buttons(reply.buttons))
    if reply.context:
        elements.append(_markdown_element("\n".join(grey(note) for note in reply.context)))
    return _card(elements, title=reply.title, color=reply.color)


def _form_input(item: FormInput, error: str = "") -> list[dict[str, Any]]:
    label = f"**{markdown(item.label)}**" + (
        "" if item.required else " <font color='grey'>(optional / 选填)</font>"
    )
    placeholder = plain(item.placeholder or item.label)
    field: dict[str, Any]
    if item.options:
        field = {
            "tag": "select_static",
            "name": item.name,
            "placeholder": placeholder,
            "required": item.required,
            "options": [{"text": plain(text), "value": value} for value, text in item.options],
        }
        if item.initial:
            field["initial_option"] = item.initial
    else:
        field = {
            "tag": "input",
            "name": item.name,
            "placeholder": placeholder,
            "required": item.required,
            "max_length": 1000,
        }
        if item.multiline:
            field.update({"input_type": "multiline_text", "rows": 4, "auto_resize": True})
        if item.initial:
            field["default_value"] = item.initial
    elements = [_markdown_element(label), field]
    if error:
        elements.append(_markdown_element(f"<font color='red'>⚠ {markdown(error)}</font>"))
    return elements


def render_form_card(form: Form, *, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A card with a `form` container: one input per `FormInput`, then a submit button whose callback
    value names the form (`{"form": form_id, "value": private_value, "spec": <the form as JSON>}`). The spec
    lets the callback answer a submission with errors by this same card again: what was typed kept as
    the inputs' values and each error, in red, under its field (`errors` by input name)."""
    errors = errors or {}
    inputs: list[dict[str, Any]] = []
    for item in form.inputs:
        inputs.extend(_form_input(item, errors.get(item.name, "")))
    spec = form.model_dump_json(exclude={"private_value"})  # a string: data, not card components
    submit = button(
        form.submit_label,
        {"form": form.form_id, "value": form.private_value, "spec": spec},
        style="primary",
        name="submit",
    )
    submit["form_action_type"] = "submit"
    container = {"tag": "form", "name": "form", "elements": [*inputs, submit]}
    return _card([container], title=form.title, color="default")


def form_of(value: Mapping[str, Any]) -> Form | None:
    """The form a submit button's callback `value` carries in its spec; None without one (a card sent
    before specs were included) or when it does not read as a form."""
    spec = value.get("spec")
    if not isinstance(spec, str) or not spec:
        return None
    try:
        return Form.model_validate_json(spec).model_copy(
            update={"private_value": str(value.get("value") or "")}
        )
    except ValueError:
        return None


def form_with_errors_card(
    value: Mapping[str, Any], typed: Mapping[str, str], errors: Mapping[str, str]
) -> dict[str, Any] | None:
    """The form card of a submit button's callback `value`, again, with the `typed` values and `errors`;
    None when the value carries no form spec (a card sent before specs were included)."""
    form = form_of(value)
    if form is None:
        return None
    inputs = [
        item.model_copy(update={"initial": typed[item.name]}) if item.name in typed else item
        for item in form.inputs
    ]
    return render_form_card(form.model_copy(update={"inputs": inputs}), errors=errors)


def submitted_card(values: Mapping[str, str], value: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a form card turns into once submitted: the values, read-only — under the inputs' labels and
    with a choice's option text, as the form showed them, when the button's `value` carries the form's
    spec (else under the input names)."""
    form = form_of(value or {})
    labels = {item.name: item.label for item in form.inputs} if form else {}
    options = {item.name: dict(item.options) for item in form.inputs} if form else {}
    order = [item.name for item in form.inputs] if form else []
    names = [name for name in order if name in values] + [name for name in values if name not in order]
    fields = [
        KeyValue(label=labels.get(name) or name, value=options.get(name, {}).get(text, text)[:500])
        for name in names
        if (text := values[name])
    ]
    return render_card(Reply(title="Submitted / 已提交", fields=fields, color="success"))


def _text_escape(text: str) -> str:
    """A text message reads `<at …>`, `<b>`-style tags and `[label](url)`: a zero-width space after each `<`
    and inside `](` keeps what a user wrote as the characters typed."""
    return text.replace("<", "<" + _ZWSP).replace("](", "]" + _ZWSP + "(")


def _text_at(found: Mention) -> str:
    user = user_id(found)
    if user is None:
        if found.platform not in (None, "feishu"):
            return neutral_label(found.platform, "both")
        return _text_escape("@" + found.user)
    return f'<at user_id="{user}"></at>'


def text_fallback(reply: Reply) -> str:
    """A `text` message body for when a card is refused: the reply's plain text, the bot's mentions kept."""
    text = reply.plain_text()
    if reply.context:
        text += "\n" + "\n".join(reply.context)
    return render(text, escape=_text_escape, mention=_text_at)[:MAX_MARKDOWN]
