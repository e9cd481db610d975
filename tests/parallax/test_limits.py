"""Prefect global concurrency limits for feed requests and model calls (parallax/limits.py)."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest

from parallax import limits

pytestmark = pytest.mark.slow


def _names(*prefixes: str) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"test-{prefix}-{run}" for prefix in prefixes]


def _active_slots(name: str) -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name).active_slots


def _leave_slots_taken(name: str, n: int) -> None:
    """What a run killed while holding ``n`` slots leaves behind on the temporary API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=n))


def test_shares_take_at_most_the_servers_limit() -> None:
    wanted = {"feeds": 4, "models": 4, "off": 3}
    assert limits.shares(wanted, {"feeds": 2, "models": 8, "off": 0}) == {
        "feeds": 2,  # the operator lowered it on the server
        "models": 4,
        "off": 3,  # inactive on the server: this run's own bound
    }


def test_limits_are_created_once_then_the_server_value_wins(prefect_harness) -> None:
    (name,) = _names("created")
    assert limits.ensure_limits({name: 3}) == {name: 3}
    assert limits.ensure_limits({name: 7}) == {name: 3}


def test_slot_bounds_concurrent_work_to_the_runs_share(prefect_harness) -> None:
    (name,) = _names("slot")
    running, peak = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with limits.slot(name):
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.05)
            with lock:
                running -= 1

    with limits.hold({name: 2}) as taken:
        assert taken == {name: 2}
        assert _active_slots(name) == 2  # held on the server for the whole run
        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert peak == 2
    assert _active_slots(name) == 0
    with limits.slot(name):  # outside a holding run it does not wait
        pass


def test_stale_slots_of_a_killed_run_are_reset_without_waiting_twice(
    prefect_harness, monkeypatch, caplog
) -> None:
    first, second = _names("stale-a", "stale-b")
    limits.ensure_limits({first: 2, second: 2})
    _leave_slots_taken(first, 2)
    _leave_slots_taken(second, 2)
    monkeypatch.setattr(limits, "HOLD_WAIT_S", 2.0)
    monkeypatch.setattr(limits, "STALE_WAIT_S", 0.3)
    waits: list[tuple[str, float]] = []
    acquire = limits._acquire

    def recording_acquire(name: str, n: int, wait_s: float = 10.0) -> object:
        waits.append((name, wait_s))
        return acquire(name, n, wait_s)

    monkeypatch.setattr(limits, "_acquire", recording_acquire)
    with (
        caplog.at_level(logging.WARNING, logger="parallax.limits"),
        limits.hold({first: 2, second: 2}),
    ):
        assert (_active_slots(first), _active_slots(second)) == (2, 2)
    assert [w for w in waits if w[1] != 10.0] == [
        (first, 2.0),  # the full wait: maybe another run holds them
        (second, 0.3),  # a short one: the killed run held this one too
    ]
    assert [r.getMessage() for r in caplog.records] == [
        f"{first}: released slots left by a killed run",
        f"{second}: released slots left by a killed run",
    ]
    assert (_active_slots(first), _active_slots(second)) == (0, 0)


def test_runs_creating_a_limit_at_once_both_get_it(prefect_harness) -> None:
    """Two processes starting together both found no limit; the second create used to fail
    the run with ObjectAlreadyExists (seen with five backfills started at once)."""
    from prefect.client.orchestration import SyncPrefectClient

    (name,) = _names("race")
    real_read = SyncPrefectClient.read_global_concurrency_limit_by_name
    calls = 0

    def read_after_the_other_created_it(self, limit_name):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:  # what this run saw just before the other run created the limit
            limits.ensure_limits({name: 5})
            from prefect.exceptions import ObjectNotFound

            raise ObjectNotFound(http_exc=Exception("not yet"))
        return real_read(self, limit_name)

    patch = pytest.MonkeyPatch()
    patch.setattr(
        SyncPrefectClient, "read_global_concurrency_limit_by_name", read_after_the_other_created_it
    )
    try:
        assert limits.ensure_limits({name: 2}) == {name: 5}
    finally:
        patch.undo()


def test_a_slow_api_with_free_slots_is_not_taken_for_a_killed_run(
    prefect_harness, monkeypatch, caplog
) -> None:
    """On a fresh machine the temporary API can be too slow to answer the first acquisition in
    time: the slots are free, so the run takes them without resetting anything or warning."""
    (name,) = _names("slow-api")
    limits.ensure_limits({name: 2})
    acquire = limits._acquire
    timed_out: list[str] = []

    def slow_first(limit: str, n: int, wait_s: float = 10.0) -> object:
        if not timed_out:
            timed_out.append(limit)
            raise TimeoutError("the API did not answer in time")
        return acquire(limit, n, wait_s)

    resets: list[str] = []
    monkeypatch.setattr(limits, "_acquire", slow_first)
    monkeypatch.setattr(limits, "_reset", resets.append)
    with caplog.at_level(logging.WARNING, logger="parallax.limits"), limits.hold({name: 2}):
        assert _active_slots(name) == 2
    assert timed_out == [name] and resets == [] and caplog.records == []
