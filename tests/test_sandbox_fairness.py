"""The fair hand-out of sandbox workers between clients (issue 14 item 7), without processes.

The live-server scenario (two heavy clients, one light) is
``tests/security/test_client_fairness.py``; here each rule of
:class:`pcfgraph.sandbox.fairness.FairDispatcher` is checked on its own, with a fake clock.
"""

from __future__ import annotations

import asyncio

import pytest

from pcfgraph.sandbox.fairness import MAX_REMEMBERED, FairDispatcher, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def dispatcher(workers: list[str], clock: Clock | None = None, **kw: object) -> FairDispatcher[str]:
    d: FairDispatcher[str] = FairDispatcher(len(workers), clock=clock or Clock(), **kw)  # type: ignore[arg-type]
    for w in workers:
        d.put(w)
    return d


async def pending(d: FairDispatcher[str], client: str, timeout: float = 30) -> asyncio.Task[str]:
    """Start ``get`` in a task and let it run up to its first wait."""
    task = asyncio.create_task(d.get(client, timeout))
    await asyncio.sleep(0)
    return task


def test_the_last_idle_worker_is_kept_from_a_client_running_a_long_task() -> None:
    async def scenario() -> None:
        clock = Clock()
        d = dispatcher(["w1", "w2"], clock)
        first = await d.get("heavy", 5)
        clock.now += 1.5  # its task has now held the worker for slow_seconds
        second = await pending(d, "heavy")
        assert not second.done()  # the last idle worker is not for "heavy"
        light = await d.get("light", 5)
        assert {first, light} == {"w1", "w2"}
        d.done(first)  # held past slow_seconds: "heavy" is now marked slow too
        d.put(first)
        assert not second.done()
        d.done(light)
        d.put(light)  # two idle workers: one for "heavy", one kept
        assert await asyncio.wait_for(second, 5) == light
        assert d.idle == 1

    asyncio.run(scenario())


def test_no_client_alone_takes_every_worker() -> None:
    async def scenario() -> None:
        d = dispatcher(["w1", "w2", "w3"])
        assert {await d.get("user", 5), await d.get("user", 5)} == {"w2", "w3"}
        third = await pending(d, "user")
        assert not third.done()  # the last idle worker is kept for someone else
        assert await d.get("other", 5) == "w1"

    asyncio.run(scenario())


def test_a_client_with_a_recent_slow_task_waits_for_a_second_idle_worker() -> None:
    async def scenario() -> None:
        clock = Clock()
        d = dispatcher(["w1", "w2"], clock)
        w = await d.get("heavy", 5)
        clock.now += 1.5
        d.done(w)  # held the worker past slow_seconds: "heavy" is marked slow
        d.put(w)
        clock.now += 1
        other = await d.get("light", 5)
        waiting = await pending(d, "heavy")
        assert not waiting.done()  # one idle worker left, and "heavy" is marked slow
        newcomer = await d.get("newcomer", 5)
        d.done(other)
        d.put(other)
        assert not waiting.done()  # still only one idle worker
        clock.now += 61  # the mark expires (REMEMBER_SECONDS)
        d.done(newcomer)  # any hand-back re-runs the dispatch
        assert await asyncio.wait_for(waiting, 5) == other

    asyncio.run(scenario())


def test_a_freed_worker_goes_to_the_waiter_with_the_fewest_tasks_running() -> None:
    async def scenario() -> None:
        d = dispatcher(["w1", "w2", "w3"])
        held = {await d.get("flood", 5), await d.get("flood", 5), await d.get("other", 5)}
        assert held == {"w1", "w2", "w3"} and d.idle == 0
        flood_again = await pending(d, "flood")  # waits first
        other_again = await pending(d, "other")
        d.put("w4")  # e.g. fresh workers joining: one idle is kept in reserve ...
        await asyncio.sleep(0)
        assert not flood_again.done() and not other_again.done()
        d.put("w5")  # ... the second goes to the client with fewer tasks running
        assert await asyncio.wait_for(other_again, 5) == "w5"
        assert not flood_again.done()

    asyncio.run(scenario())


def test_a_waiter_with_a_recent_slow_task_comes_after_one_without() -> None:
    async def scenario() -> None:
        clock = Clock()
        d = dispatcher(["only"], clock)  # one worker: nothing reserved, order by need
        w = await d.get("flood", 5)
        flood_again = await pending(d, "flood")  # arrives first
        light = await pending(d, "light")
        clock.now += 2
        d.done(w)
        d.put(w)
        assert await asyncio.wait_for(light, 5) == "only"
        assert not flood_again.done()
        d.done("only")
        d.put("only")
        assert await asyncio.wait_for(flood_again, 5) == "only"

    asyncio.run(scenario())


