"""The GraphQL documents Brygga sends to Centra. Field names are Centra's (centra.md §4)."""

ADDRESS = """
fragment Address on Address {
  firstName lastName companyName address1 address2 city zipCode
  country { code } email phoneNumber vatNumber
}
"""

ORDER = (
    """
fragment Order on Order {
  __typename id number status createdAt
  grandTotal { value currency { code } conversionRate }
  totals { shipping { value } shippingTaxIncluded { value } }
  lines {
    id productName size quantity taxPercent
    unitPrice { value } unitOriginalPrice { value }
    lineValue { value } netValue: lineValue(includingTax: false) { value }
    productSize { SKU EAN }
  }
  billingAddress { ...Address }
  shippingAddress { ...Address }
  ... on DirectToConsumerOrder { customer { id email firstName lastName phoneNumber } }
}
"""
    + ADDRESS
)

ORDERS = (
    """
query Orders($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(
    where: { createdAt: { from: $from, to: $to }, storeType: DIRECT_TO_CONSUMER }
    sort: [number_ASC]
    limit: $limit
    page: $page
  ) { ...Order }
}
"""
    + ORDER
)

# Given orders again (a re-sync by id, or the order an event names).
ORDERS_BY_NUMBER = (
    """
query OrdersByNumber($numbers: [Int!]!, $limit: Int!, $page: Int!) {
  orders(
    where: { number: $numbers, storeType: DIRECT_TO_CONSUMER }
    sort: [number_ASC]
    limit: $limit
    page: $page
  ) { ...Order }
}
"""
    + ORDER
)

CUSTOMERS = (
    """
query Customers($limit: Int!, $page: Int!) {
  customers(sort: [id_ASC], limit: $limit, page: $page) {
    id email firstName lastName phoneNumber createdAt
    lastOrder { billingAddress { ...Address } }
  }
}
"""
    + ADDRESS
)

# §4.3: returns by id; the money of a return is in the order's currency.
RETURNS = """
query Returns($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  returns(
    where: { createdAt: { from: $from, to: $to }, storeType: DIRECT_TO_CONSUMER }
    sort: [id_ASC]
    limit: $limit
    page: $page
  ) {
    id status createdAt
    order { number }
    lines { quantity lineValue { value } orderLine { productSize { SKU } } }
    totals { shipping { value } }
    grandTotal { value currency { code } }
  }
}
"""

# §4.2: captures only; `status` tells a settled capture from a pending or failed one.
CAPTURES = """
query Captures($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(
    where: { createdAt: { from: $from, to: $to }, storeType: DIRECT_TO_CONSUMER }
    sort: [number_ASC]
    limit: $limit
    page: $page
  ) {
    number
    paymentHistory(where: { entryType: [CAPTURE] }) {
      id createdAt status paymentMethod value { value currency { code } }
    }
  }
}
"""

SIZE = """
fragment Size on ProductSize {
  id SKU EAN size { id name }
  productVariant {
    id
    prices { pricelist { id } price { value currency { code } } }
    product { id name status variants { id productSizes { id } } }
  }
}
"""

# centra.dev/graphql/productsizefilter: sizes filter by SKU.
SIZE_BY_SKU = (
    """
query SizeBySku($sku: String!) {
  productSizes(where: { SKU: { equals: $sku } }, limit: 2) { ...Size }
}
"""
    + SIZE
)

SIZE_BY_ID = (
    """
query SizeById($id: Int!) {
  productSizes(where: { id: [$id] }, limit: 1) { ...Size }
}
"""
    + SIZE
)

PRODUCT_BY_NUMBER = """
query ProductByNumber($number: String!) {
  products(where: { productNumber: { equals: $number } }, limit: 1) {
    id variants { id productSizes { id SKU } }
  }
}
"""

PRICELISTS = """
query Pricelists($page: Int!) {
  pricelists(limit: 200, page: $page) { id name currency { code } }
}
"""

SIZE_CHARTS = "query SizeCharts { sizeCharts { id name sizes { id name } } }"

WAREHOUSES = """
query Warehouses($page: Int!) {
  warehouses(sort: [id_ASC], limit: 200, page: $page) { id name }
}
"""

# §1 (Store:read): Centra keeps no company record; its stores are what the merchant runs.
STORES = """
query Stores($page: Int!) {
  stores(limit: 200, page: $page) { id name }
}
"""

# §4.7: the base currency as the docs' DTC example asks for it, beside every currency.
CURRENCIES = """
query Currencies {
  base: currencies(where: { isBase: true }) { code }
  all: currencies { code }
}
"""

# §4.10: the caller's own entries; for orders the internal id is the order number.
ID_CONVERSION = """
query IdConversion($type: IdConversionEntryObjectType!, $externalId: String!) {
  idConversions(where: { objectType: $type, externalId: { equals: $externalId } }) {
    internalId
  }
}
"""

ORDER_FULFILMENT = """
query OrderFulfilment($number: Int!) {
  orders(where: { number: [$number] }, limit: 1) {
    id number status
    lines { id quantity shippedQuantity returnedQuantity productSize { SKU } }
    shipments {
      id number isShipped isCaptured
      lines { id quantity orderLine { id } }
    }
  }
}
"""
