"""Children die with their parent; temporary folders of ended processes are swept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from parallax import lifetime

# A parent that starts a sleeping child with the parent-death signal, prints its id and waits.
_PARENT = """
import functools, os, signal, subprocess, sys, time
from parallax.lifetime import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
    preexec_fn=functools.partial(die_with_parent, signal.SIGKILL, os.getpid()))
print(child.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's"
)
def test_a_child_dies_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert lifetime.is_running(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        if (Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]) == "Z":
            break  # ended; its new parent has not reaped it yet
        time.sleep(0.05)
    stat = Path(f"/proc/{child}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_the_private_temp_dir_sweeps_folders_of_ended_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    root = lifetime.temp_root()
    ended = subprocess.Popen(["true"])
    ended.wait()
    (root / str(ended.pid) / "pymp-x").mkdir(parents=True)
    (root / str(os.getppid())).mkdir()  # a process that still runs
    mine = lifetime.use_private_temp_dir()
    assert mine == root / str(os.getpid()) and mine.is_dir()
    assert not (root / str(ended.pid)).exists() and (root / str(os.getppid())).is_dir()
    assert tempfile.tempdir == str(mine) and os.environ["TMPDIR"] == str(mine)
