"""Charts drawn on the server as inline SVG: no JavaScript, no library, nothing from a CDN.

Each chart is a `<figure>` with a caption, an SVG that says what it shows (`role="img"`, a `<title>` and a
`<desc>` summing it up, a `<title>` tooltip on every bar or point) and the same numbers as a table in a
`<details>` under it — screen readers, text browsers and people who want the figures get them as text.
Colours are SVG attributes (the dashboard's Content-Security-Policy allows no inline styles).

- `bar_chart` — vertical bars, stacked by series (demand by tier per month, answered / declined per week);
- `hbar_chart` — horizontal bars with a value text (top areas, acknowledgement rate per announcement);
- `timeline` — dated milestones on an axis with today marked (a launch's T-90 … T+90).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#2f5bd3", "#17794a", "#c9a227", "#a15c00", "#7a52c7", "#b42318", "#667085")
TIER_COLORS = {"diamond": "#7a52c7", "gold": "#c9a227", "silver": "#8a94a6", "bronze": "#a0522d"}
AXIS = "#98a2b3"
GRID = "#e3e6ec"
TEXT = "#1d2330"
MUTED = "#667085"

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str = ""


def plain_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def nice_ceiling(value: float) -> float:
    """The round number (1, 2, 2.5, 5 × 10^k) at or above `value`: the top of a value axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def axis_step(top_value: float, *, integers: bool, ticks: int = 4) -> float:
    """The step between a value axis's `ticks` grid lines: round (1, 2, 3, 4, 5, 6, 8 × 10^k), the top line at
    or above `top_value`; at least 1 when every value is a whole number (counts)."""
    if top_value <= 0:
        return 1.0
    raw = top_value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 3, 4, 5, 6, 8, 10) if raw <= m * power)
    return max(1.0, math.ceil(step)) if integers else step


def _e(value: object) -> str:
    return str(escape(str(value)))


def _numbers_table(
    chart_id: str,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    details_label: str,
    *,
    numeric: bool = True,
) -> str:
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in columns)
    cell = '<td class="num">{}</td>' if numeric else "<td>{}</td>"
    body = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{_e(value)}</th>' if i == 0 else cell.format(_e(value)))
            for i, value in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<details class="chart-numbers"><summary>{_e(details_label)}</summary>'
        f'<table class="grid compact" id="{_e(chart_id)}-data"><caption>{_e(title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _figure(
    chart_id: str, title: str, summary: str, width: int, height: int, body: str, table: str
) -> Markup:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" class="chart-svg" '
        f'font-family="system-ui, sans-serif" font-size="11">'
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title><desc id="{_e(chart_id)}-desc">{_e(summary)}</desc>'
        f"{body}</svg>"
    )
    return Markup(
        f'<figure class="chart" id="{_e(chart_id)}"><figcaption>{_e(title)}</figcaption>'
        f'{svg}<p class="chart-summary muted">{_e(summary)}</p>{table}</figure>'
    )


