"""Extension points: named things (importers, readers, engines) that third-party packages add through Python
entry points, loaded lazily and merged with the built-in ones.

A built-in is registered the same way a plugin is (an `"module:attribute"` reference in the package's
`pyproject.toml`), and also listed in code so a source checkout without installed metadata still finds it.
A plugin cannot replace a built-in of the same name; one that fails to load is reported, never fatal for the
others.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint


@dataclass
class Registry:
    """What one entry-point group offers: name → loaded object, plus the plugins that could not be loaded."""

    group: str
    items: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # name → "built-in" or the distribution's name
    broken: dict[str, str] = field(default_factory=dict)  # name → why it failed to load


def load_reference(ref: str) -> Any:
    """Import `module:attribute` (dotted attributes allowed)."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


def entry_points_of(group: str) -> tuple[EntryPoint, ...]:
    """Every installed entry point of `group`, in metadata order: the one place that asks importlib.metadata
    (imported here, lazily, so CLI start-up does not pay for it). Importers, usage-log readers and query engines
    are all discovered through it; each registry decides what loading and a failure mean for its own kind."""
    from importlib.metadata import entry_points

    return tuple(entry_points(group=group))


def load_group(group: str, builtins: Mapping[str, str]) -> Registry:
    """Built-ins first, then every entry point of `group` whose name is not a built-in's."""
    reg = Registry(group)
    for name, ref in builtins.items():
        reg.items[name] = load_reference(ref)
        reg.origins[name] = "built-in"
    for ep in entry_points_of(group):
        if ep.name in reg.items:
            continue  # the built-in (or an earlier plugin) wins; built-ins also appear here once installed
        try:
            reg.items[ep.name] = ep.load()
        except Exception as exc:  # a broken plugin must not take the others down
            reg.broken[ep.name] = f"{ep.value}: {type(exc).__name__}: {exc}"
            continue
        reg.origins[ep.name] = ep.dist.name if ep.dist is not None else "plugin"
    return reg
