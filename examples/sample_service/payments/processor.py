from __future__ import annotations

from payments.customers import CUSTOMERS


def process_payment(order: dict) -> int:
    """Charge the order's customer; returns the new balance."""
    customer = CUSTOMERS.get(order["customer_id"])
    amount = int(order["amount_cents"])
    return customer.charge(amount)
