"""Per-request DataLoaders over the batch reads of :mod:`pcfgraph.services`.

A request gets one :class:`Loaders` (and one :class:`~pcfgraph.services.Reader`, whose memo
holds whole-framework reads), so every element, child list, measure list or mapping list of a
request comes from one store query per framework, however many elements the query touches.
Store queries run in a worker thread so a slow query never blocks the event loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio.to_thread
from strawberry.dataloader import DataLoader

from pcfgraph import services
from pcfgraph.services import Element, Mapping, Reader
from pcfgraph.services.search.identifier_case import spelled

K = TypeVar("K")
V = TypeVar("V")

#: (element, direction, relation, other framework, include derived)
MappingKey = tuple[Element, str, str | None, str | None, bool]


class Loaders:
    def __init__(self, reader: Reader, shared: Callable[[], Reader] | None = None) -> None:
        self.reader = reader
        #: The served release's shared reads (made once per release, not per request), for
        #: the reads that cover every edition at once; None: this request's reader.
        self.shared = shared
        self.element: DataLoader[tuple[str, str | None], Element | None] = DataLoader(
            self._batch(services.elements_by_iris)
        )
        self.children: DataLoader[Element, list[Element]] = DataLoader(
            self._batch(services.children_of)
        )
        self.ancestors: DataLoader[Element, list[Element]] = DataLoader(
            self._batch(services.ancestors_of)
        )
        self.descendants: DataLoader[tuple[Element, int | None], list[Element]] = DataLoader(
            self._descendants
        )
        self.measures: DataLoader[Element, list[services.Measure]] = DataLoader(
            self._batch(services.measures_of)
        )
        self.mappings: DataLoader[MappingKey, list[Mapping]] = DataLoader(self._mappings)
        self.chain: DataLoader[Mapping, list[Mapping]] = DataLoader(self._batch(services.chains_of))
        self.itcmf: DataLoader[Element, services.MaturityStructure] = DataLoader(
            self._batch(services.itcmf_structure_of)
        )
        self.history: DataLoader[Element, list[services.HistoryStep]] = DataLoader(
            self._batch(services.history_of)
        )
        # The curated mappings of every APQC edition, read whole: once per release from the
        # shared reads, not once per request (163 ms of CPU per request, 4 editions loaded).
        self.inherited_mappings: DataLoader[Element, list[services.InheritedMapping]] = DataLoader(
            self._shared_batch(services.inherited_mappings_of)
        )
        self.framework: DataLoader[str, services.Framework | None] = DataLoader(self._frameworks)
        self.mapping_set: DataLoader[str, services.MappingSet | None] = DataLoader(
            self._mapping_sets
        )

    async def run(self, fn: Callable[..., V], *args: Any, **kwargs: Any) -> V:
        """``fn(reader, *args, **kwargs)`` in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(fn, self.reader, *args, **kwargs))

    def _shared_batch(
        self, fn: Callable[[Reader, Sequence[K]], list[V]]
    ) -> Callable[[list[K]], Any]:
        """:meth:`_batch` through the shared reads (:attr:`shared`) when there are any."""

        async def load(keys: list[K]) -> list[V]:
            def read() -> list[V]:
                return fn(self.shared() if self.shared is not None else self.reader, keys)

            return await anyio.to_thread.run_sync(read)

        return load

    def _batch(self, fn: Callable[[Reader, Sequence[K]], list[V]]) -> Callable[[list[K]], Any]:
        async def load(keys: list[K]) -> list[V]:
            return await self.run(fn, keys)

        return load

    async def _descendants(self, keys: list[tuple[Element, int | None]]) -> list[list[Element]]:
        def compute(reader: Reader) -> list[list[Element]]:
            return [services.descendants_of(reader, [e], depth)[0] for e, depth in keys]

        return await anyio.to_thread.run_sync(compute, self.reader)

    async def _mappings(self, keys: list[MappingKey]) -> list[list[Mapping]]:
        def compute(reader: Reader) -> list[list[Mapping]]:
            groups: dict[tuple[str, str | None, str | None, bool], list[int]] = {}
            for i, (_, direction, relation, framework, derived) in enumerate(keys):
                if framework is not None:  # PRM-IT is prm-it, as in every argument
                    framework = spelled(framework, services.known_framework_ids(reader))
                groups.setdefault((direction, relation, framework, derived), []).append(i)
            out: list[list[Mapping]] = [[] for _ in keys]
            for (direction, relation, framework, derived), idx in groups.items():
                found = services.mappings_of(
                    reader,
                    [keys[i][0] for i in idx],
                    direction=direction,
                    relation=relation,
                    framework=framework,
                    include_derived=derived,
                )
                for i, ms in zip(idx, found, strict=True):
                    out[i] = ms
            return out

        return await anyio.to_thread.run_sync(compute, self.reader)

    async def _frameworks(self, keys: list[str]) -> list[services.Framework | None]:
        found = {f.id: f for f in await self.run(services.frameworks)}
        return [found.get(k) for k in keys]

    async def _mapping_sets(self, keys: list[str]) -> list[services.MappingSet | None]:
        found = await self.run(services.mapping_sets)
        return [found.get(k) for k in keys]
