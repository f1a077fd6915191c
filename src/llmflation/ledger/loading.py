"""Parse and validate ledger CSV files into records, collecting every problem with its line number.

Validation is all-or-nothing: callers get either clean records or a DataError listing each bad line,
so a malformed file is never half-loaded.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from llmflation.errors import DataError
from llmflation.ledger.records import (
    COMPONENT_PRICES,
    CONFIDENCE_LEVELS,
    DATE_BASES,
    NAME_KINDS,
    OFF_PEAK_TIER,
    STANDARD_TIER,
    TIERS,
    Lifecycle,
    Model,
    NameRow,
    Price,
    Score,
)
from llmflation.ledger.windows import parse_window, window_problem

MODEL_COLUMNS = (
    "id", "name", "aliases", "developer", "release_date", "open_weights", "params_total_b", "params_active_b",
    "context_window", "reasoning", "layers", "hidden_size", "heads", "kv_heads", "experts_total", "experts_active",
    "source", "confidence", "note",
)
PRICE_COLUMNS = (
    "model", "provider", "tier", "valid_from", "valid_to", "input", "output", "cached_input", "cache_write",
    "batch_discount", "long_context_threshold", "long_input", "long_output", "long_cached_input",
    "cache_write_1h", "input_audio", "output_audio", "window_utc", "regional_uplift", "date_basis", "checked_on",
    "source", "confidence", "note",
)
SCORE_COLUMNS = ("model", "benchmark", "value", "as_of", "setting", "source", "confidence", "note")
NAME_COLUMNS = ("name", "provider", "model", "kind", "valid_from", "valid_to", "source", "confidence", "note")
LIFECYCLE_COLUMNS = ("model", "provider", "available_from", "deprecated_on", "shutdown_on", "successor", "source",
                     "confidence", "note")
RELEASE_FILE = "release.toml"
BUNDLED_FILES = ("models.csv", "prices.csv", "scores.csv", "names.csv", "lifecycle.csv", RELEASE_FILE)
REQUIRED_PRICE_COLUMNS = ("model", "provider", "valid_from", "input", "output")


@dataclass
class Problems:
    """Accumulates `file:line: field: reason` messages."""

    items: list[str] = field(default_factory=list)

    def add(self, where: str, line: int, message: str) -> None:
        self.items.append(f"{where}:{line}: {message}")

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise DataError(what, self.items)


class _Row:
    """One CSV row with typed getters that record problems instead of raising."""

    def __init__(self, raw: dict[str, str | None], where: str, line: int, problems: Problems) -> None:
        self.raw = raw
        self.where = where
        self.line = line
        self.problems = problems
        self.ok = True

    def _bad(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.where, self.line, f"{column}: {message}")

    def text(self, column: str, required: bool = False) -> str:
        value = (self.raw.get(column) or "").strip()
        if required and not value:
            self._bad(column, "is required")
        return value

    def _parsed(self, column: str, required: bool, parse: Callable[[str], Any], kind: str) -> Any:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return parse(value)
        except (ValueError, InvalidOperation):
            self._bad(column, f"{value!r} is not {kind}")
            return None

    def date(self, column: str, required: bool = False) -> date | None:
        return self._parsed(column, required, date.fromisoformat, "a date (YYYY-MM-DD)")

    def decimal(self, column: str, required: bool = False, minimum: Decimal | None = Decimal(0)) -> Decimal | None:
        def parse(v: str) -> Decimal:
            if "e" in v.lower():
                raise ValueError(v)
            d = Decimal(v)
            if not d.is_finite():
                raise ValueError(v)
            return d

        d: Decimal | None = self._parsed(column, required, parse, "a plain decimal number")
        if d is not None and minimum is not None and d < minimum:
            self._bad(column, f"{d} is below {minimum}")
        return d

    def integer(self, column: str, required: bool = False) -> int | None:
        n: int | None = self._parsed(column, required, int, "a whole number")
        if n is not None and n < 0:
            self._bad(column, f"{n} is negative")
        return n

    def boolean(self, column: str) -> bool:
        value = self.text(column).lower()
        if value in ("true", "yes", "y", "1"):
            return True
        if value in ("", "false", "no", "n", "0"):
            return False
        self._bad(column, f"{value!r} is not true/false")
        return False

    def confidence(self, default: str | None = None) -> str:
        value = self.text("confidence") or (default or "")
        if value not in CONFIDENCE_LEVELS:
            self._bad("confidence", f"{value!r} is not one of {', '.join(CONFIDENCE_LEVELS)}")
        return value

    def source(self, default: str | None = None) -> str:
        value = self.text("source") or (default or "")
        if not value:
            self._bad("source", "is required (a URL or github:owner/repo@commit:path)")
        return value


def _read_rows(
    text: str, where: str, expected: Sequence[str], required: Sequence[str], problems: Problems
) -> Iterable[tuple[int, dict[str, str | None]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in expected]
    if missing:
        problems.add(where, 1, f"header: missing column(s) {', '.join(missing)}")
    if unknown:
        problems.add(where, 1, f"header: unknown column(s) {', '.join(unknown)}")
    if missing or unknown:
        return
    for row in reader:
        if None in row:  # more cells than header columns
            problems.add(where, reader.line_num, f"row has {len(header) + len(row[None] or [])} cells, "
                         f"header has {len(header)}")
            continue
        if all(not (v or "").strip() for v in row.values()):
            continue
        yield reader.line_num, row


def parse_models(text: str, where: str, problems: Problems) -> list[Model]:
    models: list[Model] = []
    for line, raw in _read_rows(text, where, MODEL_COLUMNS, ("id", "name", "developer"), problems):
        r = _Row(raw, where, line, problems)
        model = Model(
            id=r.text("id", required=True).lower(),
            name=r.text("name", required=True),
            aliases=tuple(a.strip() for a in r.text("aliases").split("|") if a.strip()),
            developer=r.text("developer", required=True).lower(),
            release_date=r.date("release_date"),
            open_weights=r.boolean("open_weights"),
            params_total_b=r.decimal("params_total_b"),
            params_active_b=r.decimal("params_active_b"),
            context_window=r.integer("context_window"),
            reasoning=r.boolean("reasoning"),
            layers=r.integer("layers"),
            hidden_size=r.integer("hidden_size"),
            heads=r.integer("heads"),
            kv_heads=r.integer("kv_heads"),
            experts_total=r.integer("experts_total"),
            experts_active=r.integer("experts_active"),
            source=r.source(),
            confidence=r.confidence(),
            note=r.text("note"),
        )
        if r.ok:
            models.append(model)
    return models


def parse_prices(
    text: str, where: str, problems: Problems, default_source: str | None = None,
    default_confidence: str | None = None, origin: str = "bundled",
) -> list[Price]:
    prices: list[Price] = []
    for line, raw in _read_rows(text, where, PRICE_COLUMNS, REQUIRED_PRICE_COLUMNS, problems):
        price = price_from_row(raw, where, line, problems, default_source, default_confidence, origin)
        if price is not None:
            prices.append(price)
    return prices


def price_from_row(
    raw: Mapping[str, str | None], where: str, line: int, problems: Problems, default_source: str | None = None,
    default_confidence: str | None = None, origin: str = "bundled",
) -> Price | None:
    """One price from its fields as text (a CSV row, or an API request's row): the one set of price rules.

    Problems go to `problems` as `where:line: field: reason`; None when the row is bad.
    """
    missing = [c for c in REQUIRED_PRICE_COLUMNS if c not in raw]
    if missing:
        problems.add(where, line, f"missing field(s) {', '.join(missing)}")
        return None
    r = _Row(dict(raw), where, line, problems)
    valid_from = r.date("valid_from", required=True)
    valid_to = r.date("valid_to")
    price_in = r.decimal("input", required=True)
    price_out = r.decimal("output", required=True)
    batch = r.decimal("batch_discount")
    if batch is not None and batch >= 1:
        r._bad("batch_discount", f"{batch} must be a fraction below 1 (0.5 = 50% off)")
    if valid_from and valid_to and valid_to <= valid_from:
        r._bad("valid_to", f"{valid_to} is not after valid_from {valid_from}")
    threshold = r.integer("long_context_threshold")
    long_in, long_out = r.decimal("long_input"), r.decimal("long_output")
    if threshold is not None and (long_in is None or long_out is None):
        r._bad("long_context_threshold", "needs long_input and long_output")
    if threshold is None and (long_in is not None or long_out is not None):
        r._bad("long_input", "long-context prices need long_context_threshold")
    tier = (r.text("tier") or STANDARD_TIER).lower()
    if tier not in TIERS:
        r._bad("tier", f"{tier!r} is not one of {', '.join(TIERS)}")
    window = r.text("window_utc") or None
    if window is not None and parse_window(window) is None:
        r._bad("window_utc", window_problem(window))
    if (tier == OFF_PEAK_TIER) != (window is not None):
        r._bad("window_utc", f"is required for tier {OFF_PEAK_TIER!r} rows and only for them")
    uplift = r.decimal("regional_uplift")
    if uplift is not None and uplift >= 1:
        r._bad("regional_uplift", f"{uplift} must be a fraction below 1 (0.1 = 10% more)")
    basis = r.text("date_basis").lower() or None
    if basis is not None and basis not in DATE_BASES:
        r._bad("date_basis", f"{basis!r} is not one of {', '.join(DATE_BASES)}")
    price = Price(
        model=r.text("model", required=True).lower(),
        provider=r.text("provider", required=True).lower(),
        tier=tier,
        valid_from=valid_from or date.min,
        valid_to=valid_to,
        input=price_in or Decimal(0),
        output=price_out or Decimal(0),
        cached_input=r.decimal("cached_input"),
        cache_write=r.decimal("cache_write"),
        batch_discount=batch,
        long_context_threshold=threshold,
        long_input=long_in,
        long_output=long_out,
        long_cached_input=r.decimal("long_cached_input"),
        cache_write_1h=r.decimal("cache_write_1h"),
        input_audio=r.decimal("input_audio"),
        output_audio=r.decimal("output_audio"),
        window_utc=window,
        regional_uplift=uplift,
        date_basis=basis,
        checked_on=r.date("checked_on"),
        source=r.source(default_source),
        confidence=r.confidence(default_confidence),
        note=r.text("note"),
        origin=origin,
    )
    for column, message in dating_problems(price, date.today()):
        r._bad(column, message)
    return price if r.ok else None


def dating_problems(p: Price, today: date) -> list[tuple[str, str]]:
    """What is wrong with how a price row is dated (column, message); a load error. Empty when nothing is.

    - `checked_on` cannot be after today: a row is not checked in the future.
    """
    if p.checked_on is not None and p.checked_on > today:
        return [("checked_on", f"{p.checked_on} is in the future (today is {today})")]
    return []


def dating_warnings(p: Price) -> list[str]:
    """Dating that is allowed but inconsistent (reported by `data check`, never a load error):

    - `checked_on` before `valid_from` on a row not dated by the vendor's `effective` date: a source confirmed the
      price before the day the row says it was first seen, so the first sighting (valid_from) could be earlier.
      (An `effective` row may be checked before it starts: a change announced ahead of time.)
    """
    if p.checked_on is not None and p.checked_on < p.valid_from and p.date_basis != "effective":
        return [f"{p.model} @ {p.provider} ({p.tier}) from {p.valid_from}: checked_on {p.checked_on} is before "
                f"valid_from although the date is {p.date_basis or 'not stated as effective'}; the first sighting "
                "could be dated earlier"]
    return []


def consistency_warnings(p: Price, model: Model | None) -> list[str]:
    """Prices that are allowed but unlikely, as copying mistakes leave them (reported by `data check`):

    - a long-context tier that starts above the model's context window (it can never apply: the row's prices
      probably belong to another model, as when a moving alias's price was filed under one snapshot);
    - a cache-read price above the input price, or a long-context price below its base price;
    - a $0 component price (cache read or write, long-context, audio) on a row whose input or output is paid.
    """
    where = f"{p.model} @ {p.provider} ({p.tier}) from {p.valid_from}"
    out: list[str] = []
    window = model.context_window if model is not None else None
    if p.long_context_threshold is not None and window is not None and p.long_context_threshold > window:
        out.append(f"{where}: long-context prices above {p.long_context_threshold} tokens, but the model's context "
                   f"window is {window}; the tier can never apply (were these another model's prices?)")
    if p.cached_input is not None and p.cached_input > p.input:
        out.append(f"{where}: cache-read price {p.cached_input} is above the input price {p.input}")
    for long, base in (("long_input", "input"), ("long_output", "output"), ("long_cached_input", "cached_input")):
        lv, bv = getattr(p, long), getattr(p, base)
        if lv is not None and bv is not None and lv < bv:
            out.append(f"{where}: {long} {lv} is below {base} {bv}")
    if p.input or p.output:
        zero = [c for c in COMPONENT_PRICES if getattr(p, c) is not None and getattr(p, c) == 0]
        if zero:
            out.append(f"{where}: {', '.join(zero)} = 0 on a paid offer bills those tokens at $0; leave the cell "
                       "empty unless the vendor bills them at $0 (a source's 0 often means 'no such charge')")
    return out


def parse_scores(text: str, where: str, problems: Problems) -> list[Score]:
    scores: list[Score] = []
    for line, raw in _read_rows(text, where, SCORE_COLUMNS, ("model", "benchmark", "value"), problems):
        r = _Row(raw, where, line, problems)
        score = Score(
            model=r.text("model", required=True).lower(),
            benchmark=r.text("benchmark", required=True).lower(),
            value=r.decimal("value", required=True, minimum=None) or Decimal(0),
            as_of=r.date("as_of"),
            setting=r.text("setting"),
            source=r.source(),
            confidence=r.confidence(),
            note=r.text("note"),
        )
        if r.ok:
            scores.append(score)
    return scores


def parse_names(text: str, where: str, problems: Problems) -> list[NameRow]:
    rows: list[NameRow] = []
    for line, raw in _read_rows(text, where, NAME_COLUMNS, ("name", "model", "kind", "valid_from"), problems):
        r = _Row(raw, where, line, problems)
        kind = r.text("kind", required=True).lower()
        if kind and kind not in NAME_KINDS:
            r._bad("kind", f"{kind!r} is not one of {', '.join(NAME_KINDS)}")
        valid_from, valid_to = r.date("valid_from", required=True), r.date("valid_to")
        if valid_from and valid_to and valid_to <= valid_from:
            r._bad("valid_to", f"{valid_to} is not after valid_from {valid_from}")
        row = NameRow(
            name=r.text("name", required=True).lower(), provider=r.text("provider").lower() or None,
            model=r.text("model", required=True).lower(), kind=kind, valid_from=valid_from or date.min,
            valid_to=valid_to, source=r.source(), confidence=r.confidence(), note=r.text("note"))
        if r.ok:
            rows.append(row)
    return rows


def parse_lifecycle(text: str, where: str, problems: Problems) -> list[Lifecycle]:
    rows: list[Lifecycle] = []
    for line, raw in _read_rows(text, where, LIFECYCLE_COLUMNS, ("model", "provider"), problems):
        r = _Row(raw, where, line, problems)
        avail, dep, shut = r.date("available_from"), r.date("deprecated_on"), r.date("shutdown_on")
        if dep and shut and shut < dep:
            r._bad("shutdown_on", f"{shut} is before deprecated_on {dep}")
        if avail and shut and shut <= avail:
            r._bad("shutdown_on", f"{shut} is not after available_from {avail}")
        if not (avail or dep or shut):
            r._bad("available_from", "a lifecycle row needs at least one of available_from, deprecated_on, "
                   "shutdown_on")
        row = Lifecycle(
            model=r.text("model", required=True).lower(), provider=r.text("provider", required=True).lower(),
            available_from=avail, deprecated_on=dep, shutdown_on=shut,
            successor=r.text("successor").lower() or None, source=r.source(), confidence=r.confidence(),
            note=r.text("note"))
        if r.ok:
            rows.append(row)
    return rows


def check_names(models: Sequence[Model], names: Iterable[NameRow], lifecycle: Iterable[Lifecycle],
                problems: Problems) -> None:
    """Names point at known models and never mean two things at once for the same (name, provider);
    lifecycle rows name known models and successors, one row per offer."""
    ids = {m.id for m in models}
    groups: dict[tuple[str, str], list[NameRow]] = defaultdict(list)
    for n in names:
        if n.model not in ids:
            problems.add("names.csv", 0, f"{n.name}: model {n.model!r} is not in models.csv")
        groups[(n.name, n.provider or "")].append(n)
    for (name, prov), group in groups.items():
        group.sort(key=lambda n: n.valid_from)
        for prev, cur in zip(group, group[1:], strict=False):
            if prev.valid_to is None or prev.valid_to > cur.valid_from:
                problems.add("names.csv", 0, f"{name}{'@' + prov if prov else ''}: interval from {prev.valid_from} "
                             f"(to {prev.valid_to or 'open'}) overlaps the one from {cur.valid_from}")
    seen: set[tuple[str, str]] = set()
    for lc in lifecycle:
        if lc.model not in ids:
            problems.add("lifecycle.csv", 0, f"model {lc.model!r} is not in models.csv")
        if lc.successor and lc.successor not in ids:
            problems.add("lifecycle.csv", 0, f"{lc.model}: successor {lc.successor!r} is not in models.csv")
        if (lc.model, lc.provider) in seen:
            problems.add("lifecycle.csv", 0, f"{lc.model}/{lc.provider} has more than one row")
        seen.add((lc.model, lc.provider))


def check_overlaps(prices: Iterable[Price], where: str, problems: Problems) -> None:
    """Per (model, provider, tier) the validity intervals must not overlap."""
    groups: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
    for p in prices:
        groups[(p.model, p.provider, p.tier)].append(p)
    for key, group in groups.items():
        group.sort(key=lambda p: p.valid_from)
        for prev, cur in zip(group, group[1:], strict=False):
            if prev.valid_to is None or prev.valid_to > cur.valid_from:
                problems.add(where, 0, f"{'/'.join(key)}: interval from {prev.valid_from} "
                             f"(to {prev.valid_to or 'open'}) overlaps the one from {cur.valid_from}")


def check_references(
    models: Sequence[Model], prices: Iterable[Price], scores: Iterable[Score], problems: Problems
) -> None:
    ids: set[str] = set()
    names: dict[str, str] = {}
    for m in models:
        if m.id in ids:
            problems.add("models.csv", 0, f"id {m.id!r} appears twice")
        ids.add(m.id)
    for m in models:
        for alias in m.aliases:
            key = alias.lower()
            if key in ids and key != m.id:
                problems.add("models.csv", 0, f"alias {alias!r} of {m.id} is another model's id")
            other = names.get(key)
            if other and other != m.id:
                problems.add("models.csv", 0, f"alias {alias!r} is used by both {other} and {m.id}")
            names[key] = m.id
    for p in prices:
        if p.model not in ids:
            problems.add("prices.csv", 0, f"model {p.model!r} is not in models.csv")
    for s in scores:
        if s.model not in ids:
            problems.add("scores.csv", 0, f"model {s.model!r} is not in models.csv")


@dataclass(frozen=True)
class BundledData:
    models: list[Model]
    prices: list[Price]
    scores: list[Score]
    digest: str
    names: list[NameRow] = field(default_factory=list)
    lifecycle: list[Lifecycle] = field(default_factory=list)
    release: date | None = None  # the data's release date (release.toml); None when the texts carry no such file


def bundled_texts() -> dict[str, str]:
    base = resources.files("llmflation.ledger") / "data"
    return {name: (base / name).read_text(encoding="utf-8") for name in BUNDLED_FILES}


def bundled_state(directory: Path | None = None) -> tuple[Any, ...] | None:
    """What changes whenever the bundled files are rewritten (each file's inode, size, modification and change
    times), read without reading them: the read snapshot's key (snapshot.py), where hashing ~2 MB of CSV on every
    run would cost a tenth of `price`'s start-up. None when the data is not plain files (a zipped package): use the
    digest then."""
    if directory is None:
        directory = Path(__file__).with_name("data")
    out = []
    for name in BUNDLED_FILES:
        try:
            st = (directory / name).stat()
        except OSError:
            return None
        out.append((name, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


def bundled_digest(texts: dict[str, str]) -> str:
    """A short fingerprint of the bundled CSVs: the store reloads its bundled tables when it changes."""
    import hashlib

    return hashlib.sha256("\0".join(texts[k] for k in sorted(texts)).encode()).hexdigest()[:16]


def load_bundled(texts: dict[str, str] | None = None) -> BundledData:
    """Parse and fully validate the bundled CSVs; raise DataError with every problem found."""
    texts = texts or bundled_texts()
    problems = Problems()
    models = parse_models(texts["models.csv"], "models.csv", problems)
    prices = parse_prices(texts["prices.csv"], "prices.csv", problems)
    scores = parse_scores(texts["scores.csv"], "scores.csv", problems)
    names = parse_names(texts.get("names.csv", ""), "names.csv", problems) if texts.get("names.csv") else []
    lifecycle = (parse_lifecycle(texts["lifecycle.csv"], "lifecycle.csv", problems)
                 if texts.get("lifecycle.csv") else [])
    release = parse_release(texts[RELEASE_FILE], RELEASE_FILE, problems) if RELEASE_FILE in texts else None
    check_references(models, prices, scores, problems)
    check_overlaps(prices, "prices.csv", problems)
    check_names(models, names, lifecycle, problems)
    problems.raise_if_any("The bundled ledger data is invalid")
    digest = bundled_digest(texts)
    developer_of = {m.id: m.developer for m in models}
    marked = [_with_first_party(p, developer_of) for p in prices]
    return BundledData(models, marked, scores, digest, names, lifecycle, release)


def parse_release(text: str, where: str, problems: Problems) -> date | None:
    """The data's release date from release.toml (`release = YYYY-MM-DD`); None (with a problem) when malformed."""
    import contextlib
    import re
    import tomllib

    how = "write the data's release date as `release = YYYY-MM-DD`"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        problems.add(where, int(at.group(1)) if at else 0, f"not valid TOML ({exc}); {how}")
        return None
    line = next((i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith("release")), 0)
    value = doc.get("release")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        with contextlib.suppress(ValueError):  # a quoted date is accepted too; "2026-13-02" stays a bad string
            value = date.fromisoformat(value.strip())
    if isinstance(value, datetime) or not isinstance(value, date):
        problems.add(where, line, f"release: {'is required' if value is None else f'{value!r} is not a date'}; "
                     f"{how}")
        return None
    return value


def bundled_release() -> date:
    """The bundled data's release date (src/llmflation/ledger/data/release.toml); DataError naming the file when it
    is missing or malformed."""
    base = resources.files("llmflation.ledger") / "data"
    problems = Problems()
    try:
        found = parse_release((base / RELEASE_FILE).read_text(encoding="utf-8"), RELEASE_FILE, problems)
    except FileNotFoundError:
        found = None
        problems.add(RELEASE_FILE, 0, "the file is missing from the package; reinstall llmflation")
    problems.raise_if_any("The bundled data's release file is invalid")
    return found or date.min  # never date.min: a None comes with a problem, raised above


def rows_past_shutdown(prices: Iterable[Price], lifecycle: Iterable[Lifecycle]) -> list[tuple[Price, Lifecycle]]:
    """Price rows that run past their offer's shutdown (open-ended, or ending after `shutdown_on`), each with its
    lifecycle row. An offer is (model, provider): a shutdown at one provider closes nothing at another."""
    shut = {(lc.model, lc.provider): lc for lc in lifecycle if lc.shutdown_on is not None}
    out = []
    for p in prices:
        lc = shut.get((p.model, p.provider))
        if lc is not None and lc.shutdown_on is not None and (p.valid_to is None or p.valid_to > lc.shutdown_on):
            out.append((p, lc))
    return out


def lifecycle_warnings(prices: Iterable[Price], lifecycle: Iterable[Lifecycle]) -> list[str]:
    """Open-ended price rows for offers past their shutdown: data problems `data check` reports (not load errors,
    until the rows are closed)."""
    return [f"{p.model}/{p.provider}/{p.tier}: price row from {p.valid_from} runs past the offer's shutdown on "
            f"{lc.shutdown_on}; close it (valid_to = {lc.shutdown_on})"
            for p, lc in rows_past_shutdown(prices, lifecycle)]


def _with_first_party(p: Price, developer_of: dict[str, str]) -> Price:
    from dataclasses import replace

    from llmflation.ledger.records import sold_by_developer

    return replace(p, first_party=sold_by_developer(developer_of.get(p.model), p.provider))


def read_text_file(path: Path) -> str:
    from llmflation.errors import InputError

    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"File not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
