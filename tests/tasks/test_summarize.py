from parallax.records import DigestInput
from tasks.summarize import make_summarizer
from tasks.summarize.extractive import ExtractiveSummarizer, key_terms
from tests.support.digests import SAMPLE, article, digest


def _cited(summary):
    bullets = [*summary.highlights, *(b for side in summary.sides.values() for b in side)]
    return [c for b in bullets for c in b.citations]


def test_extractive_is_the_default_without_a_model():
    assert make_summarizer(None).name == "extractive"


def test_highlights_cite_corroborating_coverage_across_sides():
    summary = ExtractiveSummarizer().summarize(SAMPLE)
    assert summary.summarizer == "extractive"
    top = summary.highlights[0]
    assert top.citations == (1, 4)  # the chip-curbs story, covered by both sides
    assert "Associated Press" in top.text and "Global Times" in top.text
    assert all(c in {a.number for a in SAMPLE.articles} for c in _cited(summary))


def test_side_bullets_name_their_outlet_and_cite_only_their_side():
    summary = ExtractiveSummarizer().summarize(SAMPLE)
    for side, bullets in summary.sides.items():
        assert 1 <= len(bullets) <= 5
        for b in bullets:
            (n,) = b.citations
            art = SAMPLE.articles[n - 1]
            assert art.side == side
            assert b.text.startswith(f"{art.source_name}: ")


def test_deterministic():
    assert ExtractiveSummarizer().summarize(SAMPLE) == ExtractiveSummarizer().summarize(SAMPLE)


def test_empty_digest_and_empty_side():
    empty = ExtractiveSummarizer().summarize(digest())
    assert empty.highlights == () and empty.sides == {"us": (), "china": ()}
    one_sided: DigestInput = digest(article(1, "us", "Only one story here", "AP", "US"))
    summary = ExtractiveSummarizer().summarize(one_sided)
    assert summary.sides["china"] == () and len(summary.sides["us"]) == 1


def test_key_terms_ignore_stopwords_and_case():
    assert key_terms("The US and China: TRADE talks") == {"china", "trade", "talks"}


def test_extractive_names_one_sided_stories_as_differences():
    from dataclasses import replace

    from parallax.records import Story

    d = replace(
        SAMPLE,
        stories=(
            Story("a", (1, 4), ("china", "us")),
            Story("b", (3,), ("us",)),
            Story("c", (5, 6), ("china",)),
        ),
    )
    summary = ExtractiveSummarizer().summarize(d)
    assert [b.citations for b in summary.differences] == [(5, 6), (3,)]
    assert summary.differences[0].text.startswith("Only China outlets covered this story: ")


def test_a_bullet_says_the_language_of_a_headline_not_in_english():
    from dataclasses import replace

    from tasks.summarize.extractive import headline

    english = article(1, "us", "Talks resume", "Reuters")
    chinese = replace(english, title="中美会谈恢复", language="zh")
    assert headline(english) == "Talks resume"
    assert headline(chinese) == "中美会谈恢复 (in Chinese)"
    translated = replace(chinese, translation="China-US talks resume")
    assert headline(translated) == "中美会谈恢复 (Chinese: China-US talks resume)"


def test_translations_are_checked_before_they_are_used():
    from tasks.summarize.translate import parse_translations

    good, errors = parse_translations('{"translations": [{"id": 1, "english": "Talks"}]}', 1)
    assert good == {1: "Talks"} and errors == []
    _, errors = parse_translations('{"translations": [{"id": 3, "english": ""}]}', 2)
    assert "is not a headline id" in errors[0] and "no translation for headline(s) [1, 2]" in errors
    _, errors = parse_translations("not json", 1)
    assert errors[0].startswith("invalid JSON")
