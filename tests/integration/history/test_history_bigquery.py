"""BigQuery-only checks: schema, partitioning, read-time dedup, failures."""

from __future__ import annotations

import time
import uuid

import pytest
from google.cloud import bigquery

from hefesto_core.errors import StoreUnavailableError
from hefesto_core.history import FindingQuery, open_store
from hefesto_core.history.bigquery import BigQueryHistoryStore
from hefesto_core.history.schema import TABLES
from hefesto_core.settings import Settings, load_settings
from tests.fixtures.bigquery import BigQueryEmulator
from tests.integration.history.factories import alert, at, enriched, finding

pytestmark = pytest.mark.bigquery

# The REST API may answer with legacy type names.
_STANDARD = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}


def _settings(emulator: BigQueryEmulator, dataset: str) -> Settings:
    return load_settings(
        bigquery_project=emulator.project,
        bigquery_dataset=dataset,
        bigquery_api_endpoint=emulator.endpoint,
    )


def test_open_store_picks_bigquery_when_a_project_is_set(bigquery_emulator: BigQueryEmulator) -> None:
    store = open_store(_settings(bigquery_emulator, f"h_{uuid.uuid4().hex[:8]}"))
    try:
        assert isinstance(store, BigQueryHistoryStore)
        assert store.backend == "bigquery"
        store.ping()
    finally:
        store.close()


def test_tables_have_explicit_schema_day_partitions_and_clustering(
    bigquery_emulator: BigQueryEmulator, bigquery_client: bigquery.Client
) -> None:
    dataset = f"h_{uuid.uuid4().hex[:8]}"
    store = BigQueryHistoryStore(bigquery_client, dataset=dataset)
    for spec in TABLES:
        table = bigquery_client.get_table(f"{bigquery_emulator.project}.{dataset}.{spec.name}")
        assert [(f.name, _STANDARD.get(f.field_type, f.field_type), f.mode) for f in table.schema] == [
            (c.name, c.type, "REQUIRED" if c.required else "NULLABLE") for c in spec.columns
        ]
        assert table.time_partitioning.type_ == "DAY"
        assert table.time_partitioning.field == spec.partition_field
        assert table.clustering_fields == list(spec.clustering)
    # Creating again keeps the data.
    store.upsert_findings([finding("f-1")], seen_at=at(0))
    again = BigQueryHistoryStore(bigquery_client, dataset=dataset)
    assert again.query_findings(FindingQuery()).total_count == 1


def test_duplicate_streamed_rows_are_deduplicated_on_read(bigquery_client: bigquery.Client) -> None:
    store = BigQueryHistoryStore(bigquery_client, dataset=f"h_{uuid.uuid4().hex[:8]}")
    store.record_alerts([alert("alert_1")])
    store.record_correlations([enriched("alert_1", 1), enriched("alert_1", 2)])
    # What a retried insertAll outside the dedup window leaves behind: same
    # rows, different insertIds.
    for table in ("alerts", "correlations"):
        rows = list(bigquery_client.list_rows(f"{store.dataset}.{table}"))
        payload = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows]
        assert bigquery_client.insert_rows_json(f"{store.dataset}.{table}", payload) == []
    assert len(list(bigquery_client.list_rows(f"{store.dataset}.correlations"))) == 4

    assert [c.correlation_version for c in store.correlation_versions("alert_1")] == [1, 2]
    assert store.get_alert("alert_1") == alert("alert_1")


def test_unreachable_bigquery_raises_store_unavailable_quickly() -> None:
    settings = load_settings(
        bigquery_project="hefesto-test", bigquery_api_endpoint="http://127.0.0.1:9", bigquery_dataset="x"
    )
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError):
        BigQueryHistoryStore.from_settings(settings, timeout_ms=2_000)
    assert time.monotonic() - started < 20


def test_the_emulator_is_a_live_subprocess(bigquery_emulator: BigQueryEmulator) -> None:
    import os

    os.kill(bigquery_emulator.pid, 0)  # raises if the process is gone
    assert bigquery_emulator.endpoint.startswith("http://127.0.0.1:")
