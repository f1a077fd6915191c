"""The server's garbage-collection policy: full collections on a timer, not in the middle of the load.

Why: once warm, the answer path keeps caches of recent workloads (about 100k objects the collector tracks). Python
starts a full collection whenever its oldest generation has grown by a quarter, and under load such a collection
paused a worker for 15-65 ms while every connection it held waited: those pauses set `/api/bill`'s p99. Here the
young generations collect as before (they find the cycles a request leaves behind), the objects alive at start-up
(the Ledger, the app) are frozen out of every scan, and the full collection runs every `FULL_EVERY_S` seconds instead:
one such pause every few minutes, and no cycle kept longer than that.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

FULL_EVERY_S = 300.0
_NO_AUTOMATIC_FULL = 1_000_000  # gen-2 threshold: young collections before a full one (never, at any request rate)


@asynccontextmanager
async def full_collections_on_a_timer(every_s: float | None = None) -> AsyncIterator[None]:
    """For the life of the server: freeze what start-up built, run full collections every `every_s` seconds only,
    and restore the collector's settings on the way out."""
    gc.collect()
    gc.freeze()
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], _NO_AUTOMATIC_FULL)
    period = FULL_EVERY_S if every_s is None else every_s

    async def timer() -> None:
        while True:
            await asyncio.sleep(period)
            gc.collect()

    task = asyncio.get_running_loop().create_task(timer())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        gc.set_threshold(*before)
        gc.unfreeze()
