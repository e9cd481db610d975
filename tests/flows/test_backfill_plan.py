"""Which topic-days a backfill runs, and which it skips as already done."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.backfill import DayOutcome, days_between, plan_days
from parallax.settings import Settings
from parallax.topics import load_topics

DAY = dt.date(2026, 2, 7)


def test_plan_skips_succeeded_days_unless_forced():
    topics = load_topics(Settings().topics_file).select(["us-china", "venezuela"])
    days = days_between(DAY, DAY + dt.timedelta(days=2))
    done = {("us-china", DAY), ("venezuela", DAY + dt.timedelta(days=1))}
    todo, skipped = plan_days(topics, days, done, force=False)
    assert [(t.id, d.day) for t, d in todo] == [
        ("venezuela", 7), ("us-china", 8), ("us-china", 9), ("venezuela", 9)
    ]  # fmt: skip
    assert {(o.topic, o.day) for o in skipped} == done
    assert all(isinstance(o, DayOutcome) and o.status == "skipped" for o in skipped)
    todo, skipped = plan_days(topics, days, done, force=True)
    assert len(todo) == 6 and not skipped
    with pytest.raises(ValueError, match="before start"):
        days_between(DAY, DAY - dt.timedelta(days=1))
