"""The throwaway PostgreSQL server of the tests (support/pgcluster.py), started once per test
session with fsync off. Without server binaries the tests skip with the reason, unless
CRAMP_DX_REQUIRE_POSTGRES=1 (CI), which makes that a failure.

Use from a test module (tests/ is on sys.path under pytest's default import mode):
    from support.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures)
`postgres_url` gives a fresh, empty database per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from support.pgcluster import Cluster, ClusterStartError, ClusterUnavailable

REQUIRE_ENV = "CRAMP_DX_REQUIRE_POSTGRES"
PostgresServer = Cluster


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostgreSQL required ({REQUIRE_ENV}=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Cluster]:
    try:
        cluster = Cluster.start({"fsync": "off", "full_page_writes": "off"})
    except ClusterUnavailable as exc:
        _unavailable(str(exc))
        raise AssertionError("unreachable") from None
    except ClusterStartError as exc:
        pytest.fail(f"could not start PostgreSQL: {exc}")
    with cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_server: Cluster) -> str:
    """A new empty database on the session's server."""
    return postgres_server.url(postgres_server.create_database())
