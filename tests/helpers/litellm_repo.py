"""Build a small git repository holding hand-written versions of LiteLLM's price map, one pitfall per step."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

COOKBOOK = "cookbook/community-resources/max_tokens.json"
PACKAGE = "litellm/model_prices_and_context_window.json"
ROOT = "model_prices_and_context_window.json"


def _git(repo: Path, *args: str, day: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def entry(
    inp: float | None, out: float | None, provider: str | None = "openai", **extra: Any
) -> dict[str, Any]:
    e: dict[str, Any] = {"max_tokens": 4096, "mode": "chat"}
    if inp is not None:
        e["input_cost_per_token"] = inp
    if out is not None:
        e["output_cost_per_token"] = out
    if provider:
        e["litellm_provider"] = provider
    e.update(extra)
    return e


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        _git(path, "init", "-q", "-b", "main")
        self.shas: dict[str, str] = {}

    def write(self, rel: str, data: dict[str, Any] | str, day: str, msg: str) -> str:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
        _git(self.path, "add", "-A")
        _git(self.path, "commit", "-q", "-m", msg, day=day)
        sha = _git(self.path, "rev-parse", "HEAD").strip()
        self.shas[msg] = sha
        return sha

    def move(self, old: str, new: str, day: str, msg: str) -> str:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        _git(self.path, "mv", old, new)
        _git(self.path, "commit", "-q", "-m", msg, day=day)
        sha = _git(self.path, "rev-parse", "HEAD").strip()
        self.shas[msg] = sha
        return sha


def build(path: Path) -> Repo:
    """The history the tests expect (dates are commit days, UTC):

    2023-08-08 cookbook path, no litellm_provider; gpt-4 at 3/60 (a 10× typo), claude-instant-1, sample_spec
    2023-09-06 renamed to litellm/…, then moved to the root (same content: no new version)
    2023-09-18 gpt-4 input fixed to 30 (exact 10× change: flagged)
    2024-05-13 gpt-4o alias and gpt-4o-2024-05-13 at 5/15; Vertex gemini-1.5-flash priced per character
    2024-05-14 invalid JSON (skipped)
    2024-05-15 trailing comma (lenient parse) and a typo: gpt-4o-2024-05-13 input 50
    2024-05-17 typo reverted (both dropped)
    2024-06-01 together_ai llama 0.88; embedding key (ignored)
    2024-06-10 together_ai key removed … 2024-06-12 re-added (gap ignored)
    2024-08-06 gpt-4o-2024-08-06 at 2.5/10
    2024-11-12 the gpt-4o alias finally moves to 2.5/10 (lagging alias: shadowed by the dated key)
    2025-01-20 gpt-4 removed (last seen)
    """
    repo = Repo(path)
    m: dict[str, Any] = {
        "sample_spec": {"max_tokens": "set to max_output_tokens", "input_cost_per_token": 0.0},
        "gpt-4": entry(3e-06, 6e-05, provider=None),
        "claude-instant-1": entry(1.63e-06, 5.51e-06, provider=None),
    }
    repo.write(COOKBOOK, m, "2023-08-08", "add max_tokens.json")
    repo.move(COOKBOOK, PACKAGE, "2023-09-06", "rename to model_prices_and_context_window")
    repo.move(PACKAGE, ROOT, "2023-09-06", "move model_prices to root")
    m["gpt-4"] = entry(3e-05, 6e-05, provider=None)
    repo.write(ROOT, m, "2023-09-18", "fix gpt-4 price")
    m["gpt-4o"] = entry(5e-06, 1.5e-05)
    m["gpt-4o-2024-05-13"] = entry(5e-06, 1.5e-05)
    m["gemini-1.5-flash"] = entry(
        None,
        None,
        provider="vertex_ai-language-models",
        input_cost_per_character=1.875e-08,
        output_cost_per_character=7.5e-08,
        input_cost_per_token=4.688e-09,
        output_cost_per_token=4.687e-09,
    )
    repo.write(ROOT, m, "2024-05-13", "add gpt-4o")
    repo.write(ROOT, json.dumps(m)[:-40], "2024-05-14", "broken json")
    m["gpt-4o-2024-05-13"] = entry(5e-05, 1.5e-05)
    text = json.dumps(m, indent=2)
    text = text[: text.rindex("}")].rstrip() + ",\n}"  # trailing comma: lenient parse needed
    repo.write(ROOT, text, "2024-05-15", "typo")
    m["gpt-4o-2024-05-13"] = entry(5e-06, 1.5e-05)
    repo.write(ROOT, m, "2024-05-17", "revert typo")
    llama = "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo"
    m[llama] = entry(8.8e-07, 8.8e-07, provider="together_ai")
    m["text-embedding-3-small"] = entry(2e-08, 0.0, mode="embedding")
    repo.write(ROOT, m, "2024-06-01", "add llama on together")
    del m[llama]
    repo.write(ROOT, m, "2024-06-10", "drop together by mistake")
    m[llama] = entry(8.8e-07, 8.8e-07, provider="together_ai")
    repo.write(ROOT, m, "2024-06-12", "restore together")
    m["gpt-4o-2024-08-06"] = entry(2.5e-06, 1e-05)
    repo.write(ROOT, m, "2024-08-06", "add gpt-4o-2024-08-06")
    m["gpt-4o"] = entry(2.5e-06, 1e-05)
    repo.write(ROOT, m, "2024-11-12", "update gpt-4o alias")
    del m["gpt-4"]
    repo.write(ROOT, m, "2025-01-20", "remove gpt-4")
    return repo
