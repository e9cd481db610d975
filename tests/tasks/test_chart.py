"""tasks.publish.chart.render_topic_chart: stacked bars per day, by country, coloured by side."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from tasks.publish.chart import INTERNATIONAL_COLOR, SIDE_COLORS, render_topic_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
END = dt.date(2026, 2, 7)


def counts(rows: list[tuple[str, str | None, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["day", "country", "side", "articles"])


def bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("data-side")]


SAMPLE = counts(
    [
        ("2026-02-07", "US", "us", 6),
        ("2026-02-07", "CN", "china", 4),
        ("2026-02-07", "HK", "china", 2),
        ("2026-02-07", "QA", "international", 1),
        ("2026-02-06", "US", "us", 3),
        ("2026-02-06", None, "unknown", 2),
        ("2025-11-09", "US", "us", 50),  # 91 days before the end: outside the window
    ]
)


def render(frame: pd.DataFrame = SAMPLE, **kw: object) -> str:
    return render_topic_chart(
        frame,
        "US vs China",
        sides=["us", "china"],
        side_names={"us": "United States", "china": "China"},
        country_names={"US": "United States", "CN": "China", "HK": "Hong Kong", "QA": "Qatar"},
        **kw,  # type: ignore[arg-type]
    )


def test_one_segment_per_day_and_country_in_the_window() -> None:
    segments = [(b.get("data-side"), b.get("data-country")) for b in bars(render())]
    assert sorted(segments) == sorted(
        [
            ("us", "US"),
            ("china", "CN"),
            ("china", "HK"),
            ("international", "QA"),
            ("us", "US"),
            ("unknown", ""),
        ]
    )


def test_segments_stack_side_by_side_in_config_order() -> None:
    segments = bars(render())
    last_x = max(float(b.get("x", 0)) for b in segments)
    day = [b for b in segments if float(b.get("x", 0)) == last_x]  # the last day's bar
    # SVG y grows downwards: the first side sits at the bottom.
    by_y = sorted(day, key=lambda b: -float(b.get("y", 0)))
    assert [b.get("data-country") for b in by_y] == ["US", "CN", "HK", "QA"]
    heights = {b.get("data-country"): float(b.get("height", 0)) for b in day}
    assert heights["US"] == pytest.approx(3 * heights["HK"], abs=0.02)


def test_colours_follow_the_side() -> None:
    colour = {b.get("data-country"): b.get("fill") for b in bars(render())}
    assert colour["US"] == SIDE_COLORS[0]
    assert colour["CN"] == SIDE_COLORS[1]
    assert colour["HK"] not in {SIDE_COLORS[1], SIDE_COLORS[0]}  # a lighter shade of China's
    assert colour["QA"] == INTERNATIONAL_COLOR


def test_accessible_title_description_and_tooltips() -> None:
    svg = render()
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.findtext("svg:title", namespaces=NS) == (
        "US vs China: articles per day by outlet country, last 90 days"
    )
    desc = root.findtext("svg:desc", namespaces=NS)
    assert desc == (
        "18 articles from 10 Nov 2025 to 7 Feb 2026, at most 13 a day. "
        "By side: United States 9, China 6, international 1, unknown 2."
    )
    tips = {r.findtext("svg:title", namespaces=NS) for r in bars(svg)}
    assert "2026-02-07 · China: Hong Kong: 2 articles" in tips
    assert "2026-02-07 · Other countries: Qatar: 1 article" in tips


def test_topic_name_is_escaped() -> None:
    svg = render_topic_chart(SAMPLE, "A & <B>")
    assert "A &amp; &lt;B&gt;" in svg
    ET.fromstring(svg)  # still well-formed


def test_explicit_end_moves_the_window() -> None:
    svg = render(end=dt.date(2025, 11, 20))
    assert [b.get("data-country") for b in bars(svg)] == ["US"]


@pytest.mark.parametrize(
    "frame",
    [counts([]), counts([("2025-01-01", "US", "us", 0)])],
    ids=["no-rows", "only-zero-counts"],
)
def test_no_data_gives_a_message_not_an_empty_axis(frame: pd.DataFrame) -> None:
    svg = render(frame)
    assert bars(svg) == []
    assert "No articles" in svg


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['side'\]"):
        render_topic_chart(SAMPLE.drop(columns=["side"]), "x")


def test_input_is_not_modified_and_output_is_deterministic() -> None:
    before = SAMPLE.copy()
    assert render() == render()
    pd.testing.assert_frame_equal(SAMPLE, before)
