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


# A digest with one off-topic story, for the model summarizer and its prompt.
LLM_DAY = dt.date(2026, 7, 31)


def art(number: int, side: str, title: str, country: str, outlet: str, **kw) -> DigestArticle:
    return DigestArticle(
        number=number,
        article_id=f"a{number}",
        side=side,
        title=title,
        link=f"https://news.example/{number}",
        source_name=outlet,
        published_at=dt.datetime(2026, 7, 30, 12, tzinfo=dt.UTC),
        language="en",
        region="US",
        country=country,
        **kw,
    )


DIGEST = DigestInput(
    topic_id="us-china",
    topic_name="US vs China",
    logical_date=LLM_DAY,
    sides=(("us", "United States"), ("china", "China")),
    articles=(
        art(1, "us", "US weighs new chip export limits on China", "US", "Reuters"),
        art(2, "us", "Senators press for tariffs on Chinese EVs", "US", "AP News"),
        art(3, "us", "Pentagon flags PLA drills near Taiwan", "US", "CNN"),
        art(4, "china", "Beijing vows countermeasures to chip curbs", "CN", "Global Times"),
        art(5, "china", "China says tariffs hurt global trade", "CN", "Xinhua"),
        art(6, "china", "PLA exercise is routine, ministry says", "CN", "China Daily"),
        art(7, "us", "Epstein files: judge unseals new documents", "US", "NBC News"),
    ),
)
