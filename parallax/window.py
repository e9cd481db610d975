"""The publication window of a digest: which articles are recent enough for a day's page, and
which days may have a digest at all."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def search_window(day: dt.date, max_age_days: int) -> tuple[dt.date, dt.date]:
    """First and last publication dates (inclusive, UTC) a digest for ``day`` may use."""
    return day - dt.timedelta(days=max_age_days - 1), day


def within_window(published_at: pd.Series, window: tuple[dt.date, dt.date]) -> pd.Series:
    """True where the publication date (UTC) lies in the window; unknown dates are excluded.

    Compared as timestamps, not dates: a column with no date at all has no ``.dt.date`` values
    to compare, and a feed whose items all lack a date must give an empty window, not an error.
    """
    first, last = window
    times = pd.to_datetime(published_at, utc=True, errors="coerce")
    start = pd.Timestamp(first, tz="UTC")
    end = pd.Timestamp(last + dt.timedelta(days=1), tz="UTC")
    return times.notna() & (times >= start) & (times < end)


def has_title(titles: pd.Series) -> pd.Series:
    """True where the headline has text: an item without one has nothing to show on a page."""
    return titles.fillna("").astype(str).str.strip() != ""


def usable(articles: pd.DataFrame, window: tuple[dt.date, dt.date]) -> pd.Series:
    """Articles a day may use: published in the window, with a headline."""
    return within_window(articles["published_at"], window) & has_title(articles["title"])


def dropped_counts(articles: pd.DataFrame, window: tuple[dt.date, dt.date]) -> dict[str, int]:
    """Why the articles `usable` leaves out were left out, one reason each (a date first)."""
    dated = articles["published_at"].notna()
    recent = within_window(articles["published_at"], window)
    titled = has_title(articles["title"])
    return {
        "no_date": int((~dated).sum()),
        "outside_window": int((dated & ~recent).sum()),
        "no_title": int((recent & ~titled).sum()),
    }


class FutureDateError(ValueError):
    """A digest date after today (UTC)."""


def refuse_future(day: dt.date, allow: bool, today: dt.date | None = None) -> None:
    """`FutureDateError` for a day after today (UTC) unless ``allow``: no feed has its news
    yet, so its page would be empty, and, dated ahead of every other, top the site and feeds."""
    today = today or dt.datetime.now(dt.UTC).date()
    if day > today and not allow:
        raise FutureDateError(
            f"{day} is after today ({today}, UTC): its page would be empty and sort first on the "
            "site; add --allow-future to run it anyway"
        )
