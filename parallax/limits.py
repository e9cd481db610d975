"""Bounded concurrency for feed requests and model calls, with Prefect global concurrency limits.

Two named limits exist on the Prefect server per database: ``parallax-feed-requests-<db>``
(polite to the news host) and ``parallax-model-calls-<db>`` (provider rate limits), where
``<db>`` names the database the runs write (`scope_of`). Runs on different databases never
touch each other's slots, so one cannot take, or reset as stale, the slots of another. They are
created on first use with the configured size; afterwards the server's value wins, so an
operator can change it in the UI or with ``prefect gcl update``.

Why a run holds its slots for its whole duration instead of acquiring one per request: each
``concurrency()`` acquisition is an API round trip, and a refused one backs off, so short jobs
behind a limit spend most of their time in bookkeeping; a backfill makes thousands of
requests. Instead `hold` takes ``min(wanted, limit)`` slots once per flow
run (one API call, a lease Prefect renews) and `slot` enforces them per request with an
in-process semaphore (free). Processes together never exceed the server's limit; one process
never exceeds its share.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

FEED_REQUESTS = "parallax-feed-requests"
MODEL_CALLS = "parallax-model-calls"

# A killed process cannot release its slots: a server revokes them when the lease expires
# (renewed while the holder lives), so leases are short. The temporary API of a one-shot CLI
# run never revoked them (measured: a backfill resumed after kill -9 waited on them for good),
# and no other process can share that API's slots, so there a run that cannot get its share
# within HOLD_WAIT_S resets them; against a real server it warns and goes on with its own bound.
LEASE_S = 60.0
HOLD_WAIT_S = 10.0
STALE_WAIT_S = 1.0  # once one limit held stale slots, for each of the others

log = logging.getLogger("parallax.limits")

# Per limit, the semaphore enforcing this process's share: a threading one (`hold`), or one a
# backfill shares with its worker processes (`enforce`).
_local: dict[str, Any] = {}
_local_lock = threading.Lock()


def scope_of(db: object) -> str:
    """A short, readable name for the database ``db`` (a file path or a lake URL): its file
    stem and a hash of its full name, e.g. ``parallax-3f2a9c1b``."""
    full = str(db)
    stem = re.sub(r"[^a-z0-9]+", "-", full.rsplit("/", 1)[-1].split(".")[0].lower()).strip("-")
    return f"{stem[:24] or 'db'}-{hashlib.sha256(full.encode()).hexdigest()[:8]}"


@contextmanager
def slot(name: str) -> Iterator[None]:
    """One unit of work under limit ``name``: waits for a slot of the running flow's share.
    Outside a flow holding the limit (unit tests, ``task.fn``) it does not wait."""
    semaphore = _local.get(name)
    if semaphore is None:
        yield
        return
    with semaphore:
        yield


def ensure_limits(wanted: Mapping[str, int]) -> dict[str, int]:
    """Create missing limits with the wanted size; returns each limit's size on the server
    (0 for an inactive limit, which Prefect does not enforce)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    sizes = {}
    with get_client(sync_client=True) as client:
        for name, size in wanted.items():
            try:
                limit = client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                try:
                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(name=name, limit=size, active=True)
                    )
                    sizes[name] = size
                    continue
                except ObjectAlreadyExists:  # another run created it meanwhile: its value wins
                    limit = client.read_global_concurrency_limit_by_name(name)
            sizes[name] = limit.limit if limit.active else 0
    return sizes


def shares(wanted: Mapping[str, int], server: Mapping[str, int]) -> dict[str, int]:
    """Slots this run takes of each limit: what it wants, at most the server's limit."""
    return {name: min(n, server[name]) if server.get(name) else n for name, n in wanted.items()}


def _acquire(name: str, n: int, wait_s: float = HOLD_WAIT_S) -> AbstractContextManager[None]:
    from prefect.concurrency.sync import concurrency

    return concurrency(name, occupy=n, strict=True, timeout_seconds=wait_s, lease_duration=LEASE_S)


def _free_slots(name: str) -> int:
    """Slots of limit ``name`` that no one holds, as the server counts them."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    return int(limit.limit) - int(limit.active_slots)


def _reset(name: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))


@contextmanager
def hold(wanted: Mapping[str, int], scope: str | None = None) -> Iterator[dict[str, int]]:
    """Take this run's share of each Prefect limit of the database ``scope`` (`scope_of`) for
    the duration of the block (waiting while other processes hold them) and enforce it per unit
    of work with `slot`. Yields the share of each limit, by its unscoped name."""
    server_names = {name: f"{name}-{scope}" if scope else name for name in wanted}
    by_server_name = ensure_limits({server_names[name]: n for name, n in wanted.items()})
    server = {name: by_server_name[server_names[name]] for name in wanted}
    taken = shares(wanted, server)
    wait_s = HOLD_WAIT_S
    with ExitStack() as stack:
        for local_name, n in taken.items():
            name = server_names[local_name]
            if not server.get(local_name):  # an inactive limit is not enforced by Prefect either
                continue
            try:
                stack.enter_context(_acquire(name, n, wait_s))
            except TimeoutError:
                if not os.environ.get("PREFECT_API_URL"):  # temporary API: slots are stale
                    if _free_slots(name) >= n:
                        # Not held by anyone: the API was slow to answer (a fresh database
                        # migrating, a busy machine), which is no reason to reset or warn.
                        stack.enter_context(_acquire(name, n))
                        continue
                    _reset(name)
                    log.warning("%s: released slots left by a killed run", name)
                    stack.enter_context(_acquire(name, n))
                    # The killed run held the other limits too: do not wait for each of them
                    # the full time again.
                    wait_s = STALE_WAIT_S
                    continue
                log.warning(
                    "%s: %d slot(s) not free after %.0f s (another run, or the lease of a killed "
                    "one); going on with this process's own bound of %d",
                    name,
                    n,
                    HOLD_WAIT_S,
                    n,
                )
        installed = []
        with _local_lock:
            for name, n in taken.items():
                if name not in _local:  # an enclosing flow already enforces it
                    _local[name] = threading.BoundedSemaphore(n)
                    installed.append(name)
        try:
            yield taken
        finally:
            with _local_lock:
                for name in installed:
                    _local.pop(name, None)


@contextmanager
def enforce(semaphores: Mapping[str, Any]) -> Iterator[None]:
    """In a backfill's worker process: enforce the share the parent took (`hold`) with
    semaphores it shares with all its workers (``multiprocessing`` ones), so the processes
    together never exceed it."""
    with _local_lock:
        installed = [name for name in semaphores if name not in _local]
        _local.update({name: semaphores[name] for name in installed})
    try:
        yield
    finally:
        with _local_lock:
            for name in installed:
                _local.pop(name, None)
