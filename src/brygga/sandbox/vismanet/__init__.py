"""Emulator of the Visma.net ERP API (ERP): Visma Connect, the `/v1` `/v2` monolith, SalesOrders V3.

Follows `shared/apis/vismanet.md`; module docstrings and comments cite its sections for quirks
and mark behaviour no public source confirms. `deviations` lists where the sandbox follows the
live API instead of `vismanet-erp-openapi.json`.

Demo credentials (also at `/_sandbox/credentials`): client `isv_brygga_demo` /
`brygga-demo-secret`, company tenant `3f2b8c1e-5a47-4d1b-9c0e-7e6f5d4c3b2a`; the customer tenant
`9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d` gets tokens that the API refuses. Token endpoint
`POST /connect/token`: client credentials (service API), and the interactive API's
authorization code and rotating refresh tokens, after the consent page at
`GET /connect/authorize` where the demo user picks the company and approves (`connect.py`,
`consent.py`). Environment: `BRYGGA_SANDBOX_VISMANET_TOKEN_TTL` (seconds),
`BRYGGA_SANDBOX_VISMANET_RATE_LIMIT` (requests per hour), `BRYGGA_SANDBOX_VISMANET_MAX_PAGE_SIZE`.
`POST /_sandbox/revoke-tokens` makes every access token issued so far get 401.

Served: customers, inventory items and summary, customer invoices and credit notes (with
release), customer payments (with release), currency rates, VAT categories and zones, the
organization, currencies, warehouses and payment methods, background calls, and the
SalesOrders V3 orders with their lines.
"""
