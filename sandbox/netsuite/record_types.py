"""The record types the emulator knows: REST names, id spaces, SuiteQL type codes, sublists."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .errors import NetSuiteApiError


class Family(enum.Enum):
    """Records in one family share an id space and a SuiteQL table, as in NetSuite."""

    ENTITY = "entity"
    ITEM = "item"
    TRANSACTION = "transaction"
    LIST = "list"


@dataclass(frozen=True)
class RecordKind:
    name: str  # REST record id, e.g. "salesOrder"
    family: Family
    code: str | None = None  # SuiteQL `type` / `itemtype`, e.g. "SalesOrd", "InvtPart"
    sublists: tuple[str, ...] = ()
    creatable: bool = True  # False: only born by a transform or by the system
    tran_prefix: str = ""  # tranId numbering, e.g. "SO"

    def __deepcopy__(self, memo: dict[int, object]) -> RecordKind:
        return self  # immutable and shared: record snapshots need not copy it

    @property
    def id_space(self) -> str:
        return self.family.value if self.family is not Family.LIST else self.name


def _txn(
    name: str, code: str, prefix: str, sublists: tuple[str, ...] = ("item",), creatable: bool = True
) -> RecordKind:
    return RecordKind(name, Family.TRANSACTION, code, sublists, creatable, prefix)


def _item(name: str, code: str, sublists: tuple[str, ...] = ()) -> RecordKind:
    return RecordKind(name, Family.ITEM, code, sublists)


_SALES_SUBLISTS = ("item", "promotions", "giftCertRedemption")

_KINDS = (
    RecordKind("customer", Family.ENTITY, "Customer", ("addressbook",)),
    _item("inventoryItem", "InvtPart", ("locations",)),
    _item("serializedInventoryItem", "InvtPart", ("locations",)),
    _item("lotNumberedInventoryItem", "InvtPart", ("locations",)),
    _item("kitItem", "Kit", ("member",)),
    _item("itemGroup", "Group", ("member",)),
    _item("discountItem", "Discount"),
    _item("giftCertificateItem", "GiftCert"),
    _item("nonInventorySaleItem", "NonInvtPart"),
    _item("serviceSaleItem", "Service"),
    _item("otherChargeSaleItem", "OthCharge"),
    _txn("salesOrder", "SalesOrd", "SO", _SALES_SUBLISTS),
    _txn(
        "itemFulfillment",
        "ItemShip",
        "IF",
        ("item", "package", "packageUps", "packageFedEx", "packageUsps"),
        creatable=False,
    ),
    _txn("invoice", "CustInvc", "INV", _SALES_SUBLISTS),
    _txn("cashSale", "CashSale", "CS", _SALES_SUBLISTS),
    _txn("customerDeposit", "CustDep", "DEP", ()),
    _txn("depositApplication", "DepAppl", "DA", ("apply",), creatable=False),
    _txn("creditMemo", "CustCred", "CM"),
    _txn("cashRefund", "CashRfnd", "CR"),
    _txn("customerRefund", "CustRfnd", "RF", ("apply",)),
    _txn("returnAuthorization", "RtnAuth", "RMA"),
    _txn("inventoryAdjustment", "InvAdjst", "ADJ", ("inventory",)),
    _txn("inventoryTransfer", "InvTrnfr", "IT", ("inventory",)),
    _txn("transferOrder", "TrnfrOrd", "TO"),
    _txn("itemReceipt", "ItemRcpt", "IR", creatable=False),
    RecordKind("giftCertificate", Family.LIST, None, (), creatable=False),
    RecordKind("promotionCode", Family.LIST),
    RecordKind("location", Family.LIST),
    RecordKind("subsidiary", Family.LIST),
    RecordKind("currency", Family.LIST),
    RecordKind("currencyRate", Family.LIST),
    RecordKind("inventoryNumber", Family.LIST, None, (), creatable=False),
)

KINDS: dict[str, RecordKind] = {kind.name.lower(): kind for kind in _KINDS}

# Inventory-tracked items: the ones that have stock per location.
STOCKED_ITEM_KINDS = frozenset({"inventoryItem", "serializedInventoryItem", "lotNumberedInventoryItem"})

# Sales-side transactions whose lines SuiteQL reports with negative quantity (reference §2).
OUTBOUND_CODES = frozenset({"SalesOrd", "CustInvc", "CashSale", "ItemShip"})

# Which source record types may become which target record types via `!transform`.
TRANSFORMS: dict[str, frozenset[str]] = {
    "salesOrder": frozenset({"itemFulfillment", "invoice", "cashSale", "returnAuthorization"}),
    "transferOrder": frozenset({"itemFulfillment", "itemReceipt"}),
    "invoice": frozenset({"creditMemo", "returnAuthorization"}),
    "cashSale": frozenset({"cashRefund", "returnAuthorization"}),
    "returnAuthorization": frozenset({"creditMemo", "cashRefund", "itemReceipt"}),
    "customerDeposit": frozenset({"depositApplication"}),
    "creditMemo": frozenset({"customerRefund"}),
}


def kind_named(name: str) -> RecordKind:
    """Look a REST record type up the way NetSuite does: case-insensitively."""
    kind = KINDS.get(name.lower())
    if kind is None:
        raise NetSuiteApiError(
            404,
            "INVALID_RECORD_TYPE",
            f"Record type '{name}' does not exist.",
            title="Not Found",
        )
    return kind


def kinds_in(family: Family) -> list[RecordKind]:
    return [kind for kind in _KINDS if kind.family is family]
