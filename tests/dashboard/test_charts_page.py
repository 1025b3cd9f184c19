"""The charts page (PMs and admins): demand by tier and ARR per month, top areas, acknowledgement rate per
announcement, answered rate per week — inline SVG with titles and the numbers as text, no script, no inline
style; and `dashboard.charts` itself."""

from __future__ import annotations

import re
from datetime import date

from dashboard.charts import Mark, Series, axis_step, bar_chart, hbar_chart, nice_ceiling, timeline
from tests.dashboard.helpers import client, message_of, sign_in
from tests.dashboard.test_requests_pages import seed as seed_requests
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, publish, release_text, seed_members


def test_pms_see_the_charts_with_their_numbers(bot: Harness) -> None:
    seed_requests(bot)
    seed_members(bot)
    publish(bot, release_text())
    bot.say("Does LumenCRM run on IBM mainframes?", user="U3")  # an empty knowledge base: declined
    web = client(bot)
    sign_in(bot, web, user=PM)
    page = web.get("/app/charts")
    assert page.status_code == 200 and 'id="nav-charts"' in page.text
    for chart in (
        "chart-demand-tier",
        "chart-demand-arr",
        "chart-top-areas",
        "chart-ack-rate",
        "chart-answered-rate",
    ):
        figure = page.text.split(f'<figure class="chart" id="{chart}">')[1].split("</figure>")[0]
        assert 'role="img"' in figure and f'<title id="{chart}-title">' in figure and "<desc" in figure
        assert f'id="{chart}-data"' in figure  # the numbers as a table
    demand = page.text.split('id="chart-demand-tier-data"')[1].split("</table>")[0]
    this_month = re.search(r'<th scope="row">2026-11</th>(.*?)</tr>', demand)
    assert this_month and re.findall(r'<td class="num">([^<]*)</td>', this_month.group(1)) == [
        "1",
        "1",
        "1",
        "1",
        "4",
    ]
    areas = page.text.split('id="chart-top-areas-data"')[1].split("</table>")[0]
    assert areas.index("security") < areas.index("mobile")  # two open requests before one
    assert "0% (0/4)" in page.text  # nobody acknowledged the release yet
    assert "0% (0/1)" in page.text  # one question this week, not answered
    assert "<script" not in page.text and "style=" not in page.text
    assert web.get("/app/charts?months=24").status_code == 200
    bad = web.get("/app/charts?months=7")
    assert bad.status_code == 400 and "6, 12, 24" in message_of(bad.text)


def test_sales_do_not_get_the_charts(bot: Harness) -> None:
    web = client(bot)
    sign_in(bot, web, user="U1")
    assert 'id="nav-charts"' not in web.get("/app/requests").text
    refused = web.get("/app/charts")
    assert refused.status_code == 403 and "pm" in message_of(refused.text)


def test_charts_escape_text_and_scale_to_round_numbers() -> None:
    assert [nice_ceiling(v) for v in (0, 0.3, 7, 12, 99, 240, 1_000)] == [1.0, 0.5, 10, 20, 100, 250, 1_000]
    assert [axis_step(v, integers=True) for v in (0, 1, 4, 10, 37, 240)] == [1, 1, 1, 3, 10, 60]
    assert axis_step(112_000.5, integers=False) == 30_000
    chart = str(
        bar_chart(
            chart_id="c",
            title="<b>x</b>",
            summary="s & t",
            labels=["a", "b"],
            series=[Series("one", [1, 2]), Series("two", [0, 3])],
        )
    )
    assert "<b>x</b>" not in chart and "&lt;b&gt;x&lt;/b&gt;" in chart and "s &amp; t" in chart
    assert chart.count("<rect") >= 3 + 2  # three bars with a value, two legend keys
    assert '<td class="num">5</td>' in chart  # b's total
    bars = str(
        hbar_chart(
            chart_id="h",
            title="t",
            summary="s",
            labels=["x" * 40],
            values=[0.5],
            value_texts=["50%"],
            maximum=1.0,
        )
    )
    assert "x" * 29 + "…" in bars and "50%" in bars
    line = str(
        timeline(
            chart_id="l",
            title="t",
            summary="s",
            marks=[
                Mark(date(2027, 1, 1), "T-90", "start", "past"),
                Mark(date(2027, 6, 1), "T0", "launch", "next"),
            ],
            today=date(2027, 3, 1),
        )
    )
    assert "stroke-dasharray" in line and "T-90" in line and "2027-06-01" in line
