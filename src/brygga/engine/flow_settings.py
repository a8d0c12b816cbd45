"""A merchant's overrides of a flow's settings, checked before they are saved: every key must be
a default of the pair template or a documented setting (docs/pairs/, docs/finance.md,
docs/reliability.md, docs/mapping.md), and its value of that setting's kind. A wrong setting
is refused with what is wrong, never saved to fail a later run."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from brygga.engine import dedupe, value_maps
from brygga.pairs import ENTITIES, pair_template
from brygga.runtime import schedules

# The kinds of value a setting takes.
BOOL, INT, NUMBER, TEXT, ID, TABLE, LIST = (
    "true or false", "a whole number (0 or more)", "a number (0 or more)", "a text",
    "a text or number", "a table", "a list",
)  # fmt: skip

# The largest count, number of seconds or hours a setting takes (a million hours is a century).
LARGEST = 10**9

# Documented settings by name: the engine's own on every flow, then the connectors' (each
# read by the connector of one system; the docs of each pair list them per flow).
DOCUMENTED: dict[str, str] = {
    # engine: runner, alert_rules, value_maps, finance
    "lookback_seconds": INT,
    "alert_open_errors": INT,
    "alert_silent_hours": NUMBER,
    value_maps.SETTING: TABLE,
    "schedule": TABLE,  # runtime.schedules (docs/operations.md)
    dedupe.LINK_SETTING: NUMBER,  # engine.dedupe, customers flow (docs/dedupe.md)
    dedupe.REVIEW_SETTING: NUMBER,
    "exchange_rate_source": TEXT,
    "exchange_rates": TABLE,
    "seller_country": TEXT,
    "oss": BOOL,
    "vat_rates": TABLE,
    "shipping_vat": TEXT,
    # Centra
    "window_days": INT,
    "size_chart": ID,
    "pricelist": ID,
    "brand": ID,
    "collection": ID,
    "folder": ID,
    "capture": BOOL,
    "ship": BOOL,
    "send_email": BOOL,
    "restock": BOOL,
    "complete_return": BOOL,
    "centra_warehouse": ID,
    # Fortnox
    "webshop_only": BOOL,
    "stock_point": TEXT,
    "price_list": TEXT,
    "stock_goods": BOOL,
    "unit": TEXT,
    "sales_account": ID,
    "sales_accounts": TABLE,
    "eu_sales_account": ID,
    "eu_reverse_charge_account": ID,
    "export_account": ID,
    "oss_accounts": TABLE,
    "freight_account": ID,
    "rounding_account": ID,
    "mode_of_payment": TEXT,
    "mode_of_payment_account": ID,
    "gift_card_mode_of_payment": TEXT,
    # Magento
    "order_cursor": TEXT,
    "skip_order_states": LIST,
    "tax_classes": TABLE,
    "ean_attribute": TEXT,
    "currency": TEXT,
    "store_id": ID,
    "page_size": INT,
    "erp_name": TEXT,
    "notify_customer": BOOL,
    "shipping_includes_tax": BOOL,
    "source": TEXT,
    # Visma.net
    "customer_class": ID,
    "customer_classes": TABLE,
    "vat_zones": TABLE,
    "home_country": TEXT,
    "order_type": TEXT,
    "vat_categories": TABLE,
    "oss_vat_zones": TABLE,
    "oss_vat_categories": TABLE,
    "warehouse": ID,
    "record_exchange_rates": BOOL,
    "base_currency": TEXT,
    "time_zone": TEXT,
    "prices_include_tax": BOOL,
    "item_class": ID,
    "posting_class": ID,
    "stock_quantity": TEXT,
    "payment_method": TEXT,
    "cash_account": ID,
    "gift_card_payment_method": TEXT,
    "gift_card_cash_account": ID,
    "release_documents": BOOL,
}


class SettingsError(ValueError):
    """Settings that cannot be saved; the message names each wrong one."""


def defaults(pair: str, flow: str) -> dict[str, Any]:
    """The pair template's defaults of a flow."""
    return dict(pair_template(pair).flow(flow).settings)


def kind_of(pair: str, flow: str, name: str) -> str | None:
    """What a setting of the flow takes; None for a setting neither defaulted nor documented."""
    default = defaults(pair, flow).get(name)
    if name in DOCUMENTED:
        return DOCUMENTED[name]
    if default is None:
        return None
    return _kind_of_value(default)


def _kind_of_value(value: Any) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float | Decimal):
        return NUMBER
    if isinstance(value, Mapping):
        return TABLE
    if isinstance(value, list | tuple):
        return LIST
    return TEXT


def checked(pair: str, flow: str, settings: Any) -> dict[str, Any]:
    """The flow's overrides if each is a known setting with a value of its kind, else a
    SettingsError saying which are not."""
    if not isinstance(settings, Mapping):
        raise SettingsError('settings are a table of names and values, e.g. {"capture": true}')
    problems = []
    for name, value in settings.items():
        kind = kind_of(pair, flow, name)
        if kind is None:
            problems.append(
                f"{name!r} is not a setting of {flow} (see docs/pairs/{pair}.md for the "
                "settings of each flow)"
            )
        elif value is not None and not _fits(kind, value):
            problems.append(f"{name!r} takes {kind}, not {value!r}")
    if not problems:
        try:
            value_maps.checked(ENTITIES[flow], settings.get(value_maps.SETTING))
        except value_maps.ValueMapError as exc:
            problems.append(str(exc))
        problems += _dedupe_problems(flow, settings)
        if settings.get("schedule") is not None:
            try:
                schedules.parse(settings["schedule"], flow)
            except schedules.ScheduleError as exc:
                problems.append(str(exc))
    if problems:
        raise SettingsError("; ".join(problems))
    return dict(settings)


def _dedupe_problems(flow: str, settings: Mapping[str, Any]) -> list[str]:
    """De-duplication's thresholds: on the customers flow (whose settings also serve the
    customers that orders bring), and in order."""
    named = [name for name in (dedupe.LINK_SETTING, dedupe.REVIEW_SETTING) if name in settings]
    if not named:
        return []
    if flow != "customers":
        verb = "belongs" if len(named) == 1 else "belong"
        return [f"{' and '.join(map(repr, named))} {verb} to the customers flow, not {flow}"]
    try:
        dedupe.Policy.of(settings)
    except ValueError as exc:
        return [str(exc)]
    return []


def _fits(kind: str, value: Any) -> bool:
    if kind == BOOL:
        return isinstance(value, bool)
    if kind in (INT, NUMBER):
        whole = isinstance(value, int) or (kind == NUMBER and isinstance(value, float))
        return whole and not isinstance(value, bool) and 0 <= value <= LARGEST
    if kind == TEXT:
        return isinstance(value, str)
    if kind == ID:
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if kind == TABLE:
        return isinstance(value, Mapping)
    return isinstance(value, list)
