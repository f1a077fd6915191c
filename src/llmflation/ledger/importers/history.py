"""Mine dated price events from successive versions of LiteLLM's price map (pure: versions in, segments out).

Each version is the map as committed on the main line on one day. Per key the map's terms form segments
`[first seen, next change or removal)`. The pitfalls of data-sources.md §1.4 are handled here:

* invalid JSON: such commits are skipped (the caller tries a lenient trailing-comma parse first);
* several commits on one day: the day's last valid version stands;
* removed and re-added within `gap_days`: the gap is ignored (flag `gap-ignored`);
* a price that reverts to the previous one within `typo_days`: both the typo and its revert are dropped
  (reported in `dropped`);
* a change by exactly 10× or 1000× (either way) in input or output: kept, flagged `suspicious-ratio:<r>x`;
* per-character prices: converted at 4 characters/token by `litellm.terms_of`, flagged `per-character`;
* `sample_spec` and non-text modes: ignored.

Dates are when LiteLLM recorded a price ("first seen"), not when the vendor announced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from llmflation.ledger.importers.common import Terms
from llmflation.ledger.importers.litellm import IGNORED_KEYS, terms_of

SUSPICIOUS_RATIOS = (Decimal(10), Decimal(1000))


@dataclass(frozen=True)
class Version:
    """One version of the map: the commit, its day, the path it lived at, and the parsed object (None:
    invalid)."""

    commit: str
    day: date
    path: str
    data: Mapping[str, Any] | None
    error: str = ""
    subject: str = ""


@dataclass(frozen=True)
class Segment:
    key: str
    terms: Terms
    valid_from: date
    valid_to: date | None
    seen_on: date  # the last day a version showed these terms
    commit: str  # where they were first seen
    path: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dropped:
    key: str
    day: date
    commit: str
    input: Decimal
    output: Decimal
    reverted_on: date
    reason: str


@dataclass
class Mined:
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    # key → last litellm_provider seen ("" if never)
    providers: dict[str, str] = field(default_factory=dict)
    skipped_commits: list[Version] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    non_text: dict[str, str] = field(default_factory=dict)  # key → reason (last seen)
    versions: int = 0  # commits read
    days: int = 0  # distinct days with a valid version


def mine(
    versions: Iterable[Version],
    gap_days: int = 7,
    typo_days: int = 7,
    progress: Callable[[int], None] | None = None,
) -> Mined:
    """Consume versions in commit order (streamed: only one parsed map is held at a time)."""
    out = Mined()
    changes: dict[str, list[tuple[int, Terms | None]]] = {}
    state: dict[str, Any] = {"prev": {}, "prev_terms": {}}
    metas: list[Version] = []  # per day, without data

    def absorb(v: Version) -> None:
        i = len(metas)
        metas.append(Version(v.commit, v.day, v.path, None, subject=v.subject))
        data = v.data or {}
        prev: Mapping[str, Any] = state["prev"]
        prev_terms: dict[str, Terms | None] = state["prev_terms"]
        for key, entry in data.items():
            if key in IGNORED_KEYS or not isinstance(entry, Mapping):
                continue
            if isinstance(entry.get("litellm_provider"), str) and entry["litellm_provider"]:
                out.providers[key] = entry["litellm_provider"]
            else:
                out.providers.setdefault(key, "")
            if key in prev and prev[key] == entry:
                terms = prev_terms.get(key)
            else:
                got = terms_of(key, entry)
                if isinstance(got, str):
                    out.non_text[key] = got
                    terms = None
                else:
                    terms = got
            prev_terms[key] = terms
            hist = changes.setdefault(key, [])
            if not hist or hist[-1][1] != terms:
                hist.append((i, terms))
        for key in prev:
            if key not in data and key in changes and changes[key][-1][1] is not None:
                changes[key].append((i, None))
                prev_terms.pop(key, None)
        state["prev"] = data

    pending: Version | None = None
    last_day = date.min
    for n, v in enumerate(versions):
        out.versions += 1
        if progress:
            progress(n)
        if v.data is None:
            out.skipped_commits.append(v)
            continue
        day = max(v.day, last_day)  # committer dates can step back after a rebase: never go backwards
        last_day = day
        if day != v.day:
            v = Version(v.commit, day, v.path, v.data, v.error, v.subject)
        if pending is not None and pending.day != day:
            absorb(pending)
        pending = v  # the last valid version of a day stands for that day
    if pending is not None:
        absorb(pending)
    out.days = len(metas)
    days = [m.day for m in metas]
    for key, hist in changes.items():
        cleaned = _clean(key, hist, days, metas, gap_days, typo_days, out.dropped)
        segs = _segments(key, cleaned, days, metas)
        if segs:
            out.segments[key] = segs
    return out


def _clean(
    key: str,
    hist: list[tuple[int, Terms | None]],
    days: list[date],
    vs: Sequence[Version],
    gap_days: int,
    typo_days: int,
    dropped: list[Dropped],
) -> list[tuple[int, Terms | None, str]]:
    items: list[tuple[int, Terms | None, str]] = [(i, t, "") for i, t in hist]
    changed = True
    while changed:
        changed = False
        # removed and re-added within gap_days: ignore the gap
        for j in range(1, len(items) - 1):
            i_rm, t_rm, _ = items[j]
            i_back, t_back, f_back = items[j + 1]
            if (
                t_rm is None
                and t_back is not None
                and items[j - 1][1] is not None
                and (days[i_back] - days[i_rm]).days <= gap_days
            ):
                before = items[j - 1]
                if t_back == before[1]:
                    items[j - 1 : j + 2] = [(before[0], before[1], _join(before[2], "gap-ignored"))]
                else:
                    items[j : j + 2] = [(i_back, t_back, _join(f_back, "gap-ignored"))]
                changed = True
                break
        if changed:
            continue
        # typo reverted within typo_days: drop both the typo and its revert
        for j in range(1, len(items) - 1):
            a, b, c = items[j - 1], items[j], items[j + 1]
            if (
                a[1] is not None
                and b[1] is not None
                and c[1] == a[1]
                and (days[c[0]] - days[b[0]]).days <= typo_days
            ):
                dropped.append(
                    Dropped(
                        key,
                        days[b[0]],
                        vs[b[0]].commit,
                        b[1].input,
                        b[1].output,
                        days[c[0]],
                        f"reverted within {(days[c[0]] - days[b[0]]).days} day(s)",
                    )
                )
                items[j - 1 : j + 2] = [a]
                changed = True
                break
    return items


def _join(flags: str, flag: str) -> str:
    return flag if not flags else (flags if flag in flags.split("|") else f"{flags}|{flag}")


def _ratio_flag(old: Terms, new: Terms) -> str:
    for a, b in ((old.input, new.input), (old.output, new.output)):
        if not a or not b:
            continue
        r = max(a, b) / min(a, b)
        if r in SUSPICIOUS_RATIOS:
            return f"suspicious-ratio:{r:f}x"
    return ""


def _segments(
    key: str, items: list[tuple[int, Terms | None, str]], days: list[date], vs: Sequence[Version]
) -> list[Segment]:
    segs: list[Segment] = []
    last_index = len(days) - 1
    for j, (i, terms, flags) in enumerate(items):
        if terms is None:
            continue
        nxt = items[j + 1][0] if j + 1 < len(items) else None
        flag_list = [f for f in flags.split("|") if f]
        if terms.per_character:
            flag_list.append("per-character")
        prev_terms = items[j - 1][1] if j > 0 else None
        if prev_terms is not None:
            r = _ratio_flag(prev_terms, terms)
            if r:
                flag_list.append(r)
        if j + 1 < len(items) and items[j + 1][1] is not None:
            r = _ratio_flag(terms, items[j + 1][1])  # type: ignore[arg-type]
            if r and r not in flag_list:
                flag_list.append(r)
        segs.append(
            Segment(
                key=key,
                terms=terms,
                valid_from=days[i],
                valid_to=days[nxt] if nxt is not None else None,
                seen_on=days[(nxt - 1) if nxt is not None else last_index],
                commit=vs[i].commit,
                path=vs[i].path,
                flags=tuple(flag_list),
            )
        )
    return segs
