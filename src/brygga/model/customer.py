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
