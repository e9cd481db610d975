"""pytest plugin with the LLM stub fixture: ``pytest_plugins = ["tests.support.llm_fixtures"]``.

Kept out of tests/conftest.py (owned by the pipeline tests) so only LLM tests start a server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.llm_stub import LLMStub


@pytest.fixture
def llm_stub() -> Iterator[LLMStub]:
    """A running stub server on 127.0.0.1; ``llm_stub.api_base`` is the litellm api_base."""
    stub = LLMStub().start()
    try:
        yield stub
    finally:
        stub.stop()
