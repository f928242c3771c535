"""Order pricing: discounts, coupons, taxes."""

COUPONS = {"WELCOME10": 0.10, "SPRING5": 0.05, "VIP20": 0.20}
VAT = {"DE": 0.19, "FR": 0.20, "GB": 0.20, "US": 0.0, "IN": 0.18}


def coupon_rate(code: str) -> float:
    return COUPONS[code.upper()]


def split_evenly(total_cents: int, parts: int) -> int:
    return total_cents // parts


def line_total(price_cents: int, qty: int, bulk: bool, member: bool, season: str, clearance: bool) -> int:
    total = price_cents * qty
    if bulk and qty >= 10:
        if member:
            total = int(total * 0.85)
        elif season == "winter":
            total = int(total * 0.9)
        else:
            total = int(total * 0.93)
    elif member:
        if season in ("winter", "spring") and qty > 2:
            total = int(total * 0.95)
        elif clearance or season == "summer":
            total = int(total * 0.97)
    if clearance and not member:
        if qty > 5 or season == "autumn":
            total = int(total * 0.8)
        elif price_cents > 5000:
            total = int(total * 0.85)
    for threshold, cut in ((100_000, 500), (50_000, 200), (20_000, 50)):
        if total > threshold and (member or bulk):
            total -= cut
            break
    return max(total, 0)


def with_tax(amount_cents: int, country: str) -> int:
    rate = VAT.get(country, 0.0)
    return round(amount_cents * (1 + rate))


def average_line_value(lines: list[tuple[str, int, int]]) -> float:
    total = sum(qty * price for _, qty, price in lines)
    return total / len(lines)
