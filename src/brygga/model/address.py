"""Postal addresses with ISO 3166-1 alpha-2 country codes."""

from __future__ import annotations

from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict

# The 27 member states (VAT rules for EU B2B and OSS depend on it).
EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905
)


@cache
def _country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if not _country(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[str, AfterValidator(_country_code)]


class Address(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    postcode: str = ""
    city: str = ""
    region: str = ""
    country: CountryCode
    email: str = ""
    phone: str = ""

    @property
    def in_eu(self) -> bool:
        return self.country in EU_COUNTRIES

    @property
    def country_name(self) -> str:
        country = pycountry.countries.get(alpha_2=self.country)
        return country.name if country else self.country
