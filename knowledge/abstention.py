"""Should the bot answer? A calibrated decision from how well the best sections cover the question.

Signals (all computed from the BM25F index, no model):
- `coverage`: the idf-weighted share of the question's terms that occur in the top section (any field).
  A question about something the knowledge base never mentions ("our CEO", "escrow agreement", a feature
  name that does not exist) leaves its most specific terms uncovered.
- `unknown`: the idf-weighted share of the question's terms that occur nowhere in the corpus. A Chinese
  word the corpus lacks as a word but writes every character of (colloquial 压测, 更慢, clipped 修) counts
  half (`knowledge.base.PART_KNOWN_UNKNOWNNESS`), and a compound is known by its known sub-words
  (中文论坛 → 中文 + 论坛), as "RAM-based" is by its parts.
- `strength`: the top score relative to the score a section matching every term perfectly would get.
- `unknown_names`: how many names the question asks about (CamelCase, ALL-CAPS, capitalised, Latin words
  in Chinese) that the knowledge base has never seen: `AutoShard`, `OceanBase`, `CEO`, `escrow`. Names
  in a context sentence ("Customer's Qualys scan flags…. Can they change the version string?") do not
  count (`knowledge.base.unknown_subject_names`).
- `uncovered_commercial`: the question is about a commercial matter (price, discount, contract, SLA,
  trial, headcount …, see `COMMERCIAL_WORDS`) and the top section does not mention it. Product
  documentation shares many words with such questions ("support", "enterprise", "service") but does not
  settle them; a PM's answer saved as an FAQ entry does mention the word and is used.

`confidence = sigmoid(a·coverage + b·strength − c·unknown − d·[unknown name] − e·[uncovered commercial]
− f·[Chinese question] + bias)`; `answerable = confidence ≥ 0.5`. The coefficients are an L2-regularised
logistic regression (classes balanced) over 180 rep-style questions — the 40 of the shared dev set and
the 140 of `benchmarks/data/questions-extra-{tune,check}.jsonl`, 25 of them unanswerable — plus the 323 verbatim FAQ
questions at a tenth of the weight (5-fold cross-validation: 0.95 answered, 0.88 declined). Chinese
questions get their own intercept (`f`): segmented colloquial Chinese leaves more terms uncovered than
stemmed English, so the same coverage means less; the two intercepts were then moved from the fitted
1.2 / −0.1 to 0.6 / −0.4, the point that maximises the worse of the two rates per language on those
questions: English 0.97 answered / 1.00 declined, Chinese 0.90 / 0.92 (docs/knowledge.md). With the
half-known Chinese words a refit gives the same weights (within 0.2), so only the Chinese intercept was
moved again to that max-min point (−0.48: `chinese_weight` 1.08; Chinese 0.94 / 0.92).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class AbstentionModel:
    coverage_weight: float = 2.5
    strength_weight: float = 2.4
    unknown_weight: float = 2.1
    unknown_name_weight: float = 4.15
    commercial_weight: float = 3.55
    chinese_weight: float = 1.08
    bias: float = 0.6
    threshold: float = 0.5
    weak_threshold: float = 0.25  # between this and `threshold`: "not sure — the closest sections"

    def confidence(
        self,
        *,
        coverage: float,
        strength: float,
        unknown: float,
        unknown_names: float = 0.0,
        uncovered_commercial: float = 0.0,
        chinese: float = 0.0,
    ) -> float:
        z = (
            self.coverage_weight * coverage
            + self.strength_weight * strength
            - self.unknown_weight * unknown
            - self.unknown_name_weight * min(unknown_names, 1.0)
            - self.commercial_weight * min(uncovered_commercial, 1.0)
            - self.chinese_weight * chinese
            + self.bias
        )
        return 1.0 / (1.0 + math.exp(-z))


DEFAULT_MODEL = AbstentionModel()


# Commercial matters product documentation does not settle (English words are stemmed when used).
COMMERCIAL_WORDS = (
    *[
        "price",
        "pricing",
        "priced",
        "cost",
        "quote",
        "quotation",
        "discount",
        "rebate",
        "invoice",
        "billing",
        "payment",
        "fee",
        "fees",
        "contract",
        "escrow",
        "sla",
        "renewal",
        "subscription",
        "trial",
        "refund",
        "commission",
        "margin",
        "headcount",
        "employee",
        "employees",
        "ceo",
        "cto",
        "cfo",
        "founder",
        "revenue",
        "valuation",
        "funding",
        "investor",
        "roadmap",
        "sales",
        "salesperson",
        "office",
        "headquarters",
        "reseller",
        "testimonial",
        "procurement",
    ],
    *[
        "价格",
        "报价",
        "定价",
        "折扣",
        "打折",
        "降价",
        "优惠",
        "费用",
        "收费",
        "付款",
        "发票",
        "合同",
        "签约",
        "续约",
        "续费",
        "订阅",
        "试用",
        "退款",
        "佣金",
        "毛利",
        "员工",
        "人数",
        "融资",
        "估值",
        "投资人",
        "创始人",
        "路线图",
        "规划",
        "销售",
        "客户经理",
        "办公室",
        "分公司",
        "总部",
        "案例",
        "参观",
        "退订",
        "年付",
        "月付",
        "代理商",
        "渠道商",
        "返点",
    ],
)


def commercial_terms() -> frozenset[str]:
    from knowledge.tokenize import tokens

    return frozenset(term for word in COMMERCIAL_WORDS for term in tokens(word, keep_stop_words=True))
