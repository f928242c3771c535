from __future__ import annotations

import pytest
from pydantic import ValidationError

from hefesto_core.settings import ApiScope, StoreBackend, load_settings


def test_env_prefix_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEFESTO_TOPIC_PARTITIONS", "8")
    monkeypatch.setenv("HEFESTO_KAFKA_BOOTSTRAP", "kafka-1:9092")
    s = load_settings(assemble_timeout_ms=500)
    assert s.topic_partitions == 8
    assert s.bootstrap_servers == "kafka-1:9092"
    assert s.assemble_timeout_ms == 500


def test_local_broker_is_the_default_bootstrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEFESTO_KAFKA_BOOTSTRAP", raising=False)
    assert load_settings(kafka_port=19999, kafka_controller_port=19998).bootstrap_servers == "127.0.0.1:19999"


def test_api_keys_are_secret_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEFESTO_API_KEYS", '[{"key_id": "ops", "key": "s3cret-value", "scope": "admin"}]')
    monkeypatch.setenv("HEFESTO_WEBHOOK_SECRET", "hook-secret")
    s = load_settings()
    assert s.api_keys[0].scope is ApiScope.ADMIN
    assert s.api_keys[0].key.get_secret_value() == "s3cret-value"
    shown = str(s.public_view())
    assert "s3cret-value" not in shown
    assert "hook-secret" not in shown
    assert "s3cret-value" not in repr(s)


def test_store_backend_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEFESTO_BIGQUERY_PROJECT", raising=False)
    assert load_settings().resolved_store_backend is StoreBackend.EMBEDDED
    assert load_settings(bigquery_project="acme").resolved_store_backend is StoreBackend.BIGQUERY
    assert load_settings(bigquery_project="acme", store_backend="embedded").resolved_store_backend is (
        StoreBackend.EMBEDDED
    )


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"kafka_port": 9092, "kafka_controller_port": 9092}, "must differ"),
        ({"topic_partitions": 0}, "greater than or equal to 1"),
        ({"store_backend": "postgres"}, "auto"),
        ({"min_confidence": 2}, "less than or equal to 1"),
    ],
)
def test_bad_settings_are_rejected(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        load_settings(**overrides)
