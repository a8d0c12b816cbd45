"""Shop refunds as Fortnox credit invoices against the invoice of the shop order (§4.4).

- A refund of the whole invoice total, when nothing of it is credited yet, is
  `PUT /3/invoices/{n}/credit`, Fortnox's own full credit; the refund id is then written into
  the new credit invoice. The whole total is the shop's, before öre rounding (§6): a refund of
  the rounded SEK `Total` is less than the invoice, and a partial refund.
- Anything less is a credit invoice posted with `VATIncluded` (a shop refunds what the customer
  paid, VAT included): the refunded SKUs as negative rows at the refunded amounts (with the VAT
  and account of the invoice row), shipping as it was invoiced (negative `Freight`, or a
  negative row at the rate and account of the invoice's shipping row when the order mapping
  put shipping at another rate on a row of its own), and whatever the lines do not explain
  split over the invoice's VAT rates in proportion to its gross per rate, one row per rate on
  the account of the invoice's largest row at that rate (`brygga.engine.finance.split_refund`).
  So the credit's VAT per rate mirrors the invoice's.
- One credit invoice per refund. Fortnox links only one credit invoice per invoice (§4.4), so
  the first refund of an invoice is linked (`CreditInvoiceReference`) and every later one is a
  credit invoice without the link, as a manual credit invoice is in Fortnox: negative rows, a
  negative total. Each names the invoice in `Remarks` ("Kredit av faktura 123 (återbetalning
  2)"). Refunds never credit more than the invoice: a refund over its total less every earlier
  credit invoice of the order is a DATA error.
- A credit invoice is one with `Credit` true or a negative total before öre rounding: list
  items have no `Credit`, whether Fortnox sets it on an unlinked negative invoice is unconfirmed
  (§4.4, §8), and a SEK credit under 0.50 totals 0 kr (§6).
- Every credit invoice Brygga writes carries the shop order number in
  `ExternalInvoiceReference1` (as its invoice does) and the shop refund id in
  `ExternalInvoiceReference2`, so `find` sees it again after a crash, linked or not.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_DOWN, Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.accounts import account
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.invoices import exact
from brygga.connectors.fortnox.mapping import FORTNOX_TIME_ZONE
from brygga.connectors.fortnox.reading import is_credit, number, reference
from brygga.connectors.fortnox.totals import CHARGES, FREIGHT_RATES, implied_rate, rows_vat
from brygga.engine.finance import FinanceError, erp_vat, erp_vat_in, split_refund
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import CENT, Refund, RefundLine

Record = dict[str, Any]
INVOICES = "/3/invoices"
UNTAXED_FREIGHT = ("EUREVERSEDVAT", "EXPORT")  # customers Fortnox puts no freight VAT on


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
        if unlabelled and record.total.amount == -_amount(credit):
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
        if not credits and record.total.amount == _amount(original):
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
        payload = self._partial(original, credits, record, await self._freight_rate(original))
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
        which an unlinked credit invoice may not have. Each is read whole, as the list shows
        neither `Credit` nor `RoundOff`: a SEK credit of less than 0.50 totals 0 kr (§6)."""
        documents: list[Record] = []
        params = {"externalinvoicereference1": order_number}
        async for items in self.client.items(INVOICES, "Invoices", **params):
            for item in exact(items, "ExternalInvoiceReference1", order_number):
                if not item.get("Cancelled"):
                    documents.append(await self._read(item["DocumentNumber"]))
        credits = [document for document in documents if _credits(document)]
        invoices = [document for document in documents if not _credits(document)]
        if not invoices:
            raise ConnectorError(
                ErrorClass.NOT_FOUND,
                f"Fortnox has no invoice for shop order {order_number} yet; invoice the order "
                "in Fortnox first",
            )
        return max(invoices, key=lambda invoice: number(invoice["DocumentNumber"])), credits

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

    async def _freight_rate(self, invoice: Record) -> Decimal | None:
        """The VAT rate of the invoice's `Freight`, a company setting the API does not show
        (§4.3): the rate its `FreightVAT` implies. A freight of an öre or two has no VAT at
        25 % either, so then the customer's VAT type tells, as it does for Fortnox
        (brygga.connectors.fortnox.mapping.freight_vat_rate). None: the invoice has no
        freight."""
        freight, vat = number(invoice.get("Freight")), number(invoice.get("FreightVAT"))
        if not freight:
            return None
        included = bool(invoice["VATIncluded"])
        company_rate = FREIGHT_RATES[0]
        if vat or (erp_vat_in if included else erp_vat)(freight, company_rate):
            return implied_rate(freight, vat, included)
        path = f"/3/customers/{invoice['CustomerNumber']}"
        vat_type = (await self.client.get(path))["Customer"].get("VATType")
        return Decimal(0) if vat_type in UNTAXED_FREIGHT else company_rate

    def _partial(
        self, original: Record, credits: list[Record], refund: Refund, freight_rate: Decimal | None
    ) -> Record:
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
        if shipping and freight_rate is None:  # invoiced on rows of its own
            rows += self._shipping_rows(shipping, original, refund)
            shipping = Decimal(0)
        if rest:
            rows += _amount_rows(rest, original, credits, refund, rows, (shipping, freight_rate))
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

    def _shipping_rows(self, shipping: Decimal, invoice: Record, refund: Refund) -> list[Record]:
        """Refunded shipping as negative rows at the rates and accounts of the invoice's
        shipping rows, split over them as their amounts are. The order mapping puts shipping
        that Fortnox's `Freight` cannot carry (another rate than Fortnox's freight rate, several
        rates, OSS) on rows without an article, positive, off the rounding account: discount
        rows are negative and rounding rows on the rounding account
        (brygga.connectors.fortnox.mapping)."""
        rounding = account(self.settings, "rounding_account")
        by_rate = {
            number(row["VAT"]): row
            for row in invoice["InvoiceRows"]
            if not row.get("ArticleNumber")
            and number(row.get("Total")) > 0
            and number(row.get("AccountNumber")) != rounding
        }
        invoiced = {rate: number(row["Total"]) for rate, row in by_rate.items()}
        try:
            if not invoiced:
                raise FinanceError("it has no shipping")
            parts = split_refund(shipping, invoiced)
        except FinanceError as exc:
            raise ConnectorError(
                ErrorClass.DATA,
                f"refund {refund.source_id} returns {shipping} of shipping, which invoice "
                f"{invoice['DocumentNumber']} of shop order {refund.order_reference} cannot "
                f"credit: {exc}",
            ) from None
        return [_negated(by_rate[part.rate], part.gross, refund.source_id) for part in parts]


