"""The pre-flight model check: what keeps a configured model from answering, found before any
fetch and without calling it (litellm's own knowledge: providers, model list, keys)."""

from __future__ import annotations

import pytest

from parallax.llm.preflight import ModelConfigError, check_model, model_problem
from parallax.settings import LLMSettings


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("settings", "env", "problem"),
    [
        (LLMSettings(model="gpt-4o-mini"), {}, "no API key for 'gpt-4o-mini': set OPENAI_API_KEY"),
        (LLMSettings(model="openai/gpt-4o-mini"), {}, "set OPENAI_API_KEY"),
        (LLMSettings(model="gpt-4o-mni"), {"OPENAI_API_KEY": "k"}, "knows no provider"),
        (
            LLMSettings(model="openai/gpt-4o-mni"),
            {"OPENAI_API_KEY": "k"},
            "litellm's model list has no 'openai/gpt-4o-mni' (provider openai): check the spelling",
        ),
        (LLMSettings(model="nonsense/model"), {}, "knows no provider for the model"),
    ],
    ids=["no-key", "no-key-prefixed", "unknown-provider", "misspelled", "bad-provider"],
)
def test_a_misconfigured_model_is_named_with_what_to_do(settings, env, problem, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = model_problem(settings)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    ("settings", "env", "api_key"),
    [
        (LLMSettings(model="openai/gpt-4o-mini"), {"OPENAI_API_KEY": "k"}, None),
        (LLMSettings(model="gpt-4o-mini"), {}, "key-from-a-secret-block"),
        # a model on the user's own server: not in litellm's list, and that is fine
        (LLMSettings(model="openai/my-local", api_base="http://127.0.0.1:9/v1"),
         {"OPENAI_API_KEY": "k"}, None),
        # a model newer than litellm's list, priced by the user
        (LLMSettings(model="openai/gpt-9", input_cost_per_token=1e-6, output_cost_per_token=2e-6),
         {"OPENAI_API_KEY": "k"}, None),
    ],
    ids=["key-in-env", "key-from-secret", "own-server", "priced"],
)  # fmt: skip
def test_a_usable_model_passes(settings, env, api_key, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert model_problem(settings, api_key) is None


def test_check_model_stops_unless_the_fallback_is_allowed():
    settings = LLMSettings(model="openai/gpt-4o-mini")
    assert check_model(None, None, allow_extractive=False) is None  # no model: nothing to check
    with pytest.raises(ModelConfigError) as raised:
        check_model(settings, None, allow_extractive=False)
    message = str(raised.value)
    assert message.startswith("PARALLAX_LLM_MODEL=openai/gpt-4o-mini: no API key")
    assert "Nothing was fetched" in message and "--allow-extractive" in message
    assert "\n" not in message
    allowed = check_model(settings, None, allow_extractive=True)
    assert allowed is not None and "set OPENAI_API_KEY" in allowed


def test_a_secret_block_that_cannot_be_read_is_a_problem_too(prefect_harness):
    with pytest.raises(ModelConfigError, match="the Prefect Secret block 'no-such-block'"):
        check_model(LLMSettings(model="openai/gpt-4o-mini"), "no-such-block", False)
