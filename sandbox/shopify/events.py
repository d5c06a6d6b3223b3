"""What happened in a shop, as the domain reports it; the webhook layer turns these into deliveries."""

from __future__ import annotations

from dataclasses import dataclass

# The topics this emulator delivers (REST form), with their GraphQL WebhookSubscriptionTopic names.
TOPICS = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/cancelled": "ORDERS_CANCELLED",
    "orders/paid": "ORDERS_PAID",
    "orders/fulfilled": "ORDERS_FULFILLED",
    "refunds/create": "REFUNDS_CREATE",
    "fulfillments/create": "FULFILLMENTS_CREATE",
    "fulfillments/update": "FULFILLMENTS_UPDATE",
    "inventory_levels/update": "INVENTORY_LEVELS_UPDATE",
    "customers/create": "CUSTOMERS_CREATE",
    "customers/update": "CUSTOMERS_UPDATE",
    "products/update": "PRODUCTS_UPDATE",
}
TOPIC_BY_ENUM = {enum: topic for topic, enum in TOPICS.items()}


@dataclass(frozen=True)
class ShopEvent:
    """A merchant-visible action: `subject` is the record (Order, Refund, Fulfillment, Customer, ...)."""

    topic: str
    subject: object


class EventLog:
    """Collects the events of one domain operation, in the order they happened, without duplicates."""

    def __init__(self) -> None:
        self.events: list[ShopEvent] = []

    def add(self, topic: str, subject: object) -> None:
        if not any(e.topic == topic and e.subject is subject for e in self.events):
            self.events.append(ShopEvent(topic, subject))
