"""Registry loading, validation and lookups (parallax/outlets/registry.py)."""

from __future__ import annotations

import hashlib
import socket

import pytest

from parallax.outlets import registry as outlets_mod
from parallax.outlets.registry import (
    DEFAULT_REGISTRY_PATH,
    RegistryError,
    load_registry,
    normalize_host,
    normalize_name,
    parse_registry,
    registrable_domain,
)

HEADER = "name,country,kind,ownership,domains,aliases,basis\n"
GOOD = "Alpha Daily,US,outlet,private,alpha.com;news.alpha.com,Alpha;The Alpha,daily HQ Ohio\n"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


# --- the real registry file ----------------------------------------------------------------------


def test_registry_is_large_and_versioned_by_content(registry):
    assert len(registry) >= 600
    assert registry.version == hashlib.sha256(DEFAULT_REGISTRY_PATH.read_bytes()).hexdigest()


def test_aggregators_and_platforms_have_no_country(registry):
    no_country = [o for o in registry if o.kind in ("aggregator", "platform")]
    assert len(no_country) >= 20
    assert all(o.country is None for o in no_country)


# Seed-topic countries and the countries whose outlets show up in their feeds (issue 3).
REQUIRED_COUNTRIES = "US CN HK TW JP IN PK VE GB QA SG KR AR CO ES MX DE FR TR AE SA RU IL IR AU CA"
REQUIRED_COUNTRIES += " BR CL PE CU PH MY ID TH VN BD LK NP"


@pytest.mark.parametrize("country", REQUIRED_COUNTRIES.split())
def test_every_required_country_has_outlets(registry, country):
    assert sum(o.country == country for o in registry) >= 2


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Reuters", "GB"),
        ("AP", "US"),
        ("AFP", "FR"),
        ("EFE", "ES"),
        ("Xinhua", "CN"),
        ("Kyodo", "JP"),
        ("PTI", "IN"),
        ("APP", "PK"),
        ("ANI", "IN"),
        ("Yonhap", "KR"),
        ("Bloomberg", "US"),
    ],
)
def test_international_wires(registry, name, country):
    outlet = registry.by_name(name)
    assert outlet is not None and outlet.kind == "wire" and outlet.country == country


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("newsus.cgtn.com", "CGTN"),
        ("https://www.scmp.com/news/china", "South China Morning Post"),
        ("asia.nikkei.com", "Nikkei Asia"),  # a listed edition beats its parent domain
        ("www.nikkei.com", "Nikkei"),
        ("deep.sub.asia.nikkei.com", "Nikkei Asia"),
        ("cnnespanol.cnn.com", "CNN en Español"),
        ("edition.cnn.com", "CNN"),
        ("ex.chinadaily.com.cn", "China Daily"),
        ("ca.news.yahoo.com", "Yahoo"),
        ("focustaiwan.tw", "Central News Agency"),
        ("www.channelnewsasia.com", "CNA (Singapore)"),
    ],
)
def test_by_host_walks_up_to_the_registrable_domain(registry, host, expected):
    hit = registry.by_host(host)
    assert hit is not None and hit[0].name == expected


def test_by_host_never_matches_a_bare_public_suffix(registry):
    assert registry.by_host("unlisted.com.cn") is None
    assert registry.by_host("com.cn") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("新华网", "Xinhua"),
        ("朝日新聞", "The Asahi Shimbun"),
        ("人民网", "People's Daily"),
        ("联合早报", "Lianhe Zaobao"),
        ("The Express Tribune", "The Express Tribune"),
        ("express tribune", "The Express Tribune"),
        ("CLARIN", "Clarín"),
        ("Japan Wire by KYODO NEWS", "Kyodo News"),
        ("Global Edition", "China Daily"),
    ],
)
def test_by_name_normalises(registry, name, expected):
    outlet = registry.by_name(name)
    assert outlet is not None and outlet.name == expected


@pytest.mark.parametrize("name", ["CNA", "El Universal", "La Nación", "ABC", "The Star"])
def test_homonyms_are_ambiguous_not_guessed(registry, name):
    assert registry.by_name(name) is None
    assert len(registry.ambiguous(name)) >= 2


