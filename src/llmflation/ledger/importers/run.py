"""Run an import end to end: read the file or git history, map to the ledger, write ONE transaction, report.

This is the I/O edge of the importers package (files, `git` subprocesses, the store); the parsing, mining,
mapping and merge rules it calls are pure.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.importers import litellm
from llmflation.ledger.importers.common import Skip, Snapshot
from llmflation.ledger.importers.delisting import CatalogueCheck, catalogue_checks
from llmflation.ledger.importers.history import Dropped, Mined, Segment, Version, mine
from llmflation.ledger.importers.mapping import (
    Listing,
    Mapped,
    Match,
    Matcher,
    Retired,
    Shadowed,
    Unmatched,
    choose_keys,
    load_alias_table,
    placeholder_prices,
    price_of,
    with_suggestions,
)
from llmflation.ledger.importers.merge import Conflict, conflicts
from llmflation.ledger.ledger import Ledger, open_ledger
from llmflation.ledger.records import Model
from llmflation.ledger.store import ImportedRow, ImportMeta

HISTORY_PATHS = (  # newest first: when several exist at one commit, the first present wins
    "model_prices_and_context_window.json",
    "litellm/model_prices_and_context_window.json",
    "cookbook/community-resources/max_tokens.json",
)
BACKUP_NAME = "model_prices_and_context_window_backup.json"
DEFAULT_REPO = "BerriAI/litellm"


@dataclass(frozen=True)
class Event:
    """A dated price event mined from history: label is 'first seen', 'price change first seen' or 'last
    seen'."""

    label: str
    day: date
    model: str
    provider: str
    key: str
    commit: str
    old: tuple[Any, Any] | None
    new: tuple[Any, Any] | None
    flags: tuple[str, ...] = ()


@dataclass
class ImportReport:
    import_id: int
    kind: str
    source: str
    snapshot: str
    seen_on: date
    entries: int
    matched: int
    rows: list[ImportedRow]
    unmatched: list[Unmatched]
    skipped: list[Skip]
    shadowed: list[Shadowed]
    conflicts: list[Conflict]
    commits: int = 0
    skipped_commits: list[Version] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    new_models: list[Model] = field(default_factory=list)
    set_aside: int = 0  # of `skipped`: listings of retired names or ended offers
    catalogue: list[CatalogueCheck] = field(default_factory=list)  # complete catalogues: offers no longer listed


def _load_json(path: Path) -> Any:
    from llmflation.ledger.loading import read_text_file

    text = read_text_file(path)
    try:
        return litellm.loads_lenient(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}). Nothing was imported.") from None


def file_date(path: Path) -> date:
    """A file's modification day, or today when the timestamp is meaningless (zip-epoch 1980 from wheels)."""
    if not path.is_file():
        raise InputError(f"File not found: {path}")
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
    return stamp if stamp.year > 1980 else date.today()


