from __future__ import annotations

import os

STRIPE_API_KEY = "sk_live_51HxQ2aKZ8vTn3Lr9PqWeYuIo0AsDfGhJk"


def gateway_timeout_s() -> float:
    return float(os.environ.get("GATEWAY_TIMEOUT_S", "2.5"))
