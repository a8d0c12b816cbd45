"""Emulator of the Magento 2 / Adobe Commerce admin REST API (V1): the shop of the Magento pairs.

Follows `shared/apis/magento.md`; module docstrings and comments cite its sections for quirks,
and `deviations.py` lists where it follows the live API instead of Adobe's schema.

Demo credentials (also served at `/_sandbox/credentials`), base URL the sandbox's own:
- integration "Brygga", signed with OAuth 1.0a (HMAC-SHA256 or HMAC-SHA1):
  consumer key `brygga0demo0consumer0key00000001`, consumer secret
  `brygga0demo0consumer0secret00001`, access token `brygga0demo0access0token00000001`, access
  token secret `brygga0demo0access0token0secret1`;
- admin user `admin` / `brygga-demo-123` for `POST /rest/V1/integration/admin/token`.

Settings (environment variables):
- `BRYGGA_SANDBOX_MAGENTO_BEARER_INTEGRATION_TOKENS=1` accepts the integration's access token as
  a Bearer token, as a store with "Allow OAuth Access Tokens to be used as standalone Bearer
  tokens" does; off by default, as in Magento 2.4.4+.
- `BRYGGA_SANDBOX_MAGENTO_ADMIN_TOKEN_LIFETIME` (seconds, default 14400) for admin tokens.

Seeded once per data directory (see `seeding.py`): the demo catalog as simple and configurable
products, stock on two MSI sources, the demo customers and orders, and invoices for the orders
the demo marks as processing or shipped. No rate limit, as core Magento has none (§2).
"""
