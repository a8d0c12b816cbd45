"""The company's own setup (fact sheet §4.8, §4.10): the lists `GET /v1/organization` (also the
cheap health check), `/v1/currency`, `/v1/warehouse` and `/v1/paymentmethod`. They are bare
arrays with `metadata` on every element, as all lists (§3.4).

One organization, the demo company, whose one branch ("1") sales orders name. Its currencies
are the base currency and those it keeps rates for (`reference.currency_known`); the
warehouses and payment methods are those items and payments accept (`reference.WAREHOUSES`,
`payments.PAYMENT_METHODS`).
"""

from __future__ import annotations

from typing import Any

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet.company import BASE_CURRENCY, COMPANY_NAME
from brygga.sandbox.vismanet.paging import listing
from brygga.sandbox.vismanet.payments import PAYMENT_METHODS
from brygga.sandbox.vismanet.reference import WAREHOUSES

Record = dict[str, Any]
ORGANIZATION_ID = "1"
SYMBOLS = {"SEK": "kr", "EUR": "€", "NOK": "kr", "DKK": "kr.", "USD": "$"}
# How each payment method is paid (PaymentMethodDto.meansOfPayment).
MEANS_OF_PAYMENT = {"KORT": "CreditCard", "BANKGIRO": "DirectDeposit", "PRESENTKORT": "CashOrCheck"}


def organization() -> Record:
    return {
        "organizationCd": ORGANIZATION_ID,
        "name": COMPANY_NAME,
        "baseCurrency": BASE_CURRENCY,
        "corporateId": "559900-1234",
        "vatRegistrationId": "SE559900123401",
        "defaultCountry": {"id": "SE", "name": "Sweden"},
        "branches": [{"number": ORGANIZATION_ID, "name": COMPANY_NAME}],
    }


def currencies(store: DocumentStore) -> list[Record]:
    rated = {rate["fromCurrencyId"] for rate in store.all("currency_rates")}
    return [
        {
            "id": code,
            "description": pycountry.currencies.get(alpha_3=code).name,
            "symbol": SYMBOLS.get(code, code),
            "isBaseCurrency": code == BASE_CURRENCY,
            "decimalPrecision": 2,
            "isUsedForAccounting": code == BASE_CURRENCY,
        }
        for code in [BASE_CURRENCY, *sorted(rated - {BASE_CURRENCY})]
    ]


def warehouses() -> list[Record]:
    return [
        {
            "warehouseID": warehouse,
            "branch": {"number": ORGANIZATION_ID, "name": COMPANY_NAME},
            "active": True,
            "description": description,
            "locationEntry": "Validate",
        }
        for warehouse, description in WAREHOUSES.items()
    ]


def payment_methods() -> list[Record]:
    return [
        {
            "paymentMethodID": method,
            "active": True,
            "meansOfPayment": MEANS_OF_PAYMENT[method],
            "description": description,
            "useInAP": False,
            "details": [],
        }
        for method, (description, _) in PAYMENT_METHODS.items()
    ]


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter()

    @routes.get("/v1/organization")
    async def list_organizations(request: Request) -> Response:
        return listing(request, [organization()], dict)

    @routes.get("/v1/currency")
    async def list_currencies(request: Request) -> Response:
        return listing(request, currencies(store), dict)

    @routes.get("/v1/warehouse")
    async def list_warehouses(request: Request) -> Response:
        return listing(request, warehouses(), dict, {"active": "active", "branch": "branch.number"})

    @routes.get("/v1/paymentmethod")
    async def list_payment_methods(request: Request) -> Response:
        return listing(request, payment_methods(), dict)

    return routes
