"""Regenerate the labeled correlation evaluation set.

    .venv/bin/python bench/data/correlation/generate.py

Python alerts are produced by really running the ``shopflow`` service in
``service/`` (copied into temporary deployment layouts such as
``<tmp>/srv/app`` and ``<tmp>/usr/src/app``) with inputs that make it fail,
and capturing ``traceback.format_exc()``. Dependency failures are real too: a
local HTTP server that stalls, answers 503 or HTML, a closed port, a locked
SQLite database, a missing plugin module. Java, Node and Go alerts and the
findings for their files (as a SARIF import would give them) are written as
text in ``polyglot.py``.

Writes ``alerts.jsonl`` (one IrisAlert per line, nothing else), ``labels.jsonl``
(the true cause of each alert by repo-relative file, line and expected
issue_type, or no code cause) and ``external_findings.json``.
"""

from __future__ import annotations

import contextlib
import http.server
import importlib
import json
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVICE = HERE / "service"
sys.path.insert(0, str(HERE))

from polyglot import EXTERNAL_FINDINGS, POLYGLOT_ALERTS  # noqa: E402

REPO = "acme/shopflow"
COMMIT = "9c1e2f4a7b3d5e6f8091a2b3c4d5e6f708192a3b"
BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAYOUTS = ("srv/app", "usr/src/app", "opt/releases/2026-03-01/current", "home/deploy/shopflow")


@dataclass
class Cause:
    file_path: str
    anchor: str
    issue_type: str | None
    """None: a real defect that no rule of the analyzer's catalogue names."""
    also_accept: tuple[str, ...] = ()
    """Other issue types that name the same defect (``except: pass`` is both
    a bare except and a silently swallowed exception)."""


@dataclass
class Scenario:
    name: str
    route: str
    bodies: list[dict[str, Any]]
    cause: Cause | None
    """None: the alert has no code cause (dependency, deploy, bad data)."""
    setup: str = "memory"
    env: dict[str, str] = field(default_factory=dict)


def _gw(kind: str) -> dict[str, Any]:
    return {"gateway": f"{{GATEWAY}}/{kind}", "timeout": 0.3}


