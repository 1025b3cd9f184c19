"""Priority: a P0–P3 label from urgency × customer tier, and a RICE score for ranking.

Label: points = urgency (blocker 3, high 2, normal 1, low 0) + tier (diamond 3, gold 2, silver 1,
bronze 0); ≥5 → P0, 4 → P1, 2–3 → P2, 0–1 → P3. A request with several customers takes the highest label
any of them gives. A PM override (with a reason) replaces the computed label.

RICE = Reach × Impact × Confidence ÷ Effort, where
  Reach      = Σ tier weight over distinct named customers (diamond 4, gold 3, silver 2, bronze 1)
               + total ARR in USD ÷ 100,000 (every $100k of ARR counts as one more customer),
  Impact     = the highest urgency among its customers (blocker 3, high 2, normal 1, low 0.5),
  Confidence = set by a PM at triage (0–100 %); 50 % until then,
  Effort     = person-weeks set by a PM at triage; 2 until then.

A request logged without a customer name (`named=False`) reaches no known customer: it adds no tier weight to
Reach and is not counted in `customer_count`. Its urgency and tier (silver unless given) still make the label
and Impact, and its ARR, if given, still counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

URGENCY_POINTS = {"blocker": 3, "high": 2, "normal": 1, "low": 0}
TIER_POINTS = {"diamond": 3, "gold": 2, "silver": 1, "bronze": 0}
TIER_REACH = {"diamond": 4.0, "gold": 3.0, "silver": 2.0, "bronze": 1.0}
URGENCY_IMPACT = {"blocker": 3.0, "high": 2.0, "normal": 1.0, "low": 0.5}
ARR_PER_REACH_POINT = 100_000.0
DEFAULT_CONFIDENCE = 0.5
DEFAULT_EFFORT_WEEKS = 2.0
MIN_EFFORT_WEEKS = 0.1  # half a day: RICE divides by at least this much
MAX_EFFORT_WEEKS = 520.0  # ten years
LABELS = ("P0", "P1", "P2", "P3")


@dataclass(frozen=True)
class CustomerSignal:
    name: str
    tier: str
    urgency: str
    arr_usd: float
    named: bool = True  # False: logged without a customer; no tier weight in Reach, not counted


@dataclass(frozen=True)
class Score:
    label: str
    reach: float
    impact: float
    confidence: float
    effort: float
    rice: float
    total_arr_usd: float
    customer_count: int


def label_for(*, urgency: str, tier: str) -> str:
    points = URGENCY_POINTS.get(urgency, 1) + TIER_POINTS.get(tier, 1)
    if points >= 5:
        return "P0"
    if points == 4:
        return "P1"
    if points >= 2:
        return "P2"
    return "P3"


def _customer_key(name: str) -> str:
    return " ".join(name.casefold().split())


def distinct_customers(signals: Iterable[CustomerSignal]) -> list[CustomerSignal]:
    """One entry per customer name (case-insensitive): the highest tier, urgency and ARR any rep gave.

    The same customer reported by two reps counts once for reach and ARR; nothing is lost in a merge.
    """
    best: dict[str, CustomerSignal] = {}
    for signal in signals:
        key = _customer_key(signal.name)
        seen = best.get(key)
        if seen is None:
            best[key] = signal
            continue
        best[key] = CustomerSignal(
            name=seen.name,
            tier=max(seen.tier, signal.tier, key=lambda t: TIER_POINTS.get(t, 1)),
            urgency=max(seen.urgency, signal.urgency, key=lambda u: URGENCY_POINTS.get(u, 1)),
            arr_usd=max(seen.arr_usd, signal.arr_usd),
            named=seen.named,
        )
    return list(best.values())


def rice(*, reach: float, impact: float, confidence: float, effort: float) -> float:
    return round(reach * impact * confidence / max(effort, MIN_EFFORT_WEEKS), 2)


def score(
    signals: Iterable[CustomerSignal],
    *,
    confidence: float | None = None,
    effort_weeks: float | None = None,
) -> Score:
    customers = distinct_customers(signals)
    label = min((label_for(urgency=c.urgency, tier=c.tier) for c in customers), default="P3")
    total_arr = round(sum(c.arr_usd for c in customers), 2)
    named = [c for c in customers if c.named]
    reach = round(sum(TIER_REACH.get(c.tier, 2.0) for c in named) + total_arr / ARR_PER_REACH_POINT, 2)
    impact = max((URGENCY_IMPACT.get(c.urgency, 1.0) for c in customers), default=1.0)
    conf = DEFAULT_CONFIDENCE if confidence is None else confidence
    effort = DEFAULT_EFFORT_WEEKS if effort_weeks is None else effort_weeks
    return Score(
        label=label,
        reach=reach,
        impact=impact,
        confidence=conf,
        effort=effort,
        rice=rice(reach=reach, impact=impact, confidence=conf, effort=effort),
        total_arr_usd=total_arr,
        customer_count=len(named),
    )


EXPLANATION_EN = (
    "**Priority label (P0–P3)** = urgency points (blocker 3, high 2, normal 1, low 0) + customer tier points "
    "(diamond 3, gold 2, silver 1, bronze 0): 5–6 → P0, 4 → P1, 2–3 → P2, 0–1 → P3; the highest label of any "
    'customer wins. PMs may override it with a reason: `requests priority 12 P1 reason:"renewal at risk"`.\n'
    "**RICE** = Reach × Impact × Confidence ÷ Effort. Reach = Σ tier weights of distinct named customers "
    "(diamond 4, gold 3, silver 2, bronze 1) + total ARR ÷ $100k (a request without `customer:` adds only its "
    "ARR); Impact = highest urgency (blocker 3, high 2, "
    "normal 1, low 0.5); Confidence (0–100 %, default 50 %) and Effort (person-weeks, default 2) are set by a "
    "PM: `requests triage 12 effort:3 confidence:80%`. `requests top` sorts by RICE, then ARR."
)
EXPLANATION_ZH = (
    "**优先级（P0–P3）** = 紧急度分（阻塞 3、高 2、普通 1、低 0）+ 客户等级分（钻石 3、金牌 2、银牌 1、铜牌 0）："
    "5–6 → P0，4 → P1，2–3 → P2，0–1 → P3；多个客户时取最高。产品经理可填写理由覆盖："
    '`需求 priority 12 P1 reason:"续约风险"`。\n'
    "**RICE** = 覆盖面 × 影响 × 信心 ÷ 工作量。覆盖面 = 不同的已具名客户的等级权重之和（钻石 4、金牌 3、银牌 2、"
    "铜牌 1）+ 总 ARR ÷ 10 万美元（未写 `客户:` 的需求只计其 ARR）；影响 = 最高紧急度（阻塞 3、高 2、普通 1、低 0.5）；信心（0–100%，默认 50%）和工作量"
    "（人周，默认 2）由产品经理分诊时设置：`requests triage 12 effort:3 confidence:80%`。`requests top` 按 RICE、"
    "再按 ARR 排序。"
)
