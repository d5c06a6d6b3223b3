"""Read `tandem.toml` into a validated `Contract`, with errors that name the key and what was expected.

    load_contract(Path("tandem.toml"))      # a path (or a str ending in .toml with no newline)
    load_contract(toml_text)                # the file's text

msgspec checks shapes and bounds; its messages (`Expected int >= 0 - at $.channels[1].buffer`) are
rewritten as `channels[1].buffer: expected int >= 0, got -3`. contract/validation.py then checks what
spans fields. Every problem found in that second pass is reported at once.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import msgspec

from contract.config import Contract
from contract.validation import Issue, find_issues


class ContractError(ValueError):
    """The contract file is invalid; `issues` lists each problem with the key it is about."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(f"{issue.key}: {issue.problem}" for issue in issues))


def load_contract(source: str | bytes | os.PathLike[str]) -> Contract:
    """Parse and validate a contract from a path or from TOML text; raises ContractError."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and source.endswith(".toml")
    ):
        path = Path(source)
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise ContractError([Issue(str(path), f"cannot read the contract file: {exc.strerror}")]) from exc
        return parse_contract(text)
    return parse_contract(source)


def parse_contract(text: str | bytes) -> Contract:
    """Validate TOML text as a Contract (pure)."""
    try:
        raw = msgspec.toml.decode(text)
    except msgspec.DecodeError as exc:
        raise ContractError([Issue("<file>", f"not valid TOML: {exc}")]) from exc
    try:
        contract = msgspec.convert(raw, Contract)
    except msgspec.ValidationError as exc:
        raise ContractError([_issue_from_validation(str(exc), raw)]) from exc
    issues = find_issues(contract)
    if issues:
        raise ContractError(issues)
    return contract


_AT = re.compile(r"^(?P<what>.*) - at `\$(?P<path>[^`]*)`$")  # absent for the top level
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")

# Regexes in config.py, said the way a person would.
_FRIENDLY_PATTERNS = {
    "^gid://shopify/Location/[0-9]+$": "a Shopify location GID like gid://shopify/Location/123",
    "^https?://[^\\s/]+(/\\S*)?$": "an http(s) URL",
    "^[A-Z]{3}$": "a three-letter ISO currency code like USD",
    "^[A-Za-z_][A-Za-z0-9_]*$": "the name of an environment variable (letters, digits, _)",
    "^20[0-9]{2}-(01|04|07|10)$": "a Shopify API version like 2026-04",
    "^[A-Za-z0-9_-]+$": "letters, digits, _ or - only",
}


def _issue_from_validation(message: str, raw: Any) -> Issue:
    """Rewrite one msgspec validation message as key + problem, quoting the offending value."""
    match = _AT.match(message)
    what, path = (match["what"], match["path"]) if match else (message, "")
    key = path.lstrip(".") or "<file>"
    if missing := _MISSING.match(what):
        return Issue(_join(key, missing["field"]), "required key is missing")
    if unknown := _UNKNOWN.match(what):
        node = _type_at(path)
        allowed = [f.name for f in node.fields] if isinstance(node, msgspec.inspect.StructType) else []
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return Issue(_join(key, unknown["field"]), f"unknown key{hint}")
    found, value = _lookup(raw, path)
    if what.startswith("Invalid enum value"):
        node = _type_at(path)
        choices = ", ".join(map(str, node.values)) if isinstance(node, msgspec.inspect.LiteralType) else "?"
        return Issue(key, f"expected one of {choices}, got {value!r}")
    expected = what.replace("`", "")
    expected = expected[0].lower() + expected[1:]
    for pattern, friendly in _FRIENDLY_PATTERNS.items():
        expected = expected.replace(f"str matching regex '{pattern}'", friendly)
    if found:
        expected = f"{expected} {value!r}" if ", got " in expected else f"{expected}, got {value!r}"
    return Issue(key, expected)


def _join(key: str, field: str) -> str:
    return field if key == "<file>" else f"{key}.{field}"


def _lookup(raw: Any, path: str) -> tuple[bool, Any]:
    """The raw TOML value at a msgspec path like `.channels[1].buffer`, if it can be found."""
    node = raw
    for name, index in _path_parts(path):
        if name is not None and isinstance(node, dict) and name in node:
            node = node[name]
        elif index is not None and isinstance(node, list) and index < len(node):
            node = node[index]
        else:
            return False, None
    return True, node


def _path_parts(path: str) -> list[tuple[str | None, int | None]]:
    parts: list[tuple[str | None, int | None]] = []
    for match in _PATH_PART.finditer(path):
        if match.group(0) == "[...]":
            parts.append((None, None))
        elif match.group(1) is not None:
            parts.append((match.group(1), None))
        else:
            parts.append((None, int(match.group(2))))
    return parts


def _type_at(path: str) -> Any:
    """The msgspec.inspect node of the Contract schema at `path` (None if it cannot be followed)."""
    node: Any = msgspec.inspect.type_info(Contract)
    for name, index in _path_parts(path):
        node = _unwrap(node)
        if name is not None and isinstance(node, msgspec.inspect.StructType):
            node = next((f.type for f in node.fields if f.name == name), None)
        elif index is not None and isinstance(node, msgspec.inspect.ListType):
            node = node.item_type
        else:
            return None
    return _unwrap(node)


def _unwrap(node: Any) -> Any:
    """Strip Optional[...] to the one non-None type (enough for the contract's schema)."""
    if isinstance(node, msgspec.inspect.UnionType):
        others = [t for t in node.types if not isinstance(t, msgspec.inspect.NoneType)]
        return others[0] if len(others) == 1 else node
    return node
