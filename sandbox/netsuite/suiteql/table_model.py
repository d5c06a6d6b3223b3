"""The shape of a SuiteQL table: typed rows from a view of the account, plus display names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..record_types import Family
from ..references import record_title
from ..store import RecordStore, StoredRecord
from ..warehouse import StockLevel

Row = dict[str, Any]


@dataclass(frozen=True)
class DataView:
    """What a query sees: the records and stock levels (possibly as of a moment in the past)."""

    store: RecordStore
    level: Callable[[int, int], StockLevel]


@dataclass(frozen=True)
class TableDef:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[DataView], Iterator[Row]]
    custom_prefix: str | None = None
    # column -> how BUILTIN.DF shows its value
    displays: dict[str, Callable[[DataView, Any], str | None]] = field(default_factory=dict)

    def has_column(self, name: str) -> bool:
        return name in self.columns or bool(self.custom_prefix and name.startswith(self.custom_prefix))


def flag(value: Any) -> str:
    return "T" if value else "F"


def ref(value: Any) -> int | None:
    return int(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


def as_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def customs(source: dict[str, Any], prefix: str) -> Row:
    return {
        k.lower(): (ref(v) if isinstance(v, dict) else v) for k, v in source.items() if k.startswith(prefix)
    }


def title_in(family: Family | str) -> Callable[[DataView, Any], str | None]:
    def display(view: DataView, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(family, Family):
            record = view.store.get_in_family(family, int(value))
        else:
            record = next((r for r in view.store.of_kind(family) if r.id == int(value)), None)
        return record_title(record) if record else None

    return display


def simple(
    kind: str, columns: dict[str, Callable[[StoredRecord], Any]]
) -> Callable[[DataView], Iterator[Row]]:
    def rows(view: DataView) -> Iterator[Row]:
        for record in view.store.of_kind(kind):
            yield {name: read(record) for name, read in columns.items()}

    return rows


def body(key: str) -> Callable[[StoredRecord], Any]:
    return lambda record: record.body.get(key)


def body_ref(key: str) -> Callable[[StoredRecord], Any]:
    return lambda record: ref(record.body.get(key))
