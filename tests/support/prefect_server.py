"""A real Prefect server, its `parallax` work pool and workers, for the tests and benchmarks that
need runs to go through a worker (a one-shot CLI run's temporary API has no deployments)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.paths import REPO

BIN = Path(sys.executable).parent


@contextmanager
def prefect_server(work: Path) -> Iterator[dict[str, str]]:
    """A local Prefect server with the `parallax` work pool and the deployments of prefect.yaml;
    yields the environment that points at it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home"),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_LOGGING_LEVEL": "WARNING"}  # fmt: skip
    with (work / "prefect-server.log").open("w") as log:
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=log, stderr=log,
                                  start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the Prefect server did not start") from None
                time.sleep(0.5)
        prefect = str(BIN / "prefect")
        for cmd in (
            [prefect, "work-pool", "create", "parallax", "--type", "process"],
            [prefect, "--no-prompt", "deploy", "--all"],
        ):
            subprocess.run(
                cmd, env=env, cwd=REPO, check=True, capture_output=True, stdin=subprocess.DEVNULL
            )
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def start_worker(env: dict[str, str], log: Path, limit: int | None) -> subprocess.Popen:
    cmd = [str(BIN / "prefect"), "worker", "start", "--pool", "parallax"]
    if limit:
        cmd += ["--limit", str(limit)]
    # A worker looks for new runs every 10 s by default: a backfill's groups would wait for it.
    env = {**env, "PREFECT_WORKER_QUERY_SECONDS": "2"}
    with log.open("a") as out:
        return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=out,
                                start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


_DEPLOYMENT_RUNS = """
import json, sys
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
with get_client(sync_client=True) as client:
    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[sys.argv[1]]))
    )
print(json.dumps([{"id": str(r.id), "state": r.state.type.value if r.state else None,
                   "parameters": r.parameters} for r in runs]))
"""


def deployment_runs(env: dict[str, str], deployment: str) -> list[dict]:
    """The flow runs of ``deployment`` (its name, without the flow's) on the server of ``env``."""
    out = subprocess.run([sys.executable, "-c", _DEPLOYMENT_RUNS, deployment], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)
