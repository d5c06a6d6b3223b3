"""NetSuite's sublist write semantics (reference §1.3) and line numbering."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import user_error


def merge_sublist(
    existing: list[dict[str, Any]], incoming: list[dict[str, Any]], replace: bool, name: str
) -> list[dict[str, Any]]:
    """PATCH a keyed sublist: lines naming an existing `line` are updated, others appended.

    With `?replace=<sublist>` the lines not named in the request are removed.
    """
    by_line = {int(line["line"]): line for line in existing if "line" in line}
    kept: list[dict[str, Any]] = [] if replace else list(existing)
    for index, change in enumerate(incoming):
        key = change.get("line")
        if key is None:
            kept.append(dict(change))
            continue
        current = by_line.get(int(key))
        if current is None:
            raise user_error(
                f"The line {key} does not exist on this record.", path=f"{name}.items[{index}].line"
            )
        updated = {**current, **{k: v for k, v in change.items() if k != "line"}}
        updated = {k: v for k, v in updated.items() if v is not None}
        if replace:
            kept.append(updated)
        else:
            kept[kept.index(current)] = updated
    return kept


def number_lines(lines: list[dict[str, Any]]) -> None:
    """Give new lines the next free line number (NetSuite never reuses a line's key)."""
    next_line = max((int(line["line"]) for line in lines if "line" in line), default=0) + 1
    for line in lines:
        if "line" not in line:
            line["line"] = next_line
            next_line += 1


def line_by_number(lines: list[dict[str, Any]], number: int, path: str) -> dict[str, Any]:
    for line in lines:
        if int(line.get("line", 0)) == number:
            return line
    raise user_error(f"The line {number} does not exist on the source record.", path=path)


def apply_transform_lines(
    defaults: list[dict[str, Any]], requested: list[dict[str, Any]], replace: bool, sublist: str = "item"
) -> list[dict[str, Any]]:
    """Overlay a transform request's lines (keyed by `orderLine`) on the lines NetSuite proposes.

    A line sent with `itemReceive: false` or quantity 0 is dropped; with `?replace=item` only the
    lines sent survive. Lines without `orderLine` are added as new lines.
    """
    by_order_line = {int(line["orderLine"]): line for line in defaults if "orderLine" in line}
    chosen: list[dict[str, Any]] = [] if replace else list(defaults)
    for index, change in enumerate(requested):
        path = f"{sublist}.items[{index}]"
        if "orderLine" not in change:
            chosen.append(dict(change))
            continue
        proposed = by_order_line.get(int(change["orderLine"]))
        if proposed is None:
            raise user_error(
                f"The order line {change['orderLine']} has nothing left to process.", path=f"{path}.orderLine"
            )
        merged = {**proposed, **change}
        # Oracle's own transform example spells it `itemreceive` (reference §5); both are accepted.
        receive = change["itemReceive"] if "itemReceive" in change else change.get("itemreceive", True)
        dropped = receive is False or _is_zero(merged.get("quantity", 1))
        if proposed in chosen:
            chosen.remove(proposed)
        if not dropped:
            chosen.append(merged)
    return sorted(chosen, key=lambda line: int(line.get("orderLine", 1 << 30)))


def _is_zero(value: Any) -> bool:
    try:
        return Decimal(str(value)) == 0
    except InvalidOperation:
        return False
