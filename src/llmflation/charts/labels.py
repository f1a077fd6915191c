"""Human labels for raw keys: benchmark ids, threshold labels, model ids and source references.

Charts, the report and the dashboard show these instead of `gpqa_diamond`, `eci ≥ 126.1` or a 40-digit commit.
"""

from __future__ import annotations

import re

BENCHMARKS = {
    "mmlu": "MMLU",
    "gpqa_diamond": "GPQA Diamond",
    "lmarena_elo": "LMArena Elo",
    "eci": "Epoch Capabilities Index",
}
SHORT = {**BENCHMARKS, "eci": "ECI"}

_GITHUB = re.compile(r"^github:(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-fA-F]{7,40}):(?P<path>.+)$")


def benchmark(key: str, short: bool = False) -> str:
    """`gpqa_diamond` → "GPQA Diamond"; unknown keys lose their underscores."""
    k = key.strip().lower()
    table = SHORT if short else BENCHMARKS
    return table.get(k) or k.replace("_", " ").strip().title()


def threshold(label: str) -> str:
    """A threshold label as the trends module writes it ("gpqa_diamond ≥ 48.9 (GPT-4o (2024-05-13) level)")
    with the benchmark key replaced by its name ("GPQA Diamond ≥ 48.9 (GPT-4o (2024-05-13) level)")."""
    head, sep, rest = label.partition(" ")
    if head.lower() in BENCHMARKS and rest.startswith(("≥", ">=")):
        return f"{benchmark(head, short=True)}{sep}{rest}"
    return label


def model(model_id: str, names: dict[str, str] | None = None) -> str:
    """A model's display name when known, else its id without the developer prefix."""
    if names and model_id in names:
        return names[model_id]
    return model_id.split("/", 1)[-1]


def source(ref: str) -> str:
    """`github:owner/repo@<commit>:path` → "owner/repo path (commit abc1234)"; URLs lose their scheme."""
    m = _GITHUB.match(ref.strip())
    if m:
        return f"{m['repo']} {m['path']} (commit {m['commit'][:7]})"
    return re.sub(r"^https?://(www\.)?", "", ref.strip())


def source_url(ref: str) -> str | None:
    """A clickable address for a source reference, or None when it has none."""
    r = ref.strip()
    m = _GITHUB.match(r)
    if m:
        return f"https://github.com/{m['repo']}/blob/{m['commit']}/{m['path']}"
    if r.startswith(("http://", "https://")):
        return r
    return None
