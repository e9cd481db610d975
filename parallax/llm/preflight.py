"""Before any fetch: can the configured model answer at all?

A misconfigured model used to surface only as a fallback note on each page, after a whole run:
litellm raised at the first call, the summarizer fell back to the extractive summary, and the
run ended "ok". These checks need no call to the model (no cost, no network): litellm must know
a provider for the model string, know the model itself (its own model list) unless it runs on
a server of the user's (``api_base``) or the user priced it (a model newer than litellm's
list), and find the provider's key (``litellm.validate_environment``, given the key of a
Prefect Secret block when one is named).

`check_model` turns a problem into `ModelConfigError` unless the user allowed the extractive
fallback; then the run goes on without the model and every page says why.
"""

from __future__ import annotations

from parallax.llm.client import import_litellm, load_api_key
from parallax.settings import LLMSettings


class ModelConfigError(RuntimeError):
    """The configured model cannot be used and the extractive fallback was not allowed."""


def model_problem(settings: LLMSettings, api_key: str | None = None) -> str | None:
    """Why the model of ``settings`` cannot answer, found without calling it; None when
    nothing is wrong. ``api_key``: the key of a Prefect Secret block, if one is named."""
    litellm = import_litellm()
    model = settings.model
    try:
        _, provider, _, _ = litellm.get_llm_provider(model, api_base=settings.api_base)
    except Exception:
        return (
            f"litellm knows no provider for the model {model!r}; write it as provider/model, "
            "e.g. openai/gpt-4o-mini"
        )
    priced = settings.input_cost_per_token is not None or settings.output_cost_per_token is not None
    if not settings.api_base and not priced:
        try:
            litellm.get_model_info(model)
        except Exception:
            return (
                f"litellm's model list has no {model!r} (provider {provider}): check the "
                "spelling; for a model on your own server set PARALLAX_LLM_API_BASE, for one "
                "newer than litellm's list set PARALLAX_LLM_INPUT_COST_PER_TOKEN and "
                "PARALLAX_LLM_OUTPUT_COST_PER_TOKEN"
            )
    found = litellm.validate_environment(model=model, api_key=api_key, api_base=settings.api_base)
    if not found.get("keys_in_environment", False):
        missing = " or ".join(found.get("missing_keys") or ["the provider's key"])
        return (
            f"no API key for {model!r}: set {missing} (or name a Prefect Secret block in "
            "PARALLAX_LLM_API_KEY_SECRET)"
        )
    return None


def check_model(
    settings: LLMSettings | None, api_key_secret: str | None, allow_extractive: bool
) -> str | None:
    """None when no model is configured or it can be used. Otherwise: the problem, when the
    extractive fallback is allowed (the run goes on without the model); `ModelConfigError`
    when it is not."""
    if settings is None:
        return None
    try:
        api_key = load_api_key(api_key_secret)
    except Exception as exc:  # a missing block, or no Prefect API to read it from
        problem: str | None = (
            f"the Prefect Secret block {api_key_secret!r} (PARALLAX_LLM_API_KEY_SECRET) could "
            f"not be read: {type(exc).__name__}: {exc}"
        )
    else:
        problem = model_problem(settings, api_key)
    if problem is None:
        return None
    if not allow_extractive:
        raise ModelConfigError(
            f"PARALLAX_LLM_MODEL={settings.model}: {problem}. Nothing was fetched; fix it, or "
            "allow the extractive summary instead (--allow-extractive or "
            "PARALLAX_ALLOW_EXTRACTIVE=true)"
        )
    return problem
