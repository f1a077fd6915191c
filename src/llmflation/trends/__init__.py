"""LLMflation analysis, pure: cheapest-at-capability series, decline fits, forecasts, frontier vs floor,
claims.

Nothing here does I/O except `claims.load_claims` (reads a TOML file); every function takes a Ledger (or
points) and returns frozen dataclasses. Prices stay Decimal; fits work in log10 space with numpy floats and
convert the dollar figures they return back to Decimal at the boundary.
"""

from __future__ import annotations
