"""Emulator of the Fortnox REST API v3 (ERP): OAuth 2, customers, orders, articles, currencies.

Follows `shared/apis/fortnox.md`; module docstrings and comments cite its sections for quirks,
and mark behaviour that no public source confirms. Demo credentials: client `brygga-demo-client`
/ `brygga-demo-secret`, tenant (DatabaseNumber) `1234567`, also served at
`/_sandbox/credentials`.

Seeded once per data directory: currencies SEK, EUR, NOK, DKK, USD (rates from the demo data),
VAT rates 25/12/6/0, price list A, one article per demo SKU, and the first three demo customers
as pre-existing Fortnox customers 1-3 (same e-mail, phone typed without spaces) so that Brygga
has to find and reuse them. No orders are seeded.
"""
