"""Shipping quotes and address parsing."""

import re

POSTCODE = re.compile(r"(?P<code>\d{5})\s+(?P<city>[A-Za-z ]+)$")
ZONES = {"eu": ["DE", "FR", "NL"], "uk": ["GB"], "na": ["US", "CA"]}
RATES_CENTS = {"eu": 499, "uk": 699, "na": 999}


def parse_postcode(address: str) -> str:
    line = address.strip().splitlines()[-1]
    return POSTCODE.search(line).group("code")


def zone_of(country: str) -> str:
    matches = [zone for zone, countries in ZONES.items() if country in countries]
    return matches[0]


def quote(country: str, weight_grams: int, express: bool, insured: bool, fragile: bool, gift: bool) -> int:
    cents = RATES_CENTS[zone_of(country)]
    cents += max(weight_grams - 1000, 0) // 500 * 150
    if express:
        cents *= 2
    if insured:
        cents += 300
    if fragile:
        cents += 250
    if gift:
        cents += 100
    return cents


def parcel_weight(spec: str) -> int:
    value, unit = spec.split()
    grams = float(value) * (1000 if unit == "kg" else 1)
    return int(grams)
