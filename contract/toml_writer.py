"""Write a Contract as `tandem.toml` text: the inverse of contract/loading.py. Pure.

msgspec writes no TOML (and tomli_w is not a dependency); the contract's shape is small: top-level
scalars, one table per sub-struct, an array of tables per list of structs.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from contract.config import Contract


def contract_toml(contract: Contract) -> str:
    """The contract as `tandem.toml` text that load_contract reads back to an equal Contract."""
    raw = _without_unset(msgspec.to_builtins(contract))
    lines = [
        f"{key} = {_toml_value(value)}"
        for key, value in raw.items()
        if not isinstance(value, dict | list)
        or (isinstance(value, list) and not any(isinstance(v, dict) for v in value))
    ]
    for key, value in raw.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for table in value:
                lines += ["", f"[[{key}]]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def _without_unset(value: Any) -> Any:
    """Drop None: TOML has no null, and every optional contract field defaults to None when left out."""
    if isinstance(value, dict):
        return {k: _without_unset(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_unset(v) for v in value]
    return value


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")
