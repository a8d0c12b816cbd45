"""Emulator of the Fortnox REST API v3 (ERP), per the emulator checklist of the fact sheet (§7).

- OAuth 2 with a consent page (`oauth.py`, `consent.py`); Bearer JWTs, scopes and the 25-per-5-s
  limit on every API call (`access.py`).
- `/3`: customers, orders (with `createinvoice`), invoices and their state machine (bookkeep,
  cancel, credit, externalprint), invoice payments, articles, price lists and prices,
  currencies, the chart of accounts, company information and modes of payment;
  `/api/warehouse/stockpoints-v1` and `/api/warehouse/status-v1/stockbalance`. Orders and
  invoices share one write path (`documents.py`, `rows.py`, `totals.py`).
- The WebSocket topics API at `/topics-v1` (`topics.py`), fed by a change log of every REST
  write (`events.py`).
- Where all this knowingly differs from Fortnox's OpenAPI document: `deviations.py`.

Follows `shared/apis/fortnox.md`; module docstrings and comments cite its sections for quirks,
and mark behaviour that no public source confirms. Demo credentials: client `brygga-demo-client`
/ `brygga-demo-secret`, tenant (DatabaseNumber) `1234567`, also served at
`/_sandbox/credentials`.

Seeded once per data directory: a BAS chart of accounts (3990 inactive), currencies SEK, EUR,
NOK, DKK, USD (rates from the demo data), VAT rates 25/12/6/0 and the rates of the OSS countries
DE, FI, DK, NL (allowed on document rows), price list A with a price per article, one article
per demo SKU, one stock point, and the first three demo customers as pre-existing Fortnox
customers 1-3 (same e-mail, phone typed without spaces) so that Brygga has to find and reuse
them. No orders or invoices are seeded.
"""
