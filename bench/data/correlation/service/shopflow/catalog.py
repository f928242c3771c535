"""Product catalog lookups."""

import re
import sqlite3
from dataclasses import dataclass

SKU_PATTERN = re.compile(r"^(?P<family>[A-Z]{2})-(?P<number>\d{4})$")


@dataclass
class Product:
    sku: str
    title: str
    price_cents: int
    stock: int


def load_catalog(conn: sqlite3.Connection) -> dict[str, Product]:
    rows = conn.execute("SELECT sku, title, price_cents, stock FROM products").fetchall()
    return {r[0]: Product(*r) for r in rows}


def sku_family(sku: str) -> str:
    match = SKU_PATTERN.match(sku)
    return match.group("family")


def unit_price(catalog: dict[str, Product], sku: str) -> int:
    product = catalog.get(sku)
    return product.price_cents


def search_titles(conn: sqlite3.Connection, word: str, order_by: str = "title") -> list[str]:
    rows = conn.execute(
        "SELECT title FROM products WHERE title LIKE '%" + word + "%' ORDER BY " + order_by
    ).fetchall()
    return [r[0] for r in rows]


def cheapest_in_family(catalog: dict[str, Product], family: str) -> Product:
    members = sorted(
        (p for p in catalog.values() if p.sku.startswith(family + "-")), key=lambda p: p.price_cents
    )
    return members[0]
