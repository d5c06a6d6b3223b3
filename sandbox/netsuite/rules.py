"""Which rules govern which record type (one place to look)."""

from __future__ import annotations

from .billing import BillingRules
from .entity_rules import CurrencyRateRules, CustomerRules, ItemRules, NamedListRules
from .record_types import Family, RecordKind
from .returns import (
    CreditRules,
    CustomerDepositRules,
    CustomerRefundRules,
    ReturnAuthorizationRules,
)
from .rules_base import PostedStockRules, RecordRules, TransactionRules
from .sales import SalesOrderRules
from .shipping import ItemFulfillmentRules
from .stock_transactions import InventoryAdjustmentRules, InventoryTransferRules, TransferOrderRules

_BY_NAME: dict[str, RecordRules] = {
    "customer": CustomerRules(),
    "salesOrder": SalesOrderRules(),
    "itemFulfillment": ItemFulfillmentRules(),
    "invoice": BillingRules(),
    "cashSale": BillingRules(),
    "creditMemo": CreditRules(),
    "cashRefund": CreditRules(),
    "returnAuthorization": ReturnAuthorizationRules(),
    "customerDeposit": CustomerDepositRules(),
    "customerRefund": CustomerRefundRules(),
    "inventoryAdjustment": InventoryAdjustmentRules(),
    "inventoryTransfer": InventoryTransferRules(),
    "transferOrder": TransferOrderRules(),
    "itemReceipt": PostedStockRules(),
    "location": NamedListRules(),
    "subsidiary": NamedListRules(),
    "currency": NamedListRules("symbol", "ISO Code"),
    "currencyRate": CurrencyRateRules(),
    "promotionCode": NamedListRules("code", "Coupon Code"),
}
_ITEM_RULES = ItemRules()
_TRANSACTION_RULES = TransactionRules()
_PLAIN = RecordRules()


def rules_for(kind: RecordKind) -> RecordRules:
    if kind.name in _BY_NAME:
        return _BY_NAME[kind.name]
    if kind.family is Family.ITEM:
        return _ITEM_RULES
    if kind.family is Family.TRANSACTION:
        return _TRANSACTION_RULES
    return _PLAIN
