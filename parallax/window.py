"""The publication window of a digest: which articles are recent enough for a day's page."""

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
