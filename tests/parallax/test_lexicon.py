"""The entity lexicon: how a headline names a country, a topic's subject, the marks of another
kind of story, and words of states dealing with each other, in the feeds' languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax.lexicon import LexiconError, load_lexicon, parse_lexicon
from parallax.settings import Settings


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(Settings().lexicon_file)


def _keys(mentions) -> set[str]:
    return {m.key for m in mentions}


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("China's exports to the U.S. fall", {"CN", "US"}),
        ("Beijing summons Tokyo envoy", {"CN", "JP"}),
        ("中方敦促日方停止挑衅", {"CN", "JP"}),
        ("賴清德：台灣不會屈服", {"TW"}),
        ("भारत ने पाकिस्तान को चेतावनी दी", {"IN", "PK"}),
        ("پاکستان کا بھارت کو جواب", {"IN", "PK"}),
        ("Estados Unidos sanciona a PDVSA en Venezuela", {"US", "VE"}),
        ("Let us talk about the weather", set()),  # "us" is not the US: acronyms match as written
        ("Start-up in China raises US$26 million", {"CN"}),  # a currency names no country
        ("Hong Kong flat sells for HK$80 million as US rates fall", {"US"}),
    ],
)
def test_countries_are_found_in_every_language(lexicon, text, countries):
    assert _keys(lexicon.country_mentions(text)) & {"CN", "US", "JP", "TW", "IN", "PK", "VE"} == (
        countries
    )


def test_a_name_that_holds_in_one_topic_only(lexicon):
    text = "Mainland slams Lai Ching-te's remarks"
    assert _keys(lexicon.country_mentions(text, topic="china-taiwan")) == {"CN", "TW"}
    assert _keys(lexicon.country_mentions(text, topic="us-china")) == {"TW"}


def test_a_term_inside_a_longer_one_is_not_counted(lexicon):
    """'Mainland' in Taiwan's Mainland Affairs Council names Taiwan, not China."""
    found = lexicon.country_mentions(
        "Mainland Affairs Council warns travelers", topic="china-taiwan"
    )
    assert _keys(found) == {"TW"}


def test_subjects_marks_of_other_stories_and_relation_words(lexicon):
    assert lexicon.subject_mentions("india-pakistan", "Firing along the LoC in Kashmir")
    assert lexicon.subject_mentions("venezuela", "PDVSA raises output") != []
    assert lexicon.off_subject_mentions("venezuela", "Venezuela gana el Clásico Mundial")
    assert not lexicon.off_subject_mentions("us-china", "Venezuela gana el Clásico Mundial")
    assert {m.term for m in lexicon.relation_mentions("China warns Japan over talks")} == {
        "warns",
        "talks",
    }
    assert lexicon.relation_mentions("中方对日方提出严正交涉并抗议")


def test_the_version_changes_with_the_file(tmp_path: Path):
    text = Settings().lexicon_file.read_text(encoding="utf-8")
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(text, encoding="utf-8")
    second.write_text(text + "\n# a comment\n", encoding="utf-8")
    assert load_lexicon(first).version != load_lexicon(second).version


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ([], "expected a mapping with 'countries'"),
        ({"countries": {"China": {"terms": {}}}}, "needs an ISO code"),
        ({"countries": {"CN": {"terms": {"en": {"nicknames": ["x"]}}}}}, "unknown ['nicknames']"),
        (
            {"countries": {}, "topics": {"t": {"aliases": {"XX": ["mainland"]}}}},
            "topics.t.aliases",
        ),
        ({"countries": {}, "relation_words": ["warns"]}, "relation_words: expected lists"),
    ],
)
def test_an_invalid_lexicon_says_where(raw, says):
    with pytest.raises(LexiconError, match=None) as caught:
        parse_lexicon(raw, "lexicon.yaml", "v")
    assert says in str(caught.value)


def test_a_missing_or_broken_file_is_one_clear_error(tmp_path: Path):
    with pytest.raises(LexiconError, match="lexicon not found"):
        load_lexicon(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("countries: [unclosed", encoding="utf-8")
    with pytest.raises(LexiconError, match="not valid UTF-8 YAML"):
        load_lexicon(broken)
