"""Query expansion with the everyday words sales reps use for product-documentation concepts.

Reps say "cap", "max" or "constraint" where the documentation says "limitation"; "goes down" or "dies"
where it says "failure"; "迁到" where it says "迁移". Each group lists interchangeable words; a question
term from a group adds the group's other terms to the query at a reduced weight (`EXPANSION_WEIGHT`), so
the documentation's wording can match without outranking the rep's own words. The groups are generic
vocabulary of the domain (limits, versions, failures, costs, places …), never answers to questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

EXPANSION_WEIGHT = 0.4

GROUPS: tuple[tuple[str, ...], ...] = (  # single words only: a phrase's words would trigger on their own
    ("limit", "limitation", "restriction", "constraint", "cap", "maximum", "max", "quota"),
    ("support", "compatible", "compatibility"),
    ("latest", "recent", "newest"),
    ("failure", "fail", "down", "die", "dies", "crash", "outage", "unavailable"),
    ("price", "pricing", "fee", "charge"),
    ("cost", "budget", "expense"),
    ("migrate", "migration", "move", "switch"),
    ("replicate", "replication", "sync", "synchronize"),
    ("region", "datacenter", "zone"),
    ("performance", "latency", "fast", "slow", "speed"),
    ("big", "large", "huge"),
    ("server", "machine", "box", "host"),
    ("secure", "security", "safe"),
    ("encrypt", "encryption", "encrypted"),
    ("限制", "约束", "上限", "最多", "最大"),
    ("支持", "兼容"),
    ("版本", "发版"),
    ("最新", "最近"),
    ("故障", "宕机", "挂掉", "不可用"),
    ("迁移", "迁到", "搬迁"),
    ("同步", "复制"),
    ("地域", "机房", "区域", "数据中心"),
    ("价格", "收费", "计费", "计价", "定价", "售价", "钱"),
    ("费用", "成本", "省钱"),
    ("延迟", "性能"),
    ("认证", "验证", "身份验证"),
    # Chinese colloquial words of reps and the documentation's words for the same thing
    ("阻止", "禁止", "拉黑", "屏蔽", "拦截"),
    ("关闭", "禁用", "关掉", "停用"),
    ("开启", "启用", "打开"),
    ("耗尽", "吃光", "打满", "撑爆", "占满", "挤占", "用光"),
    ("合并", "合入", "合到", "整合"),
    ("开销", "损耗", "拖慢"),
    ("废弃", "砍掉", "移除", "下线", "去掉"),
    ("拆分", "拆成", "分批", "切分"),
)


def chinese_words() -> list[str]:
    """The groups' Chinese words, to be taught to the segmenter: a question is segmented with the
    dictionary only, which would split a colloquial "拉黑" or "撑爆" into characters that match no group."""
    return [word for group in GROUPS for word in group if _is_chinese(word)]


def _is_chinese(word: str) -> bool:
    return all("\u3400" <= char <= "\u9fff" for char in word)


@lru_cache(maxsize=1)
def _term_groups() -> dict[str, frozenset[str]]:
    from knowledge.tokenize import tokens

    mapping: dict[str, set[str]] = {}
    for group in GROUPS:
        # a Chinese word is one term, as taught to the segmenter: split, its characters ("迁到" → "到")
        # would set off the group on their own
        terms = {
            term
            for word in group
            for term in ((word,) if _is_chinese(word) else tokens(word, keep_stop_words=True))
        }
        for term in terms:
            mapping.setdefault(term, set()).update(terms)
    return {term: frozenset(group) for term, group in mapping.items()}


def related(term: str) -> frozenset[str]:
    """`term` and the terms interchangeable with it (just `term` when it is in no group)."""
    return _term_groups().get(term, frozenset((term,)))


def expand(terms: Sequence[str]) -> dict[str, float]:
    """Extra query terms (not already in `terms`) with their weight."""
    groups = _term_groups()
    present = set(terms)
    extra: dict[str, float] = {}
    for term in terms:
        for other in groups.get(term, ()):
            if other not in present:
                extra[other] = EXPANSION_WEIGHT
    return extra
