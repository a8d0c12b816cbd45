"""The GraphQL documents Brygga sends to Centra. Field names are Centra's (centra.md §4)."""

ADDRESS = """
fragment Address on Address {
  firstName lastName companyName address1 address2 city zipCode
  country { code } email phoneNumber vatNumber
}
"""

ORDERS = (
    """
query Orders($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(
    where: { createdAt: { from: $from, to: $to }, storeType: DIRECT_TO_CONSUMER }
    sort: [number_ASC]
    limit: $limit
    page: $page
  ) {
    __typename id number status createdAt
    grandTotal { value currency { code } conversionRate }
    totals { shipping { value } shippingTaxIncluded { value } }
    lines {
      id productName size quantity taxPercent
      unitPrice { value } unitOriginalPrice { value }
      productSize { SKU EAN }
    }
    billingAddress { ...Address }
    shippingAddress { ...Address }
    ... on DirectToConsumerOrder { customer { id email firstName lastName phoneNumber } }
  }
}
"""
    + ADDRESS
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
