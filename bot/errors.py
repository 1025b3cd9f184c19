"""One error family for everything a user can cause; the router turns these into polite replies."""

from __future__ import annotations


class SalesBridgeError(Exception):
    """Base of all errors SalesBridge raises on purpose."""


class ConfigurationError(SalesBridgeError):
    """The settings are inconsistent (for example a half-configured platform)."""


class UserFacingError(SalesBridgeError):
    """An error whose message is shown to the user, in English and Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


class UsageError(UserFacingError):
    """A command was invoked wrongly; `usage` is the bilingual usage text of that command."""

    def __init__(self, en: str, zh: str, *, usage: str = "") -> None:
        super().__init__(en, zh)
        self.usage = usage


class PermissionDenied(UserFacingError):
    """The user lacks the role the command needs."""


class NotFound(UserFacingError):
    """The thing named by the user does not exist."""


class DeliveryError(SalesBridgeError):
    """A platform did not accept an outgoing message.

    `retry_after` (seconds) is set when the platform asked us to slow down; `permanent` when retrying is
    pointless (bad channel, missing permission).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
