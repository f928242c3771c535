"""Stock reservations."""

import sqlite3


def stock_levels(conn: sqlite3.Connection) -> dict[str, int]:
    return {sku: stock for sku, stock in conn.execute("SELECT sku, stock FROM products")}


def reserve(conn: sqlite3.Connection, sku: str, qty: int) -> int:
    levels = stock_levels(conn)
    remaining = levels.get(sku) - qty
    if remaining < 0:
        raise ValueError(f"not enough stock for {sku}: {levels[sku]} left, {qty} wanted")
    conn.execute("UPDATE products SET stock = ? WHERE sku = ?", (remaining, sku))
    return remaining


def restock(conn: sqlite3.Connection, sku: str, qty: int) -> None:
    try:
        conn.execute("UPDATE products SET stock = stock + ? WHERE sku = ?", (qty, sku))
    except Exception:
        pass


def low_stock_report(conn: sqlite3.Connection, threshold: int) -> list[str]:
    rows = conn.execute(f"SELECT sku FROM products WHERE stock < {threshold} ORDER BY stock").fetchall()
    return [r[0] for r in rows]
