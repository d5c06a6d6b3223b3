"""One emulated NetSuite account: its records, its warehouse, its clock and its settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .clock import SandboxClock
from .config import NetSuiteSandboxConfig
from .errors import NetSuiteApiError
from .record_types import KINDS, RecordKind
from .store import RecordStore, StoredRecord, clone
from .warehouse import Warehouse


@dataclass
class Account:
    config: NetSuiteSandboxConfig
    clock: SandboxClock
    store: RecordStore
    warehouse: Warehouse
    tran_numbers: dict[str, int] = field(default_factory=dict)
    # (item id, serial/lot text) -> inventoryNumber record id
    inventory_numbers: dict[tuple[int, str], int] = field(default_factory=dict)
    _atomic_depth: int = 0

    @classmethod
    def create(cls, config: NetSuiteSandboxConfig, clock: SandboxClock | None = None) -> Account:
        clock = clock or SandboxClock()
        return cls(config, clock, RecordStore(clock), Warehouse(clock.now))

    @property
    def time_zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.time_zone)

    def today(self) -> date:
        """The date in the account's time zone (NetSuite's default tranDate)."""
        return self.clock.now().astimezone(self.time_zone).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.time_zone)

    def next_tran_id(self, kind: RecordKind) -> str:
        number = self.tran_numbers.get(kind.name, 1000) + 1
        self.tran_numbers[kind.name] = number
        return f"{kind.tran_prefix}{number}"

    @contextmanager
    def atomic(self, *touched: StoredRecord) -> Iterator[None]:
        """All or nothing: a NetSuiteApiError undoes new records, stock changes and `touched` edits."""
        store_point, stock_point = self.store.savepoint(), self.warehouse.savepoint()
        counters, numbers = dict(self.tran_numbers), dict(self.inventory_numbers)
        copies = [(r, clone(r.body), clone(r.sublists), r.last_modified) for r in touched]
        self._atomic_depth += 1
        try:
            yield
        except NetSuiteApiError:
            self.store.rollback(store_point)
            self.warehouse.rollback(stock_point)
            self.tran_numbers, self.inventory_numbers = counters, numbers
            for record, body, sublists, last_modified in copies:
                record.body, record.sublists, record.last_modified = body, sublists, last_modified
                self.store.reindex(record)
            raise
        finally:
            self._atomic_depth -= 1
        if self._atomic_depth == 0:
            self.warehouse.commit()

    def record(self, kind_name: str, record_id: int) -> StoredRecord:
        record = self.store.get(KINDS[kind_name.lower()], record_id)
        if record is None:
            raise NetSuiteApiError(404, "NONEXISTENT_ID", f"No {kind_name} with id {record_id}.")
        return record


def to_decimal(value: object, path: str) -> Decimal:
    """A JSON number (or numeric string) as a Decimal; anything else is NetSuite's INVALID_CONTENT."""
    if isinstance(value, bool) or value is None:
        raise _bad_number(value, path)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _bad_number(value, path) from None


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _bad_number(value: object, path: str) -> NetSuiteApiError:
    return NetSuiteApiError(
        400,
        "INVALID_CONTENT",
        f"Error while accessing resource: You have entered an Invalid Field Value {value} "
        f"for the following field: {path.rsplit('.', 1)[-1]}",
        path=path,
    )
