"""HTTP client for the payment gateway."""

import json
import urllib.request

GATEWAY_URL = "http://127.0.0.1:9/v1"
TIMEOUT_S = 2.0


def post(path: str, payload: dict, *, base_url: str = GATEWAY_URL, timeout: float = TIMEOUT_S) -> dict:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode())