def _legend(series: Sequence[Series], colors: Sequence[str], *, x: float, y: float) -> str:
    parts = []
    cursor = x
    for s, color in zip(series, colors, strict=True):
        parts.append(
            f'<rect x="{cursor:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>'
            f'<text x="{cursor + 14:.1f}" y="{y:.1f}" fill="{TEXT}">{_e(s.name)}</text>'
        )
        cursor += 24 + 7 * len(s.name)
    return "".join(parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_format: Format = plain_number,
    details_label: str = "Numbers / 数据",
    total_label: str = "Total / 合计",
    width: int = 640,
    height: int = 260,
) -> Markup:
    """Vertical bars, one per label, the series stacked in each (one series: plain bars)."""
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    totals = [sum(float(s.values[i]) for s in series) for i in range(len(labels))]
    integers = all(float(v).is_integer() for s in series for v in s.values)
    step = axis_step(max(totals, default=0.0), integers=integers)
    top = step * 4
    left, right, upper, lower = 64, 12, 28, 40
    plot_w, plot_h = width - left - right, height - upper - lower
    parts = [_legend(series, colors, x=left, y=14)] if len(series) > 1 else []
    for tick in range(5):
        value = step * tick
        y = upper + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID if tick else AXIS}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_e(value_format(value))}</text>'
        )
    slot = plot_w / max(len(labels), 1)
    bar_w = max(2.0, slot * 0.68)
    every = max(1, math.ceil(len(labels) / 12))
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar_w) / 2
        base = float(upper + plot_h)
        for s, color in zip(series, colors, strict=True):
            value = float(s.values[i])
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{_e(label)} · {_e(s.name)}: {_e(value_format(value))}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{left + slot * i + slot / 2:.1f}" y="{height - lower + 16}" text-anchor="middle" '
                f'fill="{MUTED}">{_e(label)}</text>'
            )
    columns = ["", *[s.name for s in series]] + ([total_label] if len(series) > 1 else [])
    rows = [
        [label, *[value_format(float(s.values[i])) for s in series]]
        + ([value_format(totals[i])] if len(series) > 1 else [])
        for i, label in enumerate(labels)
    ]
    table = _numbers_table(chart_id, title, columns, rows, details_label)
    return _figure(chart_id, title, summary, width, height, "".join(parts), table)


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    values: Sequence[float],
    value_texts: Sequence[str],
    maximum: float | None = None,
    column: str = "",
    details_label: str = "Numbers / 数据",
    colors: Sequence[str] = (),
    width: int = 640,
) -> Markup:
    """One horizontal bar per label, its value text at its end; `maximum` fixes the scale (1.0 for rates)."""
    # room at the right for the longest value text (≈7 px a character at the chart's font size)
    row_h, upper, lower, left = 24, 8, 8, 200
    right = max(90, 7 * max((len(text) for text in value_texts), default=0) + 12)
    height = upper + lower + row_h * max(len(labels), 1)
    top = maximum if maximum is not None else nice_ceiling(max(values, default=0.0))
    plot_w = width - left - right
    parts = [f'<line x1="{left}" x2="{left}" y1="{upper}" y2="{height - lower}" stroke="{AXIS}"/>']
    for i, (label, value, text) in enumerate(zip(labels, values, value_texts, strict=True)):
        y = upper + row_h * i
        w = plot_w * max(0.0, min(float(value), top)) / top if top else 0.0
        short = label if len(label) <= 30 else label[:29] + "…"
        color = colors[i] if i < len(colors) and colors[i] else PALETTE[0]
        parts.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" fill="{TEXT}">{_e(short)}<title>{_e(label)}</title></text>'
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
            f"<title>{_e(label)}: {_e(text)}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 16}" fill="{MUTED}">{_e(text)}</text>'
        )
    rows = [[label, text] for label, text in zip(labels, value_texts, strict=True)]
    table = _numbers_table(chart_id, title, ["", column], rows, details_label)
    return _figure(chart_id, title, summary, width, height, "".join(parts), table)


@dataclass(frozen=True)
class Mark:
    day: date
    label: str  # "T-30"
    text: str  # what happens then
    state: str = "upcoming"  # past | next | upcoming
    note: str = ""  # e.g. moved before a holiday


MARK_FILL = {"past": "#c4cad4", "next": "#2f5bd3", "upcoming": "#ffffff"}


def timeline(
    *,
    chart_id: str,
    title: str,
    summary: str,
    marks: Sequence[Mark],
    today: date,
    today_label: str = "today / 今天",
    columns: Sequence[str] = ("", "Date / 日期", "Milestone / 里程碑"),
    details_label: str = "Dates / 日期",
    width: int = 760,
) -> Markup:
    """Milestones on a date axis (labels above, dates below), today as a dashed line when in range."""
    height, left, right, axis_y = 120, 36, 36, 62
    first, last = min(m.day for m in marks), max(m.day for m in marks)
    span = max((last - first).days, 1)
    plot_w = width - left - right

    def x_of(day: date) -> float:
        return left + plot_w * (day - first).days / span

    parts = [
        f'<line x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}" stroke="{AXIS}" stroke-width="2"/>'
    ]
    if first <= today <= last:
        x = x_of(today)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="14" y2="{height - 10}" stroke="#b42318" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="10" text-anchor="middle" fill="#b42318">{_e(today_label)}</text>'
        )
    for i, m in enumerate(marks):
        x = x_of(m.day)
        fill = MARK_FILL.get(m.state, MARK_FILL["upcoming"])
        label_y = axis_y - 14 if i % 2 == 0 else axis_y - 26
        tip = f"{m.label} {m.day.isoformat()}: {m.text}" + (f" ({m.note})" if m.note else "")
        parts.append(
            f'<g class="milestone milestone-{_e(m.state)}"><title>{_e(tip)}</title>'
            f'<circle cx="{x:.1f}" cy="{axis_y}" r="7" fill="{fill}" stroke="#2f5bd3" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{label_y}" text-anchor="middle" font-weight="600" fill="{TEXT}">{_e(m.label)}</text>'
            f'<text x="{x:.1f}" y="{axis_y + 24 + (i % 2) * 12}" text-anchor="middle" fill="{MUTED}">'
            f"{_e(m.day.strftime('%m-%d'))}{'*' if m.note else ''}</text></g>"
        )
    rows = [
        [m.label, m.day.isoformat() + (" *" if m.note else ""), m.text + (f" ({m.note})" if m.note else "")]
        for m in marks
    ]
    table = _numbers_table(chart_id, title, list(columns), rows, details_label, numeric=False)
    return _figure(chart_id, title, summary, width, height, "".join(parts), table)
