from __future__ import annotations

import sqlite3


def _db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE orders (id TEXT, customer_id TEXT, amount_cents INTEGER)")
    conn.execute("INSERT INTO orders VALUES ('o-1', 'c-1', 1200)")
    return conn


def find_orders(customer_name: str) -> list[tuple]:
    conn = _db()
    query = f"SELECT id, amount_cents FROM orders WHERE customer_id = '{customer_name}'"
    return conn.execute(query).fetchall()