SCENARIOS: list[Scenario] = [
    # -- defects the analyzer's rules describe --------------------------------
    Scenario("config_region_unset", "GET /region", [{}, {}], Cause("shopflow/config.py", "return value.lower()", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("config_flag_missing", "GET /flags", [{"flag": "new_checkout", "flags": {}}, {"flag": "dark_mode", "flags": {"beta": "1"}}, {"flag": "Beta", "flags": {"beta": "1"}}],
             Cause("shopflow/config.py", "return raw.strip()", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("customer_search_quote", "GET /customers/search", [{"q": "O'Neil"}, {"q": "d'Arcy"}, {"q": "it's"}],
             Cause("shopflow/customers.py", "rows = conn.execute(sql).fetchall()", "SQL_INJECTION_RISK")),
    Scenario("customer_missing_id", "GET /customers/{id}", [{"id": 99}, {"id": 0}, {"id": 12345}],
             Cause("shopflow/customers.py", "return _row_to_customer(rows[0])", "UNCHECKED_INDEX")),
    Scenario("greeting_unknown_email", "GET /greeting", [{"email": "zed@example.com"}, {"email": ""}, {"email": "ANA@example.com"}],
             Cause("shopflow/customers.py", "return customer.name.title()", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("sku_family_bad", "GET /products/family", [{"sku": "bk-1001"}, {"sku": "BK1001"}, {"sku": "PN-20011"}],
             Cause("shopflow/catalog.py", 'return match.group("family")', "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("order_unknown_sku", "POST /orders", [{"email": "ana@example.com", "lines": [["XX-0001", 1]]},
                                                   {"email": "bo@example.com", "lines": [["PN-2001", 1], ["pn-2002", 2]]},
                                                   {"email": "di@example.com", "lines": [["BK-1001 ", 1]]}],
             Cause("shopflow/catalog.py", "return product.price_cents", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("order_unknown_customer", "POST /orders", [{"email": "ghost@example.com", "lines": [["PN-2002", 1]]},
                                                        {"email": "ana@example.org", "lines": [["BK-1001", 2]]},
                                                        {"email": " bo@example.com", "lines": [["PN-2002", 12]]}],
             Cause("shopflow/orders.py", 'customer.tier == "gold"', "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("product_search_quote", "GET /products/search", [{"q": "kid's"}, {"q": "pen", "order_by": "price desc; drop"}],
             Cause("shopflow/catalog.py", "\"SELECT title FROM products WHERE title LIKE '%\" + word", "SQL_INJECTION_RISK")),
    Scenario("cheapest_unknown_family", "GET /products/cheapest", [{"family": "ZZ"}, {"family": "bk"}, {"family": "PN-"}],
             Cause("shopflow/catalog.py", "return members[0]", "UNCHECKED_INDEX")),
    Scenario("reserve_unknown_sku", "POST /inventory/reserve", [{"sku": "BK-9999", "qty": 1}, {"sku": "pn-2001", "qty": 3}, {"sku": "", "qty": 1}],
             Cause("shopflow/inventory.py", "remaining = levels.get(sku) - qty", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("low_stock_injection", "GET /inventory/low", [{"threshold": "5 ORDER"}, {"threshold": "'10'x"}, {"threshold": "10)"}],
             Cause("shopflow/inventory.py", "rows = conn.execute(f\"SELECT sku FROM products WHERE stock", "SQL_INJECTION_RISK")),
    Scenario("order_status_swallowed", "GET /orders/status", [{"order_id": 404}, {"order_id": -1}, {"order_id": 77}],
             Cause("shopflow/orders.py", "except:", "BARE_EXCEPT", ("SILENT_EXCEPTION_SWALLOW",))),
    Scenario("latest_order_none", "GET /orders/latest", [{"customer_id": 3}, {"customer_id": 42}, {"customer_id": 4}],
             Cause("shopflow/orders.py", "return rows[0][0]", "UNCHECKED_INDEX")),
    Scenario("first_item_empty", "POST /orders/first-item", [{"lines": []}, {"lines": []}],
             Cause("shopflow/orders.py", "return order_lines[0][0]", "UNCHECKED_INDEX")),
    Scenario("cancel_reason_quote", "POST /orders/cancel", [{"order_id": 1, "reason": "customer's request"}, {"order_id": 2, "reason": "don't ship"}, {"order_id": 1, "reason": "'"}],
             Cause("shopflow/orders.py", "conn.execute(f\"UPDATE orders SET status", "SQL_INJECTION_RISK")),
    Scenario("quote_unknown_country", "GET /shipping/quote", [{"country": "BR", "weight": "1.5 kg"}, {"country": "de", "weight": "300 g"}, {"country": "JP", "weight": "2 kg"}],
             Cause("shopflow/shipping.py", "return matches[0]", "UNCHECKED_INDEX")),
    Scenario("postcode_unparsable", "GET /shipping/postcode", [{"address": "1 Main St\nSpringfield"}, {"address": "Rua A, 12\n1234-567 Lisboa"}, {"address": "PO Box 12"}],
             Cause("shopflow/shipping.py", 'return POSTCODE.search(line).group("code")', "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("revenue_bad_date", "GET /reports/revenue", [{"start": "2026-01-01", "end": "2026-02-01'"}, {"start": "O'Clock", "end": "x"}, {"start": "2026-01-01' OR", "end": "2026"}],
             Cause("shopflow/reports.py", "row = conn.execute(sql).fetchone()", "SQL_INJECTION_RISK")),
    Scenario("by_status_quote", "GET /reports/by-status", [{"status": "cancelled: customer's request"}, {"status": "it's"}],
             Cause("shopflow/reports.py", "return [r[0] for r in conn.execute(query).fetchall()]", "SQL_INJECTION_RISK")),
    Scenario("cached_report_corrupt", "POST /reports/cached", [{"blob": "80049501"}, {"blob": "deadbeef"}, {"blob": "8004"}],
             Cause("shopflow/reports.py", "return pickle.loads(blob)", "UNSAFE_DESERIALIZATION")),
    Scenario("top_customer_empty", "GET /reports/top-customer", [{}, {}], Cause("shopflow/reports.py", "return row[0]", "POSSIBLE_NONE_DEREFERENCE"),
             setup="empty_group"),
    Scenario("token_without_dot", "GET /whoami", [{"token": "abc"}, {"token": "Bearer-xyz"}, {"token": ""}],
             Cause("shopflow/auth.py", 'payload = token.split(".")[1]', "UNCHECKED_INDEX")),
    Scenario("token_missing_scope", "GET /whoami", [{"token": "h.eyJzY29wZXMiOltdfQ.s", "scope": "admin"},
                                                    {"token": "h.eyJzdWIiOiJ1c2VyOjEifQ.s", "scope": "write"}],
             Cause("shopflow/auth.py", "assert scope in claims", "ASSERT_IN_PRODUCTION")),
    Scenario("token_missing_sub", "GET /whoami", [{"token": "h.eyJzY29wZXMiOlsicmVhZCJdfQ.s"}, {"token": "h.eyJzY29wZXMiOlsicmVhZCJdLCJhIjoxfQ.s"}],
             Cause("shopflow/auth.py", 'return int(subject.removeprefix("user:"))', "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("authorize_no_auth_code", "POST /payments", [{"order_id": 7, "amount": 1299, "card": "tok_1", **_gw("noauth")},
                                                          {"order_id": 8, "amount": 4599, "card": "tok_2", **_gw("noauth")}],
             Cause("shopflow/payments.py", "return auth_code.upper()", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("checkout_unknown_sku_chained", "POST /checkout", [{"email": "ana@example.com", "lines": [["XX-0002", 1]]},
                                                                {"email": "di@example.com", "lines": [["BK-1001", 1], ["bk-1002", 1]]}],
             Cause("shopflow/catalog.py", "return product.price_cents", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("checkout_unknown_customer_chained", "POST /checkout", [{"email": "nobody@example.com", "lines": [["PN-2002", 1]]}],
             Cause("shopflow/orders.py", 'customer.tier == "gold"', "POSSIBLE_NONE_DEREFERENCE")),
    # -- real defects no rule names: findings in these files are on other lines
    Scenario("loyalty_no_tier", "GET /customers/{id}", [{"id": 3}, {"id": 3}], Cause("shopflow/customers.py", "return rates[customer.tier]", None)),
    Scenario("weight_unparsable", "GET /shipping/quote", [{"country": "DE", "weight": "2kg"}, {"country": "US", "weight": "1,5 kg"}, {"country": "GB", "weight": "heavy"}],
             Cause("shopflow/shipping.py", "value, unit = spec.split()", None)),
    Scenario("template_missing_value", "POST /notify", [{"kind": "shipped", "values": {"name": "Ana", "order_id": 3}},
                                                        {"kind": "placed", "values": {"name": "Bo"}}],
             Cause("shopflow/notifications.py", "return TEMPLATES[kind].format(**values)", None)),
    Scenario("split_zero_parts", "POST /pricing/split", [{"total": 1000, "parts": 0}, {"total": 5, "parts": 0}],
             Cause("shopflow/pricing.py", "return total_cents // parts", None)),
    Scenario("coupon_unknown", "GET /pricing/coupon", [{"code": "BOGUS"}, {"code": "welcome 10"}, {"code": "SUMMER"}], Cause("shopflow/pricing.py", "return COUPONS[code.upper()]", None)),
    Scenario("average_no_lines", "POST /pricing/average", [{"lines": []}, {"lines": []}], Cause("shopflow/pricing.py", "return total / len(lines)", None)),
    Scenario("refund_index", "POST /payments/refund", [{"captured": [1299], "index": 1}, {"captured": [], "index": 0}],
             Cause("shopflow/payments.py", "return captured[index]", None)),
    Scenario("gateway_amount_garbled", "POST /payments/parse-amount", [{"raw": "12.5x"}, {"raw": "1,299.00"}, {"raw": "EUR 5"}],
             Cause("shopflow/payments.py", "return int(whole) * 100 + int(cents or 0)", None)),
    Scenario("token_bad_base64", "GET /whoami", [{"token": "h.!!!.s"}, {"token": "h.bm90LWpzb24.s"}],
             Cause("shopflow/auth.py", "return json.loads(base64.urlsafe_b64decode(padded))", None)),
    # -- no code cause --------------------------------------------------------
    Scenario("gateway_timeout", "POST /payments", [{"order_id": n, "amount": 999, "card": "tok", **_gw("slow")} for n in (1, 2, 3)], None),
    Scenario("gateway_refused", "POST /payments", [{"order_id": n, "amount": 999, "card": "tok", "gateway": "{CLOSED}", "timeout": 0.3} for n in (4, 5)], None),
    Scenario("gateway_503", "POST /payments", [{"order_id": n, "amount": 4599, "card": "tok", **_gw("down")} for n in (6, 7, 8)], None),
    Scenario("gateway_html", "POST /payments", [{"order_id": n, "amount": 499, "card": "tok", **_gw("html")} for n in (9, 10)], None),
    Scenario("plugin_not_installed", "POST /plugins/load", [{"name": "shopflow_stripe"}, {"name": "shopflow_adyen.client"}, {"name": "shopflow_klarna"}], None),
    Scenario("stock_exhausted", "POST /inventory/reserve", [{"sku": "BK-1002", "qty": 1}, {"sku": "PN-2001", "qty": 50}, {"sku": "BK-1001", "qty": 41}], None),
    Scenario("footer_locale_missing", "GET /notify/footer", [{"dir": "/etc/shopflow/templates", "locale": "pt_BR"},
                                                            {"dir": "/etc/shopflow/templates", "locale": "de"},
                                                            {"dir": "/srv/templates", "locale": "en"}], None),
    Scenario("db_locked_low_stock", "GET /inventory/low", [{"threshold": 5}, {"threshold": 20}], None, setup="locked"),
    Scenario("db_locked_revenue", "GET /reports/revenue", [{"start": "2026-01-01", "end": "2026-02-01"}, {"start": "2026-02-01", "end": "2026-03-01"}],
             None, setup="locked"),
    Scenario("db_locked_search", "GET /customers/search", [{"q": "Ana"}, {"q": "Chen"}], None, setup="locked"),
    Scenario("db_locked_cancel", "POST /orders/cancel", [{"order_id": 1, "reason": "late"}], None, setup="locked"),
    Scenario("db_locked_by_status", "GET /reports/by-status", [{"status": "placed"}], None, setup="locked"),
    Scenario("capture_missing_status", "POST /payments/capture", [{"auth": "A1", "amount": 999, **_gw("nostatus")},
                                                                  {"auth": "B2", "amount": 4599, **_gw("nostatus")}],
             Cause("shopflow/payments.py", 'return response["status"] == "captured"', None)),
    Scenario("db_locked_place", "POST /orders", [{"email": "ana@example.com", "lines": [["PN-2002", 1]]}], None, setup="locked"),
]

# Added after the first 165 alerts, and numbered after them so that those
# stay as they were: failures one or two lines from a finding, of a kind the
# finding explains, whether it is the cause or not.
RETURNS_SCENARIOS: list[Scenario] = [
    Scenario("return_note_quote", "POST /returns", [{"order_id": 1, "note": "doesn't fit"}, {"order_id": 2, "note": "wrong size' colour"}, {"order_id": 1, "note": "it's broken"}],
             Cause("shopflow/returns.py", "cur = conn.execute(sql)", "SQL_INJECTION_RISK")),
    Scenario("return_unknown_order", "POST /returns", [{"order_id": 99, "note": "late"}, {"order_id": 0, "note": "damaged"}],
             Cause("shopflow/returns.py", 'status = conn.execute("SELECT status FROM orders', "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("return_fee_unknown_sku", "GET /returns/fee", [{"sku": "XX-0001"}, {"sku": "bk-1001"}, {"sku": ""}],
             Cause("shopflow/returns.py", "except Exception:", "SILENT_EXCEPTION_SWALLOW", ("BARE_EXCEPT",))),
    Scenario("return_label_one_line", "POST /returns/label", [{"order_id": 1, "address": "1 Main St"}, {"order_id": 2, "address": "  "}],
             Cause("shopflow/returns.py", "city = lines[1]", "UNCHECKED_INDEX")),
    Scenario("returns_reason_quote", "GET /returns/by-reason", [{"reason": "customer's"}, {"reason": "it's late"}],
             Cause("shopflow/returns.py", "return conn.execute(query).fetchall()", "SQL_INJECTION_RISK")),
    Scenario("refund_total_unknown", "GET /returns/refund", [{"order_id": 77}, {"order_id": 404}],
             Cause("shopflow/returns.py", "total = row[0]", "POSSIBLE_NONE_DEREFERENCE")),
    Scenario("split_refund_off_by_one", "POST /returns/split", [{"order_id": 1, "shares": [50, 50]}, {"order_id": 2, "shares": [100]}, {"order_id": 1, "shares": [30, 30, 40]}],
             Cause("shopflow/returns.py", "parts.append(total * shares[i] // 100)", None)),
    Scenario("return_reason_missing", "GET /returns/reason", [{"order_id": 1}, {"order_id": 2}, {"order_id": 5}],
             Cause("shopflow/returns.py", "except:  # noqa: E722", "BARE_EXCEPT", ("SILENT_EXCEPTION_SWALLOW",))),
]

INFRA_ALERTS: list[tuple[str, dict[str, Any]]] = [
    ("oom_killed", {"error_type": "OOMKilled", "error_message": "Container shopflow-api-7d9f8 killed: memory limit 512Mi exceeded (exit code 137)"}),
    ("oom_killed", {"error_type": "OOMKilled", "error_message": "Container shopflow-worker-5c2aa killed: memory limit 1Gi exceeded (exit code 137)"}),
    ("oom_killed", {"error_type": "MemoryError", "error_message": "worker 3 exited with MemoryError while building report export"}),
    ("deploy_crashloop", {"error_type": "CrashLoopBackOff", "error_message": "Back-off restarting failed container shopflow-api in pod shopflow-api-6b7c9"}),
    ("deploy_probe", {"error_type": "ReadinessProbeFailed", "error_message": "Readiness probe failed: HTTP probe failed with statuscode: 503"}),
    ("deploy_image", {"error_type": "ImagePullBackOff", "error_message": "Failed to pull image registry.acme.io/shopflow:2026.03.01-4: manifest unknown"}),
    ("deploy_migration", {"error_type": "MigrationFailed", "error_message": "release 2026.03.01-4: migration 0042_add_order_notes failed: timeout acquiring lock"}),
    ("latency_slo", {"error_type": "LatencySLOBreach", "error_message": "p99 latency of POST /payments 4.2s over 2s for 10 minutes"}),
    ("disk_full", {"error_type": "DiskPressure", "error_message": "node ip-10-0-3-17: ephemeral storage 97% used; evicting pods"}),
    ("worker_timeout", {"stack_trace": (
        "[2026-03-02 11:04:51 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:23)\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 135, in handle\n'
        "    self.handle_request(listener, req, client, addr)\n"
        '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 178, in handle_request\n'
        "    respiter = self.wsgi(environ, resp.start_response)\n"
        '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 203, in handle_abort\n'
        "    sys.exit(1)\n"
        "SystemExit: 1\n"
    )}),
    ("pool_exhausted", {"stack_trace": (
        "Traceback (most recent call last):\n"
        '  File "/usr/local/lib/python3.11/site-packages/sqlalchemy/pool/base.py", line 1120, in _checkout\n'
        "    rec = pool._do_get()\n"
        '  File "/usr/local/lib/python3.11/site-packages/sqlalchemy/pool/impl.py", line 157, in _do_get\n'
        "    raise exc.TimeoutError(\n"
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00\n"
    )}),
    ("dns_failure", {"stack_trace": (
        "Traceback (most recent call last):\n"
        '  File "/usr/local/lib/python3.11/site-packages/urllib3/connection.py", line 203, in _new_conn\n'
        "    sock = connection.create_connection(\n"
        '  File "/usr/local/lib/python3.11/site-packages/urllib3/util/connection.py", line 60, in create_connection\n'
        "    for res in socket.getaddrinfo(host, port, family, socket.SOCK_STREAM):\n"
        '  File "/usr/local/lib/python3.11/socket.py", line 962, in getaddrinfo\n'
        "    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):\n"
        "socket.gaierror: [Errno -3] Temporary failure in name resolution\n"
    )}),
    ("cert_expiry", {"error_type": "SSLError", "error_message": "certificate verify failed: certificate has expired (_ssl.c:1006) calling https://tax.example.gov"}),
]


class _Gateway(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        kind = self.path.strip("/").split("/")[0]
        if kind == "slow":
            time.sleep(1.0)
            body, status, ctype = b"{}", 200, "application/json"
        elif kind == "down":
            body, status, ctype = b'{"error": "maintenance"}', 503, "application/json"
        elif kind == "html":
            body, status, ctype = b"<html><body>502 Bad Gateway</body></html>", 200, "text/html"
        elif kind == "nostatus":
            body, status, ctype = json.dumps({"auth": "ok"}).encode(), 200, "application/json"
        elif kind == "noauth":
            body, status, ctype = json.dumps({"status": "declined", "reason": "do_not_honor"}).encode(), 200, "application/json"
        else:
            body, status, ctype = json.dumps({"auth_code": "ok123", "status": "captured"}).encode(), 200, "application/json"
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def gateway() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _fill(value: Any, subst: dict[str, str]) -> Any:
    if isinstance(value, str):
        for k, v in subst.items():
            value = value.replace("{" + k + "}", v)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, subst) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, subst) for v in value]
    return value


_MICROSERVER = """
import traceback


def dispatch(handle, conn, route, body):
    try:
        handle(conn, route, body)
    except Exception as exc:
        return exc, traceback.format_exc()
    return None, None
"""


def _install_microserver(tmp: Path) -> Any:
    """A stand-in web framework installed in a site-packages folder: it is
    the outermost frame of every trace, as a real server's would be."""
    site = tmp / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "microserver").mkdir(parents=True)
    (site / "microserver" / "__init__.py").write_text(_MICROSERVER)
    sys.path.insert(0, str(site))
    try:
        return importlib.import_module("microserver")
    finally:
        sys.path.remove(str(site))


def _import_service(root: Path) -> Any:
    for name in [m for m in sys.modules if m == "shopflow" or m.startswith("shopflow.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("shopflow.api"), importlib.import_module("shopflow.db")
    finally:
        sys.path.remove(str(root))


def _connection(db: Any, setup: str, workdir: Path) -> tuple[sqlite3.Connection, Callable[[], None]]:
    if setup == "locked":
        path = workdir / "shop.db"
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path, timeout=0.05)
        conn.executescript(db._SCHEMA)
        db.seed(conn)
        holder = sqlite3.connect(path)
        holder.execute("BEGIN EXCLUSIVE")

        def release() -> None:
            holder.rollback()
            holder.close()
            conn.close()

        return conn, release
    conn = db.connect()
    db.seed(conn)
    if setup == "empty_group":
        conn.execute("DELETE FROM orders")
    else:
        conn.executemany(
            "INSERT INTO orders (customer_id, total_cents, status, created) VALUES (?, ?, ?, ?)",
            [(1, 2598, "placed", "2026-02-01T10:00:00"), (2, 4599, "shipped", "2026-02-03T12:30:00")],
        )
    return conn, conn.close


def cause_line(cause: Cause) -> int:
    lines = (SERVICE / cause.file_path).read_text().splitlines()
    hits = [i for i, text in enumerate(lines, 1) if cause.anchor in text]
    if len(hits) != 1:
        raise SystemExit(f"anchor {cause.anchor!r} found {len(hits)} times in {cause.file_path}")
    return hits[0]


def _shape(index: int, exc: BaseException, tb_text: str) -> dict[str, Any]:
    """Vary what Iris sends, as different integrations do."""
    shape = index % 4
    error_type = type(exc).__module__ + "." + type(exc).__qualname__ if type(exc).__module__ not in ("builtins",) else type(exc).__qualname__
    if shape == 0:
        return {"stack_trace": tb_text}
    if shape == 1:
        return {"stack_trace": tb_text, "error_type": error_type, "error_message": str(exc)[:500]}
    frames = traceback.extract_tb(exc.__traceback__)
    if shape == 2:
        return {
            "error_type": error_type,
            "error_message": str(exc)[:500],
            "frames": [{"file_path": f.filename, "line_number": f.lineno, "function_name": f.name} for f in frames],
        }
    inner = [f for f in frames if "/shopflow/" in f.filename][-1]
    return {"error_type": error_type, "error_message": str(exc)[:500], "file_path": inner.filename,
            "line_number": inner.lineno, "function_name": inner.name}


def run_python(
    start_index: int, scenarios: list[Scenario], *, first_scenario: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    alerts: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    tmp = Path(tempfile.gettempdir()) / "shopflow-eval"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        server = _install_microserver(tmp)
        roots = []
        for layout in LAYOUTS:
            root = tmp / layout
            shutil.copytree(SERVICE, root, ignore=shutil.ignore_patterns("__pycache__"))
            roots.append(root)
        with gateway() as base:
            subst = {"GATEWAY": base, "CLOSED": closed_port()}
            n = start_index
            for s_index, scenario in enumerate(scenarios, first_scenario):
                for b_index, body in enumerate(scenario.bodies):
                    root = roots[(s_index + b_index) % len(roots)]
                    api, db = _import_service(root)
                    conn, release = _connection(db, scenario.setup, tmp)
                    old_env = {k: os.environ.get(k) for k in ("SHOPFLOW_REGION",)}
                    os.environ.pop("SHOPFLOW_REGION", None)
                    try:
                        exc, tb_text = server.dispatch(api.handle, conn, scenario.route, _fill(body, subst))
                    finally:
                        release()
                        for k, v in old_env.items():
                            if v is not None:
                                os.environ[k] = v
                    if exc is None:
                        raise SystemExit(f"scenario {scenario.name} body {b_index} did not fail")
                    shape = _shape(s_index + b_index, exc, tb_text)
                    alert_id = f"py-{n:04d}"
                    alerts.append(_alert(alert_id, n, shape))
                    labels.append(_label(alert_id, scenario.name, "python", scenario.cause))
                    n += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return alerts, labels


def _alert(alert_id: str, n: int, fields: dict[str, Any]) -> dict[str, Any]:
    base = {
        "alert_id": alert_id,
        "timestamp": (BASE_TIME + timedelta(minutes=7 * n)).isoformat().replace("+00:00", "Z"),
        "severity": ("CRITICAL", "HIGH", "HIGH", "MEDIUM")[n % 4],
        "service": "shopflow-api",
        "environment": "production",
        "repo": REPO,
    }
    if n % 3 != 2:
        base["commit_sha"] = COMMIT
    if n % 5 == 0:
        base["affected_users"] = 10 + (n * 37) % 400
    base.update(fields)
    return base


def _label(alert_id: str, scenario: str, language: str, cause: Cause | None) -> dict[str, Any]:
    if cause is None:
        return {"alert_id": alert_id, "scenario": scenario, "language": language, "kind": "no_code_cause", "cause": None}
    return {
        "alert_id": alert_id,
        "scenario": scenario,
        "language": language,
        "kind": "code_defect",
        "cause": {"file_path": cause.file_path, "line": cause_line(cause), "issue_type": cause.issue_type,
                  "also_accept": list(cause.also_accept)},
    }


def main() -> None:
    alerts, labels = run_python(0, SCENARIOS)
    n = len(alerts)
    for scenario, fields in INFRA_ALERTS:
        alert_id = f"infra-{n:04d}"
        alerts.append(_alert(alert_id, n, fields))
        labels.append({"alert_id": alert_id, "scenario": scenario, "language": "none", "kind": "no_code_cause", "cause": None})
        n += 1
    for scenario, language, fields, cause in POLYGLOT_ALERTS:
        alert_id = f"{language}-{n:04d}"
        alert = _alert(alert_id, n, fields)
        alert["service"] = {"java": "ledger", "node": "storefront-web", "go": "dispatch"}[language]
        alert["repo"] = f"acme/{alert['service']}"
        alert.pop("commit_sha", None)
        alerts.append(alert)
        labels.append({"alert_id": alert_id, "scenario": scenario, "language": language,
                       "kind": "no_code_cause" if cause is None else "code_defect", "cause": cause})
        n += 1
    more_alerts, more_labels = run_python(n, RETURNS_SCENARIOS, first_scenario=len(SCENARIOS))
    alerts += more_alerts
    labels += more_labels
    (HERE / "alerts.jsonl").write_text("".join(json.dumps(a, sort_keys=True) + "\n" for a in alerts))
    (HERE / "labels.jsonl").write_text("".join(json.dumps(lb, sort_keys=True) + "\n" for lb in labels))
    (HERE / "external_findings.json").write_text(json.dumps(EXTERNAL_FINDINGS, indent=1, sort_keys=True) + "\n")
    kinds: dict[str, int] = {}
    for lb in labels:
        kinds[f"{lb['language']}/{lb['kind']}"] = kinds.get(f"{lb['language']}/{lb['kind']}", 0) + 1
    print(f"{len(alerts)} alerts: {json.dumps(kinds, sort_keys=True)}")


if __name__ == "__main__":
    main()
