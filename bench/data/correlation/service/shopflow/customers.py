"""Customer repository."""

import sqlite3
from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    email: str
    name: str
    country: str
    tier: str | None


def _row_to_customer(row: tuple) -> Customer:
    return Customer(id=row[0], email=row[1], name=row[2], country=row[3], tier=row[4])


def find_by_email(conn: sqlite3.Connection, email: str) -> Customer | None:
    row = conn.execute(
        "SELECT id, email, name, country, tier FROM customers WHERE email = ?", (email,)
    ).fetchone()
    return _row_to_customer(row) if row else None


def search_by_name(conn: sqlite3.Connection, name: str) -> list[Customer]:
    sql = f"SELECT id, email, name, country, tier FROM customers WHERE name LIKE '%{name}%'"
    rows = conn.execute(sql).fetchall()
    return [_row_to_customer(r) for r in rows]


def get_customer(conn: sqlite3.Connection, customer_id: int) -> Customer:
    rows = conn.execute(
        "SELECT id, email, name, country, tier FROM customers WHERE id = ?", (customer_id,)
    ).fetchall()
    return _row_to_customer(rows[0])


def loyalty_discount(customer: Customer) -> float:
    rates = {"gold": 0.10, "silver": 0.05, "bronze": 0.02}
    return rates[customer.tier]


def display_name(conn: sqlite3.Connection, email: str) -> str:
    customer = find_by_email(conn, email)
    return customer.name.title()
