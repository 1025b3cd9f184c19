"""The shape of the import graph, as figures: cycles, upward and sideways edges between layers, function-level
imports of the project's own modules, and lines per layer.

    .venv/bin/python -m benchmarks.import_graph            # this tree
    .venv/bin/python -m benchmarks.import_graph ../old     # another checkout (e.g. a `git worktree` of an old commit)

`lint-imports` (in `make test`) enforces the layers; this script counts, so a before/after can be reported.
In trees from before the layers existed, `bot.app`, `bot.cli`, `bot.server` and `bot.socket_runner` are
counted as the top layer (the composition root they were).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

LAYERS = {"salesbridge": 0, "handlers": 1, "jobs": 1, "dashboard": 1, "services": 2, "knowledge": 3, "bot": 4}
OLD_ROOT = {"app", "cli", "server", "socket_runner", "__main__"}
LAZY_OK = ("bot.platforms.slack", "bot.platforms.feishu")  # adapters that load an SDK: imported when used


def layer(module: str) -> tuple[str, int]:
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1 and parts[1] in OLD_ROOT:
        return "salesbridge", 0
    return parts[0], LAYERS[parts[0]]


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def function_level_imports(root: Path, packages: list[str]) -> int:
    count = 0
    for package in packages:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(node):
                    names = []
                    if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                        names = [inner.module]
                    elif isinstance(inner, ast.Import):
                        names = [alias.name for alias in inner.names]
                    count += sum(
                        1 for name in names if name.split(".")[0] in packages and not name.startswith(LAZY_OK)
                    )
    return count


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    sys.path.insert(0, str(root))
    packages = [name for name in LAYERS if (root / name / "__init__.py").exists()]
    graph = grimp.build_graph(*packages)
    upward = sideways = 0
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            (a, rank_a), (b, rank_b) = layer(module), layer(imported)
            upward += rank_b < rank_a
            sideways += rank_b == rank_a and a != b
    groups = cycles(graph)
    print(f"{root}: {len(graph.modules)} modules")
    print(f"  import cycles: {len(groups)} ({sum(len(g) for g in groups)} modules)")
    for group in groups:
        print("    " + " ↔ ".join(group))
    print(f"  upward edges: {upward}; edges between entry points: {sideways}")
    print(f"  function-level imports of the project's own modules: {function_level_imports(root, packages)}")
    lines = {
        p: sum(len(f.read_text(encoding="utf-8").splitlines()) for f in (root / p).rglob("*.py"))
        for p in packages
    }
    print("  lines per layer: " + ", ".join(f"{p} {n:,}" for p, n in lines.items()))


if __name__ == "__main__":
    main()
