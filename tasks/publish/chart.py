"""Topic chart: articles per day by outlet country over the last 90 days, as a static SVG.

Pure: takes daily counts (from DuckDB at publish time) and returns SVG text; the publisher
writes it to ``site/static/charts/<topic>.svg``, which the topic page shows when it exists.

The SVG is written by hand instead of with matplotlib: it is a single stacked-bar chart, and
hand-written output is small, deterministic (byte-identical for the same
input, so re-publishing a day changes nothing), has accessible ``<title>``/``<desc>`` and a
tooltip per bar segment, and adds no dependency.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

CHART_DAYS = 90  # the window the issue asks for: long enough to see trends, short enough to read
COLUMNS = ("day", "country", "side", "articles")
INTERNATIONAL = "international"
UNKNOWN = "unknown"
MAX_COUNTRIES_PER_SIDE = 4  # more shades of one colour are hard to tell apart; the rest -> "other"

# Same colours as site/assets/css/main.css (--side-1 …), so a side looks the same on page and chart.
SIDE_COLORS = ("#1f5fa6", "#b0281f", "#2e6b30", "#6a3d9a")
INTERNATIONAL_COLOR = "#5d646e"
UNKNOWN_COLOR = "#b5bac1"

WIDTH = 760
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP = 44, 12, 40
PLOT_HEIGHT = 170
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class _Series:
    side: str
    country: str  # ISO code, "" for unknown, "other" for the lumped rest of a side
    label: str
    color: str


def _mix(hex_color: str, fraction: float) -> str:
    """``hex_color`` moved ``fraction`` (0..1) of the way towards white."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * fraction) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def _nice_step(max_value: float, ticks: int = 4) -> int:
    raw = max(max_value, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return max(1, int(factor * magnitude))
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def _line(x1: float, x2: float, y1: float, y2: float, stroke: str) -> str:
    return f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'


def _text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _prepare(
    daily_counts: pd.DataFrame, end: dt.date | None, days: int
) -> tuple[pd.DataFrame, dt.date | None, dt.date | None]:
    """Validated copy of the rows inside the window; (start, end) are None when there is no data."""
    missing = [c for c in COLUMNS if c not in daily_counts.columns]
    if missing:
        raise ValueError(f"daily_counts lacks columns {missing}; expected {list(COLUMNS)}")
    frame = daily_counts.loc[:, list(COLUMNS)].copy()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["country"] = frame["country"].fillna("").astype(str).str.upper()
    frame["side"] = frame["side"].fillna(UNKNOWN).astype(str)
    frame["articles"] = pd.to_numeric(frame["articles"]).fillna(0).astype(int)
    if end is None:
        if frame.empty:
            return frame, None, None
        end = frame["day"].max()
    start = end - dt.timedelta(days=days - 1)
    frame = frame[(frame["day"] >= start) & (frame["day"] <= end) & (frame["articles"] > 0)]
    return frame, start, end


def _series(
    frame: pd.DataFrame,
    sides: Sequence[str],
    side_names: Mapping[str, str],
    country_names: Mapping[str, str],
) -> tuple[list[_Series], pd.DataFrame]:
    """Stack order and colours; returns the series and ``frame`` with a ``series`` column."""
    totals = frame.groupby("side")["articles"].sum()
    extra = [s for s in totals.sort_values(ascending=False).index if s not in sides]
    order = [s for s in sides if s in totals.index]
    order += [s for s in extra if s not in (INTERNATIONAL, UNKNOWN)]
    order += [s for s in (INTERNATIONAL, UNKNOWN) if s in totals.index]

    series: list[_Series] = []
    key: dict[tuple[str, str], int] = {}
    palette = iter(SIDE_COLORS * 4)
    for side in order:
        if side == INTERNATIONAL:
            base = INTERNATIONAL_COLOR
        elif side == UNKNOWN:
            base = UNKNOWN_COLOR
        else:
            base = next(palette)
        side_label = side_names.get(
            side, {INTERNATIONAL: "Other countries", UNKNOWN: "Unknown"}.get(side, side)
        )
        by_country = (
            frame[frame["side"] == side]
            .groupby("country")["articles"]
            .sum()
            .sort_values(ascending=False, kind="stable")
        )
        named = list(by_country.index[:MAX_COUNTRIES_PER_SIDE])
        rest = list(by_country.index[MAX_COUNTRIES_PER_SIDE:])
        shades = len(named) + (1 if rest else 0)
        for i, country in enumerate(named):
            name = country_names.get(country, country) if country else "country unknown"
            if side == UNKNOWN:
                label = "Country unknown"
            else:
                label = f"{side_label}: {name}" if name != side_label else side_label
            key[(side, country)] = len(series)
            series.append(
                _Series(
                    side=side,
                    country=country,
                    label=label,
                    color=_mix(base, 0.55 * i / max(shades, 1)),
                )
            )
        if rest:
            for country in rest:
                key[(side, country)] = len(series)
            series.append(
                _Series(
                    side=side,
                    country="other",
                    label=f"{side_label}: other countries",
                    color=_mix(base, 0.6),
                )
            )
    out = frame.assign(
        series=[key[(s, c)] for s, c in zip(frame["side"], frame["country"], strict=True)]
    )
    return series, out


def render_topic_chart(
    daily_counts: pd.DataFrame,
    topic_name: str,
    *,
    end: dt.date | None = None,
    days: int = CHART_DAYS,
    sides: Sequence[str] = (),
    side_names: Mapping[str, str] | None = None,
    country_names: Mapping[str, str] | None = None,
) -> str:
    """SVG of articles per day over the last ``days`` days, stacked by outlet country and
    coloured by side.

    ``daily_counts`` has one row per (day, country, side) with columns day (date or ISO string),
    country (ISO-3166 alpha-2, null when unknown), side (perspective id, "international" or
    "unknown") and articles (count). The window ends at ``end`` (default: the latest day in the
    data; the function never reads the clock when there is data). ``sides`` gives the stacking
    and colour order of the topic's perspectives (config order); ``side_names`` and
    ``country_names`` give display names. The input frame is not modified.
    """
    side_names = dict(side_names or {})
    country_names = dict(country_names or {})
    frame, start, end = _prepare(daily_counts, end, days)
    title = f"{topic_name}: articles per day by outlet country, last {days} days"
    if start is None or end is None:
        period = "no data yet"
        message = "No articles yet."
    else:
        period = f"{start:%-d %b %Y} to {end:%-d %b %Y}"
        message = f"No articles from {period}."
    if frame.empty or start is None:
        height = PLOT_TOP + 60
        body = _text(WIDTH / 2, PLOT_TOP + 30, message, text_anchor="middle", fill="#52565c")
        return _document(title, message, height, [body], topic_name, period)

    series, frame = _series(frame, sides, side_names, country_names)
    per_day = frame.groupby(["day", "series"])["articles"].sum()
    day_totals = frame.groupby("day")["articles"].sum()
    max_total = int(day_totals.max())
    step = _nice_step(max_total)
    y_max = step * math.ceil(max_total / step)

    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    slot = plot_width / days
    bar = max(slot * 0.78, 1.0)
    baseline = PLOT_TOP + PLOT_HEIGHT
    scale = PLOT_HEIGHT / y_max
    parts: list[str] = []

    # Grid and y axis labels.
    for value in range(0, y_max + 1, step):
        y = baseline - value * scale
        parts.append(_line(PLOT_LEFT, WIDTH - PLOT_RIGHT, y, y, "#dcd9d2"))
        parts.append(
            _text(
                PLOT_LEFT - 6, y + 4, f"{value:,}", text_anchor="end", font_size=11, fill="#52565c"
            )
        )

    # Bars: one <rect> per (day, series), stacked in series order, with a tooltip.
    for day_index in range(days):
        day = start + dt.timedelta(days=day_index)
        if day not in day_totals.index:
            continue
        x = PLOT_LEFT + day_index * slot + (slot - bar) / 2
        y = float(baseline)
        for sid in sorted(per_day.loc[day].index):
            count = int(per_day.loc[(day, sid)])
            h = count * scale
            y -= h
            s = series[sid]
            noun = "article" if count == 1 else "articles"
            tip = f"{day.isoformat()} · {s.label}: {count} {noun}"
            parts.append(
                f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{h:.2f}" '
                f'fill="{s.color}" data-side={quoteattr(s.side)} '
                f"data-country={quoteattr(s.country)}>"
                f"<title>{escape(tip)}</title></rect>"
            )

    # X axis: a tick at the first day of each month.
    parts.append(_line(PLOT_LEFT, WIDTH - PLOT_RIGHT, baseline, baseline, "#52565c"))
    for day_index in range(days):
        day = start + dt.timedelta(days=day_index)
        if day.day == 1 or day_index == 0:
            x = PLOT_LEFT + (day_index + 0.5) * slot
            parts.append(_line(x, x, baseline, baseline + 4, "#52565c"))
            parts.append(
                _text(
                    x,
                    baseline + 17,
                    f"{day:%-d %b}",
                    text_anchor="middle",
                    font_size=11,
                    fill="#52565c",
                )
            )

    # Legend, wrapped into rows by estimated text width.
    x, y = float(PLOT_LEFT), baseline + 40.0
    for s in series:
        width = 18 + 6.6 * len(s.label) + 16
        if x + width > WIDTH - PLOT_RIGHT and x > PLOT_LEFT:
            x, y = float(PLOT_LEFT), y + 20
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" fill="{s.color}"/>'
        )
        parts.append(_text(x + 17, y, s.label, font_size=12, fill="#1c1d1f"))
        x += width
    height = int(y + 16)

    totals = frame.groupby("series")["articles"].sum()
    side_totals: dict[str, int] = {}
    for sid, count in totals.items():
        side_totals[series[int(sid)].side] = side_totals.get(series[int(sid)].side, 0) + int(count)
    summary = ", ".join(
        f"{side_names.get(side, side)} {count:,}" for side, count in side_totals.items()
    )
    total = int(frame["articles"].sum())
    desc = f"{total:,} articles from {period}, at most {max_total} a day. By side: {summary}."
    return _document(title, desc, height, parts, topic_name, period)


def _document(
    title: str, desc: str, height: int, parts: list[str], topic_name: str, period: str
) -> str:
    header = _text(
        PLOT_LEFT,
        22,
        f"{topic_name}: articles per day by outlet country",
        font_size=15,
        font_weight=600,
        fill="#1c1d1f",
    )
    sub = _text(WIDTH - PLOT_RIGHT, 22, period, text_anchor="end", font_size=12, fill="#52565c")
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" '
            f'aria-labelledby="chart-title chart-desc" font-family={quoteattr(FONT)}>',
            f'<title id="chart-title">{escape(title)}</title>',
            f'<desc id="chart-desc">{escape(desc)}</desc>',
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            header,
            sub,
            *parts,
            "</svg>",
            "",
        ]
    )
