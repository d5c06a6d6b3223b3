"""Account governance (concurrency limit, latency per request kind) and fault injection (§4)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from .config import LatencyModel

RequestKind = Literal["record_read", "record_write", "transform", "suiteql"]


@dataclass
class ConcurrencyGovernor:
    """Counts in-flight requests of the account; one over the limit is refused, not queued."""

    limit: int
    in_flight: int = 0
    peak: int = 0
    refused: int = 0
    served: int = 0

    def try_enter(self) -> bool:
        if self.in_flight >= self.limit:
            self.refused += 1
            return False
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        return True

    def leave(self) -> None:
        self.in_flight -= 1
        self.served += 1


def latency_seconds(model: LatencyModel, kind: RequestKind, rng: random.Random) -> float:
    base = {
        "record_read": model.record_read_ms,
        "record_write": model.record_write_ms,
        "transform": model.transform_ms,
        "suiteql": model.suiteql_ms,
    }[kind]
    return max(0.0, base + rng.uniform(0, model.jitter_ms)) / 1000


class Fault(msgspec.Struct, frozen=True):
    """One injected misbehaviour; `count` limits how many requests it hits (None: until cleared)."""

    kind: Literal["latency", "error", "throttle", "timeout", "stale_reads"]
    probability: float = 1.0
    count: int | None = None
    operations: list[RequestKind] = []
    status: int = 503  # for "error"
    latency_ms: float = 0.0  # for "latency"
    timeout_seconds: float = 30.0  # for "timeout": the connection hangs this long, then 504
    apply_before_timeout: bool = False  # "timeout" after the write happened: the reply is what gets lost
    stale_seconds: float = 0.0  # for "stale_reads": reads see the account as it was this long ago


@dataclass
class FaultInjector:
    rng: random.Random = field(default_factory=random.Random)
    _faults: list[tuple[Fault, list[int]]] = field(default_factory=list)
    injected: int = 0

    def add(self, fault: Fault) -> None:
        self._faults.append((fault, [fault.count if fault.count is not None else -1]))

    def clear(self) -> None:
        self._faults.clear()

    def active(self) -> list[Fault]:
        return [fault for fault, _ in self._faults]

    def draw(self, kind: RequestKind) -> list[Fault]:
        """The faults that hit this request (each consumes one of its count)."""
        hits: list[Fault] = []
        for fault, remaining in list(self._faults):
            if fault.operations and kind not in fault.operations:
                continue
            if self.rng.random() >= fault.probability:
                continue
            hits.append(fault)
            if remaining[0] > 0:
                remaining[0] -= 1
                if remaining[0] == 0:
                    self._faults.remove((fault, remaining))
        self.injected += len(hits)
        return hits