def installed_litellm_map() -> tuple[Path, str] | None:
    """The price map bundled in an installed `litellm` package, found without importing litellm."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    from importlib.metadata import PackageNotFoundError, version

    for loc in spec.submodule_search_locations:
        candidate = Path(loc) / BACKUP_NAME
        if candidate.is_file():
            try:
                ver = version("litellm")
            except PackageNotFoundError:
                ver = "unknown"
            return candidate, ver
    return None


def _finish(
    ledger: Ledger,
    kind: str,
    source: str,
    snapshot: str,
    seen_on: date,
    entries: int,
    mapped: Mapped,
    skipped: list[Skip],
    started: datetime,
    catalogue: Sequence[CatalogueCheck] = (),
) -> ImportReport:
    assert ledger.store is not None
    meta = ImportMeta(
        kind=kind,
        source=source,
        snapshot=snapshot,
        seen_on=seen_on,
        started=started,
        entries=entries,
        matched=mapped.matched,
        unmatched_keys=tuple(u.key for u in mapped.unmatched),
    )
    delisted = [d for c in catalogue if c.trusted for d in c.delisted]
    import_id = ledger.store.record_import(meta, mapped.rows, new_models=mapped.new_models, delistings=delisted,
                                           catalogue_trusted=all(c.trusted for c in catalogue) if catalogue else None)
    found = conflicts(ledger.store.bundled(), [r.price for r in mapped.rows])
    return ImportReport(
        import_id,
        kind,
        source,
        snapshot,
        seen_on,
        entries,
        mapped.matched,
        mapped.rows,
        mapped.unmatched,
        [*skipped, *(r.skip() for r in mapped.retired)],  # known names that meant no model on the source's day
        mapped.shadowed,
        found,
        new_models=list(mapped.new_models),
        set_aside=len(mapped.retired),
        catalogue=[replace(c, delisted=tuple(replace(d, import_id=import_id) for d in c.delisted))
                   for c in catalogue],
    )


def _snapshot_import(
    snap: Snapshot,
    source: str,
    snapshot: str,
    seen_on: date,
    label: str,
    ledger: Ledger | None,
    add_new: bool = False,
) -> ImportReport:
    from llmflation.ledger.importers.common import terms_problem
    from llmflation.ledger.importers.mapping import map_snapshot

    started = datetime.now()
    ledger = ledger or open_ledger()
    matcher = Matcher(ledger, load_alias_table(), snap.kind)
    storable = []
    for e in snap.entries:  # never write $0 (or any changed amount) from a source's non-zero price
        problem = terms_problem(e.terms)
        if problem:
            snap.skipped.append(Skip(e.key, problem))
        else:
            storable.append(e)
    snap.entries = storable
    catalogue = catalogue_checks(catalogue_of(snap.kind), snap, matcher, ledger.all_prices(), seen_on, snap.kind)
    mapped = map_snapshot(snap.entries, matcher, seen_on, source, label, add_new=add_new)
    return _finish(
        ledger, snap.kind, source, snapshot, seen_on, len(snap.entries), mapped, snap.skipped, started, catalogue
    )


def catalogue_of(kind: str) -> tuple[str, ...]:
    """The providers a snapshot of the registered source `kind` is the complete catalogue of (none for a kind
    the registry does not know)."""
    from llmflation.errors import UnknownNameError
    from llmflation.ledger.importers.registry import get

    try:
        return get(kind).catalogue_of
    except UnknownNameError:
        return ()


def import_data(
    kind: str,
    data: Any,
    source: str,
    snapshot: str,
    seen_on: date,
    ledger: Ledger | None = None,
    add_new: bool = False,
) -> ImportReport:
    """Import an already-decoded snapshot of the registered source `kind` (see `registry`)."""
    from llmflation.ledger.importers.registry import get

    importer = get(kind)
    snap = importer.parse(data, seen_on)
    return _snapshot_import(snap, source, snapshot, seen_on, importer.label, ledger, add_new=add_new)


def import_file(
    kind: str, path: Path, seen_on: date | None = None, ledger: Ledger | None = None, add_new: bool = False
) -> ImportReport:
    """Import a saved snapshot file of the registered source `kind`; dated by `seen_on` or the file's mtime."""
    from llmflation.ledger.importers.registry import get

    importer = get(kind)
    day = seen_on or file_date(path)
    data = _load_json(path)
    return import_data(kind, data, f"{importer.source}:{path.name}@{day}", str(day), day, ledger, add_new)


def import_litellm(
    path: Path | None = None, seen_on: date | None = None, ledger: Ledger | None = None, add_new: bool = False
) -> ImportReport:
    """Import LiteLLM's price map from `path`, or from the installed litellm package when `path` is None."""
    if path is None:
        found = installed_litellm_map()
        if found is None:
            raise InputError(
                "The litellm package is not installed in this environment. Pass the price map "
                "instead: llmflation import litellm model_prices_and_context_window.json"
            )
        path, version = found
        day = seen_on or file_date(path)
        source = f"litellm:{version}:{BACKUP_NAME}"
        snapshot = f"litellm {version}"
    else:
        day = seen_on or file_date(path)
        source = f"litellm:file:{path.name}@{day}"
        snapshot = str(day)
    return import_data("litellm", _load_json(path), source, snapshot, day, ledger, add_new)


