"""The generic record store: every record of every type, by id and external id, with recent history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import SandboxClock
from .record_types import Family, RecordKind

RecordKey = tuple[str, int]  # (kind name, id)


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


def clone(value: Any) -> Any:
    """Copy JSON-like record content: dicts and lists anew, scalars (str, Decimal, dates...) shared."""
    if isinstance(value, dict):
        return {key: clone(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [clone(inner) for inner in value]
    return value


def snapshot(record: StoredRecord) -> StoredRecord:
    return StoredRecord(
        record.kind,
        record.id,
        clone(record.body),
        clone(record.sublists),
        record.created,
        record.last_modified,
    )


@dataclass(frozen=True)
class RecordEvent:
    """One write (ground truth: what was created, changed and deleted, and when)."""

    sequence: int
    at: datetime
    op: str  # "create" | "update" | "delete"
    kind: str
    id: int
    external_id: str | None


@dataclass(frozen=True)
class _Version:
    sequence: int
    at: datetime
    snapshot: StoredRecord | None  # None: deleted


class RecordStore:
    """All records of the account; families share an id space (transactions, items, entities).

    Past versions are kept for `history_seconds` so reads can be served stale (fault injection);
    older versions are pruned, keeping the newest one before the horizon as the baseline.
    """

    def __init__(self, clock: SandboxClock, history_seconds: float = 600.0) -> None:
        self._clock = clock
        self._history = timedelta(seconds=history_seconds)
        self._records: dict[str, dict[int, StoredRecord]] = {}
        self._next_id: dict[str, int] = {}
        self._by_external: dict[tuple[str, str], set[int]] = {}
        self._indexed_external: dict[RecordKey, str] = {}
        self._versions: dict[RecordKey, list[_Version]] = {}
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
        self._index_external(record.kind.name, record.id, None)
        self._log("delete", record, None)

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
        ids = sorted(self._by_external.get((kind.name, external_id), ()))
        records = self._records.get(kind.name, {})
        return [records[record_id] for record_id in ids if record_id in records]

    def of_kind(self, kind_name: str) -> list[StoredRecord]:
        return list(self._records.get(kind_name, {}).values())

    def of_family(self, family: Family) -> Iterator[StoredRecord]:
        for records in list(self._records.values()):
            for record in list(records.values()):
                if record.kind.family is family:
                    yield record

    def as_of(self, moment: datetime) -> RecordStore:
        """A read-only view of the store as it was at `moment` (within the kept history)."""
        view = RecordStore(self._clock, 0)
        for (kind_name, record_id), versions in self._versions.items():
            past = [v for v in versions if v.at <= moment]
            if past and past[-1].snapshot is not None:
                view._records.setdefault(kind_name, {})[record_id] = past[-1].snapshot
                view._index_external(kind_name, record_id, past[-1].snapshot.external_id)
        return view

    def savepoint(self) -> tuple[int, dict[str, int]]:
        return len(self.events), dict(self._next_id)

    def rollback(self, savepoint: tuple[int, dict[str, int]]) -> None:
        """Forget what happened since the savepoint (a failed write leaves nothing behind)."""
        event_count, next_id = savepoint
        cut = self.events[event_count].sequence if event_count < len(self.events) else None
        for event in reversed(self.events[event_count:]):
            if event.op == "create":
                self._records.get(event.kind, {}).pop(event.id, None)
                self._index_external(event.kind, event.id, None)
        if cut is not None:
            for key, versions in list(self._versions.items()):
                kept = [v for v in versions if v.sequence < cut]
                if kept:
                    self._versions[key] = kept
                else:
                    del self._versions[key]
        del self.events[event_count:]
        self._next_id = next_id

    def reindex(self, record: StoredRecord) -> None:
        """Refresh the external-id index of a record restored in place (rollback of an edit)."""
        self._index_external(record.kind.name, record.id, record.external_id)

    def _remember(self, op: str, record: StoredRecord) -> None:
        self._index_external(record.kind.name, record.id, record.external_id)
        self._log(op, record, snapshot(record))

    def _log(self, op: str, record: StoredRecord, snapshot: StoredRecord | None) -> None:
        now = record.last_modified if snapshot is not None and record.last_modified else self._clock.now()
        sequence = self.events[-1].sequence + 1 if self.events else 1
        self.events.append(RecordEvent(sequence, now, op, record.kind.name, record.id, record.external_id))
        versions = self._versions.setdefault((record.kind.name, record.id), [])
        versions.append(_Version(sequence, now, snapshot))
        horizon = now - self._history
        old = [index for index, version in enumerate(versions) if version.at < horizon]
        if len(old) > 1:
            del versions[: old[-1]]  # keep the newest version before the horizon as the baseline

    def _index_external(self, kind_name: str, record_id: int, external_id: str | None) -> None:
        key = (kind_name, record_id)
        previous = self._indexed_external.pop(key, None)
        if previous is not None:
            self._by_external.get((kind_name, previous), set()).discard(record_id)
        if external_id is not None:
            self._indexed_external[key] = external_id
            self._by_external.setdefault((kind_name, external_id), set()).add(record_id)
