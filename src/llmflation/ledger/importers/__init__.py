"""Importers: dated, sourced price snapshots from other price maps, merged under the curated ledger.

Pure parsing and mapping live here (`litellm`, `openrouter`, `genai_prices`, `history`, `mapping`, `merge`,
`changes`); `run` is the one place that reads files, runs git and writes the store.
"""
