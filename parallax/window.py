"""The publication window of a digest: which articles are recent enough for a day's page, and
which days may have a digest at all."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def search_window(day: dt.date, max_age_days: int) -> tuple[dt.date, dt.date]:
    """First and last publication dates (inclusive, UTC) a digest for ``day`` may use."""
    return day - dt.timedelta(days=max_age_days - 1), day


def within_window(published_at: pd.Series, window: tuple[dt.date, dt.date]) -> pd.Series:
    """True where the publication date (UTC) lies in the window; unknown dates are excluded."""
    first, last = window
    dates = pd.to_datetime(published_at, utc=True).dt.date
    return dates.notna() & (dates >= first) & (dates <= last)


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
