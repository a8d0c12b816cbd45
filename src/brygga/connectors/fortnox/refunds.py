"""Shop refunds as Fortnox credit invoices against the invoice of the shop order (§4.4).

- A refund of the whole invoice total is `PUT /3/invoices/{n}/credit`, Fortnox's own full
  credit; the refund id is then written into the new credit invoice.
- Anything less is a credit invoice posted with `CreditInvoiceReference` = the invoice: the
  refunded SKUs as negative rows at the refunded amounts (with the VAT and account of the
  invoice row), shipping as negative `Freight`, and whatever the lines do not explain as one
  amount row.
- Fortnox links only one credit invoice per invoice (§4.4). A second refund of an already
  credited invoice is a CONFLICT that names both documents, to be booked by hand: a negative
  invoice without the link would not show as a credit of the order anywhere, and crediting a
  credit invoice is refused.
- Every credit invoice Brygga writes carries the shop order number in
  `ExternalInvoiceReference1` (as its invoice does) and the shop refund id in
  `ExternalInvoiceReference2`, so `find` sees it again after a crash.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.invoices import exact, invoice_of_order
from brygga.connectors.fortnox.mapping import FORTNOX_TIME_ZONE
from brygga.connectors.fortnox.reading import number, reference
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import CENT, Refund, RefundLine

Record = dict[str, Any]
DEFAULT_VAT = Decimal(25)  # the Swedish standard rate, for amount rows of mixed-rate invoices


class RefundWriter:
    entity = "refund"
    reuse_existing = False

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Refund) -> Written | None:
        params = {"externalinvoicereference2": record.source_id, "credit": "true"}
        async for items in self.client.items("/3/invoices", "Invoices", **params):
            for item in exact(items, "ExternalInvoiceReference2", record.source_id):
                same_order = item.get("ExternalInvoiceReference1") == record.order_reference
                if same_order and not item.get("Cancelled"):
                    return Written(str(item["DocumentNumber"]), item)
        # A crash between `/credit` and writing the refund id leaves an unlabelled full credit.
        try:
            original = await invoice_of_order(self.client, record.order_reference)
        except ConnectorError as exc:
            if exc.error_class is ErrorClass.NOT_FOUND:
                return None
            raise
        credited = reference(original.get("CreditInvoiceReference"))
        if not credited:
            return None
        credit = (await self.client.get(f"/3/invoices/{credited}"))["Invoice"]
        unlabelled = not credit.get("ExternalInvoiceReference2") and not credit["Cancelled"]
        if unlabelled and record.total.amount in _full_amounts(credit, -1):
            return await self._label(credit, record)
        return None

    async def create(self, record: Refund, links: dict[str, str]) -> Written:
        original = await invoice_of_order(self.client, record.order_reference)
        number_ = str(original["DocumentNumber"])
        credited = reference(original.get("CreditInvoiceReference"))
        if credited:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"invoice {number_} of shop order {record.order_reference} is already credited "
                f"by credit invoice {credited}, and Fortnox links one credit invoice per "
                f"invoice; book refund {record.source_id} ({record.total}) in Fortnox by hand",
            )
        if record.total.currency != original["Currency"]:
            raise ConnectorError(
                ErrorClass.DATA,
                f"refund {record.source_id} is in {record.total.currency} but invoice "
                f"{number_} is in {original['Currency']}",
            )
        if record.total.amount in _full_amounts(original, 1):
            body = await self.client.put(f"/3/invoices/{number_}/credit")
            credit_number = body["Invoice"]["CreditInvoiceReference"]
            credit = (await self.client.get(f"/3/invoices/{credit_number}"))["Invoice"]
            return await self._label(credit, record)
        body = await self.client.post("/3/invoices", {"Invoice": self._partial(original, record)})
        return Written(str(body["Invoice"]["DocumentNumber"]), body["Invoice"])

    async def update(self, target_id: str, record: Refund, links: dict[str, str]) -> Written:
        raise ConnectorError(
            ErrorClass.CONFLICT,
            f"refund {record.source_id} changed after it became credit invoice {target_id}; "
            "a credit invoice is not rewritten, correct it in Fortnox",
        )

    async def _label(self, credit: Record, record: Refund) -> Written:
        """Write the refund id into a full credit made by `/credit`."""
        credit_number = str(credit["DocumentNumber"])
        change = {"CustomerNumber": credit["CustomerNumber"],
                  "ExternalInvoiceReference2": record.source_id[:80]}  # fmt: skip
        try:
            body = await self.client.put(f"/3/invoices/{credit_number}", {"Invoice": change})
        except ConnectorError as exc:
            if exc.error_class is not ErrorClass.DATA:
                raise
            return Written(credit_number, credit)  # e.g. booked at once: the link still finds it
        return Written(credit_number, body["Invoice"])

    def _partial(self, original: Record, refund: Refund) -> Record:
        currency = original["Currency"]
        by_sku = {row["ArticleNumber"]: row for row in original["InvoiceRows"]
                  if row.get("ArticleNumber")}  # fmt: skip
        rows: list[Record] = []
        for line in refund.lines:
            if line.sku not in by_sku:
                raise ConnectorError(
                    ErrorClass.DATA,
                    f"refund {refund.source_id} returns {line.sku}, which is not on invoice "
                    f"{original['DocumentNumber']} of shop order {refund.order_reference}",
                )
            rows += _credit_rows(line, by_sku[line.sku], refund.source_id)
        shipping = refund.shipping.amount if refund.shipping else Decimal(0)
        rest = refund.total.amount - shipping - sum((line.amount.amount for line in refund.lines),
                                                    Decimal(0))  # fmt: skip
        if rest:
            rates = {number(row.get("VAT")) for row in original["InvoiceRows"]}
            vat = rates.pop() if len(rates) == 1 else self.settings.get("refund_vat", DEFAULT_VAT)
            description = f"Återbetalning {refund.source_id}"[:50]
            rows.append({"Description": description, "DeliveredQuantity": "-1", "Price": rest,
                         "VAT": vat})  # fmt: skip
        payload = {
            "CustomerNumber": original["CustomerNumber"],
            "CreditInvoiceReference": str(original["DocumentNumber"]),
            "InvoiceDate": refund.created_at.astimezone(FORTNOX_TIME_ZONE).date().isoformat(),
            "Currency": currency,
            "CurrencyRate": original["CurrencyRate"],
            "CurrencyUnit": original["CurrencyUnit"],
            "VATIncluded": original["VATIncluded"],
            "ExternalInvoiceReference1": refund.order_reference[:80],
            "ExternalInvoiceReference2": refund.source_id[:80],
            "YourOrderNumber": original.get("YourOrderNumber") or None,
            "Freight": -shipping,
            "AdministrationFee": Decimal(0),
            "InvoiceRows": rows,
        }
        return {key: value for key, value in payload.items() if value is not None}


def _full_amounts(invoice: Record, sign: int) -> set[Decimal]:
    """What a refund of the whole invoice may say: the total, or the total before öre
    rounding (SEK totals are rounded to whole kronor, §6)."""
    total = number(invoice["Total"]) * sign
    return {total, total - number(invoice.get("RoundOff")) * sign}


def _credit_rows(line: RefundLine, row: Record, refund_id: str) -> list[Record]:
    """Negative rows for returned units at the refunded amount, exact to the öre: an amount
    that does not divide evenly puts the remainder on one unit."""
    base = {"ArticleNumber": line.sku, "Description": row.get("Description") or line.sku,
            "VAT": row["VAT"]}  # fmt: skip
    if row.get("AccountNumber"):
        base["AccountNumber"] = row["AccountNumber"]
    quantity, amount = line.quantity, line.amount.amount
    unit = amount / quantity
    if unit == unit.quantize(CENT):
        return [base | {"DeliveredQuantity": str(-quantity), "Price": unit}]
    if quantity == quantity.to_integral_value() and quantity > 1:
        unit = unit.quantize(CENT, ROUND_DOWN)
        rest = amount - unit * (quantity - 1)
        return [
            base | {"DeliveredQuantity": str(-(quantity - 1)), "Price": unit},
            base | {"DeliveredQuantity": "-1", "Price": rest},
        ]
    raise ConnectorError(
        ErrorClass.DATA,
        f"refund {refund_id}: {amount} for {quantity} of {line.sku} is no whole öre amount per "
        "unit",
    )
