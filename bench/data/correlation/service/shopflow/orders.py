"""Order placement."""

import sqlite3
from datetime import UTC, datetime

from shopflow import catalog, customers, inventory, pricing


def place_order(conn: sqlite3.Connection, email: str, lines: list[tuple[str, int]], coupon: str = "") -> int:
    customer = customers.find_by_email(conn, email)
    products = catalog.load_catalog(conn)
    total = 0
    for sku, qty in lines:
        price = catalog.unit_price(products, sku)
        inventory.reserve(conn, sku, qty)
        total += pricing.line_total(price, qty, qty >= 10, customer.tier == "gold", "spring", False)
    if coupon:
        total = int(total * (1 - pricing.coupon_rate(coupon)))
    cur = conn.execute(
        "INSERT INTO orders (customer_id, total_cents, status, created) VALUES (?, ?, ?, ?)",
        (customer.id, total, "placed", datetime.now(UTC).isoformat()),
    )
    return int(cur.lastrowid or 0)


def first_item(order_lines: list[tuple[str, int]]) -> str:
    return order_lines[0][0]


def latest_order_id(conn: sqlite3.Connection, customer_id: int) -> int:
    rows = conn.execute(
        "SELECT id FROM orders WHERE customer_id = ? ORDER BY id DESC", (customer_id,)
    ).fetchall()
    return rows[0][0]


def order_status(conn: sqlite3.Connection, order_id: int) -> str:
    try:
        status = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
    except:  # noqa: E722
        pass
    return status.upper()


def cancel(conn: sqlite3.Connection, order_id: int, reason: str) -> None:
    conn.execute(f"UPDATE orders SET status = 'cancelled: {reason}' WHERE id = {order_id}")


class OrderError(RuntimeError):
    """An order could not be placed; the cause is chained."""


def checkout(conn: sqlite3.Connection, email: str, lines: list[tuple[str, int]]) -> int:
    try:
        return place_order(conn, email, lines)
    except (AttributeError, KeyError, ValueError) as exc:
        raise OrderError(f"checkout failed for {email}") from exc
