"""POS and checkout holds in: an HTTP endpoint that stores holds on `evt.pos.<location>.<kind>`.

POS *sales* need nothing here: they arrive as Shopify orders carrying their store's `location_id`
(gateways/shopify/webhooks.py, contract/shopify_orders.py).
"""