def test_a_waiter_past_its_timeout_gets_timeout_error_and_leaves_the_queue() -> None:
    async def scenario() -> None:
        d = dispatcher(["only"])
        await d.get("a", 5)
        with pytest.raises(TimeoutError):
            await d.get("b", 0.05)
        assert d.waiting == 0

    asyncio.run(scenario())


def test_a_cancelled_waiter_never_loses_a_worker() -> None:
    async def scenario() -> None:
        d = dispatcher(["only"])
        w = await d.get("a", 5)
        gone = await pending(d, "b")
        d.done(w)
        d.put(w)  # handed to "b" ...
        gone.cancel()  # ... just as its client goes away
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert d.running("b") == 0
        assert await d.get("c", 1) == "only"

    asyncio.run(scenario())


def test_workers_that_are_not_usable_are_skipped() -> None:
    async def scenario() -> None:
        dead = {"w2"}
        d: FairDispatcher[str] = FairDispatcher(2, usable=lambda w: w not in dead)
        d.put("w1")
        d.put("w2")  # last in, first out: offered first, and dropped
        assert await d.get("a", 1) == "w1"
        assert d.idle == 0

    asyncio.run(scenario())


def test_slow_marks_are_bounded_and_the_oldest_go_first() -> None:
    clock = Clock()
    d: FairDispatcher[str] = FairDispatcher(1, clock=clock)

    async def slow_task(client: str) -> None:
        d.put("w")
        w = await d.get(client, 1)
        clock.now += 2
        d.done(w)  # held 2 s: marked slow (the worker is put back next round)

    async def scenario() -> None:
        for n in range(MAX_REMEMBERED + 50):
            await slow_task(f"c{n}")

    asyncio.run(scenario())
    assert not d.is_slow("c0")
    assert d.is_slow(f"c{MAX_REMEMBERED + 49}")
    assert len(d._slow_until) <= MAX_REMEMBERED


def test_client_key_is_the_address_host() -> None:
    class Address:
        host = "192.0.2.7"
        port = 5555

    assert client_key(Address()) == "192.0.2.7"
    assert client_key(None) is None


def test_a_task_is_slow_only_past_its_own_slow_after() -> None:
    async def scenario() -> None:
        clock = Clock()
        d = dispatcher(["w1", "w2"], clock)
        w = await d.get("busy-machine", 5, slow_after=5.0)  # e.g. half a 10 s deadline
        clock.now += 2  # a cheap query slowed down by load: not slow
        d.done(w)
        d.put(w)
        assert not d.is_slow("busy-machine")
        w = await d.get("heavy", 5, slow_after=5.0)
        clock.now += 6
        d.done(w)
        d.put(w)
        assert d.is_slow("heavy")

    asyncio.run(scenario())


def test_the_reserve_is_the_servers_when_processes_share_the_idle_count() -> None:
    """Two server processes with one sandbox worker each (two dispatchers over one shared
    count): the server's last idle worker is kept from a slow client, whichever process it is
    in, and a waiter held back sees a worker freed in the other process (it is not told)."""
    from pcfgraph.sandbox.admission import SharedCounts

    async def scenario() -> None:
        clock = Clock()
        shared = SharedCounts(4)
        a: FairDispatcher[str] = FairDispatcher(1, clock=clock, shared=shared)
        b: FairDispatcher[str] = FairDispatcher(1, clock=clock, shared=shared)
        a.put("wa")
        b.put("wb")
        assert shared.idle == 2
        # "heavy" runs a slow task in b: b now knows it as slow
        w = await b.get("heavy", 5)
        clock.now += 1.5
        b.done(w)
        b.put(w)
        # in a, with two idle in the server, anyone may take one
        held = await a.get("heavy", 5)
        assert held == "wa" and shared.idle == 1
        # in b, wb is the server's last idle worker: not for the slow client ...
        waiting = await pending(b, "heavy")
        assert not waiting.done()
        # ... but for a light one at once
        light = await b.get("light", 5)
        assert light == "wb" and shared.idle == 0
        b.done(light)
        b.put(light)
        assert not waiting.done() and shared.idle == 1
        # the other process frees its worker: b was not told, and looks again by itself
        a.done(held)
        a.put(held)
        assert shared.idle == 2
        assert await asyncio.wait_for(waiting, 30) == "wb"
        assert shared.idle == 1

    asyncio.run(scenario())


def test_a_worker_that_leaves_is_no_longer_counted_idle_by_the_server() -> None:
    from pcfgraph.sandbox.admission import SharedCounts

    shared = SharedCounts(2)
    d: FairDispatcher[str] = FairDispatcher(2, shared=shared)
    d.put("w1")
    d.put("w2")
    assert shared.idle == 2 and d.idle == 2
    d.discard("w1")  # killed or retired while idle
    assert shared.idle == 1 and d.idle == 1
    d.discard("w1")
    assert shared.idle == 1
