"""Fixtures of the history-store contract suite: ``store`` runs every test
against the embedded SQLite store and against BigQuery (the real client and
the ``bqemulator`` emulator; those cases carry the ``bigquery`` marker).

The emulator fixtures live in ``tests/fixtures/bigquery.py``; they are
imported here because ``pytest_plugins`` is only honoured in the rootdir
conftest, which this suite does not own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hefesto_core.history import HistoryStore, SqliteHistoryStore
from hefesto_core.history.bigquery import BigQueryHistoryStore
from tests.fixtures.bigquery import BigQueryEmulator, bigquery_client, bigquery_emulator

__all__ = ["bigquery_client", "bigquery_emulator"]

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("bigquery", id="bigquery", marks=pytest.mark.bigquery),
]


def open_bigquery(emulator: BigQueryEmulator, client: object) -> BigQueryHistoryStore:
    from google.cloud import bigquery

    assert isinstance(client, bigquery.Client)
    # A dataset per test: tests stay independent on one emulator.
    return BigQueryHistoryStore(client, dataset=f"h_{uuid.uuid4().hex[:12]}", timeout_ms=30_000)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HistoryStore]:
    if request.param == "sqlite":
        sqlite = SqliteHistoryStore(tmp_path / "history.db")
        yield sqlite
        sqlite.close()
        return
    emulator: BigQueryEmulator = request.getfixturevalue("bigquery_emulator")
    client = request.getfixturevalue("bigquery_client")
    # Not closed: the client is the session's; closing would close its HTTP session.
    yield open_bigquery(emulator, client)
