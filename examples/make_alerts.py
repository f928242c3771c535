"""Regenerate examples/alerts.jsonl by really running the sample service until
it fails: the tracebacks are real, only their paths are rewritten to where
the service runs in production (/srv/app)."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVICE = HERE / "sample_service"
sys.path.insert(0, str(SERVICE))

from payments.orders import find_orders  # noqa: E402
from payments.processor import process_payment  # noqa: E402
from payments.refunds import latest_refund  # noqa: E402

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _trace(call: Callable[..., object], *args: object) -> tuple[str, str, str]:
    try:
        call(*args)
    except Exception as exc:
        # Drop this driver's own frame: production traces start in the service.
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None
        lines = traceback.format_exception(type(exc), exc, tb)
        text = "".join(lines).replace(str(SERVICE), "/srv/app")
        return text, type(exc).__name__, str(exc)
    raise SystemExit(f"{call.__name__} did not fail")


def main() -> None:
    cases = [
        ("checkout", "CRITICAL", 1_250, process_payment, {"customer_id": "c-404", "amount_cents": 900}),
        ("orders-api", "HIGH", 40, find_orders, "o'brien"),
        ("refunds-worker", "MEDIUM", None, latest_refund, " , "),
    ]
    alerts = []
    for i, (service, severity, users, call, arg) in enumerate(cases):
        trace, error_type, message = _trace(call, arg)
        alert = {
            "alert_id": f"demo-{i + 1}",
            "timestamp": (START + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
            "severity": severity,
            "service": service,
            "environment": "production",
            "repo": "sample-service",
            "error_type": error_type,
            "error_message": message,
            "stack_trace": trace,
        }
        if users is not None:
            alert["affected_users"] = users
        alerts.append(alert)
    alerts.append(
        {
            "alert_id": "demo-4",
            "timestamp": (START + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
            "severity": "HIGH",
            "service": "checkout",
            "environment": "production",
            "repo": "sample-service",
            "error_type": "UpstreamTimeout",
            "error_message": "payment gateway did not answer within 2.5 s (503 from lb-edge-2)",
        }
    )
    out = HERE / "alerts.jsonl"
    out.write_text("".join(json.dumps(a) + "\n" for a in alerts), encoding="utf-8")
    print(f"wrote {len(alerts)} alerts to {out}")


if __name__ == "__main__":
    main()
