"""Shop refunds as Fortnox credit invoices against the invoice of the shop order (§4.4).

- A refund of the whole invoice total, when nothing of it is credited yet, is
  `PUT /3/invoices/{n}/credit`, Fortnox's own full credit; the refund id is then written into
  the new credit invoice.
- Anything less is a credit invoice posted with `VATIncluded` (a shop refunds what the customer
  paid, VAT included): the refunded SKUs as negative rows at the refunded amounts (with the VAT
  and account of the invoice row), shipping as negative `Freight`, and whatever the lines do not
  explain split over the invoice's VAT rates in proportion to its gross per rate, one row per
  rate on the account of the invoice's largest row at that rate
  (`brygga.engine.finance.split_refund`). So the credit's VAT per rate mirrors the invoice's.
- One credit invoice per refund. Fortnox links only one credit invoice per invoice (§4.4), so
  the first refund of an invoice is linked (`CreditInvoiceReference`) and every later one is a
  credit invoice without the link, as a manual credit invoice is in Fortnox: negative rows, a
  negative total. Each names the invoice in `Remarks` ("Kredit av faktura 123 (återbetalning
  2)"). Refunds never credit more than the invoice: a refund over its total less every earlier
  credit invoice of the order is a DATA error.
- A credit invoice is one with `Credit` true or a negative total: list items have no `Credit`,
  and whether Fortnox sets it on an unlinked negative invoice is unconfirmed (§4.4, §8).
- Every credit invoice Brygga writes carries the shop order number in
  `ExternalInvoiceReference1` (as its invoice does) and the shop refund id in
  `ExternalInvoiceReference2`, so `find` sees it again after a crash, linked or not.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_DOWN, Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.invoices import exact
from brygga.connectors.fortnox.mapping import FORTNOX_TIME_ZONE
from brygga.connectors.fortnox.reading import is_credit, number, reference
from brygga.connectors.fortnox.totals import CHARGES, implied_rate, rows_vat
from brygga.engine.finance import FinanceError, split_refund
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import CENT, Refund, RefundLine

Record = dict[str, Any]
INVOICES = "/3/invoices"


class RefundWriter:
    entity = "refund"
    reuse_existing = False

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Refund) -> Written | None:
        params = {"externalinvoicereference2": record.source_id}
        async for items in self.client.items(INVOICES, "Invoices", **params):
            for item in exact(items, "ExternalInvoiceReference2", record.source_id):
                same_order = item.get("ExternalInvoiceReference1") == record.order_reference
                if same_order and not item.get("Cancelled"):
                    return Written(str(item["DocumentNumber"]), item)
        # A crash between `/credit` and writing the refund id leaves an unlabelled full credit.
        try:
            original, _ = await self._invoice_and_credits(record.order_reference)
        except ConnectorError as exc:
            if exc.error_class is ErrorClass.NOT_FOUND:
                return None
            raise
        credited = reference(original.get("CreditInvoiceReference"))
        if not credited:
            return None
        credit = await self._read(credited)
        unlabelled = not credit.get("ExternalInvoiceReference2") and not credit["Cancelled"]
        if unlabelled and record.total.amount in _full_amounts(credit, -1):
            return await self._label(credit, record)
        return None

    async def create(self, record: Refund, links: dict[str, str]) -> Written:
        original, credits = await self._invoice_and_credits(record.order_reference)
        number_ = str(original["DocumentNumber"])
        if record.total.currency != original["Currency"]:
            raise ConnectorError(
                ErrorClass.DATA,
                f"refund {record.source_id} is in {record.total.currency} but invoice "
                f"{number_} is in {original['Currency']}",
            )
        if not credits and record.total.amount in _full_amounts(original, 1):
            body = await self.client.put(f"{INVOICES}/{number_}/credit")
            credit = await self._read(body["Invoice"]["CreditInvoiceReference"])
            return await self._label(credit, record)
        invoiced = _amount(original)
        taken = sum((-_amount(credit) for credit in credits), Decimal(0)).quantize(CENT)
        if record.total.amount > invoiced - taken:
            earlier = ", ".join(str(credit["DocumentNumber"]) for credit in credits)
            raise ConnectorError(
                ErrorClass.DATA,
                f"refund {record.source_id} of {record.total} is more than the "
                f"{invoiced - taken} left to credit on invoice {number_} of shop order "
                f"{record.order_reference}: the invoice is for {invoiced}"
                + (f" and credit invoices {earlier} took back {taken}" if credits else "")
                + "; check the refund in the shop",
            )
        payload = self._partial(original, credits, record)
        body = await self.client.post(INVOICES, {"Invoice": payload})
        return Written(str(body["Invoice"]["DocumentNumber"]), body["Invoice"])

    async def update(self, target_id: str, record: Refund, links: dict[str, str]) -> Written:
        raise ConnectorError(
            ErrorClass.CONFLICT,
            f"refund {record.source_id} changed after it became credit invoice {target_id}; "
            "a credit invoice is not rewritten, correct it in Fortnox",
        )

    async def _read(self, document_number: Any) -> Record:
        return (await self.client.get(f"{INVOICES}/{document_number}"))["Invoice"]

    async def _invoice_and_credits(self, order_number: str) -> tuple[Record, list[Record]]:
        """The newest invoice of a shop order and the order's credit invoices, read whole, from
        one list of what carries the order number in `ExternalInvoiceReference1` (which
        `createinvoice` copies from the order). Not `invoice_of_order`: it filters on `Credit`,
        which an unlinked credit invoice may not have; its negative total tells."""
        invoices: list[Record] = []
        credits: list[Record] = []
        params = {"externalinvoicereference1": order_number}
        async for items in self.client.items(INVOICES, "Invoices", **params):
            for item in exact(items, "ExternalInvoiceReference1", order_number):
                if not item.get("Cancelled"):
                    (credits if is_credit(item) else invoices).append(item)
        credits = [await self._read(item["DocumentNumber"]) for item in credits]
        for item in sorted(invoices, key=lambda item: number(item["DocumentNumber"]), reverse=True):
            invoice = await self._read(item["DocumentNumber"])
            if not is_credit(invoice):
                return invoice, credits
        raise ConnectorError(
            ErrorClass.NOT_FOUND,
            f"Fortnox has no invoice for shop order {order_number} yet; invoice the order in "
            "Fortnox first",
        )

    async def _label(self, credit: Record, record: Refund) -> Written:
        """Write the refund id into a full credit made by `/credit`."""
        credit_number = str(credit["DocumentNumber"])
        change = {"CustomerNumber": credit["CustomerNumber"],
                  "ExternalInvoiceReference2": record.source_id[:80]}  # fmt: skip
        try:
            body = await self.client.put(f"{INVOICES}/{credit_number}", {"Invoice": change})
        except ConnectorError as exc:
            if exc.error_class is not ErrorClass.DATA:
                raise
            return Written(credit_number, credit)  # e.g. booked at once: the link still finds it
        return Written(credit_number, body["Invoice"])

    def _partial(self, original: Record, credits: list[Record], refund: Refund) -> Record:
        number_ = str(original["DocumentNumber"])
        by_sku = {row["ArticleNumber"]: row for row in original["InvoiceRows"]
                  if row.get("ArticleNumber")}  # fmt: skip
        rows: list[Record] = []
        for line in refund.lines:
            if line.sku not in by_sku:
                raise ConnectorError(
                    ErrorClass.DATA,
                    f"refund {refund.source_id} returns {line.sku}, which is not on invoice "
                    f"{number_} of shop order {refund.order_reference}",
                )
            rows += _credit_rows(line, by_sku[line.sku], refund.source_id)
        shipping = refund.shipping.amount if refund.shipping else Decimal(0)
        rest = refund.total.amount - shipping - sum((line.amount.amount for line in refund.lines),
                                                    Decimal(0))  # fmt: skip
        if rest:
            rows += _amount_rows(rest, original, credits, refund, rows, shipping)
        payload = {
            "CustomerNumber": original["CustomerNumber"],
            "InvoiceDate": refund.created_at.astimezone(FORTNOX_TIME_ZONE).date().isoformat(),
            "Currency": original["Currency"],
            "CurrencyRate": original["CurrencyRate"],
            "CurrencyUnit": original["CurrencyUnit"],
            "VATIncluded": True,
            "ExternalInvoiceReference1": refund.order_reference[:80],
            "ExternalInvoiceReference2": refund.source_id[:80],
            "YourOrderNumber": original.get("YourOrderNumber") or None,
            "Remarks": f"Kredit av faktura {number_} (återbetalning {len(credits) + 1})",
            "Freight": -shipping,
            "AdministrationFee": Decimal(0),
            "InvoiceRows": rows,
        }
        if not reference(original.get("CreditInvoiceReference")):
            payload["CreditInvoiceReference"] = number_  # the one link Fortnox keeps (§4.4)
        return {key: value for key, value in payload.items() if value is not None}


def _amount_rows(
    rest: Decimal,
    original: Record,
    credits: list[Record],
    refund: Refund,
    rows: list[Record],
    shipping: Decimal,
) -> list[Record]:
    """What the refund's lines and shipping do not explain, one row per VAT rate of the
    invoice, never more at a rate than earlier credits and this refund's rows left there."""
    credited: dict[Decimal, Decimal] = defaultdict(Decimal)
    for credit in credits:
        for rate, gross in gross_by_rate(credit).items():
            credited[rate] -= gross
    for row in rows:
        credited[number(row["VAT"])] -= number(row["DeliveredQuantity"]) * number(row["Price"])
    freight, freight_vat = number(original.get("Freight")), number(original.get("FreightVAT"))
    if shipping and freight:  # refunded freight takes Fortnox's freight rate, as invoiced
        credited[implied_rate(freight, freight_vat, bool(original["VATIncluded"]))] += shipping
    try:
        parts = split_refund(rest, gross_by_rate(original), credited)
    except FinanceError as exc:
        raise ConnectorError(
            ErrorClass.DATA,
            f"refund {refund.source_id}: the {rest} its lines and shipping do not explain cannot "
            f"be credited on invoice {original['DocumentNumber']}: {exc}",
        ) from None
    accounts = _accounts(original)
    description = f"Återbetalning {refund.source_id}"[:50]
    row = {"Description": description, "DeliveredQuantity": "-1"}
    return [row | {"Price": part.gross, "VAT": part.rate} | accounts.get(part.rate, {})
            for part in parts]  # fmt: skip


