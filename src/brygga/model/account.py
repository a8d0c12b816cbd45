"""What a connection test found in a merchant's account, for the setup wizard to show and to
offer as the choices of a flow's settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AccountFacts(BaseModel):
    """One connected account, each name as the merchant sees it in that system and as Brygga's
    settings for it take it (a code where the system keys the thing by code).

    A field the system has nothing for, or no API to list, stays empty:

    - Centra: no company record, so `company_name` is its stores' names; no query lists
      payment methods (they exist only on orders), so `payment_methods` is empty.
    - Fortnox: `warehouses` are stock point codes and stay empty without the Warehouse module;
      `price_lists` and `payment_methods` are price list and mode of payment codes.
    - Magento: `company_name` is its websites' names, `warehouses` its MSI source codes; it has
      no price lists and no admin list of payment methods, so both are empty.
    - Visma.net: `warehouses` and `payment_methods` are warehouse and payment method ids; no
      endpoint lists price classes, so `price_lists` is empty.
    """

    model_config = ConfigDict(frozen=True)

    system: str
    company_name: str
    base_currency: str | None = None
    currencies: list[str] = []
    warehouses: list[str] = []
    price_lists: list[str] = []
    payment_methods: list[str] = []
