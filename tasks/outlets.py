"""The outlet registry: outlet -> country, kind and ownership, loaded from a data file."""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

KINDS = frozenset({"outlet", "wire", "aggregator", "platform"})
OWNERSHIP = frozenset({"state", "public", "private", "unknown"})
_NON_WORD = re.compile(r"[^\w]+")


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Outlet:
    name: str
    country: str | None
    kind: str
    ownership: str
    domains: tuple[str, ...]
    aliases: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class OutletRegistry:
    outlets: tuple[Outlet, ...]
    version: str
    by_domain: dict[str, Outlet] = field(default_factory=dict)
    by_name: dict[str, Outlet] = field(default_factory=dict)

    def find_domain(self, domain: str | None) -> Outlet | None:
        """Exact host first, then each parent domain (news.cgtn.com -> cgtn.com)."""
        if not domain:
            return None
        parts = domain.lower().strip(".").split(".")
        for i in range(len(parts) - 1):
            found = self.by_domain.get(".".join(parts[i:]))
            if found:
                return found
        return None

    def find_name(self, name: str | None) -> Outlet | None:
        return self.by_name.get(normalize_name(name)) if name else None


def normalize_name(name: str | None) -> str:
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _NON_WORD.sub(" ", text).strip()
    return text[4:] if text.startswith("the ") else text


def load_registry(path: Path) -> OutletRegistry:
    raw = path.read_bytes()
    outlets = []
    by_domain: dict[str, Outlet] = {}
    by_name: dict[str, Outlet] = {}
    for line, row in enumerate(csv.DictReader(raw.decode("utf-8").splitlines()), start=2):
        outlet = _outlet(row, f"{path.name}:{line}")
        outlets.append(outlet)
        for domain in outlet.domains:
            if domain in by_domain:
                raise RegistryError(f"{path.name}:{line}: domain {domain} already listed")
            by_domain[domain] = outlet
        for alias in (outlet.name, *outlet.aliases):
            by_name.setdefault(normalize_name(alias), outlet)
    version = hashlib.sha256(raw).hexdigest()[:12]
    return OutletRegistry(tuple(outlets), version, by_domain, by_name)


def _outlet(row: dict[str, str], where: str) -> Outlet:
    kind, ownership = row["kind"].strip(), row["ownership"].strip() or "unknown"
    country = row["country"].strip() or None
    if kind not in KINDS:
        raise RegistryError(f"{where}: kind {kind!r} not in {sorted(KINDS)}")
    if ownership not in OWNERSHIP:
        raise RegistryError(f"{where}: ownership {ownership!r} not in {sorted(OWNERSHIP)}")
    if kind in ("aggregator", "platform") and country:
        raise RegistryError(f"{where}: an {kind} has no country of its own")
    if kind in ("outlet", "wire") and not (country and re.fullmatch(r"[A-Z]{2}", country)):
        raise RegistryError(f"{where}: outlet needs an ISO-3166 alpha-2 country, got {country!r}")
    split = lambda v: tuple(x.strip() for x in (v or "").split(";") if x.strip())  # noqa: E731
    return Outlet(
        row["name"].strip(),
        country,
        kind,
        ownership,
        tuple(d.lower() for d in split(row["domains"])),
        split(row["aliases"]),
        row["basis"].strip(),
    )
