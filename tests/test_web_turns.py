"""Computed bill answers take turns (web/turns.py): one per loop iteration, first come first served, and neither a
failure nor a client that goes away holds up the others."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from llmflation.web.turns import Turns


class LoopTicks:
    """Counts event-loop iterations: a callback that reschedules itself runs once per iteration."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.n = 0
        self.loop = loop
        self.stopped = False
        loop.call_soon(self._tick)

    def _tick(self) -> None:
        self.n += 1
        if not self.stopped:
            self.loop.call_soon(self._tick)


def run(coro: Any, loop_factory: Any = None) -> Any:
    loop = (loop_factory or asyncio.new_event_loop)()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def loop_factories() -> list[Any]:
    factories = [asyncio.new_event_loop]
    try:
        import uvloop

        factories.append(uvloop.new_event_loop)
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        pass
    return factories


@pytest.mark.parametrize("loop_factory", loop_factories(), ids=lambda f: f.__module__)
def test_computations_run_one_per_iteration_in_arrival_order(loop_factory: Any) -> None:
    turns = Turns()
    done: list[tuple[str, int]] = []

    async def main() -> None:
        ticks = LoopTicks(asyncio.get_running_loop())

        def compute(name: str) -> str:
            done.append((name, ticks.n))
            return name.upper()

        first = [asyncio.ensure_future(turns.run(compute, n)) for n in "abcd"]  # one batch: read together
        await asyncio.sleep(0)
        assert turns.waiting() == 3  # a computed, b, c and d wait
        late = asyncio.ensure_future(turns.run(compute, "e"))  # read after the batch: queues behind it
        assert await asyncio.wait_for(asyncio.gather(*first, late), timeout=5) == ["A", "B", "C", "D", "E"]
        ticks.stopped = True

    run(main(), loop_factory)
    assert [name for name, _ in done] == list("abcde")
    iterations = [tick for _, tick in done]
    assert all(b > a for a, b in zip(iterations, iterations[1:], strict=False)), iterations  # never two in one
    # the batch's first holds the turn into the next iteration (b, c and d queue meanwhile); from then on each
    # computation hands the turn straight to the next waiter, who runs on the very next iteration, not one later
    assert [b - a for a, b in zip(iterations[1:], iterations[2:], strict=False)] == [1, 1, 1], iterations


def test_a_lone_computation_runs_at_once() -> None:
    turns = Turns()

    async def main() -> int:
        ticks = LoopTicks(asyncio.get_running_loop())
        seen = await turns.run(lambda: ticks.n)
        ticks.stopped = True
        return int(seen)

    assert run(main()) == 0  # no iteration passed before it ran


def test_a_failure_propagates_and_passes_the_turn_on() -> None:
    turns = Turns()

    def boom() -> None:
        raise ValueError("bad query")

    async def main() -> list[Any]:
        both = asyncio.gather(turns.run(boom), turns.run(lambda: "next"), return_exceptions=True)
        return list(await asyncio.wait_for(both, timeout=5))

    failed, after = run(main())
    assert isinstance(failed, ValueError) and str(failed) == "bad query"
    assert after == "next"


def test_a_waiter_that_goes_away_gives_up_its_place() -> None:
    turns = Turns()
    ran: list[str] = []

    async def main() -> None:
        a = asyncio.ensure_future(turns.run(ran.append, "a"))
        b = asyncio.ensure_future(turns.run(ran.append, "b"))
        c = asyncio.ensure_future(turns.run(ran.append, "c"))
        await asyncio.sleep(0)  # a ran; b and c wait
        b.cancel()
        await asyncio.wait_for(asyncio.gather(a, c), timeout=5)
        with pytest.raises(asyncio.CancelledError):
            await b

    run(main())
    assert ran == ["a", "c"]


def test_a_waiter_cancelled_after_its_turn_came_passes_it_on() -> None:
    turns = Turns()
    ran: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        a = asyncio.ensure_future(turns.run(ran.append, "a"))
        b = asyncio.ensure_future(turns.run(ran.append, "b"))
        c = asyncio.ensure_future(turns.run(ran.append, "c"))
        await asyncio.sleep(0)  # a ran and scheduled the hand-over to b

        def cancel_b_once_granted() -> None:  # runs right after the hand-over, before b resumes
            b.cancel()

        loop.call_soon(cancel_b_once_granted)
        await asyncio.wait_for(asyncio.gather(a, c), timeout=5)
        with pytest.raises(asyncio.CancelledError):
            await b

    run(main())
    assert ran == ["a", "c"]  # b never computed, and c was not left waiting


def test_a_turn_left_held_by_a_stopped_loop_does_not_hold_up_another_loop() -> None:
    turns = Turns()

    async def leave_held() -> None:
        await turns.run(lambda: None)  # its hand-over is scheduled, and the loop stops before running it

    run(leave_held())

    async def later() -> str:
        return await asyncio.wait_for(turns.run(lambda: "answered"), timeout=5)

    assert run(later()) == "answered"


def test_concurrent_bill_requests_through_the_app_get_their_own_answers(tmp_path: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the whole app (answer cache off, so every bill is computed in turns), many requests at once each get
    the answer computed for their own query."""
    import httpx

    from llmflation.web.api_bill import fast_answer
    from llmflation.web.app import create_app
    from llmflation.web.settings import WebSettings

    monkeypatch.setenv("LLMFLATION_HOME", str(tmp_path))
    app = create_app(WebSettings(answer_cache=False))
    queries = [f"tasks_per_month={1000 + 7 * i}&input_tokens={500 + 97 * i}&output_tokens={50 + 13 * i}"
               f"&at=2025-0{1 + i % 9}-01" for i in range(24)]

    async def main() -> list[bytes]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client, \
                app.router.lifespan_context(app):
            responses = await asyncio.gather(*(client.get(f"/api/bill?{q}") for q in queries))
            assert all(r.status_code == 200 for r in responses), [r.text[:200] for r in responses]
            state = app.state.llmflation
            expected = [bytes(fast_answer(state, q.encode()).body) for q in queries]
            assert [r.content for r in responses] == expected
            return [r.content for r in responses]

    bodies = run(main())
    assert len(set(bodies)) == len(queries)
