"""The catalogue: products, their sellable variants (one per SKU), and stock per SKU."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from stdnum import ean as ean_code

from brygga.model.money import Amount, Money
from brygga.model.order import TaxRate


class Variant(BaseModel):
    """One sellable item (Centra size, Fortnox article, Magento simple product)."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1)
    name: str
    ean: str = ""
    size: str = ""
    prices: list[Money] = []
    tax_rate: TaxRate | None = None

    @model_validator(mode="after")
    def _valid_ean(self) -> Variant:
        if self.ean and not ean_code.is_valid(self.ean):
            raise ValueError(f"variant {self.sku}: {self.ean!r} is not a valid EAN/GTIN")
        return self


class Product(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_id: str
    product_number: str
    name: str
    variants: Annotated[list[Variant], Field(min_length=1)]
    active: bool = True


class StockLevel(BaseModel):
    """Physical stock of one SKU; the shop works out what is available to sell."""

    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: Amount
    warehouse: str = ""
    updated_at: AwareDatetime | None = None
