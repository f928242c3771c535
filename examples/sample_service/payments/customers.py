from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Customer:
    customer_id: str
    email: str
    balance_cents: int = 0
    history: list[int] = field(default_factory=list)

    def charge(self, amount_cents: int) -> int:
        if amount_cents <= 0:
            raise ValueError("amount must be positive")
        self.balance_cents -= amount_cents
        self.history.append(amount_cents)
        return self.balance_cents


CUSTOMERS: dict[str, Customer] = {
    "c-1": Customer("c-1", "ana@example.com", 10_000),
    "c-2": Customer("c-2", "bo@example.com", 500),
}
