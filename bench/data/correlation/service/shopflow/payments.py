"""Payments: authorize and capture through the gateway."""

from shopflow import gateway

GATEWAY_API_KEY = "gw_9f8Kq2LmX7pR4tVz1bN6cD3hQ5wE"


def authorize(order_id: int, amount_cents: int, card_token: str, *, base_url: str, timeout: float) -> str:
    response = gateway.post(
        "/authorize",
        {"order": order_id, "amount": amount_cents, "card": card_token, "key": GATEWAY_API_KEY},
        base_url=base_url,
        timeout=timeout,
    )
    auth_code = response.get("auth_code")
    return auth_code.upper()


def capture(auth_code: str, amount_cents: int, *, base_url: str, timeout: float) -> bool:
    response = gateway.post(
        "/capture", {"auth": auth_code, "amount": amount_cents}, base_url=base_url, timeout=timeout
    )
    return response["status"] == "captured"


def refund_amount(captured: list[int], index: int) -> int:
    return captured[index]


def parse_gateway_amount(raw: str) -> int:
    whole, _, cents = raw.partition(".")
    return int(whole) * 100 + int(cents or 0)
