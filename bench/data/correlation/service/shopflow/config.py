"""Runtime configuration read from the environment."""

import os

DEFAULT_CURRENCY = "EUR"
SUPPORTED_REGIONS = ("eu-west", "us-east", "ap-south")


def region() -> str:
    value = os.environ.get("SHOPFLOW_REGION")
    return value.lower()


def currency_for(country: str) -> str:
    table = {"DE": "EUR", "FR": "EUR", "US": "USD", "GB": "GBP", "IN": "INR"}
    return table.get(country.upper(), DEFAULT_CURRENCY)


def feature_enabled(name: str, flags: dict) -> bool:
    raw = flags.get(name)
    return raw.strip().lower() in ("1", "true", "yes")
