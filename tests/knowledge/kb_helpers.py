"""Helpers for the knowledge-base tests: a fresh SQLite knowledge base and a tiny bilingual corpus."""

from __future__ import annotations

from pathlib import Path

from bot.database import Database
from knowledge.base import KnowledgeBase
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings

CORPUS = {
    "en/faq/product-faq.md": """---
title: Product FAQ
summary: Frequently asked questions.
owner: pm-alice
updated: 2026-03-01
---

# Product FAQ

## Deployment

### What hardware is recommended for production?

Use at least 16 CPU cores, 64 GB memory and NVMe SSD disks for every storage node in production.

### Can I deploy on SATA disks?

SATA disks are not recommended: latency is too high for the storage engine.

## Security

### Does it support encryption at rest?

Yes. Data files are encrypted with AES-256 when the encryption option is enabled.
""",
    "zh/faq/product-faq.md": """---
title: 产品常见问题
---

# 产品常见问题

## 部署

### 生产环境推荐什么硬件配置？

生产环境中每个存储节点至少使用 16 核 CPU、64 GB 内存和 NVMe 固态硬盘。

## 安全

### 是否支持静态数据加密？

支持。开启加密选项后，数据文件使用 AES-256 加密。
""",
    "en/limits.md": """# Limits

## Limitations on transactions

A single transaction can hold at most 5,000 statements and 100 MB of data.

## Limitations on identifiers

Table names are at most 64 characters long.
""",
    "en/releases/release-2.1.md": """# Release 2.1

## Improvements

- Adds CPU-aware scheduling for read hotspots.
- Raises the default statistics cache quota to 20% of memory.
""",
}


def write_corpus(root: Path, files: dict[str, str] | None = None) -> Path:
    for relative, text in (files or CORPUS).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_kb(tmp_path: Path, name: str = "kb.db") -> KnowledgeBase:
    url = migrated_sqlite(tmp_path / name)
    db = Database(url)
    return KnowledgeBase(db=db, settings=make_settings(url), version_check_seconds=0.0)
