"""The Shopify edge: Admin GraphQL out (inventory writer, item sync) and webhooks in.

Outbound rooms:
  graphql.py           one GraphQL call: auth header, typed errors, retries, THROTTLED, spans
  throttle.py          the per-shop cost bucket model; `acquire` waits so the bucket never runs dry
  inventory_writer.py  out.shopify.<shop>.inventory_set → coalesced inventorySetQuantities batches
  item_sync.py         NetSuite item master → productVariantsBulkUpdate; ownership check on products/update
  errors.py            ShopifyError and its kinds
The pure rules behind the writer (coalescing, skip, drift correction) live in contract/shopify_inventory.py.
"""
