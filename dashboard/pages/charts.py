"""Charts, for PMs and admins: demand by customer tier and the ARR behind it per month, the most requested
areas, the acknowledgement rate per announcement and the share of questions answered per week — drawn on the
server as SVG (`dashboard.charts`), each with its numbers as text.

Route: `charts` GET /app/charts (pm; `?months=6|12|24`).
"""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response

from dashboard.charts import TIER_COLORS, Series, bar_chart, hbar_chart
from dashboard.pages.announcements import RATE_DAYS, ack_rate_chart
from dashboard.pages.common import whole_number
from dashboard.web import Ctx, Page, bad_request, page_route
from services.announcements.workflow import acknowledgement_rates
from services.questions.groups import answer_rates
from services.requests.insights import demand_by_month, top_areas
from services.requests.vocabulary import TIER_ZH, format_money

MONTHS = (6, 12, 24)
WEEKS = 12


def _months(ctx: Ctx) -> int:
    raw = ctx.param("months")
    if not raw:
        return 12
    number = whole_number(raw)
    if number is None or number not in MONTHS:
        raise bad_request(
            f"Months is one of {', '.join(map(str, MONTHS))}, got {raw!r}.",
            f"月数应为 {'、'.join(map(str, MONTHS))} 之一，收到 {raw!r}。",
        )
    return number


def money(amount: float) -> str:
    return format_money(amount, "USD")


def show_charts(ctx: Ctx) -> Response:
    ctx.require_pm()
    months = _months(ctx)
    services = ctx.services
    now = services.now()
    tz = services.settings.tz
    with services.db.session() as session:
        demand = demand_by_month(session=session, now=now, tz=tz, months=months)
        areas = top_areas(session=session, limit=10)
        rates = acknowledgement_rates(session=session, since=now - timedelta(days=RATE_DAYS))
        weeks = answer_rates(session=session, now=now, tz=tz, weeks=WEEKS)
    tiers = list(demand[0].customers) if demand else []
    labels = [m.month.strftime("%Y-%m") for m in demand]
    tier_name = {tier: ctx.t(tier, TIER_ZH.get(tier, tier)) for tier in tiers}
    customers = sum(m.total_customers for m in demand)
    arr_total = sum(m.total_arr_usd for m in demand)
    by_tier = {tier: sum(m.customers[tier] for m in demand) for tier in tiers}
    tier_summary_en = ", ".join(f"{tier} {count}" for tier, count in by_tier.items())
    tier_summary_zh = "，".join(f"{tier_name[tier]} {count}" for tier, count in by_tier.items())
    charts = [
        bar_chart(
            chart_id="chart-demand-tier",
            title=ctx.t(
                f"Customers asking, by tier, per month (last {months})",
                f"每月提出需求的客户（按等级，最近 {months} 个月）",
            ),
            summary=ctx.t(
                f"{customers} customer request(s) in {months} months: {tier_summary_en}.",
                f"{months} 个月内共 {customers} 次客户需求：{tier_summary_zh}。",
            ),
            labels=labels,
            series=[
                Series(tier_name[t], [m.customers[t] for m in demand], TIER_COLORS.get(t, "")) for t in tiers
            ],
            details_label=ctx.t("Numbers", "数据"),
            total_label=ctx.t("Total", "合计"),
        ),
        bar_chart(
            chart_id="chart-demand-arr",
            title=ctx.t(
                f"ARR behind the requests, by tier, per month (last {months})",
                f"每月需求涉及的 ARR（按等级，最近 {months} 个月）",
            ),
            summary=ctx.t(
                f"{money(arr_total)} of ARR asked for in {months} months.",
                f"{months} 个月内需求涉及 ARR 共 {money(arr_total)}。",
            ),
            labels=labels,
            series=[
                Series(tier_name[t], [m.arr_usd[t] for m in demand], TIER_COLORS.get(t, "")) for t in tiers
            ],
            value_format=money,
            details_label=ctx.t("Numbers", "数据"),
            total_label=ctx.t("Total", "合计"),
        ),
        hbar_chart(
            chart_id="chart-top-areas",
            title=ctx.t("Most requested areas (open requests)", "需求最多的模块（未关闭需求）"),
            summary=ctx.t(
                "; ".join(f"{a.area}: {a.requests} request(s), {a.customers} customer(s)" for a in areas)
                or "No open requests.",
                "；".join(f"{a.area}：{a.requests} 个需求，{a.customers} 个客户" for a in areas)
                or "没有未关闭的需求。",
            ),
            labels=[a.area for a in areas],
            values=[a.requests for a in areas],
            value_texts=[
                ctx.t(
                    f"{a.requests} · {a.customers} cust. · {money(a.arr_usd)}",
                    f"{a.requests} 个 · {a.customers} 客户 · {money(a.arr_usd)}",
                )
                for a in areas
            ],
            column=ctx.t("Requests · customers · ARR", "需求 · 客户 · ARR"),
            details_label=ctx.t("Numbers", "数据"),
        ),
    ]
    if rates:
        charts.append(ack_rate_chart(ctx, rates))
    asked = sum(w.asked for w in weeks)
    answered = sum(w.answered for w in weeks)
    charts.append(
        hbar_chart(
            chart_id="chart-answered-rate",
            title=ctx.t(
                f"Share of questions answered per week (last {WEEKS})", f"每周问题回答率（最近 {WEEKS} 周）"
            ),
            summary=ctx.t(
                f"{answered} of {asked} question(s) answered over {WEEKS} weeks"
                + (f" ({answered / asked:.0%})." if asked else "."),
                f"{WEEKS} 周内 {asked} 个问题中回答了 {answered} 个"
                + (f"（{answered / asked:.0%}）。" if asked else "。"),
            ),
            labels=[ctx.t(f"week of {w.week.isoformat()}", f"{w.week.isoformat()} 当周") for w in weeks],
            values=[w.rate for w in weeks],
            value_texts=[f"{w.rate:.0%} ({w.answered}/{w.asked})" if w.asked else "—" for w in weeks],
            maximum=1.0,
            column=ctx.t("Answered", "已回答"),
            details_label=ctx.t("Numbers", "数据"),
            colors=["#17794a"] * len(weeks),
        )
    )
    return ctx.render(
        "charts.html",
        title=ctx.t("Charts", "图表"),
        charts=charts,
        months=months,
        month_choices=MONTHS,
    )


PAGE = Page(
    key="charts",
    label_en="Charts",
    label_zh="图表",
    home="charts",
    routes=[page_route("/charts", show_charts, name="charts", page="charts", pm_only=True)],
    roles=("pm", "admin"),
)
