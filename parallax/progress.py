"""Concise progress lines for people watching a run (``parallax.progress`` logger).

Prefect's own logs are kept at WARNING for one-shot runs; these lines are what the CLI shows.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LOGGER = logging.getLogger("parallax.progress")


def report(topic: str, stage: str, message: str) -> None:
    LOGGER.info("%-15s %-10s %s", topic, stage, message)


def enable_console(stream: TextIO = sys.stderr) -> None:
    if any(getattr(h, "_parallax", False) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._parallax = True  # type: ignore[attr-defined]
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
