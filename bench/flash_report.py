"""What one flash-sale side measured (SideResult), the table both sides print and the last line's
figures (bench/flash_sale.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SideResult:
    name: str
    wired: bool = True
    oversold: int = 0
    pooled_oversold: int = 0  # Shopify's own /_sandbox/oversold: per SKU, every location pooled
    sold_short: int = 0  # units sales took beyond what was unsold at that moment
    explanation: str = ""  # the short sites' timelines (--explain)
    max_drift: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    shopify_side_ms: list[float] = field(default_factory=list)  # changes made in Shopify (sales, holds)
    netsuite_side_ms: list[float] = field(default_factory=list)  # NetSuite's (bounded by the polling)
    by_kind_ms: dict[str, list[float]] = field(default_factory=dict)  # per Change.kind
    unpublished: int = 0
    changes: int = 0
    duration_s: float = 0.0
    shopify_calls: int = 0
    throttled: int = 0
    orders: int = 0
    refused: int = 0
    traffic_lag_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # by process role, traffic start → settled

    def cpu_ms_per_change(self, role: str) -> float | None:
        return 1000 * self.cpu_s[role] / self.changes if role in self.cpu_s and self.changes else None

    def percentile(self, p: float, samples: list[float] | None = None) -> float | None:
        samples = self.latencies_ms if samples is None else samples
        if not samples:
            return None
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def changes_per_s(self) -> float:
        return self.changes / self.duration_s if self.duration_s else 0.0

    @property
    def calls_per_100_changes(self) -> float:
        return 100 * self.shopify_calls / self.changes if self.changes else 0.0


def _p50_p99(side: SideResult, samples: list[float]) -> str:
    p50, p99 = side.percentile(50, samples), side.percentile(99, samples)
    return "-" if p50 is None or p99 is None else f"{p50:,.0f} / {p99:,.0f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _cpu_rest(side: SideResult) -> str:
    """The harness is both emulators, the traffic and the counting (and the engine, in-process)."""
    return f"{_ms(side.cpu_ms_per_change('nats-server'))} / {_ms(side.cpu_ms_per_change('harness'))}"


def table(sides: list[SideResult], interval: float) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}"

    rows = [
        ("inventory writer", *(s.name if s.wired else f"{s.name} (NOT WIRED)" for s in sides)),
        ("oversold units (per SKU and location)", *(str(s.oversold) for s in sides)),
        ("  pooled over locations (Shopify's)", *(str(s.pooled_oversold) for s in sides)),
        ("  sold short at the time of sale", *(str(s.sold_short) for s in sides)),
        ("max drift (units)", *(str(s.max_drift) for s in sides)),
        ("change → published p50 ms", *(ms(s.percentile(50)) for s in sides)),
        ("change → published p99 ms", *(ms(s.percentile(99)) for s in sides)),
        ("  made in Shopify p50 / p99", *(_p50_p99(s, s.shopify_side_ms) for s in sides)),
        ("  made in NetSuite p50 / p99", *(_p50_p99(s, s.netsuite_side_ms) for s in sides)),
        *(
            (
                f"    {kind} ({', '.join(str(len(s.by_kind_ms.get(kind, []))) for s in sides)})",
                *(_p50_p99(s, s.by_kind_ms.get(kind, [])) for s in sides),
            )
            for kind in sorted({kind for s in sides for kind in s.by_kind_ms})
        ),
        (
            "changes never published",
            *(f"{s.unpublished} of {len(s.latencies_ms) + s.unpublished}" for s in sides),
        ),
        ("changes/s", *(f"{s.changes_per_s:,.0f}" for s in sides)),
        ("Shopify calls / 100 changes", *(f"{s.calls_per_100_changes:.1f}" for s in sides)),
        ("THROTTLED responses", *(str(s.throttled) for s in sides)),
        ("orders accepted / actions refused", *(f"{s.orders} / {s.refused}" for s in sides)),
        ("traffic behind plan (max s)", *(f"{s.traffic_lag_s:.2f}" for s in sides)),
        ("CPU ms per change: engine", *(_ms(s.cpu_ms_per_change("engine")) for s in sides)),
        ("  nats-server / harness", *(_cpu_rest(s) for s in sides)),
    ]
    width = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"flash sale, interval T = {interval:g} s (stands for 15 min)"]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, width, strict=True)) for row in rows]
    return "\n".join(lines)


def summary(tandem: SideResult | None, baseline: SideResult | None) -> dict[str, Any]:
    """The last line's figures; Tandem's are null when it did not run or was not wired."""
    live = tandem if tandem is not None and tandem.wired else None
    return {
        "tandem_oversold": live.oversold if live else None,
        "baseline_oversold": baseline.oversold if baseline else None,
        "p50_ms": _rounded(live.percentile(50)) if live else None,
        "p99_ms": _rounded(live.percentile(99)) if live else None,
        "changes_per_s": round(live.changes_per_s, 1) if live else None,
        "shopify_calls_per_100_changes": round(live.calls_per_100_changes, 2) if live else None,
        "throttled": live.throttled if live else None,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
