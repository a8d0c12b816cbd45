"""New simple products as a merchant adds them in the admin (`POST /_sandbox/simulate`
`{"products": n}`).

Each gets a style number beyond every one the demo catalogue or the store uses, so its SKU
(`NBnnn-vv-ss`, the seed's pattern) is one no seeded product or ERP article has, and its EAN-13
follows the seed's `735` + style + colour + size code. The product is a wire body as the admin
form would post it (name, SEK price incl. VAT, 25 % tax class, enabled, catalog & search, the
default attribute set, `ean`, `cost`, a quantity for the `default` source), read through the
REST layer's conversion and saved by `products.save`, like a `POST /V1/products`.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any

from stdnum import ean

from brygga.sandbox import seed as demo
from brygga.sandbox.magento import products as catalog
from brygga.sandbox.magento.data import convert
from brygga.sandbox.magento.placement import WEIGHT
from brygga.sandbox.magento.shop import ATTRIBUTE_SET, TAX_CLASSES, WEBSITE_ID, money
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
STYLE = re.compile(r"NB(\d+)(?:-|$)")
# New ranges get a line name, so a new garment is told from the seeded one of the same kind.
LINES = ["Archipelago", "Fjord", "Midsummer", "Harbour", "Tundra", "Skerry", "Aurora", "Birch"]
CATEGORY = "3"  # the seeded products' category


def add(
    store: DocumentStore, rng: random.Random, seeded: list[demo.Product], count: int
) -> list[str]:
    """`count` new simple products; their SKUs."""
    if not count:
        return []
    styles = [int(product.product_number[2:]) for product in seeded]
    stored = store.all("products")
    styles += [int(m.group(1)) for p in stored if (m := STYLE.match(p["sku"]))]
    url_keys = {_attribute(p, "url_key") for p in stored}
    style = max(styles, default=0)
    made = []
    for _ in range(count):
        style += 1
        payload = _payload(rng, style, url_keys)
        url_keys.add(_attribute(payload, "url_key"))
        product = convert(payload, catalog.PRODUCT)
        made.append(catalog.save(store, product["sku"], product)["sku"])
    return made


def sku_and_ean(style: int, colour: int, size: int) -> tuple[str, str]:
    """The seed's SKU and EAN-13 of a style, colour and size (`seed._size`), past NB9999 too."""
    code = f"735{style:05d}{colour:02d}{size:02d}"
    return f"NB{style:03d}-{colour:02d}-{size:02d}", code + ean.calc_check_digit(code)


def _payload(rng: random.Random, style: int, url_keys: set[Any]) -> Record:
    """The product body the admin form posts, as `read_body` decodes it (numbers `Decimal`)."""
    garment, sek_price = rng.choice(demo.GARMENTS)
    colour = rng.randrange(len(demo.COLOURS))
    size = rng.randrange(len(demo.SIZES))
    sku, code = sku_and_ean(style, colour + 1, size + 1)
    name = f"{rng.choice(LINES)} {garment} {demo.COLOURS[colour]} {demo.SIZES[size]}"
    price = Decimal(sek_price + rng.choice([0, 100, 200, 300]))
    # Magento refuses a URL key a product already has; the merchant then makes it unique.
    key = catalog.url_key(name)
    if key in url_keys:
        key = catalog.url_key(f"{name} {sku}")
    quantity = rng.randint(5, 60)
    return {
        "sku": sku,
        "name": name,
        "attribute_set_id": ATTRIBUTE_SET,
        "price": price,
        "status": 1,
        "visibility": 4,
        "type_id": "simple",
        "weight": WEIGHT,
        "extension_attributes": {
            "website_ids": [WEBSITE_ID],
            "category_links": [{"position": 0, "category_id": CATEGORY}],
            "stock_item": {"qty": quantity, "is_in_stock": True},
        },
        "custom_attributes": [
            {"attribute_code": "description", "value": f"<p>{name}, new this season.</p>"},
            {"attribute_code": "tax_class_id", "value": TAX_CLASSES[Decimal(25)]},
            {"attribute_code": "url_key", "value": key},
            {"attribute_code": "ean", "value": code},
            {"attribute_code": "cost", "value": str(money(price * Decimal("0.35")))},
        ],
    }


def _attribute(product: Record, code: str) -> Any:
    attributes = product.get("custom_attributes") or []
    return next((a["value"] for a in attributes if a["attribute_code"] == code), None)
