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

__all__ = [
    "BookedLine",
    "Booking",
    "FinanceError",
    "Kind",
    "book",
    "erp_vat",
    "erp_vat_in",
    "nearest_net_with_vat",
]
