"""Quiet defaults for Prefect in one-shot CLI runs.

With Prefect's defaults an offline run prints telemetry errors, a `database is locked`
traceback on a fresh PREFECT_HOME and hundreds of CancelledError lines at shutdown; with these
settings it prints none of them. They are defaults only:
anything already set in the environment wins, so a long-lived server can keep its recorder.
"""

from __future__ import annotations

import os

QUIET_PREFECT_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The task-run recorder is what floods shutdown with CancelledError tracebacks; the
    # ephemeral server of a CLI run keeps flow runs without it.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # Prefect's internal services log a failed slot acquisition at ERROR with the raw call
    # tuple; parallax/limits.py reports it in one line of its own. A level set on the logger
    # itself does not hold: Prefect's logging setup resets children of prefect._internal.
    "PREFECT_INTERNAL_LOGGING_LEVEL": "CRITICAL",
    "DO_NOT_TRACK": "1",
    # litellm fetches its cost map from the internet at import; use the bundled one.
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
}


def configure_quiet_env() -> None:
    for key, value in QUIET_PREFECT_ENV.items():
        os.environ.setdefault(key, value)
