"""Requests that arrive while a round trip is in flight go together in the next one, and are
answered only by a round trip that began after they arrived (realtime.round_trips.RoundTrips)."""

from __future__ import annotations

import asyncio

import pytest

from realtime.round_trips import RoundTrips


class Store:
    """A store that records each round trip and answers with the round trip's number."""

    def __init__(self) -> None:
        self.trips: list[list[str]] = []
        self.release = asyncio.Event()
        self.fail_next = False

    async def run(self, requests: list[str]) -> list[tuple[str, int]]:
        self.trips.append(requests)
        number = len(self.trips)
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("store down")
        return [(request, number) for request in requests]


async def test_requests_arriving_during_a_round_trip_share_the_next_one() -> None:
    store = Store()
    trips = RoundTrips(store.run)
    first = asyncio.ensure_future(trips.ask("a"))
    await asyncio.sleep(0)
    later = [asyncio.ensure_future(trips.ask(name)) for name in ("b", "c", "d")]
    await asyncio.sleep(0)
    assert store.trips == [["a"]]  # b, c and d wait: the first trip began before them
    store.release.set()
    assert await first == ("a", 1)
    assert [await task for task in later] == [("b", 2), ("c", 2), ("d", 2)]
    assert store.trips == [["a"], ["b", "c", "d"]]


async def test_a_failed_round_trip_fails_its_requests_only() -> None:
    store = Store()
    trips = RoundTrips(store.run)
    store.fail_next = True
    store.release.set()
    with pytest.raises(ConnectionError):
        await trips.ask("a")
    assert await trips.ask("b") == ("b", 2)


async def test_an_asker_that_gives_up_does_not_stop_the_others() -> None:
    store = Store()
    trips = RoundTrips(store.run)
    impatient = asyncio.ensure_future(trips.ask("a"))
    patient = asyncio.ensure_future(trips.ask("b"))
    await asyncio.sleep(0)
    impatient.cancel()
    store.release.set()
    assert await patient == ("b", 1)
    assert impatient.cancelled()


async def test_a_store_answering_the_wrong_number_of_requests_fails_them_all() -> None:
    async def short(requests: list[str]) -> list[str]:
        return requests[:-1]

    trips = RoundTrips(short)
    results = await asyncio.gather(trips.ask("a"), trips.ask("b"), return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in results)
