"""Small hand-made digests for summarizer and publisher tests."""

import datetime as dt

from parallax.records import DigestArticle, DigestInput

WHEN = dt.datetime(2026, 2, 7, 8, 0, tzinfo=dt.UTC)


def article(n, side, title, source, country=None, **kw) -> DigestArticle:
    return DigestArticle(
        number=n,
        article_id=f"id{n}",
        side=side,
        title=title,
        link=kw.pop("link", f"https://news.example.org/a/{n}"),
        source_name=source,
        published_at=kw.pop("published_at", WHEN),
        language=kw.pop("language", "en"),
        region=kw.pop("region", "US"),
        country=country,
        **kw,
    )


def digest(*articles: DigestArticle) -> DigestInput:
    return DigestInput(
        "us-china",
        "US vs China",
        dt.date(2026, 2, 7),
        (("us", "United States"), ("china", "China")),
        tuple(articles),
    )


SAMPLE = digest(
    article(
        1,
        "us",
        "US widens chip export curbs on Chinese AI firms",
        "Associated Press",
        "US",
        ownership="private",
    ),
    article(2, "us", "Trade talks with China to resume in Geneva", "The New York Times", "US"),
    article(
        3, "us", "Pentagon report tracks China naval shipbuilding", "The Washington Post", "US"
    ),
    article(
        4,
        "china",
        "China urges US to correct chip export curbs",
        "Global Times",
        "CN",
        ownership="state",
    ),
    article(5, "china", "Trade talks in Geneva to resume, ministry confirms", "China Daily", "CN"),
    article(6, "china", "Rare earth exports rise despite licensing rules", "Xinhua", "CN"),
)
