"""Request handlers: what the HTTP layer calls with a parsed JSON body."""

import sqlite3

from shopflow import auth, catalog, config, customers, inventory, notifications, orders, payments, pricing
from shopflow import plugins, reports, returns, shipping


def handle(conn: sqlite3.Connection, route: str, body: dict) -> object:
    handler = ROUTES[route]
    return handler(conn, body)


def _place(conn: sqlite3.Connection, body: dict) -> object:
    return orders.place_order(conn, body["email"], [tuple(x) for x in body["lines"]], body.get("coupon", ""))


def _checkout(conn: sqlite3.Connection, body: dict) -> object:
    return orders.checkout(conn, body["email"], [tuple(x) for x in body["lines"]])


def _settle(conn: sqlite3.Connection, body: dict) -> object:
    return payments.capture(body["auth"], body["amount"], base_url=body["gateway"], timeout=body["timeout"])


def _pay(conn: sqlite3.Connection, body: dict) -> object:
    auth_code = payments.authorize(
        body["order_id"], body["amount"], body["card"], base_url=body["gateway"], timeout=body["timeout"]
    )
    return payments.capture(auth_code, body["amount"], base_url=body["gateway"], timeout=body["timeout"])


def _customer_search(conn: sqlite3.Connection, body: dict) -> object:
    return [c.email for c in customers.search_by_name(conn, body["q"])]


def _customer(conn: sqlite3.Connection, body: dict) -> object:
    customer = customers.get_customer(conn, body["id"])
    return {"email": customer.email, "discount": customers.loyalty_discount(customer)}


def _greeting(conn: sqlite3.Connection, body: dict) -> object:
    return customers.display_name(conn, body["email"])


def _product_family(conn: sqlite3.Connection, body: dict) -> object:
    return catalog.sku_family(body["sku"])


def _product_search(conn: sqlite3.Connection, body: dict) -> object:
    return catalog.search_titles(conn, body["q"], body.get("order_by", "title"))


def _cheapest(conn: sqlite3.Connection, body: dict) -> object:
    return catalog.cheapest_in_family(catalog.load_catalog(conn), body["family"]).sku


def _reserve(conn: sqlite3.Connection, body: dict) -> object:
    return inventory.reserve(conn, body["sku"], body["qty"])


def _low_stock(conn: sqlite3.Connection, body: dict) -> object:
    return inventory.low_stock_report(conn, body["threshold"])


def _order_status(conn: sqlite3.Connection, body: dict) -> object:
    return orders.order_status(conn, body["order_id"])


def _latest_order(conn: sqlite3.Connection, body: dict) -> object:
    return orders.latest_order_id(conn, body["customer_id"])


def _first_item(conn: sqlite3.Connection, body: dict) -> object:
    return orders.first_item([tuple(x) for x in body["lines"]])


def _cancel(conn: sqlite3.Connection, body: dict) -> object:
    orders.cancel(conn, body["order_id"], body["reason"])
    return True


def _quote(conn: sqlite3.Connection, body: dict) -> object:
    grams = shipping.parcel_weight(body["weight"])
    return shipping.quote(body["country"], grams, body.get("express", False), False, False, False)


def _postcode(conn: sqlite3.Connection, body: dict) -> object:
    return shipping.parse_postcode(body["address"])


def _notify(conn: sqlite3.Connection, body: dict) -> object:
    return notifications.render(body["kind"], **body["values"])


def _footer(conn: sqlite3.Connection, body: dict) -> object:
    return notifications.load_footer(body["dir"], body["locale"])


def _revenue(conn: sqlite3.Connection, body: dict) -> object:
    return reports.revenue_between(conn, body["start"], body["end"])


def _by_status(conn: sqlite3.Connection, body: dict) -> object:
    return reports.orders_by_status(conn, body["status"])


def _cached_report(conn: sqlite3.Connection, body: dict) -> object:
    return reports.load_cached_report(bytes.fromhex(body["blob"]))


