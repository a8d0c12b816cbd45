"""Which Fortnox account each order row is booked to, by tax case and VAT rate, and the
setting that names it. Charts of accounts differ, so every account is a setting; the
defaults are the BAS chart's (BAS-kontoplanen 2026):

| setting | default | BAS account |
|---|---|---|
| `sales_accounts` | 25 % 3001, 12 % 3002, 6 % 3003, 0 % 3004 | sales in Sweden, by VAT rate |
| `eu_sales_account` | 3106 | goods to another EU country, with Swedish VAT |
| `eu_reverse_charge_account` | 3108 | goods to another EU country, VAT-free |
| `export_account` | 3105 | goods to a country outside the EU |
| `oss_accounts` | none | per destination country (`{"DE": 3011}`); OSS reporting needs them |
| `freight_account` | 3520 | shipping booked as a row |
| `rounding_account` | 3740 | öre rounding |

Fortnox refuses a row whose account is missing or inactive (fortnox.md §4.10, code 2001304);
`explain_refused_account` turns that into a record error naming the setting to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.engine.finance import FinanceError, TaxCase, TaxDecision, rate_key

ACCOUNT_REFUSED = "2001304"  # "Kunde inte hitta konto" (fortnox.md §4.10)

DEFAULTS: dict[str, Any] = {
    "sales_accounts": {"25": 3001, "12": 3002, "6": 3003, "0": 3004},
    "eu_sales_account": 3106,
    "eu_reverse_charge_account": 3108,
    "export_account": 3105,
    "oss_accounts": {},
    "freight_account": 3520,
    "rounding_account": 3740,
}
_BY_CASE = {
    TaxCase.EU_B2C: "eu_sales_account",
    TaxCase.EU_B2B: "eu_reverse_charge_account",
    TaxCase.EXPORT: "export_account",
}


def account(settings: Mapping[str, Any], name: str) -> int:
    return int(settings.get(name) or DEFAULTS[name])


def sales_account(decision: TaxDecision, rate: Decimal, settings: Mapping[str, Any]) -> int:
    """The sales account of goods at `rate` in the order's tax case."""
    if decision.case in _BY_CASE:
        return account(settings, _BY_CASE[decision.case])
    if decision.case is TaxCase.EU_B2C_OSS:
        country = decision.buyer_country
        table = settings.get("oss_accounts") or {}
        if country not in table:
            raise FinanceError(
                f"no Fortnox sales account for OSS sales to {country}; add it to the "
                f'oss_accounts setting, e.g. {{"{country}": 3011}}'
            )
        return int(table[country])
    table = {**DEFAULTS["sales_accounts"], **(settings.get("sales_accounts") or {})}
    key = rate_key(rate)
    if key not in table:
        raise FinanceError(
            f"no Fortnox sales account for {key} % VAT; add it to the sales_accounts setting"
        )
    return int(table[key])


def setting_of(number: int, settings: Mapping[str, Any]) -> str:
    """The setting that names account `number`, e.g. "sales_accounts.25" or "export_account"."""
    names: list[str] = []
    for name, default in DEFAULTS.items():
        value = settings.get(name) or default
        if isinstance(value, Mapping):
            merged = {**default, **value}
            names += [f"{name}.{key}" for key, known in merged.items() if int(known) == number]
        elif int(value) == number:
            names.append(name)
    return " or ".join(names) or "the article's sales account"


async def explain_refused_account(
    client: FortnoxClient, error: ConnectorError, payload: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> ConnectorError:  # fmt: skip
    """For Fortnox's "account not found" refusal, a DATA error naming the account and its
    setting: each row's account is looked up (only on this error path) to find the one that
    is missing or inactive. Any other error is returned unchanged."""
    if error.code != ACCOUNT_REFUSED:
        return error
    numbers = sorted({int(row["AccountNumber"]) for row in payload["OrderRows"]
                      if row.get("AccountNumber")})  # fmt: skip
    for number in numbers:
        state = await _state(client, number)
        if state:
            return ConnectorError(
                ErrorClass.DATA,
                f"Fortnox account {number} (setting {setting_of(number, settings)}) {state}; "
                "activate it in Fortnox or change the setting",
                status=error.status,
                code=error.code,
            )
    error.error_class = ErrorClass.DATA
    return error


async def _state(client: FortnoxClient, number: int) -> str:
    """What is wrong with an account: "does not exist", "is inactive", or "" if nothing."""
    try:
        found = (await client.get(f"/3/accounts/{number}"))["Account"]
    except ConnectorError as exc:
        if exc.error_class is ErrorClass.NOT_FOUND or exc.status == 400:
            return "does not exist"
        raise
    return "" if found.get("Active", True) else "is inactive"
