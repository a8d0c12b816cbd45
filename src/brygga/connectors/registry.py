"""Which client, streams and writers each built-in system offers, by canonical entity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from brygga.connectors.centra import account as centra_account
from brygga.connectors.centra import catalogue as centra_catalogue
from brygga.connectors.centra import fulfilment as centra_fulfilment
from brygga.connectors.centra import streams as centra_streams
from brygga.connectors.centra.client import CentraClient
from brygga.connectors.fortnox import account as fortnox_account
from brygga.connectors.fortnox import auth as fortnox_auth
from brygga.connectors.fortnox import payments as fortnox_payments
from brygga.connectors.fortnox import refunds as fortnox_refunds
from brygga.connectors.fortnox import streams as fortnox_streams
from brygga.connectors.fortnox import totals as fortnox_totals
from brygga.connectors.fortnox import writers as fortnox_writers
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.magento import account as magento_account
from brygga.connectors.magento import streams as magento_streams
from brygga.connectors.magento import writers as magento_writers
from brygga.connectors.magento.client import MagentoClient
from brygga.connectors.oauth import ConsentApp
from brygga.connectors.vismanet import account as vismanet_account
from brygga.connectors.vismanet import auth as vismanet_auth
from brygga.connectors.vismanet import finance as vismanet_finance
from brygga.connectors.vismanet import streams as vismanet_streams
from brygga.connectors.vismanet import totals as vismanet_totals
from brygga.connectors.vismanet import writers as vismanet_writers
from brygga.connectors.vismanet.client import VismanetClient
from brygga.model.account import AccountFacts
from brygga.model.totals import DocumentTotals

# Reads an ERP order by the target id Brygga stored and sums it as the ERP books it.
OrderTotals = Callable[[Any, str, Mapping[str, Any]], Awaitable[DocumentTotals]]
# Reads what the connected account holds, for the setup wizard's connection test.
Describe = Callable[[Any], Awaitable[AccountFacts]]


@dataclass(frozen=True)
class System:
    client: type
    describe: Describe
    streams: dict[str, type] = field(default_factory=dict)
    writers: dict[str, type] = field(default_factory=dict)
    # The client renews credentials that must be stored (a rotated OAuth refresh token); it
    # takes an `on_credentials` callback that stores them before they are used.
    rotates_credentials: bool = False
    order_totals: OrderTotals | None = None  # an ERP's orders, for the reconciliation
    consent: ConsentApp | None = None  # connected by the merchant's consent (OAuth code)


SYSTEMS: dict[str, System] = {
    "centra": System(
        CentraClient,
        describe=centra_account.describe,
        streams={
            "order": centra_streams.OrdersStream,
            "customer": centra_streams.CustomersStream,
            "refund": centra_streams.RefundsStream,
            "payment": centra_streams.PaymentsStream,
        },
        writers={
            "product": centra_catalogue.ProductWriter,
            "stock": centra_catalogue.StockWriter,
            "invoice": centra_fulfilment.InvoiceWriter,
            "credit_note": centra_fulfilment.CreditNoteWriter,
        },
    ),
    "fortnox": System(
        FortnoxClient,
        describe=fortnox_account.describe,
        streams={
            "product": fortnox_streams.ProductsStream,
            "stock": fortnox_streams.StockStream,
            "invoice": fortnox_streams.InvoicesStream,
            "credit_note": fortnox_streams.CreditNotesStream,
        },
        writers={
            "customer": fortnox_writers.CustomerWriter,
            "order": fortnox_writers.OrderWriter,
            "product": fortnox_writers.ProductWriter,
            "refund": fortnox_refunds.RefundWriter,
            "payment": fortnox_payments.PaymentWriter,
        },
        rotates_credentials=True,
        order_totals=fortnox_totals.order_totals,
        consent=fortnox_auth.CONSENT,
    ),
    "magento": System(
        MagentoClient,
        describe=magento_account.describe,
        streams={
            "order": magento_streams.OrdersStream,
            "customer": magento_streams.CustomersStream,
            "product": magento_streams.ProductsStream,
            "refund": magento_streams.RefundsStream,
            "payment": magento_streams.PaymentsStream,
        },
        writers={
            "stock": magento_writers.StockWriter,
            "invoice": magento_writers.InvoiceWriter,
            "credit_note": magento_writers.CreditNoteWriter,
        },
    ),
    "vismanet": System(
        VismanetClient,
        describe=vismanet_account.describe,
        streams={
            "product": vismanet_streams.ProductsStream,
            "stock": vismanet_streams.StockStream,
            "invoice": vismanet_streams.InvoicesStream,
            "credit_note": vismanet_streams.CreditNotesStream,
        },
        writers={
            "customer": vismanet_writers.CustomerWriter,
            "order": vismanet_writers.OrderWriter,
            "product": vismanet_writers.ProductWriter,
            "refund": vismanet_finance.RefundWriter,
            "payment": vismanet_finance.PaymentWriter,
        },
        rotates_credentials=True,
        order_totals=vismanet_totals.order_totals,
        consent=vismanet_auth.CONSENT,
    ),
}


def system(name: str) -> System:
    try:
        return SYSTEMS[name]
    except KeyError:
        raise ValueError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}") from None


def open_client(
    name: str,
    base_url: str,
    credentials: dict[str, Any],
    on_credentials: Callable[[dict[str, Any]], None],
) -> Any:
    found = system(name)
    if found.rotates_credentials:
        return found.client(base_url, credentials, on_credentials=on_credentials)
    return found.client(base_url, credentials)


def consent_app(name: str) -> ConsentApp | None:
    """How a merchant connects `name` by consent; None for a system connected with keys."""
    return system(name).consent


def can_read(name: str, entity: str) -> bool:
    return entity in system(name).streams


def can_write(name: str, entity: str) -> bool:
    return entity in system(name).writers


def stream(name: str, entity: str, client: Any, settings: Mapping[str, Any]) -> Any:
    streams = system(name).streams
    if entity not in streams:
        raise ValueError(f"{name} cannot be read for {entity} records")
    return streams[entity](client, settings)


def order_totals(name: str) -> OrderTotals:
    found = system(name).order_totals
    if found is None:
        raise ValueError(f"{name} orders cannot be reconciled in Brygga yet")
    return found


def writer(name: str, entity: str, client: Any, settings: Mapping[str, Any]) -> Any:
    writers = system(name).writers
    if entity not in writers:
        raise ValueError(f"{name} cannot be written {entity} records")
    return writers[entity](client, settings)


def describe(name: str, client: Any) -> Awaitable[AccountFacts]:
    """What the account behind `client` holds: company, currencies, warehouses, price lists and
    payment methods. Credentials the system refuses raise its AUTH ConnectorError."""
    return system(name).describe(client)
