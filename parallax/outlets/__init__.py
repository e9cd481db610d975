"""Outlets: the registry (which country an outlet is from, and why) and the rules that place a
feed's outlets with it. The registry is data (config/outlets.csv); see registry.py."""

from parallax.outlets.articles import classify_articles, outlet_sides, perspective_for
from parallax.outlets.placement import Fallback, classify_outlet, registry_placement
from parallax.outlets.registry import (
    DEFAULT_REGISTRY_PATH,
    ISO_COUNTRIES,
    KINDS,
    NO_COUNTRY_KINDS,
    OWNERSHIPS,
    Outlet,
    OutletRegistry,
    RegistryError,
    load_registry,
    normalize_host,
    normalize_name,
    parse_registry,
    registrable_domain,
    split_host,
)

__all__ = [
    "DEFAULT_REGISTRY_PATH", "ISO_COUNTRIES", "KINDS", "NO_COUNTRY_KINDS", "OWNERSHIPS",
    "Fallback", "Outlet", "OutletRegistry", "RegistryError", "classify_articles",
    "classify_outlet", "load_registry", "normalize_host", "normalize_name", "outlet_sides",
    "parse_registry", "perspective_for", "registrable_domain", "registry_placement", "split_host",
]  # fmt: skip
