"""A demo account: currencies, locations, items (incl. serialized, lot, kit, group), stock, customers."""

from __future__ import annotations

from typing import Any

from .record_service import RecordService


def seed_demo_account(service: RecordService) -> dict[str, Any]:
    """Create the demo data through the record service (so every rule applies); returns its ids."""
    usd, locations = _currencies_and_locations(service)
    items = _items(service)
    _stock_up(service, locations, items)
    customer = service.create(
        "customer",
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "externalId": "shopify-customer-1",
        },
    )
    return {"currency": usd, "locations": locations, "items": items, "customer": customer.id}


def _currencies_and_locations(service: RecordService) -> tuple[int, dict[str, int]]:
    create = service.create
    usd = create("currency", {"name": "US Dollar", "symbol": "USD", "isBaseCurrency": True})
    cad = create("currency", {"name": "Canadian Dollar", "symbol": "CAD", "exchangeRate": 0.73})
    create(
        "currencyRate",
        {
            "baseCurrency": {"id": str(usd.id)},
            "transactionCurrency": {"id": str(cad.id)},
            "exchangeRate": 0.73,
        },
    )
    create("subsidiary", {"name": "Tandem Goods Inc."})
    locations = {
        name: create("location", {"name": name, "externalId": key}).id
        for key, name in (
            ("WH-EAST", "East Warehouse"),
            ("WH-WEST", "West Warehouse"),
            ("STORE-SOHO", "SoHo Store"),
        )
    }
    return usd.id, locations


def _items(service: RecordService) -> dict[str, int]:
    create = service.create
    items = {}
    for sku, name, price in (
        ("TEE-BLK-M", "Black Tee M", "25.00"),
        ("TEE-WHT-M", "White Tee M", "25.00"),
        ("MUG-01", "Logo Mug", "12.50"),
        ("CAP-01", "Logo Cap", "18.00"),
    ):
        items[sku] = create(
            "inventoryItem", {"itemId": sku, "displayName": name, "basePrice": price, "externalId": sku}
        ).id
    items["WATCH-01"] = create(
        "serializedInventoryItem",
        {"itemId": "WATCH-01", "displayName": "Watch", "basePrice": "199.00", "externalId": "WATCH-01"},
    ).id
    items["COFFEE-1KG"] = create(
        "lotNumberedInventoryItem",
        {
            "itemId": "COFFEE-1KG",
            "basePrice": "32.00",
            "displayName": "Coffee 1kg",
            "externalId": "COFFEE-1KG",
        },
    ).id
    items["KIT-STARTER"] = create(
        "kitItem",
        {
            "itemId": "KIT-STARTER",
            "displayName": "Starter Kit (tee + mug)",
            "basePrice": "34.00",
            "externalId": "KIT-STARTER",
            "member": {
                "items": [
                    {"item": {"id": str(items["TEE-BLK-M"])}, "quantity": 1},
                    {"item": {"id": str(items["MUG-01"])}, "quantity": 1},
                ]
            },
        },
    ).id
    items["GROUP-DUO"] = create(
        "itemGroup",
        {
            "itemId": "GROUP-DUO",
            "externalId": "GROUP-DUO",
            "member": {"items": [{"item": {"id": str(items["TEE-WHT-M"])}, "quantity": 2}]},
        },
    ).id
    items["DISCOUNT"] = create("discountItem", {"itemId": "Shopify Discount", "rate": "-10%"}).id
    items["GIFT-CARD"] = create("giftCertificateItem", {"itemId": "Gift Card"}).id
    items["SHIPPING"] = create("otherChargeSaleItem", {"itemId": "Shipping", "basePrice": "0"}).id
    create("promotionCode", {"code": "WELCOME10", "rate": "-10%", "discount": {"id": str(items["DISCOUNT"])}})
    return items


def _stock_up(service: RecordService, locations: dict[str, int], items: dict[str, int]) -> None:
    lines: list[dict[str, Any]] = []
    for sku in ("TEE-BLK-M", "TEE-WHT-M", "MUG-01", "CAP-01"):
        for location, qty in zip(locations.values(), (40, 25, 8), strict=True):
            lines.append(
                {"item": {"id": str(items[sku])}, "location": {"id": str(location)}, "adjustQtyBy": qty}
            )
    east = next(iter(locations.values()))
    lines.append(
        {
            "item": {"id": str(items["WATCH-01"])},
            "location": {"id": str(east)},
            "adjustQtyBy": 3,
            "inventoryDetail": {
                "inventoryAssignment": {
                    "items": [{"receiptInventoryNumber": f"SN-{n:04d}", "quantity": 1} for n in range(1, 4)]
                }
            },
        }
    )
    lines.append(
        {
            "item": {"id": str(items["COFFEE-1KG"])},
            "location": {"id": str(east)},
            "adjustQtyBy": 20,
            "inventoryDetail": {
                "inventoryAssignment": {"items": [{"receiptInventoryNumber": "LOT-2026-11", "quantity": 20}]}
            },
        }
    )
    service.create(
        "inventoryAdjustment",
        {"adjLocation": {"id": str(east)}, "memo": "Opening stock", "inventory": {"items": lines}},
    )
