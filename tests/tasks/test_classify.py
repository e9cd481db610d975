"""Outlet classification, perspective assignment and the classify table (tasks/classify.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from benchmarks.classify_accuracy import load_labelled, score
from parallax.headlines import trailing_publisher
from parallax.outlets.placement import CONFIDENCE_CCTLD, CONFIDENCE_DOMAIN, CONFIDENCE_NAME
from parallax.outlets.registry import load_registry
from parallax.records import CLASSIFICATION_COLUMNS, OutletClassification
from parallax.topics import load_topics
from tasks.classify import classify_articles, classify_outlet, classify_table
from tests.support.paths import REPO

ROOT = REPO
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def topics():
    return load_topics(ROOT / "config" / "topics.yaml")


# --- evidence steps, in order --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "url", "country", "method", "outlet"),
    [
        # 1. domain: URL or bare host; subdomains fall back to the registrable domain
        ("Whatever", "https://www.dawn.com/news/123", "PK", "domain", "Dawn"),
        (None, "newsus.cgtn.com", "CN", "domain", "CGTN"),
        ("CNA", "https://focustaiwan.tw/politics/1", "TW", "domain", "Central News Agency"),
        ("CNA", "www.channelnewsasia.com", "SG", "domain", "CNA (Singapore)"),
        ("teleSUR English", "https://www.telesurenglish.net/x", "VE", "domain", "teleSUR"),
        # the domain wins over a misleading name
        ("Reuters", "scmp.com", "HK", "domain", "South China Morning Post"),
        # 2. name / alias, names that are host names, parts of "A | B" names
        ("South China Morning Post", None, "HK", "name", "South China Morning Post"),
        ("新华网", None, "CN", "name", "Xinhua"),
        ("朝日新聞", "", "JP", "name", "The Asahi Shimbun"),
        ("Bloomberg.com", None, "US", "name", "Bloomberg"),
        ("newsus.cgtn.com", None, "CN", "name", "CGTN"),
        ("Crude Oil Prices Today | OilPrice.com", None, "US", "name", "OilPrice.com"),
        ("- DAWN.COM", None, "PK", "name", "Dawn"),
        ("The Nation (Pakistan )", None, "PK", "name", "The Nation (Pakistan)"),
        ("Al Jazeera", "unlisted-mirror.com", "QA", "name", "Al Jazeera"),
        # 3. country-code TLD of the host, or of a name that is a host name
        ("Unlisted Daily", "https://www.unlisted.com.pk/a", "PK", "cctld", None),
        ("Unlisted Daily", "news.unlisted.co.uk", "GB", "cctld", None),
        ("Unlisted Daily", "unlisted.cn", "CN", "cctld", None),
        ("Unlisted Daily", "unlisted.com.co", "CO", "cctld", None),  # national 2nd level
        ("unlisted.gob.ve", None, "VE", "cctld", None),
        ("Unlisted Agency", "unlisted.gov", "US", "cctld", None),
    ],
)
def test_evidence_steps(registry, name, url, country, method, outlet):
    result = classify_outlet(name, url, registry)
    assert (result.country, result.method, result.outlet_name) == (country, method, outlet)
    assert result.kind == "outlet"
    expected = {"domain": CONFIDENCE_DOMAIN, "name": CONFIDENCE_NAME, "cctld": CONFIDENCE_CCTLD}
    assert result.confidence == expected[method]


def test_evidence_records_every_step_tried(registry):
    result = classify_outlet("Unlisted Daily", "https://unlisted.com.pk", registry)
    assert result.evidence == (
        "domain: unlisted.com.pk not in registry; name: name 'Unlisted Daily' not in registry; "
        "cctld: .com.pk is the ccTLD of PK"
    )


@pytest.mark.parametrize("tld", ["co", "io", "tv", "me", "ai", "fm", "ly", "am", "cc", "ws", "to"])
def test_generic_cctlds_say_nothing(registry, tld):
    result = classify_outlet("Unlisted Daily", f"unlisted.{tld}", registry)
    assert result.country is None and result.method == "none"
    assert f".{tld} is a ccTLD sold as a generic name" in result.evidence


def test_generic_tld_is_unknown(registry):
    result = classify_outlet("Unlisted Daily", "unlisted.com", registry)
    assert (result.country, result.kind, result.method, result.confidence) == (
        None,
        "unknown",
        "none",
        0.0,
    )
    assert ".com is a generic TLD" in result.evidence


def test_ambiguous_name_is_not_guessed(registry):
    result = classify_outlet("El Universal", None, registry)
    assert result.country is None and result.method == "none"
    assert "ambiguous" in result.evidence and "El Universal (Mexico) (MX)" in result.evidence
    # ... but its domain settles it
    assert classify_outlet("El Universal", "eluniversal.com.mx", registry).country == "MX"


def test_wire_is_reported_as_outlet_with_ownership(registry):
    result = classify_outlet("Xinhua", None, registry)
    assert (result.kind, result.ownership, result.country) == ("outlet", "state", "CN")
    assert "wire" in result.evidence


# --- aggregators and platforms never get a country ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "url", "kind"),
    [
        ("MSN", "https://www.msn.com/en-us/news", "aggregator"),
        ("Yahoo News Canada", "ca.news.yahoo.com", "aggregator"),
        ("Whatever", "finance.yahoo.com", "aggregator"),
        ("TradingView", None, "aggregator"),
        ("AOL.com", None, "aggregator"),
        ("facebook.com", None, "platform"),
        ("x.com", None, "platform"),
        ("Twitter", None, "platform"),
        ("Human rights blog", "someone.substack.com", "platform"),
    ],
)
def test_aggregators_have_no_country(registry, name, url, kind):
    result = classify_outlet(name, url, registry)
    assert result.country is None and result.kind == kind
    assert f"is an {kind}: it has no country of its own" in result.evidence


# --- bad input: unknown with a reason, never an exception ----------------------------------------


@pytest.mark.parametrize(
    ("name", "url", "reason"),
    [
        (None, None, "no source name given"),
        ("", "", "no publisher URL given"),
        ("   ", "   ", "no source name given"),
        ("x" * 10_000, None, "10000 characters, too long"),
        ("!!!", None, "has no letters or digits"),
        ("Unlisted", "http://", "is not a usable host name"),
        ("Unlisted", "not a url at all", "is not a usable host name"),
        ("Unlisted", "http://[::1]:8080/", "is not a usable host name"),
        ("Unlisted", "http://192.168.0.1/", "is not a usable host name"),
        ("Unlisted", "xn--fiqs8s.xn--55qx5d", "internationalized domain name"),
        ("Unlisted", "https://例子.中国/路径", "internationalized domain name"),
        ("Unlisted", "h" * 5000 + ".com", "is not a usable host name"),
        (float("nan"), float("nan"), "no publisher URL given"),
    ],
)
def test_bad_input_is_unknown_with_reason(registry, name, url, reason):
    result = classify_outlet(name, url, registry)
    assert (result.country, result.kind, result.method) == (None, "unknown", "none")
    assert reason in result.evidence
    assert result.evidence.endswith("none: no evidence for a country")


# --- fallback seam -------------------------------------------------------------------------------


def test_fallback_is_asked_only_when_still_unknown(registry):
    calls: list[tuple[str | None, str | None]] = []

    def fallback(name, url):
        calls.append((name, url))
        return OutletClassification("NP", "outlet", "llm", 0.8, "model says Kathmandu weekly")

    known = classify_outlet("Dawn", None, registry, fallback=fallback)
    unknown = classify_outlet("Nepali Weekly", "nepaliweekly.com", registry, fallback=fallback)
    assert known.country == "PK" and calls == [("Nepali Weekly", "nepaliweekly.com")]
    assert (unknown.country, unknown.method, unknown.confidence) == ("NP", "llm", 0.8)
    assert unknown.evidence.endswith("llm: model says Kathmandu weekly")
    assert "cctld: .com is a generic TLD" in unknown.evidence


def test_fallback_cannot_give_an_aggregator_a_country_or_crash_the_run(registry):
    def says_aggregator(name, url):
        return OutletClassification("US", "aggregator", "llm", 0.9, "a portal")

    def broken(name, url):
        raise TimeoutError("model timed out")

    def invents_country(name, url):
        return OutletClassification("Mars", "outlet", "llm", 0.9, "?")

    assert classify_outlet("Portal", None, registry, fallback=says_aggregator).country is None
    failed = classify_outlet("Portal", None, registry, fallback=broken)
    assert failed.method == "none" and "fallback: failed (TimeoutError: model timed out)" in (
        failed.evidence
    )
    bogus = classify_outlet("Portal", None, registry, fallback=invents_country)
    assert bogus.country is None and "not an ISO code" in bogus.evidence


# --- articles -> perspectives --------------------------------------------------------------------


def _articles(rows: list[tuple[str | None, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(len(rows))],
            "source_name": [r[0] for r in rows],
            "source_url": [f"https://{r[1]}/" if r[1] else None for r in rows],
            "source_domain": [r[1] for r in rows],
            "title": [r[2] for r in rows],
        },
        index=[10 + i for i in range(len(rows))],
    )


@pytest.mark.parametrize(
    ("topic_id", "name", "domain", "title", "perspective", "country"),
    [
        ("us-china", "South China Morning Post", "scmp.com", "US tariffs", "china", "HK"),
        ("us-china", "China Daily", None, "Trade talks", "china", "CN"),
        ("us-china", "The New York Times", "nytimes.com", "Trade talks", "us", "US"),
        ("us-china", "Reuters", "reuters.com", "Trade talks", "international", "GB"),
        ("us-china", "Al Jazeera", None, "Trade talks", "international", "QA"),
        ("us-china", "Unlisted Blog", "unlisted.com", "Trade talks", "unknown", None),
        ("india-pakistan", "Dawn", None, "India talks", "pakistan", "PK"),
        ("india-pakistan", "Business Recorder", "brecorder.com", "Rupee", "pakistan", "PK"),
        ("india-pakistan", "The Hindu", None, "Pakistan", "india", "IN"),
        ("venezuela", "teleSUR English", None, "Maduro", "venezuelan", "VE"),
        ("venezuela", "Infobae", "infobae.com", "Maduro", "international", "AR"),
        ("china-japan", "Nikkei Asia", "asia.nikkei.com", "China", "japan", "JP"),
        ("china-taiwan", "Taipei Times", None, "PLA drills", "taiwan", "TW"),
        # aggregators: unknown unless the title credits a publisher we know
        ("us-china", "MSN", "msn.com", "Xi meets Trump", "unknown", None),
        ("us-china", "MSN", "msn.com", "Xi meets Trump - Reuters", "international", "GB"),
        ("india-pakistan", "Yahoo", "news.yahoo.com", "Army chief speaks - Dawn", "pakistan", "PK"),
        ("us-china", "Yahoo", None, "Chips - Unknown Gazette", "unknown", None),
        ("us-china", "x.com", None, "Post - TradingView", "unknown", None),  # not a publisher
    ],
)
def test_classify_articles_perspective(
    registry, topics, topic_id, name, domain, title, perspective, country
):
    out = classify_articles(_articles([(name, domain, title)]), topics.get(topic_id), registry)
    row = out.iloc[0]
    assert (row["perspective"], row["country"]) == (perspective, country)


def test_recovered_publisher_is_recorded_in_evidence(registry, topics):
    out = classify_articles(
        _articles([("MSN", "msn.com", "Xi meets Trump - Reuters")]),
        topics.get("us-china"),
        registry,
    )
    row = out.iloc[0]
    assert row["outlet_name"] == "Reuters" and row["method"] == "name"
    assert "MSN is an aggregator" in row["evidence"]
    assert "recovered: title credits 'Reuters'" in row["evidence"]
    assert row["confidence"] == 0.9


def test_classify_articles_contract(registry, topics):
    articles = _articles(
        [
            ("Dawn", "dawn.com", "t"),
            ("Unlisted", None, "t"),
            (None, None, None),
            ("Dawn", None, "t"),
        ]
    )
    before = articles.copy()
    out = classify_articles(articles, topics.get("india-pakistan"), registry)
    assert tuple(out.columns) == CLASSIFICATION_COLUMNS
    assert list(out.index) == list(articles.index)
    assert list(out["article_id"]) == ["a0", "a1", "a2", "a3"]
    assert out["country"].tolist() == ["PK", None, None, "PK"]  # None, not NaN
    assert out["outlet_kind"].tolist() == ["outlet", "unknown", "unknown", "outlet"]
    pd.testing.assert_frame_equal(articles, before)  # input untouched


def test_classify_articles_needs_ids_and_names(registry, topics):
    with pytest.raises(ValueError, match="lacks columns"):
        classify_articles(pd.DataFrame({"title": ["x"]}), topics.get("us-china"), registry)


def test_classify_articles_is_fast(registry, topics):
    labelled = load_labelled()
    n = 5000
    articles = pd.DataFrame(
        {
            "article_id": [str(i) for i in range(n)],
            "source_name": [f"{labelled['source_name'][i % len(labelled)]}" for i in range(n)],
            "source_url": None,
            "source_domain": [f"s{i}.example{i % 700}.com" for i in range(n)],
            "title": [f"Headline {i} - Reuters" for i in range(n)],
        }
    )
    out = classify_articles(articles, topics.get("us-china"), registry)  # timing: benchmark
    assert len(out) == n and out["article_id"].tolist() == articles["article_id"].tolist()


@pytest.mark.parametrize(
    ("title", "publisher"),
    [
        ("Xi meets Trump - Reuters", "Reuters"),
        ("Xi meets Trump | The Japan Times", "The Japan Times"),
        ("Xi meets Trump – AP News", "AP News"),
        ("US-China talks resume", None),
        ("", None),
        (None, None),
    ],
)
def test_trailing_publisher(title, publisher):
    assert trailing_publisher(title) == publisher


# --- classify table (CLI) ------------------------------------------------------------------------


def test_classify_table_adds_columns(registry):
    table = pd.DataFrame(
        {
            "source_name": ["CNA", "CNA", "MSN", "Xinhua", None, "Unlisted"],
            "source_url": ["https://focustaiwan.tw/a", None, None, None, None, None],
            "domain": [None, "channelnewsasia.com", "msn.com", None, "dawn.com", "x.gob.ve"],
        }
    )
    before = table.copy()
    out = classify_table(table, registry)
    assert list(out.columns) == [
        *table.columns,
        "country",
        "kind",
        "outlet_name",
        "method",
        "confidence",
        "evidence",
    ]
    assert out["country"].tolist() == ["TW", "SG", None, "CN", "PK", "VE"]
    assert out["kind"].tolist() == ["outlet", "outlet", "aggregator", "outlet", "outlet", "outlet"]
    assert out["method"].tolist() == ["domain", "domain", "domain", "name", "domain", "cctld"]
    pd.testing.assert_frame_equal(table, before)


def test_classify_table_names_only_and_empty(registry):
    out = classify_table(pd.DataFrame({"source_name": ["Dawn", ""]}), registry)
    assert out["country"].tolist() == ["PK", None]
    assert math.isclose(out["confidence"].iloc[0], CONFIDENCE_NAME)
    assert classify_table(pd.DataFrame({"source_name": []}), registry).empty


def test_classify_table_requires_source_name(registry):
    with pytest.raises(ValueError, match="needs a 'source_name' column"):
        classify_table(pd.DataFrame({"name": ["Dawn"]}), registry)


# --- quality on the labelled set: fails if the registry regresses --------------------------------


def test_labelled_set_names_and_domains(registry):
    result = score(load_labelled(), registry, use_domains=True)
    assert result.rows >= 150
    assert result.precision >= 0.98, result.wrong
    assert result.coverage >= 0.90
    assert result.aggregators_with_country == 0


def test_labelled_set_names_only(registry):
    result = score(load_labelled(), registry, use_domains=False)
    assert result.precision >= 0.98, result.wrong
    assert result.coverage >= 0.85
    assert result.aggregators_with_country == 0


# --- shared corpus (optional) --------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(
    not (CORPUS / "articles.csv").exists(), reason=f"shared corpus not found at {CORPUS}"
)
def test_corpus_rows_mostly_answered_and_pakistani_outlets_not_indian(registry, topics):
    articles = pd.read_csv(CORPUS / "articles.csv", dtype=str, keep_default_na=False)
    domains = pd.read_csv(CORPUS / "source_domains.csv", dtype=str, keep_default_na=False)
    domain_of = dict(zip(domains["source_name"], domains["domain"], strict=True))
    rows = articles[articles["topic"] == "india-pakistan"]
    frame = pd.DataFrame(
        {
            "article_id": rows.index.astype(str),
            "source_name": rows["source_name"],
            "source_domain": rows["source_name"].map(domain_of),
            "title": rows["title"],
        }
    )
    out = classify_articles(frame, topics.get("india-pakistan"), registry)
    assert (out["outlet_kind"] != "unknown").mean() >= 0.90
    dawn = out[rows["source_name"].isin(["Dawn", "Business Recorder"]).to_numpy()]
    assert len(dawn) > 0 and set(dawn["perspective"]) == {"pakistan"}


def test_outlet_rows_keep_the_outlets_own_decision_and_day_counts(registry, topics):
    from tasks.classify import outlet_rows

    articles = pd.DataFrame(
        {
            "article_id": ["1", "2", "3"],
            "source_name": ["MSN", "MSN", "Dawn"],
            "source_url": ["https://www.msn.com", "https://www.msn.com", None],
            "source_domain": ["msn.com", "msn.com", "dawn.com"],
            "title": ["A story - Reuters", "Another story", "Karachi news"],
        }
    )
    results: dict = {}
    per_article = classify_articles(
        articles, topics.get("us-china"), registry, outlet_results=results
    )
    assert per_article["country"].tolist()[0] == "GB"  # the MSN item credits Reuters
    rows = outlet_rows(results, articles).set_index("source_name")
    assert rows.loc["MSN", "kind"] == "aggregator" and rows.loc["MSN", "country"] is None
    assert (rows.loc["MSN", "articles"], rows.loc["Dawn", "articles"]) == (2, 1)
