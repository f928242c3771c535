from __future__ import annotations

from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from hefesto_core.errors import ConfigError
from hefesto_core.history import HistoryStore, SqliteHistoryStore, open_store
from hefesto_core.history.bigquery import BigQueryHistoryStore
from hefesto_core.settings import load_settings


def test_embedded_path_from_settings(tmp_path: Path) -> None:
    store = open_store(load_settings(store_backend="embedded", embedded_path=tmp_path / "x" / "h.db"))
    try:
        assert isinstance(store, SqliteHistoryStore)
        assert isinstance(store, HistoryStore)
        assert (tmp_path / "x" / "h.db").exists()
    finally:
        store.close()


def test_bigquery_without_a_project_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="bigquery_project"):
        open_store(load_settings(store_backend="bigquery", bigquery_project=None))


@pytest.mark.parametrize("dataset", ["hefesto`; DROP SCHEMA x; --", "a.b", "", "x y"])
def test_dataset_names_are_validated_before_any_sql(dataset: str) -> None:
    client = bigquery.Client(project="hefesto-test", credentials=AnonymousCredentials())
    try:
        with pytest.raises(ConfigError, match="dataset"):
            BigQueryHistoryStore(client, dataset=dataset, create=False)
    finally:
        client.close()
