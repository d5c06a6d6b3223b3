"""The Shopify edge: webhooks in, Admin GraphQL out.

Inbound: webhooks.py (HMAC-checked receiver), router.py (ingress → SKU actors), reconciler.py
(missed webhooks), messages.py (what they publish).

Outbound:
  graphql.py           one GraphQL call: auth header, typed errors, retries, THROTTLED, spans;
                       `shopify_clients(contract, env, …)` builds one client per shop
  throttle.py          the per-shop cost bucket model; `acquire` waits so the bucket never runs dry
  inventory_writer.py  out.shopify.<shop>.inventory_set → coalesced inventorySetQuantities batches
  item_sync.py         NetSuite item master → variants/products; ownership check on products/update
  level_webhooks.py    inventory_levels/update → the SKU actors' check of Shopify's `available`
  errors.py            ShopifyError and its kinds
The pure rules behind the writer (coalescing, skip, drift correction) live in contract/shopify_inventory.py.
"""
