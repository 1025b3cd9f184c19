"""Form validation: every field checked, every error kept, keyed by the input's name.

A form's validator (registered with `Router.form(..., validate=...)`) is pure and fast: the adapters call it
inside the platform's acknowledgement (Slack answers a view submission with `response_action: "errors"`,
Feishu re-renders the card with what was typed and a note under each wrong field), so the person fixes the
fields in place and loses nothing. A handler may raise `FormErrors` too; text commands show it as one
bilingual usage message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from bot.errors import UsageError, UserFacingError

T = TypeVar("T")


class FormErrors(UsageError):
    """Several inputs are wrong; `errors` maps each input name to its (English, Chinese) message."""

    def __init__(
        self,
        errors: Mapping[str, tuple[str, str]],
        *,
        usage: str = "",
        summary: tuple[str, str] | None = None,
    ) -> None:
        """`summary` replaces the joined messages as the text-command message (e.g. one "missing: a, b")."""
        self.errors = dict(errors)
        en, zh = summary or (
            "\n".join(en for en, _ in self.errors.values()),
            "\n".join(zh for _, zh in self.errors.values()),
        )
        super().__init__(en, zh, usage=usage)

    def messages(self) -> dict[str, str]:
        """One line per input, both languages: what Slack shows under a field and Feishu in the card."""
        return {name: f"{en} / {zh}" for name, (en, zh) in self.errors.items()}


class FieldChecks:
    """Collects the failures of several field checks instead of stopping at the first:

    checks = FieldChecks()
    tier = checks.check("tier", parse_tier, values["tier"])
    checks.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: dict[str, tuple[str, str]] = {}

    def check(self, name: str, check: Callable[..., T], *args: object, **kwargs: object) -> T | None:
        try:
            return check(*args, **kwargs)
        except FormErrors as exc:
            for field, message in exc.errors.items():
                self.errors.setdefault(field, message)
        except UserFacingError as exc:
            self.errors.setdefault(name, (exc.en, exc.zh))
        return None

    def fail(self, name: str, en: str, zh: str) -> None:
        self.errors.setdefault(name, (en, zh))

    def raise_if_any(self, *, usage: str = "", summary: tuple[str, str] | None = None) -> None:
        if self.errors:
            raise FormErrors(self.errors, usage=usage, summary=summary)
