"""VAT rates per country, as charged on goods in 2026: the standard rate first, then the
reduced ones (European Commission, Taxes in Europe Database; Skatteverket, Skatteetaten).

Rates change with national budgets, so an integration's setting `vat_rates` overrides a
country's list (see `TaxPolicy`). Brygga only checks that a shop charged one of a country's
rates; it never picks a rate itself.
"""

from __future__ import annotations

from decimal import Decimal


def _rates(*rates: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(rate) for rate in rates)


VAT_RATES: dict[str, tuple[Decimal, ...]] = {
    "AT": _rates("20", "13", "10"),
    "BE": _rates("21", "12", "6"),
    "BG": _rates("20", "9"),
    "CY": _rates("19", "9", "5"),
    "CZ": _rates("21", "12"),
    "DE": _rates("19", "7"),
    "DK": _rates("25"),
    "EE": _rates("24", "13", "9"),
    "ES": _rates("21", "10", "4"),
    "FI": _rates("25.5", "14", "13.5", "10"),  # food 14 → 13.5 % from 2026
    "FR": _rates("20", "10", "5.5", "2.1"),
    "GR": _rates("24", "13", "6"),
    "HR": _rates("25", "13", "5"),
    "HU": _rates("27", "18", "5"),
    "IE": _rates("23", "13.5", "9", "4.8"),
    "IT": _rates("22", "10", "5", "4"),
    "LT": _rates("21", "12", "9", "5"),
    "LU": _rates("17", "14", "8", "3"),
    "LV": _rates("21", "12", "5"),
    "MT": _rates("18", "7", "5"),
    "NL": _rates("21", "9"),
    "PL": _rates("23", "8", "5"),
    "PT": _rates("23", "13", "6"),
    "RO": _rates("21", "11"),
    "SE": _rates("25", "12", "6"),
    "SI": _rates("22", "9.5", "5"),
    "SK": _rates("23", "19", "5"),
    # Sellers outside the EU that Brygga's ERPs serve.
    "NO": _rates("25", "15", "12"),
}


def rate_key(rate: Decimal) -> str:
    """A rate as settings spell it: "25", "12", "25.5"."""
    normal = rate.normalize()
    return str(normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal)
