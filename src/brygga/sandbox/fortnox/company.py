"""The company itself (fact sheet §4.11): `GET /3/companyinformation` (scope
`companyinformation`, §1.2, §1.5) and `GET /3/modesofpayments` (scope `settings`, §1.5).

The company's name and `DatabaseNumber` (its TenantId, §1.2) are the seeded tenant's; its
address is the sandbox's own. The modes of payment are the ones invoice payments accept
(`payments.MODES_OF_PAYMENT`); `AccountNumber` is a string, as the spec types it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.lists import ListSpec, list_response
from brygga.sandbox.fortnox.payments import MODES_OF_PAYMENT
from brygga.sandbox.fortnox.tenant import settings

Record = dict[str, Any]
ADDRESS = {
    "Address": "Skeppsbron 12",
    "City": "Stockholm",
    "CountryCode": "SE",
    "OrganizationNumber": "559900-1234",
    "VisitAddress": "Skeppsbron 12",
    "VisitCity": "Stockholm",
    "VisitCountryCode": "SE",
    "VisitZipCode": "111 30",
    "ZipCode": "111 30",
}
MODES = ListSpec(
    plural="ModesOfPayments",
    item=lambda mode, base: {"@url": f"{base}/3/modesofpayments/{mode['Code']}"} | mode,
    sort_keys={"code": lambda mode: mode["Code"]},
    default_sort="code",
)


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3")

    @routes.get("/companyinformation", dependencies=[context.access.requires("companyinformation")])
    async def company_information() -> Response:
        tenant = settings(context.store)
        identity = {key: tenant[key] for key in ("CompanyName", "DatabaseNumber")}
        information = identity | ADDRESS
        return DecimalJSONResponse({"CompanyInformation": dict(sorted(information.items()))})

    @routes.get("/modesofpayments", dependencies=[context.access.requires("settings")])
    async def list_modes_of_payment(request: Request) -> Response:
        modes = [
            {"AccountNumber": str(account), "Code": code, "Description": description}
            for code, (description, account) in MODES_OF_PAYMENT.items()
        ]
        return list_response(request, context.config, modes, MODES)

    return routes
