"""parallax.cli.seed: pages of the old system, in all three formats, parse without loss."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from parallax.cli.seed.parse import derive_feed_perspectives, parse_seed_dir, parse_seed_page
from parallax.cli.seed.records import SeedDigest, SeedParseError
from tests.support.paths import DATA, SHARED_CORPUS

PAGES = DATA / "seed_pages"
EXPECTED = DATA / "seed_expected"
CORPUS = SHARED_CORPUS

FIXTURES = sorted(p.relative_to(PAGES) for p in PAGES.glob("*/2*.md"))


def parse(rel: str | Path) -> SeedDigest:
    rel = Path(rel)
    text = (PAGES / rel).read_text(encoding="utf-8")
    return parse_seed_page(text, rel.parent.name, dt.date.fromisoformat(rel.stem))


def as_json(value: object) -> object:
    return json.loads(json.dumps(value, default=lambda o: o.isoformat()))


@pytest.mark.parametrize("rel", FIXTURES, ids=[str(p.with_suffix("")) for p in FIXTURES])
def test_page_parses_to_its_golden_file(rel: Path) -> None:
    digest = parse(rel)
    expected = json.loads((EXPECTED / rel.with_suffix(".json")).read_text(encoding="utf-8"))
    assert as_json(digest.digest_row()) == expected["digest"]
    assert as_json(digest.article_rows()) == expected["articles"]


@pytest.mark.parametrize(
    ("rel", "fmt", "basis", "perspectives"),
    [
        ("us-china/2026-02-07.md", "current", "position", ["us", "us", "china", "china"]),
        ("india-pakistan/2025-11-21.md", "current", "position", ["india", "india"]),
        ("venezuela/2025-10-11.md", "first-run", None, [None, None, None]),
        (
            "venezuela/2025-10-12.md",
            "legacy-venezuela",
            "locale",
            ["venezuelan", "international", "venezuelan", "international"],
        ),
        (
            "venezuela/2025-10-20.md",
            "legacy-venezuela",
            "position",
            ["venezuelan", "international", "international"],
        ),
    ],
)
def test_format_and_feed_perspective_per_position(
    rel: str, fmt: str, basis: str | None, perspectives: list[str | None]
) -> None:
    digest = parse(rel)
    assert digest.format == fmt
    assert digest.perspective_basis == basis
    assert [a.feed_perspective for a in digest.articles] == perspectives


def test_titles_with_brackets_and_quotes_survive() -> None:
    articles = parse("us-china/2026-02-07.md").articles
    assert articles[1].title == "U.S. accuses China of secret nuclear testing [video] (updated)"
    assert articles[3].title == "Sino-US trade shift seen as a gradual rebalancing - China Daily"
    assert articles[3].source_name == "Global Edition"
    assert articles[0].published_date == dt.date(2026, 2, 7)


def test_first_run_page_keeps_direct_links_and_prose() -> None:
    d = parse("venezuela/2025-10-11.md")
    assert d.articles[2].title == "Oliva/Rocky Top-10 Sampler $20 shipped - Cigar Page $19.99"
    assert d.articles[0].link.startswith("https://www.thehindubusinessline.com/")
    assert d.articles[0].locale is None
    assert len(d.summary_paragraphs) == 2
    assert d.stated_article_count == 3


@pytest.mark.parametrize(
    ("counts", "n", "expected"),
    [
        ({"a": 10, "b": 10}, 20, ["a"] * 10 + ["b"] * 10),
        ({"a": 6, "b": 14}, 20, ["a"] * 6 + ["b"] * 10 + ["b"] * 4),
        # More than the quota in the first perspective: its extra articles come last.
        ({"a": 11, "b": 9}, 20, ["a"] * 10 + ["b"] * 9 + ["a"]),
        ({"a": 13, "b": 7}, 20, ["a"] * 10 + ["b"] * 7 + ["a"] * 3),
        ({"a": 20, "b": 0}, 20, ["a"] * 10 + ["a"] * 10),
        ({"a": 3, "b": 3}, 7, None),  # counts disagree with the list: cannot derive
        ({}, 3, None),
    ],
    ids=["10-10", "6-14", "11-9", "13-7", "20-0", "mismatch", "no-counts"],
)
def test_derive_feed_perspectives(
    counts: dict[str, int], n: int, expected: list[str] | None
) -> None:
    assert derive_feed_perspectives(counts, n) == expected


GOOD = (PAGES / "us-china/2026-02-07.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## Overall Highlights\n\n- x\n", "no YAML front matter"),
        (GOOD.replace("## China Perspective", "## Russia Perspective"), "matches no perspective"),
        (GOOD.replace("3. [en-US] [Rising", "3. [en-US] Rising"), "unrecognised line in Sources"),
        (GOOD.replace("4. [en-US]", "5. [en-US]"), "Sources line 5 follows line 3"),
        (GOOD.replace("chinaSources: 2", "chinaSources: 3"), "chinaSources=3 but perspectives"),
        (GOOD.split("## Sources")[0], "no '## Sources' section"),
    ],
    ids=[
        "no-front-matter",
        "unknown-side",
        "bad-source-line",
        "gap",
        "counts-disagree",
        "no-sources",
    ],
)
def test_malformed_pages_are_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(SeedParseError, match=message):
        parse_seed_page(text, "us-china", dt.date(2026, 2, 7))


def test_parse_dir_skips_section_pages_and_sorts(tmp_path: Path) -> None:
    digests = list(parse_seed_dir(PAGES))
    assert [(d.topic, d.digest_date.isoformat()) for d in digests] == [
        ("india-pakistan", "2025-11-21"),
        ("us-china", "2026-02-07"),
        ("venezuela", "2025-10-11"),
        ("venezuela", "2025-10-12"),
        ("venezuela", "2025-10-20"),
    ]
    assert (PAGES / "us-china" / "_index.md").exists()


def test_parse_dir_names_the_bad_file(tmp_path: Path) -> None:
    (tmp_path / "us-china").mkdir()
    (tmp_path / "us-china" / "2026-02-07.md").write_text("no front matter")
    with pytest.raises(SeedParseError, match=r"us-china/2026-02-07\.md: no YAML front matter"):
        list(parse_seed_dir(tmp_path))
    with pytest.raises(FileNotFoundError):
        list(parse_seed_dir(tmp_path / "absent"))


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "pages").is_dir(), reason="../shared/corpus/pages is absent")
def test_whole_corpus_parses_without_loss() -> None:
    digests = list(parse_seed_dir(CORPUS / "pages"))
    assert len(digests) == 913
    assert sum(len(d.articles) for d in digests) == 18_220
    assert all(d.article_count == len(d.articles) == d.stated_article_count for d in digests)
