"""Visma.net customers as register cards (`model.CustomerCard`), as de-duplication compares
them."""

from __future__ import annotations

from typing import Any

from brygga.model import CustomerCard


def customer_card(customer: dict[str, Any]) -> CustomerCard:
    """The card of a `CustomerDto` (§4.1). A customer named otherwise than its main contact,
    or with a `corporateId`, is a company: `name` is the company's, the contact the person."""
    address = customer.get("mainAddress") or {}
    contact = customer.get("mainContact") or {}
    name = customer.get("name") or ""
    person = contact.get("name") or ""
    company = bool(customer.get("corporateId")) or name.strip().lower() != person.strip().lower()
    return CustomerCard(
        name=person if company else name,
        company=name if company else "",
        email=contact.get("email") or "",
        phone=contact.get("phone1") or "",
        organisation_number=customer.get("corporateId") or "",
        vat_number=customer.get("vatRegistrationId") or "",
        address_line1=address.get("addressLine1") or "",
        address_line2=address.get("addressLine2") or "",
        postcode=address.get("postalCode") or "",
        city=address.get("city") or "",
        country=(address.get("country") or {}).get("id") or "",
    )
