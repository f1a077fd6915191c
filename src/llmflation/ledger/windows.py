"""Off-peak windows (`window_utc`): when in the UTC week an off-peak price row applies.

A window is one range or several disjoint ranges joined by commas. A range is "HH:MM-HH:MM" (every day) or
"DAYS HH:MM-HH:MM", where DAYS is one day ("Sat") or a span of days ("Mon-Fri", "Sat-Sun", "Fri-Mon"). A range
whose end is not after its start runs past midnight into the next day: DeepSeek's 16:30-00:30 in 2025, or
"Mon-Fri 10:00-01:00", whose Friday part ends on Saturday at 01:00. Every range is kept as minutes of the UTC week
(Monday 00:00 = 0), so daily windows and weekday-only ones (DeepSeek's peak hours since 2026-08-16 are on weekdays
only) are one representation for the tariff, the usage engines and the checks.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SHOWN_DAYS = "Mon, Tue, Wed, Thu, Fri, Sat, Sun"


@lru_cache(maxsize=256)  # a ledger has a handful of windows; the tariff asks for them per call it prices
def parse_window(text: str) -> tuple[tuple[int, int], ...] | None:
    """The window's [start, end) ranges in minutes of the week, ascending, a range past Sunday midnight split in
    two. None when an item is malformed, names an unknown day, starts and ends at the same minute, or when two
    ranges share a minute."""
    covered = bytearray(WEEK_MINUTES)
    out: list[tuple[int, int]] = []
    for item in text.split(","):
        spans = _item_spans(item)
        if spans is None:
            return None
        for start, end in spans:
            for a, b in ((start, min(end, WEEK_MINUTES)), (0, end - WEEK_MINUTES)):
                if a >= b:
                    continue
                if any(covered[a:b]):
                    return None
                covered[a:b] = b"\x01" * (b - a)
                out.append((a, b))
    return tuple(sorted(out))


def window_problem(text: str) -> str:
    """Why `text` (which parse_window refused) is not a window: the message a user can act on."""
    for item in text.split(","):
        days, times = _split_days(item)
        if days is not None and _days(days) is None:
            return (f"{text!r}: {days.strip()!r} is not a day or a span of days ({_SHOWN_DAYS}, e.g. Mon-Fri); "
                    "give DAYS HH:MM-HH:MM, or HH:MM-HH:MM for every day")
        start, _, end = times.partition("-")
        if _clock(start) is not None and _clock(start) == _clock(end):
            return (f"{text!r} starts and ends at the same minute: give a window of at least one minute (it may "
                    "wrap midnight, e.g. 16:30-00:30)")
    if all(_item_spans(item) is not None for item in text.split(",")):
        return (f"{text!r} has ranges that overlap: give each minute of the week once (e.g. 04:00-06:00,10:00-01:00 "
                "or Mon-Fri 04:00-06:00,Sat-Sun 00:00-24:00)")
    return (f"{text!r} is not a UTC time-of-day window: give HH:MM-HH:MM, optionally after days (Mon-Fri "
            "HH:MM-HH:MM), and join disjoint ranges with commas")


def minute_of_week(ts: datetime) -> int:
    """A UTC timestamp's minute of the week (Monday 00:00 = 0): what a window's ranges are compared with."""
    return ts.weekday() * DAY_MINUTES + ts.hour * 60 + ts.minute


def describe(window: str) -> str:
    """A window in words for people: its ranges listed ("04:00-06:00 and 10:00-01:00"; "Mon-Fri 04:00-06:00,
    Sat 01:00-24:00 and Sun 00:00-24:00")."""
    items = [" ".join(item.split()) for item in window.split(",")]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _split_days(item: str) -> tuple[str | None, str]:
    """(the days part or None, the times part) of one item."""
    text = item.strip()
    if not text[:1].isalpha():  # no days: "HH:MM-HH:MM" (spaces around the dash allowed)
        return None, text
    head, _, tail = text.partition(" ")
    return head, tail


def _item_spans(item: str) -> list[tuple[int, int]] | None:
    """One item's ranges as [start, end) minutes of the week, each start in the week and each end after it (an
    end past the week's last minute runs on into Monday)."""
    days_text, times = _split_days(item)
    days = tuple(range(7)) if days_text is None else _days(days_text)
    start, sep, end = times.partition("-")
    a, b = _clock(start), _clock(end)
    if days is None or not sep or a is None or b is None or a == b:
        return None
    length = b - a if b > a else b + DAY_MINUTES - a
    return [(d * DAY_MINUTES + a, d * DAY_MINUTES + a + length) for d in days]


def _days(text: str) -> tuple[int, ...] | None:
    """"Mon" or a span "Mon-Fri" (which may run past Sunday: "Fri-Mon") as day numbers, Monday = 0."""
    first, sep, last = text.strip().lower().partition("-")
    if first not in DAYS or (sep and last not in DAYS):
        return None
    i = DAYS.index(first)
    j = DAYS.index(last) if sep else i
    return tuple((i + k) % 7 for k in range((j - i) % 7 + 1))


def _clock(text: str) -> int | None:
    """"HH:MM" (00:00 to 24:00) as minutes after midnight; None when malformed."""
    hh, sep, mm = text.strip().partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        return None
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        return None
    return h * 60 + m
