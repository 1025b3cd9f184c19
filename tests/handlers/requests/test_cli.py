"""`salesbridge requests list [--json]` and `salesbridge requests export --csv FILE`."""

from __future__ import annotations

import csv
import json
import re
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
    assert {r["id"] for r in rows} == {1, 2}
    assert rows[0]["rice"] >= rows[1]["rice"]
    chinese = next(r for r in rows if r["id"] == 2)
    assert chinese["description"] == "导出报表\n第二行"
    assert chinese["requesters"] == "feishu:ou_1"


def test_list_json_numbers_are_json_numbers(logged: str) -> None:
    rows = json.loads(CliRunner().invoke(app, ["requests", "list", "--json"]).output)
    acme = next(r for r in rows if r["title"] == "SAML SSO login")
    for column in ("id", "customer_count"):
        assert type(acme[column]) is int, column
    for column in ("rice", "reach", "impact", "total_arr_usd"):
        assert type(acme[column]) is float, column
    assert (acme["rice"], acme["reach"], acme["total_arr_usd"]) == (2.1, 4.2, 120_000.0)
    assert acme["confidence"] is None and acme["effort_weeks"] is None and acme["merged_into"] is None


def test_list_table_and_filters(logged: str) -> None:
    result = CliRunner().invoke(app, ["requests", "list", "--status", "shipped"])
    assert result.exit_code == 0 and "no feature requests" in result.output
    table = CliRunner().invoke(app, ["requests", "list", "--open", "--limit", "1"]).output
    assert len(table.strip().splitlines()) == 1 and "RICE" in table


def test_list_status_takes_the_names_chat_takes(logged: str, bot: Harness) -> None:
    bot.say("requests status 2 planned", user="UPM")
    for name in ("planned", "PLANNED", "已排期", "排期"):
        result = CliRunner().invoke(app, ["requests", "list", "--status", name])
        assert result.exit_code == 0, result.output
        assert re.findall(r"^#\s*(\d+) ", result.output, flags=re.M) == ["2"], name
    merged = CliRunner().invoke(app, ["requests", "list", "--status", "已合并"])
    assert merged.exit_code == 0 and "no feature requests" in merged.output


def test_list_refuses_an_unknown_status(logged: str) -> None:
    result = CliRunner().invoke(app, ["requests", "list", "--status", "bogus"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == (
        "Unknown status 'bogus'. Allowed: new, triaged, planned, in-progress, shipped, declined, merged."
    )
    assert lines[1].startswith("未知状态 'bogus'。可选：新建(new)、已分诊(triaged)、已排期(planned)")
    assert "Usage: salesbridge requests list" in result.output and "用法" in result.output
    assert "no feature requests" not in result.output and "Traceback" not in result.output


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


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_export_to_an_unwritable_path_says_why(logged: str, tmp_path: Path, where: str) -> None:
    target = tmp_path / "nowhere" / "x.csv" if where == "missing folder" else tmp_path
    result = CliRunner().invoke(app, ["requests", "export", "--csv", str(target)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    english, chinese = result.output.splitlines()
    assert english.startswith(f"cannot write {target}: ") and chinese.startswith(f"无法写入 {target}：")
    if where == "missing folder":
        assert f"the folder {tmp_path / 'nowhere'} does not exist" in english and "不存在" in chinese
    else:
        assert "it is a folder" in english and str(tmp_path / "requests.csv") in english
        assert "这是一个文件夹" in chinese
    assert not (tmp_path / "nowhere").exists()
