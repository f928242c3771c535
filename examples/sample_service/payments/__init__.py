"""A small payments service with the kind of defects production alerts come from."""
