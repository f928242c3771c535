"""shopflow: a small orders and payments service (evaluation fixture for the correlator)."""