def gross_by_rate(document: Record) -> dict[Decimal, Decimal]:
    """What an invoice or credit invoice booked per VAT rate, VAT included: its rows' totals
    per rate (with Fortnox's per-rate VAT when prices exclude it) and freight and fee at their
    implied rate (`totals`); a credit invoice's are negative."""
    included = bool(document["VATIncluded"])
    gross: dict[Decimal, Decimal] = defaultdict(Decimal)
    for row in document["InvoiceRows"]:
        gross[number(row.get("VAT"))] += number(row.get("Total"))
    if not included:
        for rate, vat in rows_vat(document["InvoiceRows"], included).items():
            gross[rate] += vat
    for amount_field, vat_field in CHARGES:
        amount, vat = number(document.get(amount_field)), number(document.get(vat_field))
        if amount:
            gross[implied_rate(amount, vat, included)] += amount if included else amount + vat
    return dict(gross)


def _accounts(invoice: Record) -> dict[Decimal, Record]:
    """Per VAT rate, the account of the invoice's largest row at that rate, as a row field."""
    largest: dict[Decimal, Record] = {}
    for row in invoice["InvoiceRows"]:
        rate = number(row.get("VAT"))
        if row.get("AccountNumber") and (
            rate not in largest or number(row.get("Total")) > number(largest[rate].get("Total"))
        ):
            largest[rate] = row
    return {rate: {"AccountNumber": row["AccountNumber"]} for rate, row in largest.items()}


def _amount(document: Record) -> Decimal:
    """A document's total before öre rounding (`RoundOff`, §6), in cents; negative for a
    credit."""
    return (number(document["Total"]) - number(document.get("RoundOff"))).quantize(CENT)


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
