"""The source-of-truth table of DESIGN §2, as data: which system owns each kind of data.

The contract file may move a field (`[ownership] "items.price" = "shopify"`), except the inventory
rows: the available-to-sell computation is built on NetSuite owning stock and Tandem owning the
sellable quantity, so those cannot be moved by configuration.
"""

from __future__ import annotations

from typing import Literal

Owner = Literal["netsuite", "shopify", "tandem"]

DEFAULT_OWNERSHIP: dict[str, Owner] = {
    "items.sku": "netsuite",
    "items.title": "netsuite",
    "items.price": "netsuite",
    "items.weight": "netsuite",
    "items.active": "netsuite",
    "items.kit_components": "netsuite",
    "stock": "netsuite",  # gross stock per location
    "in_transit": "netsuite",
    "demand": "shopify",  # open orders, POS sales and holds NetSuite has not absorbed
    "sellable": "tandem",  # computed; Tandem is the only writer
    "customer.initial": "shopify",
    "customer": "netsuite",
    "orders": "shopify",
    "fulfillment": "netsuite",
    "refunds": "shopify",
    "invoices": "netsuite",
}

FIXED_OWNERSHIP = frozenset({"stock", "in_transit", "demand", "sellable"})
