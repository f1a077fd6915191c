"""The importer registry: every price source `llmflation import <kind>` and `llmflation data update` know.

Built-in sources and third-party ones are found the same way, through the `llmflation.importers` entry-point
group; each entry point names an `Importer` (see `common.Importer`). A plugin package adds a source with

    [project.entry-points."llmflation.importers"]
    mysource = "my_package.prices:IMPORTER"

(`examples/importer_plugin/` is a complete one).
"""

from __future__ import annotations

from functools import cache

from llmflation.errors import UnknownNameError
from llmflation.ledger.importers.common import Importer
from llmflation.plugins import Registry, load_group

GROUP = "llmflation.importers"
BUILTIN = {
    "litellm": "llmflation.ledger.importers.litellm:IMPORTER",
    "genai-prices": "llmflation.ledger.importers.genai_prices:IMPORTER",
    "openrouter": "llmflation.ledger.importers.openrouter:IMPORTER",
    "vercel": "llmflation.ledger.importers.vercel:IMPORTER",
}


@cache
def registry() -> Registry:
    reg = load_group(GROUP, BUILTIN)
    for name, obj in list(reg.items.items()):
        if not isinstance(obj, Importer):
            reg.broken[name] = f"{type(obj).__name__} is not an llmflation Importer"
            del reg.items[name]
    return reg


def importers() -> dict[str, Importer]:
    """Every importer by kind, built-ins first."""
    return dict(registry().items)


def get(kind: str) -> Importer:
    found = registry().items.get(kind)
    if found is None:
        known = sorted(registry().items)
        raise UnknownNameError("importer", kind, known)
    assert isinstance(found, Importer)
    return found


def updatable() -> list[Importer]:
    """Importers that `data update` can fetch (those with a URL)."""
    return [i for i in importers().values() if i.url]