def import_openrouter(path: Path, seen_on: date | None = None, ledger: Ledger | None = None) -> ImportReport:
    return import_file("openrouter", path, seen_on, ledger)


def import_genai_prices(
    path: Path, seen_on: date | None = None, ledger: Ledger | None = None
) -> ImportReport:
    return import_file("genai-prices", path, seen_on, ledger)


# -- git history ---------------------------------------------------------------------------------------------
def _git(gitdir: Path, *args: str) -> str:
    if shutil.which("git") is None:
        raise InputError("`git` is not on PATH; install git to mine a clone's history.")
    proc = subprocess.run(["git", "-C", str(gitdir), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise InputError(f"git {' '.join(args[:2])} failed in {gitdir}: {proc.stderr.strip()}")
    return proc.stdout


def repo_name(gitdir: Path) -> str:
    """owner/name from the clone's origin URL when it is on GitHub, else BerriAI/litellm."""
    try:
        url = _git(gitdir, "remote", "get-url", "origin").strip()
    except InputError:
        return DEFAULT_REPO
    m = re.search(r"github\.com[:/]([^/]+/[^/]+?)(\.git)?/?$", url)
    return m.group(1) if m else DEFAULT_REPO


@dataclass(frozen=True)
class _Commit:
    sha: str
    day: date
    subject: str
    path: str
    blob: str


def list_versions(
    gitdir: Path, rev: str = "HEAD", paths: Sequence[str] = HISTORY_PATHS
) -> tuple[str, list[_Commit]]:
    """First-parent commits of `rev` that changed the price map at any of its paths, with the blob in
    effect."""
    if not gitdir.is_dir():
        raise InputError(f"{gitdir} is not a directory; pass a local clone of BerriAI/litellm (or a fork).")
    head = _git(gitdir, "rev-parse", "--verify", rev + "^{commit}").strip()
    log = _git(
        gitdir,
        "log",
        "--first-parent",
        "--reverse",
        "--no-renames",
        "--diff-merges=first-parent",
        "--raw",
        "--no-abbrev",
        "--format=%x00%H%x09%cI%x09%s",
        head,
        "--",
        *paths,
    )
    state: dict[str, str | None] = {}
    out: list[_Commit] = []
    last_blob = ""
    for chunk in log.split("\x00")[1:]:
        lines = chunk.strip("\n").split("\n")
        sha, stamp, subject = ([*lines[0].split("\t", 2), "", ""])[:3]
        for line in lines[1:]:
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            fields = meta.split()
            new_blob, status = fields[3], fields[4]
            state[path] = None if status.startswith("D") or set(new_blob) == {"0"} else new_blob
        chosen = next(((p, state[p]) for p in paths if state.get(p)), None)
        if chosen is None or chosen[1] == last_blob:
            continue
        last_blob = chosen[1] or ""
        day = datetime.fromisoformat(stamp).astimezone(UTC).date()
        out.append(_Commit(sha, day, subject, chosen[0], last_blob))
    if not out:
        raise InputError(
            f"No commit on the first-parent history of {rev} in {gitdir} touches "
            f"{', '.join(paths)}. Is this a LiteLLM clone?"
        )
    return head, out


def read_versions(gitdir: Path, commits: Sequence[_Commit]) -> Iterator[Version]:
    """Stream each commit's map through one `git cat-file --batch`; invalid JSON gives data=None."""
    proc = subprocess.Popen(
        ["git", "-C", str(gitdir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for c in commits:
            proc.stdin.write(c.blob.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                yield Version(c.sha, c.day, c.path, None, error="blob missing", subject=c.subject)
                continue
            body = proc.stdout.read(int(header[2]) + 1)[:-1]
            try:
                data = litellm.loads_lenient(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                yield Version(c.sha, c.day, c.path, None, error=f"invalid JSON: {exc}", subject=c.subject)
                continue
            if not isinstance(data, dict):
                yield Version(c.sha, c.day, c.path, None, error="not a JSON object", subject=c.subject)
                continue
            yield Version(c.sha, c.day, c.path, data, subject=c.subject)
    finally:
        proc.stdin.close()
        proc.wait()


def split_segments(key: str, segs: list[Segment], matcher: Matcher, provider: str) -> list[Segment]:
    """Cut each segment where the name its key resolves through changed meaning (DeepSeek's `deepseek-chat` moved
    from V3.1 to V3.2 inside one unchanged LiteLLM price) and where the offer stopped being served (LiteLLM keeps
    keys after shutdowns): each part is then matched and checked on its own first day."""
    out: list[Segment] = []
    for seg in segs:
        m = matcher.match(key, at=seg.valid_from, provider=provider)
        # a retired name may also come into effect inside the segment: cut there too
        name = m.via if isinstance(m, Match) else m.name if isinstance(m, Retired) else ""
        cuts = matcher.meaning_changes(name, provider, seg.valid_from, seg.valid_to) if name else []
        named: list[date | None] = [seg.valid_from, *cuts, seg.valid_to]
        bounds: list[date | None] = [seg.valid_from]
        for a, b in itertools.pairwise(named):  # and where the offer stopped being served
            assert a is not None
            part = matcher.match(key, at=a, provider=provider)
            end = matcher.ledger.not_served_from(part.model.id, provider, a, b) if isinstance(part, Match) else None
            bounds += [end, b] if end is not None else [b]
        for i, (a, b) in enumerate(itertools.pairwise(bounds)):
            assert a is not None
            last = i == len(bounds) - 2
            seen = seg.seen_on if last or b is None else min(seg.seen_on, b - timedelta(days=1))
            out.append(seg if len(bounds) == 2 else replace(seg, valid_from=a, valid_to=b, seen_on=seen))
    return out


def map_history(mined: Mined, matcher: Matcher, repo: str) -> tuple[Mapped, list[Event]]:
    """Each segment of a key is matched on its own first day: a moving name ("gpt-4o") meant different models in
    different years, and a retired name's later segments (LiteLLM keeps keys after shutdowns) are set aside."""
    out = Mapped()
    found: list[tuple[str, str, str, Match]] = []
    provider_of: dict[str, str] = {}
    by_segment: dict[str, list[Match | None]] = {}
    for key, segs in mined.segments.items():
        provider = matcher.provider(mined.providers.get(key, ""), key)
        provider_of[key] = provider
        segs = mined.segments[key] = split_segments(key, segs, matcher, provider)
        matches: list[Match | None] = []
        retired: Retired | None = None  # the key's first set-aside segment, reported once
        for seg in segs:
            m = matcher.match(key, at=seg.valid_from, provider=provider)
            if isinstance(m, Match):
                gone = matcher.ledger.not_served_reason(m.model.id, provider, seg.valid_from)
                m = Retired(key, provider, f"{gone}: not imported") if gone is not None else m
            if isinstance(m, Retired):
                retired = retired or Retired(key, provider, f"segment from {seg.valid_from}: {m.reason}")
                m = None
            matches.append(m)
        if retired is not None:
            out.retired.append(retired)
        if all(m is None for m in matches):
            if retired is None:
                out.unmatched.append(Unmatched(key, provider))
            continue
        by_segment[key] = matches
    listings = [Listing((key, j), provider_of[key], "standard", seg.terms.input, seg.terms.output, m.model,
                        seg.valid_from, seg.valid_to)
                for key, matches in by_segment.items()
                for j, (seg, m) in enumerate(zip(mined.segments[key], matches, strict=True)) if m is not None]
    placeholders = placeholder_prices(listings)
    reported = {r.key for r in out.retired}  # a key's first set-aside segment is reported once
    for (key, j), reason in sorted(placeholders.items()):
        if key not in reported:
            reported.add(key)
            out.retired.append(Retired(key, provider_of[key], f"segment from "
                                       f"{mined.segments[key][j].valid_from}: {reason}"))
        by_segment[key][j] = None
    for key, matches in list(by_segment.items()):
        if all(m is None for m in matches):
            del by_segment[key]
            continue
        out.matched += 1
        for m in {m.model.id: m for m in matches if m is not None}.values():
            found.append((key, provider_of[key], "standard", m))
    chosen, out.shadowed = choose_keys(found)
    events: list[Event] = []
    for key, model_id in sorted(chosen):
        provider = provider_of[key]
        segs = mined.segments[key]
        ours = [x is not None and x.model.id == model_id for x in by_segment[key]]
        for j, seg in enumerate(segs):
            m = by_segment[key][j]
            if m is None or not ours[j]:
                continue
            flags = (*m.flags, *seg.flags)
            bits = [
                f"first seen {seg.valid_from} in LiteLLM's price map as {key!r} (commit {seg.commit[:10]}); "
                "not the announced date"
            ]
            if seg.terms.per_character:
                bits.append("per-character price converted at 4 characters/token (English approximation)")
            if "alias-key-may-lag" in flags:
                bits.append("alias key: may lag behind the vendor's repointing")
            bits.extend(f"flag {f}" for f in seg.flags if f.startswith(("suspicious", "gap")))
            out.rows.append(
                ImportedRow(
                    price=price_of(
                        seg.terms,
                        model=m.model,
                        provider=provider,
                        valid_from=seg.valid_from,
                        valid_to=seg.valid_to,
                        source=f"github:{repo}@{seg.commit}:{seg.path}",
                        note="; ".join(bits),
                        checked_on=seg.seen_on,
                    ),
                    source_key=key,
                    seen_on=seg.seen_on,
                    flags=flags,
                )
            )
            prev = segs[j - 1] if j > 0 and ours[j - 1] else None  # a name's move is not a price change
            new = (seg.terms.input, seg.terms.output)
            if prev is not None and prev.valid_to == seg.valid_from:
                events.append(
                    Event(
                        "price change first seen",
                        seg.valid_from,
                        m.model.id,
                        provider,
                        key,
                        seg.commit,
                        (prev.terms.input, prev.terms.output),
                        new,
                        flags,
                    )
                )
            else:
                events.append(
                    Event(
                        "first seen", seg.valid_from, m.model.id, provider, key, seg.commit, None, new, flags
                    )
                )
            nxt = segs[j + 1] if j + 1 < len(segs) and ours[j + 1] else None
            if seg.valid_to is not None and (nxt is None or nxt.valid_from != seg.valid_to):
                events.append(
                    Event("last seen", seg.seen_on, m.model.id, provider, key, seg.commit, new, None, flags)
                )
    events.sort(key=lambda e: (e.day, e.model, e.provider))
    out.unmatched = with_suggestions(out.unmatched, matcher)
    return out, events


def import_litellm_history(
    gitdir: Path,
    rev: str = "HEAD",
    repo: str | None = None,
    ledger: Ledger | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Mine a local LiteLLM clone's first-parent history of the price map and import the dated segments."""
    started = datetime.now()
    head, commits = list_versions(gitdir, rev)
    repo = repo or repo_name(gitdir)
    total = len(commits)
    mined = mine(
        read_versions(gitdir, commits), progress=(lambda i: progress(i + 1, total)) if progress else None
    )
    ledger = ledger or open_ledger()
    matcher = Matcher(ledger, load_alias_table(), "litellm-history")
    mapped, events = map_history(mined, matcher, repo)
    skipped = [Skip(k, r) for k, r in sorted(mined.non_text.items()) if k not in mined.segments]
    last_day = commits[-1].day
    report = _finish(
        ledger,
        "litellm-history",
        f"github:{repo}",
        head,
        last_day,
        len(mined.segments),
        mapped,
        skipped,
        started,
    )
    report.commits = total
    report.skipped_commits = mined.skipped_commits
    report.dropped = mined.dropped
    report.events = events
    return report
