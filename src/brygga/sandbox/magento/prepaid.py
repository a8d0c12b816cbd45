"""Gift cards and store credit, as Adobe Commerce's Magento_GiftCardAccount and
Magento_CustomerBalance keep them: means of payment that lower `grand_total`, not discounts.

At checkout a card's balance, kept in the base currency and converted to the order's, pays what
it can; the order's grand total (and `total_due`, `payment.amount_ordered`) is what is left to
pay. The order records it in `extension_attributes` under the admin schema's names:
`gift_cards[{id, code, amount, base_amount}]`, `gift_cards_amount`, `customer_balance_amount`
and their `base_*` twins. Each invoice, and later each credit memo, takes what is left of them
before anything else, as Adobe's total collectors do (`Model/Total/Invoice/Giftcardaccount.php`,
`.../Creditmemo/Customerbalance.php`, gift cards first): all of its grand total when enough is
left, else the rest. The document shows its share in its own `extension_attributes`
(`gift_cards_amount`, `customer_balance_amount`, base twins) and the order counts the shares
in `*_invoiced` and `*_refunded`.

Which demo checkouts used one goes by the order number, as guests do: a gift card in one order
in ten (number ending in 7), store credit in one in ten of the registered customers' (number
modulo 20 is 9 or 17, so half of the gift-card orders use both). Only a balance smaller than
what is left to pay is used, so these orders are paid partly by the payment method as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from brygga.sandbox.magento.documents import PREFIXES
from brygga.sandbox.magento.sales import dec, from_base

Record = dict[str, Any]
KINDS = ("gift_cards", "customer_balance")  # in the order Adobe's collectors take them
GIFT_CARD_BALANCES = (Decimal(100), Decimal(250), Decimal(500))  # SEK, the base currency
STORE_CREDIT_BALANCES = (Decimal(75), Decimal(150))


def balances(number: int, guest: bool) -> dict[str, Decimal]:
    """The base-currency balance of each means a demo checkout used, by kind."""
    used: dict[str, Decimal] = {}
    if number % 10 == 7:
        used["gift_cards"] = GIFT_CARD_BALANCES[number // 10 % len(GIFT_CARD_BALANCES)]
    if not guest and number % 20 in (9, 17):  # a guest has no store credit
        used["customer_balance"] = STORE_CREDIT_BALANCES[number // 20 % 2]
    return used


def at_checkout(
    head: Record, number: int, guest: bool, totals: Record, ids: Callable[[str], int]
) -> Record:
    """Pay what the checkout's balances cover of `totals` (changed in place); the order's
    extension attributes that record it."""
    extension: Record = {}
    for kind, balance in balances(number, guest).items():
        if balance >= totals["base_grand_total"]:
            continue  # it would pay the whole order: these checkouts pay partly
        used = {"base_": balance, "": from_base(head, balance)}
        for prefix in PREFIXES:
            for name in ("grand_total", "total_due"):
                totals[prefix + name] -= used[prefix]
            extension[f"{prefix}{kind}_amount"] = used[prefix]
        if kind == "gift_cards":
            code = hashlib.md5(f"giftcard-{number}".encode()).hexdigest()[:12].upper()
            card = {"id": ids("giftcardaccount"), "code": code}
            extension["gift_cards"] = [card | {"amount": used[""], "base_amount": balance}]
    return extension


def paid_partly(order: Record) -> bool:
    """Gift cards or store credit paid a part of the order."""
    extension = order.get("extension_attributes") or {}
    return any(dec(extension.get(f"{kind}_amount")) for kind in KINDS)


def take(order: Record, document: Record, source: str, counter: str) -> Record:
    """Take what is left of the order's gift cards and store credit off a new document's
    grand total (changed in place), and count it on the order: for an invoice what the
    order's `*_amount` has not yet `*_invoiced`, for a credit memo what was `*_invoiced` and
    not yet `*_refunded`. The document's extension attributes that show its share."""
    extension = order["extension_attributes"]
    shares: Record = {}
    for kind in KINDS:
        left = {
            prefix: dec(extension.get(f"{prefix}{kind}_{source}"))
            - dec(extension.get(f"{prefix}{kind}_{counter}"))
            for prefix in PREFIXES
        }
        if left["base_"] <= 0 or document["base_grand_total"] <= 0:
            continue
        whole = left["base_"] >= document["base_grand_total"]
        for prefix in PREFIXES:
            used = document[prefix + "grand_total"] if whole else left[prefix]
            document[prefix + "grand_total"] -= used
            shares[f"{prefix}{kind}_amount"] = used
            name = f"{prefix}{kind}_{counter}"
            extension[name] = dec(extension.get(name)) + used
    return shares
