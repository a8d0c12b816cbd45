"""Customers: people and companies who buy from the shop."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, field_validator

from brygga.model.address import Address


class CustomerType(StrEnum):
    PRIVATE = "private"
    COMPANY = "company"


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_id: str
    email: EmailStr | None = None
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phone: str = ""
    type: CustomerType = CustomerType.PRIVATE
    organisation_number: str = ""
    vat_number: str = ""
    address: Address | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def name(self) -> str:
        """What an invoice is addressed to: the company, else the person."""
        person = f"{self.first_name} {self.last_name}".strip()
        return self.company or person or (self.email or "")


class CustomerCard(BaseModel):
    """A customer as a register card shows it: one flat row, every field optional. This is what
    de-duplication compares (brygga.engine.dedupe), what an ERP's customer search returns, and
    the shape of `brygga dedupe evaluate`'s input (docs/dedupe.md). `name` is the person,
    `company` the company; `country` is an ISO 3166-1 alpha-2 code where known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""
    organisation_number: str = ""
    vat_number: str = ""
    address_line1: str = ""
    address_line2: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""

    @classmethod
    def of(cls, customer: Customer) -> CustomerCard:
        address = customer.address
        person = f"{customer.first_name} {customer.last_name}".strip()
        return cls(
            name=person or (address.name if address else ""),
            company=customer.company or (address.company if address else ""),
            email=customer.email or (address.email if address else ""),
            phone=customer.phone or (address.phone if address else ""),
            organisation_number=customer.organisation_number,
            vat_number=customer.vat_number,
            address_line1=address.line1 if address else "",
            address_line2=address.line2 if address else "",
            postcode=address.postcode if address else "",
            city=address.city if address else "",
            country=address.country if address else "",
        )
