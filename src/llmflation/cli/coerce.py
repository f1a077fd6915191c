"""Parameter values converted without pydantic, for start-up time.

Typer (0.2x) converts every command-line value (None and flags' booleans aside) through a pydantic `TypeAdapter`:
the first command that runs pays for importing pydantic and building one adapter per parameter (0.1-0.3 s on the
2-core machine, more than the command's own work for `price`). The parameters of this CLI have a handful of plain
types: `str`, `int` and `float` (with bounds), `bool`, `pathlib.Path`, and lists of `str` or `Path`. For those, a
value in its plain form (the string a user typed, or the default) is converted here to exactly what Typer's
adapter returns; every other value (a number out of bounds, `"1_000"`, a string with a lone surrogate, a type not
listed here) goes to Typer's own conversion, so every error message stays Typer's. `tests/test_cli_coerce.py`
checks that both give the same result on a corpus of valid and invalid values.

It sets Typer's per-parameter `_runtime_param` (Typer builds it lazily on first use); with a Typer whose parameters
do not have that slot, nothing is installed and Typer converts as before.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from typer._coercion import RuntimeParam, build_runtime_param

_MISS = object()  # "not a plain value: let Typer convert it"
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")


def _text(value: Any) -> Any:
    """A str that pydantic keeps as it is (no lone surrogates from undecodable argv bytes)."""
    if type(value) is not str:
        return _MISS
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _MISS
    return value


def _within(number: Any, info: Any) -> Any:
    if info.clamp:
        return _MISS
    if info.min is not None and not number >= info.min:
        return _MISS
    if info.max is not None and not number <= info.max:
        return _MISS
    return number


def _int(value: Any, info: Any) -> Any:
    if type(value) is int:
        return _within(value, info)
    if type(value) is str and _INT.fullmatch(value):
        return _within(int(value), info)
    return _MISS


def _float(value: Any, info: Any) -> Any:
    if type(value) is float:
        return _within(value, info)
    if type(value) is str and _FLOAT.fullmatch(value):
        return _within(float(value), info)
    return _MISS


def _path(value: Any, info: Any, param: Any, ctx: Any) -> Any:
    from typer._param_types import coerce_cli_path

    if not isinstance(value, Path):
        value = _text(value)
        if value is _MISS or not value or "\x00" in value:
            return _MISS
        value = Path(value)
    # the same checks (exists, readable, …) and errors as Typer's path conversion, which this is
    return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)


def _convert(annotation: Any, value: Any, info: Any, param: Any, ctx: Any) -> Any:
    if annotation is str:
        return _text(value)
    if annotation is int:
        return _int(value, info)
    if annotation is float:
        return _float(value, info)
    if annotation is Path:
        return _path(value, info, param, ctx)
    if annotation is bool and type(value) is bool:
        return value
    return _MISS


_LEAVES = (str, int, float, bool, Path)


def _supported(annotation: Any) -> bool:
    if annotation in _LEAVES:
        return True
    return getattr(annotation, "__origin__", None) is list and tuple(getattr(annotation, "__args__", ())) in (
        (str,), (Path,))


class FastRuntimeParam(RuntimeParam):
    """Typer's runtime conversion for one parameter, with the plain values converted without pydantic."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation = self.annotation
        out: Any
        if getattr(annotation, "__origin__", None) is list:
            (item_type,) = annotation.__args__
            out = _MISS
            if isinstance(value, (list, tuple)):
                items = [_convert(item_type, v, self.parameter_info, param, ctx) for v in value]
                out = _MISS if any(v is _MISS for v in items) else items
        else:
            out = _convert(annotation, value, self.parameter_info, param, ctx)
        if out is _MISS:
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)
        return out


def _install_param(param: Any) -> None:
    desc = getattr(param, "type_descriptor", None)
    if desc is None or getattr(param, "_runtime_param", 0) is not None:
        return
    info = desc.parameter_info
    if info.parser is not None or getattr(info, "click_type", None) is not None or not _supported(desc.annotation):
        return
    if (desc.annotation is Path or desc.annotation == list[Path]) and info.path_type is not None:
        return
    param._runtime_param = FastRuntimeParam(parameter_info=info, annotation=desc.annotation)


def install(command: Any) -> None:
    """Give every plain-typed parameter of `command` and its subcommands the pydantic-free conversion."""
    for param in command.params:
        _install_param(param)
    typers_own = command.get_help_option

    def get_help_option(ctx: Any) -> Any:  # -h/--help is made per command on first use
        option = typers_own(ctx)
        if option is not None:
            _install_param(option)
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        install(sub)
