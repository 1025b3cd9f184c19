"""Start-up cost and configuration: lark-oapi loads only where Feishu is used; FEISHU_DOMAIN is checked."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_core_modules_do_not_import_lark_oapi() -> None:
    code = (
        "import sys, salesbridge.cli, salesbridge.app, salesbridge.server, handlers, bot.platforms.feishu; "
        "from bot.platforms.feishu import create_port, FeishuInbound, render, translate; "
        "print('lark_oapi' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False", result.stderr


def test_feishu_domain_is_checked_at_start_up() -> None:
    from bot.errors import ConfigurationError
    from bot.platforms.feishu import normalise_domain

    assert normalise_domain("https://open.larksuite.com/") == "https://open.larksuite.com"
    assert normalise_domain("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    for bad in ("open.feishu.cn", "http://open.feishu.cn", "https://open.feishu.cn/open-apis", ""):
        with pytest.raises(ConfigurationError):
            normalise_domain(bad)
