"""Outlet registry: which country an outlet belongs to, what kind it is, and why we think so.

The registry is a data file (``config/outlets.csv``, one outlet per row, each with a basis) that is
validated when loaded, so a typo fails at start with the line and outlet named instead of quietly
misclassifying articles. ``OutletRegistry`` answers two questions fast:

* which outlet owns a publisher host (exact host, then parent hosts down to the registrable
  domain, e.g. ``newsus.cgtn.com`` -> ``cgtn.com``);
* which outlet a Google News ``<source>`` name refers to, after normalisation (NFKC, casefold,
  accents on Latin letters dropped, leading "the " and all punctuation/whitespace removed).

Registrable domains come from tldextract's bundled public-suffix snapshot only: no download, no
disk cache, so loading works on a machine without network.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tldextract

DEFAULT_REGISTRY_PATH = Path(__file__).resolve().parents[2] / "config" / "outlets.csv"

REGISTRY_COLUMNS = ("name", "country", "kind", "ownership", "domains", "aliases", "basis")
KINDS = ("outlet", "wire", "aggregator", "platform")
NO_COUNTRY_KINDS = ("aggregator", "platform")  # they relay others' stories: no country of their own
OWNERSHIPS = ("state", "public", "private", "unknown")

# ISO-3166-1 alpha-2 codes currently assigned (plus XK, Kosovo, user-assigned but in common use).
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
    BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
    CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
    SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
    TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
"""
ISO_COUNTRIES = frozenset(_ISO_CODES.split())

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX_HOST_LEN = 253


class RegistryError(ValueError):
    """The registry file is missing or invalid; the message names the line and the outlet."""


@dataclass(frozen=True)
class Outlet:
    name: str
    country: str | None
    kind: str  # outlet | wire | aggregator | platform
    ownership: str  # state | public | private | unknown
    domains: tuple[str, ...]
    aliases: tuple[str, ...]
    basis: str


# --- normalisation -------------------------------------------------------------------------------

_LEADING_THE = re.compile(r"^the\s+")


