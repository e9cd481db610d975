from pathlib import Path

import pytest

from parallax.settings import Settings
from parallax.topics import ConfigError, load_topics, parse_topics

SEED_SIDES = {
    "us-china": {"us": ("US",), "china": ("CN", "HK")},
    "china-japan": {"china": ("CN", "HK"), "japan": ("JP",)},
    "china-taiwan": {"china": ("CN", "HK"), "taiwan": ("TW",)},
    "india-pakistan": {"india": ("IN",), "pakistan": ("PK",)},
    "venezuela": {"venezuelan": ("VE",), "us": ("US",)},
}


def _topic(**over):
    base = {
        "id": "a-b",
        "name": "A vs B",
        "perspectives": [
            {"id": "a", "name": "A", "countries": ["US"]},
            {"id": "b", "name": "B", "countries": ["CN"]},
        ],
        "feeds": [{"perspective": "a", "query": "x"}],
    }
    return {"topics": [{**base, **over}]}


def test_bundled_config_has_the_five_seed_topics_with_countries():
    config = load_topics(Settings().topics_file)
    sides = {t.id: {p.id: p.countries for p in t.perspectives} for t in config.topics}
    assert sides == SEED_SIDES
    for topic in config.topics:
        assert topic.settings.max_articles == 20
        assert topic.settings.max_age_days == 5
        assert topic.side_quota == 10
        assert {f.perspective for f in topic.feeds} == set(SEED_SIDES[topic.id])


def test_models_are_frozen():
    config = parse_topics(_topic())
    with pytest.raises(ValueError):
        config.topics[0].name = "changed"  # type: ignore[misc]


def test_side_of_country():
    topic = load_topics(Settings().topics_file).get("us-china")
    assert topic.side_of_country("HK") == "china"
    assert topic.side_of_country("QA") is None
    assert topic.side_of_country(None) is None


def test_topic_settings_override_defaults():
    raw = _topic(settings={"max_articles": 8})
    raw["settings"] = {"max_age_days": 2}
    topic = parse_topics(raw).topics[0]
    assert (topic.settings.max_articles, topic.settings.max_age_days, topic.side_quota) == (8, 2, 4)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"feeds": [{"perspective": "zz", "query": "x"}]}, "unknown perspectives"),
        (
            {
                "perspectives": [
                    {"id": "a", "name": "A", "countries": ["US"]},
                    {"id": "b", "name": "B", "countries": ["US"]},
                ]
            },
            "country US is on two sides",
        ),
        ({"perspectives": [{"id": "a", "name": "A", "countries": ["usa"]}]}, "ISO-3166"),
        ({"id": "Bad Id"}, "topics.0.id"),
    ],
    ids=["unknown-feed-perspective", "country-on-two-sides", "bad-iso-code", "bad-id"],
)
def test_invalid_config_names_the_problem(override, message):
    with pytest.raises(ConfigError, match=message):
        parse_topics(_topic(**override))


def test_unknown_topic_lists_configured_ones():
    with pytest.raises(ConfigError, match="configured topics: a-b"):
        parse_topics(_topic()).get("nope")


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="topics file not found"):
        load_topics(tmp_path / "none.yaml")
