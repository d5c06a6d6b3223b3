"""A small contract and a driver that folds messages through a Behaviour, as the runtime would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from actors.behaviour import Effect, Emit, Outbox, Send, StartTimer
from actors.sku import SkuBehaviour
from actors.sku_messages import AvailableChanged, InventorySet, OrderLine, StockReading
from bus.envelope import Envelope, make_envelope
from contract.config import Contract
from contract.loading import parse_contract

# Three locations: a warehouse "W" and two POS stores "S1", "S2".
#   web    : storefront over W and S1, buffer 1, counts in-transit, publishes to one Shopify location
#   pos-s1 : POS over S1, buffer 0
#   pos-s2 : POS over S2, buffer 2
CONTRACT_TEXT = """
[netsuite]
account_id = "TSTDRV1"
base_url = "http://127.0.0.1:9"
time_zone = "UTC"
concurrency_limit = 2
consumer_key_env = "NS_CK"
consumer_secret_env = "NS_CS"
token_id_env = "NS_TI"
token_secret_env = "NS_TS"

[[shops]]
name = "us"
domain = "us.example"
currency = "USD"
access_token_env = "US_TOKEN"
webhook_secret_env = "US_SECRET"

[[locations]]
netsuite_id = "W"
name = "warehouse"
shopify = { us = "gid://shopify/Location/1" }

[[locations]]
netsuite_id = "S1"
name = "store one"
kind = "store"
pos = true
shopify = { us = "gid://shopify/Location/2" }

[[locations]]
netsuite_id = "S2"
name = "store two"
kind = "store"
pos = true
shopify = { us = "gid://shopify/Location/3" }

[[channels]]
name = "web"
kind = "storefront"
shop = "us"
locations = ["W", "S1"]
buffer = 1
counts_in_transit = true
publish_to = ["gid://shopify/Location/1"]

[[channels]]
name = "pos-s1"
kind = "pos"
shop = "us"
locations = ["S1"]
publish_to = ["gid://shopify/Location/2"]

[[channels]]
name = "pos-s2"
kind = "pos"
shop = "us"
locations = ["S2"]
buffer = 2
publish_to = ["gid://shopify/Location/3"]

[[bundles]]
sku = "KIT"
components = { "A" = 2, "B" = 1 }

[catalog]
allowed_skus = ["A", "B", "KIT", "SKU-*"]

[inventory]
order_retention_days = 1
"""

LOCATIONS = ("W", "S1", "S2")
CHANNELS = ("web", "pos-s1", "pos-s2")


def make_contract(text: str = CONTRACT_TEXT) -> Contract:
    return parse_contract(text)


class Driver:
    """Holds one actor's state and feeds it envelopes with increasing ids."""

    def __init__(self, behaviour: Any, key: str) -> None:
        self.behaviour = behaviour
        self.key = key
        self.state = behaviour.initial(key)
        self.counter = 0
        self.history: list[Envelope[Any]] = []

    def send(self, payload: Any, at: float, *, message_id: str | None = None) -> list[Effect]:
        self.counter += 1
        envelope = make_envelope(payload, key=self.key, at=at, id=message_id or f"m{self.counter}")
        self.history.append(envelope)
        self.state, effects = self.behaviour.decide(self.state, envelope)
        return list(effects)

    def published(self) -> dict[str, int]:
        return dict(self.state.published_channels)


def channel_events(effects: Sequence[Effect]) -> dict[str, AvailableChanged]:
    return {e.payload.channel: e.payload for e in effects if isinstance(e, Emit)
            and isinstance(e.payload, AvailableChanged)}


def inventory_sets(effects: Sequence[Effect]) -> list[InventorySet]:
    return [e.payload for e in effects if isinstance(e, Outbox) and isinstance(e.payload, InventorySet)]


def timers(effects: Sequence[Effect]) -> list[StartTimer]:
    return [e for e in effects if isinstance(e, StartTimer)]


def sends(effects: Sequence[Effect]) -> list[Send]:
    return [e for e in effects if isinstance(e, Send)]


def roundtrip(state: Any, state_type: type[Any]) -> Any:
    """What a snapshot gives back: the state JSON-encoded and decoded as the runtime does."""
    return msgspec.json.decode(msgspec.json.encode(state), type=state_type)


# The contract the property tests run against: a 3PL "T" beside the warehouse, a storefront that
# publishes to two Shopify locations (its value is split), and a marketplace channel with no shop.
PROPERTY_CONTRACT_TEXT = CONTRACT_TEXT.replace(
    '[[channels]]\nname = "web"',
    '[[locations]]\nnetsuite_id = "T"\nname = "3pl"\nkind = "3pl"\n'
    'shopify = { us = "gid://shopify/Location/4" }\n\n'
    '[[channels]]\nname = "outlet"\nkind = "marketplace"\nlocations = ["W", "S1", "S2", "T"]\nbuffer = 3\n'
    'counts_in_transit = true\n\n'
    '[[channels]]\nname = "web"',
    1,
).replace(
    'locations = ["W", "S1"]\nbuffer = 1\ncounts_in_transit = true\npublish_to = ["gid://shopify/Location/1"]',
    'locations = ["W", "T"]\nbuffer = 1\ncounts_in_transit = true\n'
    'publish_to = ["gid://shopify/Location/1", "gid://shopify/Location/4"]',
    1,
)
PROPERTY_LOCATIONS = ("W", "S1", "S2", "T")


SMALL_CONTRACT = make_contract()


def driver(sku: str = "SKU-1") -> Driver:
    return Driver(SkuBehaviour(SMALL_CONTRACT), sku)


def stocked(w: int = 10, s1: int = 5, s2: int = 4, at: float = 100.0) -> Driver:
    """A SKU actor with every location read once at `at` (nothing committed)."""
    d = driver()
    for location, on_hand in (("W", w), ("S1", s1), ("S2", s2)):
        d.send(StockReading(location=location, on_hand=on_hand, committed=0, read_at=at), at=at)
    return d


def line(order: str = "o1", quantity: int = 1, location: str = "W", version: float = 110.0,
         line_id: str = "l1", edited_at: float | None = None) -> OrderLine:
    return OrderLine(order_id=order, line_id=line_id, location=location, quantity=quantity,
                     version_at=version, edited_at=edited_at)


# Two shops over one warehouse: the us contract's head (no locations yet), a second shop "eu" and a
# warehouse "W" both shops' Shopify show (gid 1 in us, 11 in eu). Tests add their channels.
TWO_SHOPS_HEAD = CONTRACT_TEXT.split("[[locations]]", 1)[0] + """
[[shops]]
name = "eu"
domain = "eu.example"
currency = "EUR"
access_token_env = "EU_TOKEN"
webhook_secret_env = "EU_SECRET"

[[locations]]
netsuite_id = "W"
name = "warehouse"
shopify = { us = "gid://shopify/Location/1", eu = "gid://shopify/Location/11" }
"""
