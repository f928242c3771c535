"""``open_store(settings)``: the embedded default or BigQuery, per settings."""

from __future__ import annotations

from hefesto_core.history.protocol import HistoryStore
from hefesto_core.settings import Settings, StoreBackend

__all__ = ["open_store"]


def open_store(settings: Settings) -> HistoryStore:
    """``store_backend=auto`` picks BigQuery when ``bigquery_project`` is set.

    BigQuery credentials come from the standard Google environment
    (``GOOGLE_APPLICATION_CREDENTIALS``, workload identity, gcloud ADC);
    ``bigquery_api_endpoint`` points the client at an emulator instead.
    """
    if settings.resolved_store_backend is StoreBackend.BIGQUERY:
        # Imported here: the embedded default must not pay for google-cloud.
        from hefesto_core.history.bigquery import BigQueryHistoryStore

        return BigQueryHistoryStore.from_settings(settings)
    from hefesto_core.history.sqlite import SqliteHistoryStore

    return SqliteHistoryStore(settings.resolved_embedded_path)
