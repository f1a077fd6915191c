"""Computed bill answers take turns: one per event-loop iteration, in the order their requests arrived.

Why: a worker's event loop reads every connection that is ready, then runs all the requests it read, one after
another, before it looks at the sockets again. A request that lands just after that look waits for the whole batch,
then for its own place in the next one, and under load some connections keep landing there. With one worker, 50
clients and every bill computed (`benchmarks/bench_web.py --workers 1 --no-cache`), /api/bill's p99 measured
380-744 ms at a p50 of 52-66 ms. Taking turns, the loop looks at its sockets between two computed bills. A request
read meanwhile queues behind the ones already waiting, so every request waits about as long as the others. The same
load measured a p99 of 92-106 ms. With two workers, the slowest answer fell from 0.36-0.82 s to 73-115 ms while p99
stayed within the noise (50-64 against 53-68 ms).

Turns are kept per event loop (a worker has one; a test client may start a loop per request, and a turn left held
by a loop that stopped must not hold up the next one). A computation hands the turn straight to the first waiter,
who resumes on the loop's next iteration, after the loop has looked at its sockets. With no one waiting, the turn
stays held until that next iteration, so the other requests read in the same batch queue up rather than all
computing at once. (Handing every turn over one iteration later instead cost 5-6% more server CPU per computed bill
than no turns at all; the direct hand-over used 0.99 against 1.08 ms per request, mean of 8 same-run pairs with two
workers, lower in 7 of them, with p99 the same within the noise.) A waiter that is cancelled (its client went away)
gives up its place, or passes the turn on if the turn had already reached it. A computation that fails passes the
turn on too.
Only answers heavier than the turn itself take turns. A computed bill takes about 0.7 ms; a price answer takes about
0.02 ms, and with turns its throughput fell by 17% (one worker, 15 s, beside a server without turns).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Turns:
    """One synchronous computation per loop iteration, first come first served, on each event loop."""

    __slots__ = ("_queues",)

    def __init__(self) -> None:
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()

    async def run(self, compute: Callable[..., T], *args: Any) -> T:
        """`compute(*args)` on its turn; its result or its exception."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        return await queue.run(loop, compute, args)

    def waiting(self) -> int:
        """How many computations wait for a turn on the running loop (cancelled ones until they are skipped)."""
        queue = self._queues.get(asyncio.get_running_loop())
        return 0 if queue is None else len(queue.waiters)


class _Queue:
    __slots__ = ("held", "waiters")

    def __init__(self) -> None:
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.held = False

    async def run(self, loop: asyncio.AbstractEventLoop, compute: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self.held:
            turn: asyncio.Future[None] = loop.create_future()
            self.waiters.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # the turn had reached us: hand it to the next one
                    self.pass_on()
                raise
        else:
            self.held = True
        try:
            return compute(*args)
        finally:
            # a waiter resumes on the loop's next iteration, after the loop has looked at its sockets once more;
            # with none, the turn stays held until then, so the rest of this iteration's requests queue up
            if not self.hand_over():
                loop.call_soon(self.pass_on)

    def hand_over(self) -> bool:
        """The turn given to the first waiter still waiting (it stays held: it is theirs now); False if none."""
        while self.waiters:
            turn = self.waiters.popleft()
            if not turn.done():  # skips waiters cancelled while waiting
                turn.set_result(None)
                return True
        return False

    def pass_on(self) -> None:
        if not self.hand_over():
            self.held = False
