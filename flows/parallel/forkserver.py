"""The server a backfill's worker processes fork from.

It imports the pipeline once (Prefect, pandas, DuckDB, litellm: seconds of CPU), so each
worker starts ready instead of importing it again. `warm_up` starts it early, on the other
core, while this process is still starting Prefect.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from multiprocessing.context import ForkServerContext


def context(with_model: bool) -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    # Has no effect once the server runs (it keeps what it preloaded).
    ctx.set_forkserver_preload(["flows.parallel.threads", *(["litellm"] if with_model else [])])
    return ctx


def warm_up(with_model: bool) -> None:
    """Start the server now; it imports in the background and forks when first asked."""
    context(with_model)
    multiprocessing.forkserver.ensure_running()
