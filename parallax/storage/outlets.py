"""The outlet registry as stored per version (`outlets`) and each outlet's latest decision
(`outlet_classifications`), both written by the classify stage."""

from __future__ import annotations

import duckdb
import pandas as pd

from parallax.outlets.registry import OutletRegistry
from parallax.storage.connection import query, transaction, utcnow


def snapshot_registry(con: duckdb.DuckDBPyConnection, registry: OutletRegistry) -> bool:
    """Store the registry under its version once; False when that version is already there."""
    # fetchall, not fetchone: DuckDB keeps a half-read result open and refuses the next call.
    ((exists,),) = con.execute(query("outlets_registry_stored"), [registry.version]).fetchall()
    if exists:
        return False
    _registry = pd.DataFrame(  # read by the query through DuckDB's replacement scan
        [
            {
                "registry_version": registry.version,
                "name": o.name,
                "country": o.country,
                "kind": o.kind,
                "ownership": o.ownership,
                "domains": list(o.domains),
                "aliases": list(o.aliases),
                "basis": o.basis,
                "loaded_at": utcnow(),
            }
            for o in registry.outlets
        ]
    )
    with transaction(con):
        con.execute(query("outlets_registry_insert")).fetchall()
    return True


def upsert_outlet_classifications(
    con: duckdb.DuckDBPyConnection, outlets: pd.DataFrame, registry_version: str, run_id: str
) -> None:
    """Each outlet's decision of this run, merged into its row (first/last seen kept)."""
    _outlets = outlets.assign(  # read by the query through DuckDB's replacement scan
        registry_version=registry_version, run_id=run_id, seen_at=utcnow()
    )
    with transaction(con):
        con.execute(query("upsert_outlet_classifications")).fetchall()