def _top_customer(conn: sqlite3.Connection, body: dict) -> object:
    return reports.top_customer(conn)


def _whoami(conn: sqlite3.Connection, body: dict) -> object:
    claims = auth.token_claims(body["token"])
    auth.require_scope(claims, body.get("scope", "read"))
    return auth.user_id(claims)


def _region(conn: sqlite3.Connection, body: dict) -> object:
    return config.region()


def _flag(conn: sqlite3.Connection, body: dict) -> object:
    return config.feature_enabled(body["flag"], body["flags"])


def _split(conn: sqlite3.Connection, body: dict) -> object:
    return pricing.split_evenly(body["total"], body["parts"])


def _coupon(conn: sqlite3.Connection, body: dict) -> object:
    return pricing.coupon_rate(body["code"])


def _average(conn: sqlite3.Connection, body: dict) -> object:
    return pricing.average_line_value([tuple(x) for x in body["lines"]])


def _refund(conn: sqlite3.Connection, body: dict) -> object:
    return payments.refund_amount(body["captured"], body["index"])


def _gateway_amount(conn: sqlite3.Connection, body: dict) -> object:
    return payments.parse_gateway_amount(body["raw"])


def _plugin(conn: sqlite3.Connection, body: dict) -> object:
    return plugins.load(body["name"])


def _return(conn: sqlite3.Connection, body: dict) -> object:
    return returns.request_return(conn, body["order_id"], body["note"])


def _return_fee(conn: sqlite3.Connection, body: dict) -> object:
    return returns.restocking_fee(conn, body["sku"])


def _return_label(conn: sqlite3.Connection, body: dict) -> object:
    return returns.return_label(conn, body["order_id"], body["address"])


def _returns_by_reason(conn: sqlite3.Connection, body: dict) -> object:
    return returns.returns_by_reason(conn, body["reason"])


def _return_refund(conn: sqlite3.Connection, body: dict) -> object:
    return returns.refund_total(conn, body["order_id"])


def _return_split(conn: sqlite3.Connection, body: dict) -> object:
    return returns.split_refund(conn, body["order_id"], body["shares"])


def _return_reason(conn: sqlite3.Connection, body: dict) -> object:
    return returns.return_reason(conn, body["order_id"])


ROUTES = {
    "POST /orders": _place,
    "POST /payments": _pay,
    "POST /checkout": _checkout,
    "POST /payments/capture": _settle,
    "GET /customers/search": _customer_search,
    "GET /customers/{id}": _customer,
    "GET /greeting": _greeting,
    "GET /products/family": _product_family,
    "GET /products/search": _product_search,
    "GET /products/cheapest": _cheapest,
    "POST /inventory/reserve": _reserve,
    "GET /inventory/low": _low_stock,
    "GET /orders/status": _order_status,
    "GET /orders/latest": _latest_order,
    "POST /orders/first-item": _first_item,
    "POST /orders/cancel": _cancel,
    "GET /shipping/quote": _quote,
    "GET /shipping/postcode": _postcode,
    "POST /notify": _notify,
    "GET /notify/footer": _footer,
    "GET /reports/revenue": _revenue,
    "GET /reports/by-status": _by_status,
    "POST /reports/cached": _cached_report,
    "GET /reports/top-customer": _top_customer,
    "GET /whoami": _whoami,
    "GET /region": _region,
    "GET /flags": _flag,
    "POST /pricing/split": _split,
    "GET /pricing/coupon": _coupon,
    "POST /pricing/average": _average,
    "POST /payments/refund": _refund,
    "POST /payments/parse-amount": _gateway_amount,
    "POST /plugins/load": _plugin,
    "POST /returns": _return,
    "GET /returns/fee": _return_fee,
    "POST /returns/label": _return_label,
    "GET /returns/by-reason": _returns_by_reason,
    "GET /returns/refund": _return_refund,
    "POST /returns/split": _return_split,
    "GET /returns/reason": _return_reason,
}
