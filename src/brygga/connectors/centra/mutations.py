"""The GraphQL mutations Brygga sends to Centra; each returns its payload with `userErrors` and
`userWarnings` (centra.md §3.1)."""

PROBLEMS = "userErrors { message path } userWarnings { message path }"

CREATE_PRODUCT = f"""
mutation CreateProduct($input: ProductCreateInput!) {{
  createProduct(input: $input) {{ product {{ id }} {PROBLEMS} }}
}}
"""

UPDATE_PRODUCT = f"""
mutation UpdateProduct($id: Int!, $input: ProductUpdateInput!) {{
  updateProduct(id: $id, input: $input) {{ product {{ id name status }} {PROBLEMS} }}
}}
"""

CREATE_VARIANT = f"""
mutation CreateVariant($input: ProductVariantCreateInput!) {{
  createProductVariant(input: $input) {{
    productVariant {{ id productSizes {{ id SKU }} }} {PROBLEMS}
  }}
}}
"""

CREATE_SIZE = f"""
mutation CreateSize($input: ProductSizeCreateInput!) {{
  createProductSize(input: $input) {{ productSize {{ id SKU }} {PROBLEMS} }}
}}
"""

UPDATE_SIZE = f"""
mutation UpdateSize($id: Int!, $input: ProductSizeUpdateInput!) {{
  updateProductSize(id: $id, input: $input) {{ productSize {{ id EAN }} {PROBLEMS} }}
}}
"""

SET_PRICES = f"""
mutation SetPrices($input: SetPricesInput!) {{
  setPrices(input: $input) {{ pricelist {{ id }} {PROBLEMS} }}
}}
"""

SET_STOCK = f"""
mutation SetStock($input: SetStockInput!) {{
  setStock(input: $input) {{ stockChanges {{ id }} {PROBLEMS} }}
}}
"""

SET_ID_CONVERSIONS = f"""
mutation SetIdConversions($input: [IdConversionEntryInput!]!) {{
  setIdConversions(input: $input) {{ entries {{ id }} {PROBLEMS} }}
}}
"""

CREATE_SHIPMENT = f"""
mutation CreateShipment($input: CreateShipmentInput!) {{
  createShipment(input: $input) {{
    shipment {{ id number isShipped isCaptured }} {PROBLEMS}
  }}
}}
"""

CAPTURE_SHIPMENT = f"""
mutation CaptureShipment($id: Int!) {{
  captureShipment(id: $id) {{ shipment {{ id isCaptured }} {PROBLEMS} }}
}}
"""

COMPLETE_SHIPMENT = f"""
mutation CompleteShipment($id: Int!, $input: CompleteShipmentInput) {{
  completeShipment(id: $id, input: $input) {{ shipment {{ id isShipped }} {PROBLEMS} }}
}}
"""

CREATE_RETURN = f"""
mutation CreateReturn($input: CreateReturnInput!) {{
  createReturn(input: $input) {{ return {{ id status }} {PROBLEMS} }}
}}
"""

COMPLETE_RETURN = f"""
mutation CompleteReturn($id: Int!) {{
  completeReturn(id: $id) {{ return {{ id status }} {PROBLEMS} }}
}}
"""