def normalize_name(name: str) -> str:
    """Key for name lookups: 'The Express Tribune' and 'express-tribune' give the same key.

    NFKC (full-width forms, ligatures), casefold, accents dropped on Latin letters only (so
    'Clarín' == 'Clarin' while Japanese voicing marks survive), leading 'the ' removed, then every
    character that is not a letter or digit of any script removed.
    """
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    text = _LEADING_THE.sub("", text)
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn":
            if out and ord(out[-1]) < 0x250:  # combining mark on a Latin base letter: drop it
                continue
            out.append(ch)
        elif ch.isalnum():
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalize_host(value: str) -> str | None:
    """Lower-case ASCII host name from a URL or bare host, without 'www.'; None if not a host.

    IDNs (non-ASCII or 'xn--' labels), IP addresses, single labels and over-long values are
    rejected: the registry and the ccTLD rules only know ASCII host names.
    """
    text = value.strip().lower()
    if not text or len(text) > 2048:
        return None
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.lstrip("/")
    for sep in "/?#":
        text = text.split(sep, 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    if not text or len(text) > _MAX_HOST_LEN or not text.isascii():
        return None
    labels = text.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return None
    if any(label.startswith("xn--") for label in labels) or labels[-1].isdigit():
        return None
    return text


def is_idn(value: str) -> bool:
    """True when the host part of ``value`` is an internationalized domain name."""
    text = value.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    return (not text.isascii() and "." in text) or any(
        p.startswith("xn--") for p in text.split(".")
    )


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() -> never download; cache_dir=None -> never read or write a disk cache.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def split_host(host: str) -> tuple[str, str]:
    """(registrable domain, public suffix) of a normalised host; registrable '' when none."""
    parts = _extractor()(host)
    registrable = f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else ""
    return registrable, parts.suffix


def registrable_domain(host: str) -> str | None:
    """'newsus.cgtn.com' -> 'cgtn.com', 'ex.chinadaily.com.cn' -> 'chinadaily.com.cn'."""
    norm = normalize_host(host)
    if norm is None:
        return None
    return split_host(norm)[0] or None


# --- registry ------------------------------------------------------------------------------------


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


_PAREN = re.compile(r"\s*\([^)]*\)\s*$")


class OutletRegistry:
    """Validated outlets with lookups by host and by normalised name."""

    def __init__(self, outlets: Iterable[Outlet], version: str, source: str = "<registry>"):
        self.outlets: tuple[Outlet, ...] = tuple(outlets)
        self.version = version
        self.source = source
        self._by_domain: dict[str, Outlet] = {}
        self._by_name: dict[str, Outlet] = {}
        for outlet in self.outlets:
            for domain in outlet.domains:
                self._by_domain[domain] = outlet
            for alias in (outlet.name, *outlet.aliases):
                self._by_name[normalize_name(alias)] = outlet
        # Names shared by several outlets once a "(Country)" qualifier is dropped, e.g.
        # "El Universal (Mexico)" / "El Universal (Venezuela)": a bare "El Universal" is ambiguous
        # and is refused rather than guessed.
        bases: dict[str, dict[str, Outlet]] = {}
        for outlet in self.outlets:
            for alias in (outlet.name, *outlet.aliases):
                base = normalize_name(_PAREN.sub("", alias))
                if base and base not in self._by_name:
                    bases.setdefault(base, {})[outlet.name] = outlet
        self._ambiguous = {k: tuple(v.values()) for k, v in bases.items() if len(v) > 1}

    def __len__(self) -> int:
        return len(self.outlets)

    def __iter__(self) -> Iterator[Outlet]:
        return iter(self.outlets)

    def by_host(self, host: str) -> tuple[Outlet, str] | None:
        """Outlet owning ``host`` and the registry domain that matched.

        Tries the host itself, then each parent, down to the registrable domain (never a bare
        public suffix), so a listed edition ('asia.nikkei.com') wins over its parent.
        """
        norm = normalize_host(host)
        if norm is None:
            return None
        registrable = split_host(norm)[0]
        candidate = norm
        while True:
            outlet = self._by_domain.get(candidate)
            if outlet is not None:
                return outlet, candidate
            if not registrable or candidate == registrable or "." not in candidate:
                return None
            candidate = candidate.split(".", 1)[1]

    def by_name(self, name: str) -> Outlet | None:
        return self._by_name.get(normalize_name(name))

    def ambiguous(self, name: str) -> tuple[Outlet, ...]:
        """Outlets that share this bare name (empty when the name is not ambiguous)."""
        return self._ambiguous.get(normalize_name(name), ())


def _validate_row(row: dict[str, str], where: str) -> Outlet:
    def fail(msg: str) -> RegistryError:
        return RegistryError(f"{where}: {msg}")

    name = (row.get("name") or "").strip()
    if not name:
        raise fail("empty name")
    where = f"{where} ({name!r})"
    country = (row.get("country") or "").strip() or None
    kind = (row.get("kind") or "").strip()
    ownership = (row.get("ownership") or "").strip()
    basis = (row.get("basis") or "").strip()
    if kind not in KINDS:
        raise fail(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if ownership not in OWNERSHIPS:
        raise fail(f"ownership {ownership!r} is not one of {', '.join(OWNERSHIPS)}")
    if kind in NO_COUNTRY_KINDS and country is not None:
        raise fail(
            f"a {kind} relays other outlets' stories and must have no country, got {country}"
        )
    if kind not in NO_COUNTRY_KINDS and country is None:
        raise fail(f"a {kind} needs an ISO-3166 alpha-2 country")
    if country is not None and country not in ISO_COUNTRIES:
        raise fail(f"country {country!r} is not an ISO-3166 alpha-2 code")
    if not basis:
        raise fail("empty basis: say why this country/kind")
    domains = []
    for raw in _split_list(row.get("domains") or ""):
        host = normalize_host(raw)
        if host is None or host != raw or not split_host(host)[0]:
            raise fail(f"domain {raw!r} is not a lower-case host name under a public suffix")
        domains.append(host)
    aliases = _split_list(row.get("aliases") or "")
    if any(not normalize_name(a) for a in (name, *aliases)):
        raise fail("a name or alias has no letters or digits")
    return Outlet(
        name=name,
        country=country,
        kind=kind,
        ownership=ownership,
        domains=tuple(domains),
        aliases=aliases,
        basis=basis,
    )


def parse_registry(
    text: str, source: str = "<registry>", version: str | None = None
) -> OutletRegistry:
    """Validate registry CSV text; raises RegistryError naming the first bad row.

    ``version`` defaults to the sha256 of the text (UTF-8).
    """
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != REGISTRY_COLUMNS:
        raise RegistryError(
            f"{source}: columns must be exactly {','.join(REGISTRY_COLUMNS)}; "
            f"got {','.join(reader.fieldnames or ())}"
        )
    outlets: list[Outlet] = []
    seen_domain: dict[str, str] = {}
    seen_name: dict[str, str] = {}
    first_line = reader.line_num + 1
    for row in reader:
        where = f"{source} line {first_line}"
        if any("\n" in v for v in row.values() if isinstance(v, str)):
            raise RegistryError(
                f'{where}: a quote (") opened on this line is not closed before line '
                f"{reader.line_num}; close it or remove it"
            )
        first_line = reader.line_num + 1
        if None in row or any(v is None for v in row.values()):
            name = (row.get("name") or "").strip()
            raise RegistryError(f"{where} ({name!r}): expected {len(REGISTRY_COLUMNS)} fields")
        outlet = _validate_row(row, where)
        where = f"{where} ({outlet.name!r})"
        for domain in outlet.domains:
            if domain in seen_domain:
                raise RegistryError(
                    f"{where}: domain {domain} already belongs to {seen_domain[domain]!r}"
                )
            seen_domain[domain] = outlet.name
        keys = {normalize_name(a): a for a in (outlet.name, *outlet.aliases)}
        for key, alias in keys.items():
            if key in seen_name:
                raise RegistryError(
                    f"{where}: name/alias {alias!r} already names {seen_name[key]!r}"
                )
            seen_name[key] = outlet.name
        outlets.append(outlet)
    if not outlets:
        raise RegistryError(f"{source}: no outlets")
    version = version or hashlib.sha256(text.encode("utf-8")).hexdigest()
    return OutletRegistry(outlets, version=version, source=source)


def load_registry(path: Path = DEFAULT_REGISTRY_PATH) -> OutletRegistry:
    """Read and validate the registry file; its version is the sha256 of the file's bytes."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RegistryError(f"outlet registry not found: {path}") from exc
    with _loading:  # a backfill's threads start together: one parses, the rest reuse it
        return _load_registry_bytes(data, str(path))


_loading = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load_registry_bytes(data: bytes, source: str) -> OutletRegistry:
    # A backfill classifies hundreds of days: validate the same file once.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{source}: not UTF-8: {exc}") from exc
    return parse_registry(text, source, version=hashlib.sha256(data).hexdigest())