# --- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("The Express Tribune", "expresstribune"),
        ("  THE   Hindu ", "hindu"),
        ("EL PAÍS", "elpais"),
        ("Clarín", "clarin"),
        ("Bloomberg.com", "bloombergcom"),
        ("ＣＮＮ", "cnn"),  # full-width letters (NFKC)
        ("朝日新聞", "朝日新聞"),
        ("Página | 12", "pagina12"),
        ("Theatlantic", "theatlantic"),  # only a separate leading word 'the' is dropped
        ("---", ""),
    ],
)
def test_normalize_name(raw, key):
    assert normalize_name(raw) == key


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("https://www.Reuters.com/world/", "reuters.com"),
        ("newsus.cgtn.com", "newsus.cgtn.com"),
        ("http://user@dawn.com:443/x?y#z", "dawn.com"),
        ("//scmp.com/a", "scmp.com"),
        ("dawn.com.", "dawn.com"),
        ("localhost", None),
        ("1.2.3.4", None),
        ("xn--fiqs8s.xn--55qx5d", None),
        ("例子.中国", None),
        ("not a url", None),
        ("-bad-.com", None),
        ("", None),
    ],
)
def test_normalize_host(raw, host):
    assert normalize_host(raw) == host


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("newsus.cgtn.com", "cgtn.com"),
        ("ex.chinadaily.com.cn", "chinadaily.com.cn"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("profit.pakistantoday.com.pk", "pakistantoday.com.pk"),
        ("foo.blogspot.com", "blogspot.com"),  # private suffixes off: the host owns the domain
        ("com.cn", None),
    ],
)
def test_registrable_domain(host, registrable):
    assert registrable_domain(host) == registrable


def test_suffix_lookup_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    outlets_mod._extractor.cache_clear()
    outlets_mod.split_host.cache_clear()
    try:
        assert registrable_domain("news.example.co.jp") == "example.co.jp"
        assert outlets_mod._extractor().suffix_list_urls == ()  # bundled snapshot only
    finally:
        outlets_mod._extractor.cache_clear()
        outlets_mod.split_host.cache_clear()


# --- validation errors name the row --------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Beta,XX,outlet,private,beta.com,,basis\n", "country 'XX' is not an ISO-3166"),
        ("Beta,us,outlet,private,beta.com,,basis\n", "country 'us' is not an ISO-3166"),
        ("Beta,,outlet,private,beta.com,,basis\n", "a outlet needs an ISO-3166"),
        ("Beta,US,aggregator,private,beta.com,,basis\n", "must have no country, got US"),
        ("Beta,FR,platform,private,beta.com,,basis\n", "must have no country, got FR"),
        ("Beta,US,blog,private,beta.com,,basis\n", "kind 'blog' is not one of"),
        ("Beta,US,outlet,govt,beta.com,,basis\n", "ownership 'govt' is not one of"),
        ("Beta,US,outlet,private,beta.com,,\n", "empty basis"),
        ("Beta,US,outlet,private,https://beta.com,,basis\n", "domain 'https://beta.com'"),
        ("Beta,US,outlet,private,Beta.com,,basis\n", "domain 'Beta.com'"),
        ("Beta,US,outlet,private,localhost,,basis\n", "domain 'localhost'"),
        ("Beta,US,outlet,private,news.alpha.com,,basis\n", "news.alpha.com already belongs to"),
        ("Beta,US,outlet,private,beta.com,the alpha,basis\n", "'the alpha' already names"),
        ("ALPHA DAILY,US,outlet,private,beta.com,,basis\n", "'ALPHA DAILY' already names"),
        (",US,outlet,private,beta.com,,basis\n", "empty name"),
        ("Beta,US,outlet,private,beta.com,,basis,extra\n", "expected 7 fields"),
    ],
)
def test_invalid_rows_fail_with_line_and_name(row, message):
    with pytest.raises(RegistryError) as err:
        parse_registry(HEADER + GOOD + row, "outlets.csv")
    text = str(err.value)
    assert message in text
    assert "outlets.csv line 3" in text
    if row.startswith("Beta"):
        assert "'Beta'" in text


def test_wrong_columns_are_rejected():
    with pytest.raises(RegistryError, match="columns must be exactly"):
        parse_registry("name,country\nA,US\n")


def test_empty_registry_is_rejected():
    with pytest.raises(RegistryError, match="no outlets"):
        parse_registry(HEADER)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "nope.csv")


def test_valid_text_parses_and_version_follows_content():
    first = parse_registry(HEADER + GOOD)
    second = parse_registry(HEADER + GOOD.replace("Ohio", "Iowa"))
    assert len(first) == 1 and first.version != second.version
    outlet = first.by_name("The Alpha")
    assert outlet is not None and outlet.domains == ("alpha.com", "news.alpha.com")
