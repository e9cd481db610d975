"""What changed since the previous day's page: stories new today, stories another side has
now picked up, and stories of yesterday's page with nothing new today. Read from the stories
stage's `day_stories` of both days and the pages' selections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from parallax import storage
from parallax.records import Bullet

MAX_PER_KIND = 5  # bullets of each kind: the section is a glance, the page lists the rest


@dataclass(frozen=True)
class StoryChanges:
    had_page: bool  # the previous day has a page to compare with
    new: tuple[Bullet, ...] = ()
    picked_up: tuple[Bullet, ...] = ()
    dropped: tuple[Bullet, ...] = ()

    def bullets(self) -> tuple[Bullet, ...]:
        return (*self.new, *self.picked_up, *self.dropped)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "pickedUp": len(self.picked_up), "dropped": len(self.dropped)}


def load_changes(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    day: dt.date,
    titles: Mapping[int, str],
    side_names: Mapping[str, str],
) -> StoryChanges:
    """``titles``: the page's display titles by number (a story is named by its first)."""
    yesterday = day - dt.timedelta(days=1)
    rows = con.execute(storage.query("story_changes"), [topic, day, yesterday]).fetchall()
    if not any(was_on_page for *_, was_on_page in rows):
        return StoryChanges(had_page=False)

    def sides(ids: list[str]) -> str:
        return " and ".join(side_names.get(s, s) for s in ids)

    new, picked_up, dropped = [], [], []
    for number, first_seen, today, before, new_articles, headline, was_on_page in rows:
        if number is not None and first_seen == day:
            new.append(Bullet(f"New: {titles[number]}", (number,)))
        elif number is not None and before and set(today) - set(before):
            added = sorted(set(today) - set(before))
            picked_up.append(
                Bullet(
                    f"Now covered by {sides(added)} too (yesterday {sides(before)} only): "
                    f"{titles[number]}",
                    (number,),
                )
            )
        elif was_on_page and not new_articles:
            dropped.append(Bullet(f"Nothing new today: {headline}"))
    return StoryChanges(
        had_page=True,
        new=tuple(new[:MAX_PER_KIND]),
        picked_up=tuple(picked_up[:MAX_PER_KIND]),
        dropped=tuple(dropped[:MAX_PER_KIND]),
    )
