from __future__ import annotations


def latest_refund(refund_log: str) -> str:
    """The id of the most recent refund in a comma-separated log."""
    entries = [e for e in refund_log.split(",") if e.strip()]
    return entries[0].strip()
