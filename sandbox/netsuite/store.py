"""The generic record store: every record of every type, by id and external id, with history."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import SandboxClock
from .record_types import Family, RecordKind


@dataclass
class StoredRecord:
    kind: RecordKind
    id: int
    body: dict[str, Any]
    sublists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    created: datetime | None = None
    last_modified: datetime | None = None

    @property
    def external_id(self) -> str | None:
        value = self.body.get("externalId")
        return str(value) if value is not None else None

    def lines(self, sublist: str = "item") -> list[dict[str, Any]]:
        return self.sublists.setdefault(sublist, [])

    def ref_id(self, field_name: str) -> int | None:
        """The id held by a reference field (`{"id": "7"}`), or None when unset."""
        value = self.body.get(field_name)
        if isinstance(value, dict) and value.get("id") is not None:
            return int(value["id"])
        return None


@dataclass(frozen=True)
class RecordEvent:
    """One write, for ground truth and for stale reads: the record as it was after the write."""

    at: datetime
    op: str  # "create" | "update" | "delete"
    kind: str
    id: int
    external_id: str | None
    snapshot: StoredRecord | None


class RecordStore:
    """All records of the account; families share an id space (transactions, items, entities)."""

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self._records: dict[str, dict[int, StoredRecord]] = {}
        self._next_id: dict[str, int] = {}
        self.events: list[RecordEvent] = []

    def insert(
        self, kind: RecordKind, body: dict[str, Any], sublists: dict[str, list[dict[str, Any]]] | None = None
    ) -> StoredRecord:
        """Store a new record under the next id of its id space."""
        record_id = self._next_id.get(kind.id_space, 1)
        self._next_id[kind.id_space] = record_id + 1
        now = self._clock.now()
        record = StoredRecord(kind, record_id, body, sublists or {}, created=now, last_modified=now)
        self._records.setdefault(kind.name, {})[record_id] = record
        self._remember("create", record)
        return record

    def saved(self, record: StoredRecord) -> None:
        """Mark a record as modified now (bumps lastModifiedDate, which SuiteQL deltas poll)."""
        record.last_modified = self._clock.now()
        self._remember("update", record)

    def delete(self, record: StoredRecord) -> None:
        del self._records[record.kind.name][record.id]
        self.events.append(
            RecordEvent(self._clock.now(), "delete", record.kind.name, record.id, record.external_id, None)
        )

    def get(self, kind: RecordKind, record_id: int) -> StoredRecord | None:
        return self._records.get(kind.name, {}).get(record_id)

    def get_in_family(self, family: Family, record_id: int) -> StoredRecord | None:
        """Find a record by id among all types of a family (e.g. any item type)."""
        for records in self._records.values():
            record = records.get(record_id)
            if record is not None and record.kind.family is family:
                return record
        return None

    def find_external(self, kind: RecordKind, external_id: str) -> list[StoredRecord]:
        return [r for r in self.of_kind(kind.name) if r.external_id == external_id]

    def of_kind(self, kind_name: str) -> list[StoredRecord]:
        return list(self._records.get(kind_name, {}).values())

    def of_family(self, family: Family) -> Iterator[StoredRecord]:
        for records in self._records.values():
            for record in records.values():
                if record.kind.family is family:
                    yield record

    def as_of(self, moment: datetime) -> RecordStore:
        """A read-only view of the store as it was at `moment` (stale reads)."""
        view = RecordStore(self._clock)
        for event in self.events:
            if event.at > moment:
                break
            bucket = view._records.setdefault(event.kind, {})
            if event.snapshot is None:
                bucket.pop(event.id, None)
            else:
                bucket[event.id] = event.snapshot
        return view

    def _remember(self, op: str, record: StoredRecord) -> None:
        self.events.append(
            RecordEvent(
                record.last_modified or self._clock.now(),
                op,
                record.kind.name,
                record.id,
                record.external_id,
                copy.deepcopy(record),
            )
        )

    def savepoint(self) -> tuple[int, dict[str, int]]:
        return len(self.events), dict(self._next_id)

    def rollback(self, savepoint: tuple[int, dict[str, int]]) -> None:
        """Forget records created since the savepoint (a failed write leaves nothing behind)."""
        event_count, next_id = savepoint
        for event in reversed(self.events[event_count:]):
            if event.op == "create":
                self._records.get(event.kind, {}).pop(event.id, None)
        del self.events[event_count:]
        self._next_id = next_id
