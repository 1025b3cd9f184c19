"""Feishu / Lark adapter: `translate` (events → IncomingMessage), `render` (Reply → card JSON 2.0),
`port` (outbound Open API calls), `inbound` (webhook + long connection). lark-oapi is imported lazily,
inside the functions that talk to Feishu, so importing this package stays cheap.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.config import Settings, secret
from bot.errors import ConfigurationError
from bot.platforms.feishu.inbound import FeishuInbound
from bot.platforms.feishu.port import FeishuPort

__all__ = ["FeishuInbound", "FeishuPort", "create_port", "normalise_domain"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def normalise_domain(domain: str) -> str:
    """`FEISHU_DOMAIN` as lark-oapi accepts it: an https origin (http only on loopback), no path.

    Checked here, at start-up, so a typo is a clear configuration error rather than failed sends later.
    """
    value = domain.strip().rstrip("/")
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in LOOPBACK)
    if not secure or not parts.netloc or "@" in parts.netloc or parts.path or parts.query or parts.fragment:
        raise ConfigurationError(
            f"FEISHU_DOMAIN must be an https origin such as https://open.feishu.cn or "
            f"https://open.larksuite.com (got {domain!r})"
        )
    return value


def create_port(settings: Settings) -> FeishuPort:
    return FeishuPort(
        app_id=settings.feishu_app_id or "",
        app_secret=secret(settings.feishu_app_secret),
        domain=normalise_domain(settings.feishu_domain),
    )
