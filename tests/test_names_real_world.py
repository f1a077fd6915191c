"""Model names as they appear in real usage logs, per provider and day, resolve to the model that was billed.

Each case is a name a provider's API accepted (and logs carry) on that day: developers' dated aliases, hosts' own ids
(Bedrock inference profiles, Vertex `@` versions, OpenRouter and Vercel slugs, Together/DeepInfra/Fireworks paths,
Cloudflare `@cf/` ids). Resolution is the usage path's (`ModelResolver`: the ledger's dated names plus the log-name
normalisations), on the bundled data."""

from __future__ import annotations

from datetime import date

import pytest

CASES = [
    # developers' own APIs: moving and pinned names on their day
    ("gpt-4o", "openai", "2024-09-15", "openai/gpt-4o-2024-05-13"),
    ("gpt-4o", "openai", "2025-01-10", "openai/gpt-4o-2024-08-06"),
    ("gpt-4-turbo-preview", "openai", "2024-03-01", "openai/gpt-4-0125-preview"),
    ("gpt-4", "openai", "2024-01-01", "openai/gpt-4-0613"),
    ("gpt-3.5-turbo-0301", "openai", "2024-05-01", "openai/gpt-3.5-turbo-0301"),
    ("gpt-5", "openai", "2025-09-01", "openai/gpt-5-2025-08-07"),
    ("o3-pro", "openai", "2025-07-01", "openai/o3-pro-2025-06-10"),
    ("claude-3-5-sonnet-latest", "anthropic", "2025-01-10", "anthropic/claude-3-5-sonnet-20241022"),
    ("claude-sonnet-4-0", "anthropic", "2025-07-01", "anthropic/claude-sonnet-4-20250514"),
    ("claude-haiku-4-5", "anthropic", "2025-11-01", "anthropic/claude-haiku-4-5-20251001"),
    ("gemini-1.5-pro-latest", "google", "2024-09-01", "google/gemini-1.5-pro"),
    ("models/gemini-2.0-flash", "google", "2025-03-01", "google/gemini-2.0-flash"),
    ("gemini-2.5-flash-preview-05-20", "google", "2025-06-01", "google/gemini-2.5-flash"),
    ("grok-3-latest", "xai", "2025-06-01", "xai/grok-3"),
    ("grok-2-1212", "xai", "2025-01-15", "xai/grok-2-1212"),
    ("mistral-large-latest", "mistral", "2025-03-01", "mistral/mistral-large-2411"),
    ("deepseek-chat", "deepseek", "2025-03-01", "deepseek/deepseek-v3"),
    ("deepseek-reasoner", "deepseek", "2025-03-01", "deepseek/deepseek-r1"),
    ("command-r-plus-08-2024", "cohere", "2025-01-01", "cohere/command-r-plus-08-2024"),
    ("MiniMax-M2", "minimax", "2025-11-10", "minimax/minimax-m2"),
    ("glm-4.5", "zai", "2025-08-15", "zhipu/glm-4.5"),
    # clouds and hosts: their own ids
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock", "2024-08-01", "anthropic/claude-3-5-sonnet-20240620"),
    ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "bedrock", "2025-04-01", "anthropic/claude-3-7-sonnet-20250219"),
    ("claude-3-5-sonnet-v2@20241022", "vertex", "2025-01-01", "anthropic/claude-3-5-sonnet-20241022"),
    ("gemini-1.5-pro-002", "vertex", "2024-11-01", "google/gemini-1.5-pro"),
    ("gpt-4o", "azure", "2025-01-01", "openai/gpt-4o-2024-08-06"),
    ("openai/gpt-4o", "openrouter", "2025-01-01", "openai/gpt-4o-2024-08-06"),
    ("anthropic/claude-3.5-sonnet", "openrouter", "2025-01-01", "anthropic/claude-3-5-sonnet-20241022"),
    ("anthropic/claude-sonnet-4", "vercel", "2025-10-01", "anthropic/claude-sonnet-4-20250514"),
    ("deepseek-ai/DeepSeek-V3", "together", "2025-03-01", "deepseek/deepseek-v3"),
    ("meta-llama/Meta-Llama-3.1-70B-Instruct", "deepinfra", "2025-01-01", "meta/llama-3.1-70b-instruct"),
    ("Qwen/Qwen3-235B-A22B", "deepinfra", "2025-08-01", "qwen/qwen3-235b-a22b"),
    ("accounts/fireworks/models/deepseek-v3", "fireworks", "2025-03-01", "deepseek/deepseek-v3"),
    ("gpt-oss-120b", "cerebras", "2025-09-01", "openai/gpt-oss-120b"),
    ("Meta-Llama-3.3-70B-Instruct", "sambanova", "2025-06-01", "meta/llama-3.3-70b-instruct"),
    ("@cf/meta/llama-3.3-70b-instruct-fp8-fast", "cloudflare", "2025-06-01", "meta/llama-3.3-70b-instruct"),
    ("llama3-70b-8192", "groq", "2024-09-01", "meta/llama-3-70b-instruct"),
    ("llama-3.1-70b-versatile", "groq", "2024-10-01", "meta/llama-3.1-70b-instruct"),
    ("llama-3.3-70b-versatile", "groq", "2025-03-01", "meta/llama-3.3-70b-instruct"),
    ("llama-3.1-8b-instant", "groq", "2025-03-01", "meta/llama-3.1-8b-instruct"),
    ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "together", "2025-02-01", "meta/llama-3.3-70b-instruct"),
    ("meta.llama3-1-70b-instruct-v1:0", "bedrock", "2024-09-01", "meta/llama-3.1-70b-instruct"),
    ("us.meta.llama3-3-70b-instruct-v1:0", "bedrock", "2025-04-01", "meta/llama-3.3-70b-instruct"),
    ("gpt-35-turbo-0125", "azure", "2024-06-01", "openai/gpt-3.5-turbo-0125"),
]


@pytest.fixture(scope="module")
def resolver(shared_home):
    from llmflation.ledger.ledger import open_ledger
    from llmflation.usage.store import ModelResolver

    return ModelResolver(open_ledger(shared_home / "ledger.duckdb"))


@pytest.mark.parametrize(("name", "provider", "day", "model"), CASES, ids=[f"{c[1]}:{c[0]}" for c in CASES])
def test_log_name_resolves_to_the_model_billed_that_day(resolver, name: str, provider: str, day: str,
                                                        model: str) -> None:
    got, why = resolver.resolve(name, provider, date.fromisoformat(day))
    assert got == model, why


def test_an_unknown_log_name_is_reported_with_suggestions_not_guessed(resolver) -> None:
    got, why = resolver.resolve("gpt-4o-2031-01-01-ultra", "openai", date(2026, 1, 1))
    assert got is None and "unknown model 'gpt-4o-2031-01-01-ultra'" in why and "did you mean" in why
    gone, why = resolver.resolve("gpt-3.5-turbo-0301", "openai", date(2024, 10, 1))
    assert gone == "openai/gpt-3.5-turbo-0301", why  # the name resolves; pricing then refuses past the shutdown