def _amount_rows(
    rest: Decimal,
    original: Record,
    credits: list[Record],
    refund: Refund,
    rows: list[Record],
    freight: tuple[Decimal, Decimal | None],
) -> list[Record]:
    """What the refund's lines and shipping do not explain, one row per VAT rate of the
    invoice, never more at a rate than earlier credits and this refund's rows left there.
    `freight` is the shipping refunded as `Freight` and the invoice's freight rate."""
    shipping, freight_rate = freight
    credited: dict[Decimal, Decimal] = defaultdict(Decimal)
    for credit in credits:
        for rate, gross in gross_by_rate(credit, freight_rate).items():
            credited[rate] -= gross
    for row in rows:
        credited[number(row["VAT"])] -= number(row["DeliveredQuantity"]) * number(row["Price"])
    if shipping and freight_rate is not None:  # refunded freight, at the invoice's freight rate
        credited[freight_rate] += shipping
    try:
        parts = split_refund(rest, gross_by_rate(original, freight_rate), credited)
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


def gross_by_rate(document: Record, freight_rate: Decimal | None = None) -> dict[Decimal, Decimal]:
    """What an invoice or credit invoice booked per VAT rate, VAT included: its rows' totals
    per rate (with Fortnox's per-rate VAT when prices exclude it) and freight and fee at their
    implied rate (`totals`), freight at `freight_rate` when known; a credit invoice's are
    negative."""
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
            rate = implied_rate(amount, vat, included)
            if amount_field == "Freight" and freight_rate is not None:
                rate = freight_rate
            gross[rate] += amount if included else amount + vat
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


def _credits(document: Record) -> bool:
    """A credit invoice read whole: `Credit`, or a negative total before öre rounding."""
    return is_credit(document) or _amount(document) < 0


def _negated(row: Record, amount: Decimal, refund_id: str) -> Record:
    """A negative row of `amount` on the VAT rate and account of an invoice row."""
    credit = {"Description": row.get("Description") or f"Återbetalning {refund_id}"[:50],
              "DeliveredQuantity": "-1", "Price": amount, "VAT": row["VAT"]}  # fmt: skip
    if row.get("AccountNumber"):
        credit["AccountNumber"] = row["AccountNumber"]
    return credit


def _amount(document: Record) -> Decimal:
    """A document's total before öre rounding (`RoundOff`, §6), in cents; negative for a
    credit."""
    return (number(document["Total"]) - number(document.get("RoundOff"))).quantize(CENT)


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
