"""The architecture's boundaries, checked by scanning imports: platform SDKs only in bot/platforms/,
`openai` only in bot/llm.py, and no handler/job/knowledge module importing a platform adapter."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "knowledge", "services", "handlers", "jobs", "salesbridge")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[tuple[str, set[str]]]:
    found = []
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.append((path.relative_to(ROOT).as_posix(), imports(path)))
    return found


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_platform_sdks_only_in_platform_adapters() -> None:
    leaks = [
        path
        for path, names in modules()
        if roots(names) & {"slack_bolt", "slack_sdk", "lark_oapi"} and not path.startswith("bot/platforms/")
    ]
    assert leaks == []


def test_openai_only_in_the_llm_module() -> None:
    assert [path for path, names in modules() if "openai" in roots(names) and path != "bot/llm.py"] == []


def test_capabilities_do_not_import_platform_adapters() -> None:
    leaks = [
        path
        for path, names in modules()
        if path.split("/")[0] in {"handlers", "knowledge", "jobs"}
        and any(name.startswith(("bot.platforms.slack", "bot.platforms.feishu")) for name in names)
    ]
    assert leaks == []
