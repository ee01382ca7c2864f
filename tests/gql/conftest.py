"""Shared fixtures of the GraphQL tests: apps over the synthetic graph (gql_support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gql_support import Client, graphql_release


@pytest.fixture(scope="module")
def gql() -> Iterator[Client]:
    """Scale 3: 12 processes, so codes 8.1.10-8.1.12 test natural ordering."""
    yield Client(graphql_release(3))
