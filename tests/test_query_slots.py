"""Threads for in-process queries: shortest proven work first, bounded waiting, deadlines
(:mod:`pcfgraph.query_slots`)."""

from __future__ import annotations

import asyncio

import pytest

from pcfgraph.query_slots import QuerySlots


def test_a_freed_slot_goes_to_the_smallest_work_then_the_oldest() -> None:
    async def scenario() -> list[str]:
        slots = QuerySlots(size=1, waiting=8)
        assert slots.try_take()
        order: list[str] = []

        async def wait(name: str, work: int) -> None:
            assert await slots.take(work, timeout=60)
            order.append(name)
            slots.release()

        waiters = [
            asyncio.create_task(wait(name, work))
            for name, work in [("heavy", 4_000_000), ("cheap", 30_000), ("cheap-later", 30_000)]
        ]
        while slots.waiting < 3:
            await asyncio.sleep(0)
        slots.release()
        await asyncio.gather(*waiters)
        assert slots.running == 0 and slots.waiting == 0
        return order

    assert asyncio.run(scenario()) == ["cheap", "cheap-later", "heavy"]


def test_past_the_waiting_limit_a_query_is_turned_away_at_once() -> None:
    async def scenario() -> None:
        slots = QuerySlots(size=1, waiting=1)
        assert slots.try_take()
        first = asyncio.create_task(slots.take(10, timeout=60))
        while not slots.waiting:
            await asyncio.sleep(0)
        assert await slots.take(10, timeout=60) is False  # the pool's admission decides
        slots.release()
        assert await first
        slots.release()
        assert slots.running == 0

    asyncio.run(scenario())


def test_a_wait_past_its_deadline_errors_and_leaves_the_queue() -> None:
    async def scenario() -> None:
        slots = QuerySlots(size=1, waiting=4)
        assert slots.try_take()
        with pytest.raises(TimeoutError):
            await slots.take(10, timeout=0.01)
        assert slots.waiting == 0
        slots.release()  # nobody waits: the slot is free again
        assert slots.running == 0 and slots.try_take()

    asyncio.run(scenario())


def test_a_waiter_cancelled_about_its_grant_leaks_no_slot() -> None:
    """A client that leaves just as its slot is granted either still holds it (the grant
    won; it runs and releases as usual) or hands it to the next waiter: never both, never
    neither."""

    async def scenario() -> None:
        slots = QuerySlots(size=1, waiting=4)
        assert slots.try_take()
        first = asyncio.create_task(slots.take(1, timeout=60))
        second = asyncio.create_task(slots.take(2, timeout=60))
        while slots.waiting < 2:
            await asyncio.sleep(0)
        slots.release()  # granted to the first ...
        first.cancel()  # ... whose client left before it resumed
        try:
            held = await first
        except asyncio.CancelledError:
            held = False
        if held:
            assert not second.done()
            slots.release()
        assert await second
        assert slots.running == 1 and slots.waiting == 0
        slots.release()
        assert slots.running == 0

    asyncio.run(scenario())


def test_a_waiter_cancelled_before_its_grant_leaves_the_queue() -> None:
    async def scenario() -> None:
        slots = QuerySlots(size=1, waiting=4)
        assert slots.try_take()
        first = asyncio.create_task(slots.take(1, timeout=60))
        while not slots.waiting:
            await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert slots.waiting == 0
        slots.release()
        assert slots.running == 0 and slots.try_take()

    asyncio.run(scenario())
