"""`salesbridge requests list [--json]` and `salesbridge requests export --csv FILE`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesbridge.cli import app
from tests.fakes.harness import Harness


@pytest.fixture
def logged(bot: Harness, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    bot.say('request SAML SSO login customer:"Acme Corp" tier:gold urgency:high arr:120k', user="U1")
    bot.say("需求 导出报表\n第二行 客户:某某银行 等级:钻石 金额:¥80万", platform="feishu", user="ou_1")
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url


def test_list_json(logged: str) -> None:
    result = CliRunner().invoke(app, ["requests", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} == {"1", "2"}
    assert float(rows[0]["rice"]) >= float(rows[1]["rice"])
    chinese = next(r for r in rows if r["id"] == "2")
    assert chinese["description"] == "导出报表\n第二行"
    assert chinese["requesters"] == "feishu:ou_1"


def test_list_table_and_filters(logged: str) -> None:
    result = CliRunner().invoke(app, ["requests", "list", "--status", "shipped"])
    assert result.exit_code == 0 and "no feature requests" in result.output
    table = CliRunner().invoke(app, ["requests", "list", "--open", "--limit", "1"]).output
    assert len(table.strip().splitlines()) == 1 and "RICE" in table


def test_export_csv_file(logged: str, tmp_path: Path) -> None:
    target = tmp_path / "requests.csv"
    result = CliRunner().invoke(app, ["requests", "export", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 request(s)" in result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["title"] for r in rows] == ["SAML SSO login", "导出报表"]
    assert rows[1]["customers"] == "某某银行 (diamond, normal, ¥80万)"


def test_export_requires_a_file(logged: str) -> None:
    result = CliRunner().invoke(app, ["requests", "export"])
    assert result.exit_code != 0
    assert "--csv" in result.output
