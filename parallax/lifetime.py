"""Nothing a command starts outlives it: its child processes and its temporary files.

- `die_with_parent`: Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``, through ctypes:
  no package needed for one system call). The kernel sends the signal to a child when the
  thread that started it ends, however the parent ended: exit, SIGTERM, SIGKILL or the
  out-of-memory killer. So start such children from the main thread. Elsewhere than Linux
  it does nothing.
- `use_private_temp_dir`: the process's temporary files (Python's ``tempfile``,
  multiprocessing's sockets, its children's through ``TMPDIR``) go to a folder of its own,
  removed at exit; a process killed before its exit leaves it, and the next command removes
  the folders of processes that no longer run.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import stat
import sys
import tempfile
from pathlib import Path

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(sig: int = signal.SIGKILL, parent_pid: int | None = None) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent ends. Meant for a child
    between fork and exec (``subprocess.Popen(preexec_fn=...)``) or at its start;
    ``parent_pid``: the parent it expects, so a parent that ended before the request took
    effect is noticed (the child then exits)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def temp_root() -> Path:
    """Where every Parallax process keeps its temporary folder (one per user)."""
    return Path(tempfile.gettempdir()) / f"parallax-{os.getuid()}"


def use_private_temp_dir() -> Path:
    """Make ``temp_root()/<pid>`` this process's temporary folder (and its children's), after
    removing the folders of Parallax processes that no longer run; returns it."""
    root = temp_root()
    root.mkdir(mode=0o700, exist_ok=True)
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return Path(tempfile.gettempdir())  # not ours (someone else made it): leave it alone
    for folder in root.iterdir():
        if folder.name.isdigit() and not is_running(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
    mine = root / str(os.getpid())
    mine.mkdir(mode=0o700, exist_ok=True)
    tempfile.tempdir = str(mine)
    os.environ["TMPDIR"] = str(mine)
    atexit.register(shutil.rmtree, mine, True)
    return mine


def is_running(pid: int) -> bool:
    """Whether a process with this id runs (this user's or not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process with that id
        return True
    return True
