"""The local Prefect runtime of a CLI run: its temporary API, launched as the command starts,
and the quiet settings of a one-shot flow run.

With no API configured, Prefect starts a temporary server (uvicorn in a subprocess) when a
flow first needs it, then waits until it answers: seconds of the server's own imports, after
importing the server module into this process only to launch it. Launched here as
soon as a command starts, the server's start overlaps the command's own (its imports, the
backfill's fork server), and this process never imports the server. The command and
environment are Prefect's own (``SubprocessASGIServer._run_uvicorn_command``).

The server dies with this process, however it ends (the parent-death signal, see
parallax/lifetime.py): a killed command leaves no server behind.

The server is started deaf to Ctrl-C: a terminal's Ctrl-C reaches every process of the
foreground group, the server included; it exited at once, and the run, finishing its last days
and releasing its concurrency slots, then retried the dead API for minutes. A blocked signal
stays blocked across exec, so the server never sees SIGINT; it is stopped (SIGTERM) at exit.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from parallax.cli.checks import prefect_home
from parallax.cli.output import fail
from parallax.diskspace import disk_full_message, short_of_space
from parallax.lifetime import die_with_parent

APP = "prefect.server.api.server:create_app"
_STARTUP_FAILED = 3  # uvicorn's exit code when its port was taken after we chose it (or worse)
_RELAUNCHES = 2


class TemporaryAPIError(RuntimeError):
    """The temporary API did not start."""


class TemporaryAPI:
    """A Prefect server process for this run; `url()` waits until it answers."""

    _running: TemporaryAPI | None = None  # one per process, like Prefect's own

    @classmethod
    def shared(cls, startup_timeout_s: float) -> TemporaryAPI:
        """The process's server, launched now unless it is already running."""
        api = cls._running
        if api is None or api.process is None or api.process.poll() is not None:
            api = cls._running = cls(startup_timeout_s)
        return api

    def __init__(self, startup_timeout_s: float) -> None:
        self.startup_timeout_s = startup_timeout_s
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (the server's output, kept for the error line)
        self._url: str | None = None
        atexit.register(self.stop)
        self._launch()

    def _launch(self) -> None:
        self.port = _free_port()
        spec = importlib.util.find_spec("prefect")
        assert spec is not None and spec.origin is not None
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parents[1]),
                   "--factory", APP, "--host", "127.0.0.1", "--port", str(self.port),
                   "--log-level", "error", "--lifespan", "on"]  # fmt: skip
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}  # fmt: skip
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                preexec_fn=functools.partial(die_with_parent, signal.SIGKILL, os.getpid()),
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def url(self) -> str:
        """The API's URL, once it answers; TemporaryAPIError if it does not."""
        if self._url is not None:
            return self._url
        deadline = time.monotonic() + self.startup_timeout_s
        relaunches = 0
        while time.monotonic() < deadline:
            assert self.process is not None
            code = self.process.poll()
            if code == _STARTUP_FAILED and relaunches < _RELAUNCHES:  # maybe the port: again
                relaunches += 1
                self._launch()
                continue
            if code is not None:
                raise TemporaryAPIError(f"the server exited with code {code}: {self._last_line()}")
            if _healthy(f"http://127.0.0.1:{self.port}/api/health"):
                self._url = f"http://127.0.0.1:{self.port}/api"
                return self._url
            time.sleep(0.05)
        self.stop()
        raise TemporaryAPIError(f"no answer within {self.startup_timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def _last_line(self) -> str:
        self._log.seek(0)
        lines = [ln for ln in self._log.read().decode(errors="replace").splitlines() if ln.strip()]
        return lines[-1].strip()[:300] if lines else "no output"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 is local


def _healthy(url: str) -> bool:
    try:
        with _NO_PROXY.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def launch_temporary_api() -> TemporaryAPI | None:
    """Start Prefect's temporary API now, unless a server is configured (`TemporaryAPI`)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url:
        return None
    return TemporaryAPI.shared(settings.server.ephemeral.startup_timeout_seconds)


@contextmanager
def prefect_quiet(api: TemporaryAPI | None) -> Iterator[None]:
    """A one-shot flow run on ``api`` (None: the configured server): no heartbeat thread, and
    failures reported by our own lines."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    # A failing task is reported by our one-line summary (Prefect would add a traceback); a slot
    # wait on a concurrency limit is reported by parallax/limits.py (see quiet.py).
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    updates: dict = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}  # no heartbeat thread to join
    if api is not None:
        try:
            updates[PREFECT_API_URL] = api.url()
        except TemporaryAPIError as exc:
            home = prefect_home()
            if short_of_space([home]) is not None:  # its database could not be written
                raise fail(disk_full_message(home)) from None
            raise fail(
                f"Prefect's temporary API did not start ({exc}); retry, or set PREFECT_API_URL "
                "to a running Prefect server"
            ) from None
    with temporary_settings(updates=updates):
        yield
