"""Finance rules: how an order is booked in an ERP to the cent (DESIGN.md §3.7)."""

from brygga.engine.finance.booking import (
    BookedLine,
    Booking,
    FinanceError,
    Kind,
    book,
    erp_vat,
    erp_vat_in,
    nearest_net_with_vat,
)
from brygga.engine.finance.refunds import RefundPart, split_refund
from brygga.engine.finance.taxes import (
    TaxCase,
    TaxDecision,
    TaxPolicy,
    customer_case,
    decide,
    valid_vat_number,
)
from brygga.engine.finance.vat_rates import VAT_RATES, rate_key

__all__ = [
    "VAT_RATES",
    "BookedLine",
    "Booking",
    "FinanceError",
    "Kind",
    "RefundPart",
    "TaxCase",
    "TaxDecision",
    "TaxPolicy",
    "book",
    "customer_case",
    "decide",
    "erp_vat",
    "erp_vat_in",
    "nearest_net_with_vat",
    "rate_key",
    "split_refund",
    "valid_vat_number",
]
