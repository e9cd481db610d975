"""Worker processes ahead of the slowest get a lower CPU priority (flows/parallel/processes.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.parallel import processes as backfill_processes
from flows.parallel.processes import _Balancer, _renice


class FakeWorker:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.alive = True

    def is_alive(self) -> bool:
        return self.alive


def test_workers_ahead_get_niceness_by_their_lead_and_never_lose_it(monkeypatch):
    reniced: list[tuple[int, int]] = []
    monkeypatch.setattr(backfill_processes, "_renice", lambda pid, n: reniced.append((pid, n)))
    workers = [FakeWorker(100), FakeWorker(101), FakeWorker(102)]
    balance = _Balancer(workers, [100, 100, 100])  # type: ignore[arg-type]

    balance.done = [50, 30, 41]  # worker 1 is the slowest: 20 and 11 points behind
    balance.rebalance()
    assert balance.nice == [8, 0, 5]  # one step per 2 points, at most 8
    assert reniced == [(100, 8), (102, 5)]

    reniced.clear()
    balance.done = [49, 45, 44]  # worker 2 (nice 5) is now the slowest: niceness is relative
    balance.rebalance()  # to its own, and never lowered
    assert balance.nice == [8, 5, 5] and reniced == [(101, 5)]

    reniced.clear()
    balance.done = [50, 71, 45]  # worker 1 pulls far ahead: 5 + 8 steps
    balance.rebalance()
    assert balance.nice == [8, 13, 5] and reniced == [(101, 13)]

    reniced.clear()
    workers[2].alive = False  # an ended worker is no one's reference
    balance.done = [61, 70, 100]  # 1 is 4 steps ahead of 0 (nice 8): 12 < 13, unchanged
    balance.rebalance()
    assert balance.nice == [8, 13, 5] and reniced == []


def test_one_running_worker_is_left_alone(monkeypatch):
    reniced: list[tuple[int, int]] = []
    monkeypatch.setattr(backfill_processes, "_renice", lambda pid, n: reniced.append((pid, n)))
    workers = [FakeWorker(100), FakeWorker(101)]
    balance = _Balancer(workers, [10, 10])  # type: ignore[arg-type]
    balance.done = [10, 2]  # worker 0 has finished its days
    balance.rebalance()
    assert reniced == [] and balance.nice == [0, 0]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_renice_reaches_every_thread_of_the_process():
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start();"
         " print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        _renice(child.pid, 3)
        threads = list(Path(f"/proc/{child.pid}/task").iterdir())
        assert len(threads) == 2
        for thread in threads:
            fields = (thread / "stat").read_text().rsplit(")", 1)[1].split()
            assert int(fields[16]) == 3  # stat field 19: nice
    finally:
        child.kill()
        child.wait()


def test_a_worker_s_interruption_interrupts_the_parent_too():
    """A terminal's Ctrl-C can be swallowed in the parent (DuckDB takes SIGINT as "cancel this
    query"); the workers' word that they were interrupted still stops the backfill."""
    import queue

    from flows.parallel.processes import _collect

    def messages(*items: tuple) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        for item in items:
            q.put(item)
        return q

    workers = [FakeWorker(100), FakeWorker(101)]
    ended: list[int] = []
    sent = messages(("interrupted", 0, None), ("end", 0, None), ("end", 1, None))
    with pytest.raises(KeyboardInterrupt):
        _collect(workers, sent, [], {}, ended.append)  # type: ignore[arg-type]
    _collect(workers, sent, [], {}, ended.append, interruptible=False)  # type: ignore[arg-type]
    assert ended == [0, 1]
