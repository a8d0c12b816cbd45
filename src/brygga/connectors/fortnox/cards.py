"""Fortnox customers as register cards (`model.CustomerCard`), as de-duplication compares them."""

from __future__ import annotations

from typing import Any

from brygga.model import CustomerCard


def customer_card(item: dict[str, Any]) -> CustomerCard:
    """The card of a `/3/customers` list item. Items carry no country, VAT number or `Type`
    (§4.1), so those stay blank, and a customer with an organisation number is taken for a
    company: its `Name` is the company's. Unset fields may be null."""
    name = item.get("Name") or ""
    company = bool(item.get("OrganisationNumber"))
    return CustomerCard(
        name="" if company else name,
        company=name if company else "",
        email=item.get("Email") or "",
        phone=item.get("Phone") or "",
        organisation_number=item.get("OrganisationNumber") or "",
        address_line1=item.get("Address1") or "",
        address_line2=item.get("Address2") or "",
        postcode=item.get("ZipCode") or "",
        city=item.get("City") or "",
    )
