"""SQLite access shared by the repositories."""

import sqlite3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, email TEXT, name TEXT, country TEXT, tier TEXT);
CREATE TABLE IF NOT EXISTS products (sku TEXT PRIMARY KEY, title TEXT, price_cents INTEGER, stock INTEGER);
CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total_cents INTEGER,
                                   status TEXT, created TEXT);
CREATE TABLE IF NOT EXISTS order_lines (order_id INTEGER, sku TEXT, qty INTEGER, price_cents INTEGER);
"""


def connect(path: str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA)
    return conn


def seed(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO customers (id, email, name, country, tier) VALUES (?, ?, ?, ?, ?)",
        [
            (1, "ana@example.com", "Ana Lima", "DE", "gold"),
            (2, "bo@example.com", "Bo Chen", "US", "silver"),
            (3, "cy@example.com", "Cy O'Neil", "GB", None),
            (4, "di@example.com", "Di Rao", "IN", "bronze"),
        ],
    )
    conn.executemany(
        "INSERT INTO products (sku, title, price_cents, stock) VALUES (?, ?, ?, ?)",
        [
            ("BK-1001", "Field notebook", 1299, 40),
            ("BK-1002", "Pocket planner", 899, 0),
            ("PN-2001", "Fountain pen", 4599, 12),
            ("PN-2002", "Gel pen, 3 pack", 499, 300),
        ],
    )
    conn.commit()
