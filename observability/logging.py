"""structlog set-up: JSON for machines, readable console for people, trace ids, secrets redacted.

One pipeline for both structlog and stdlib `logging` (nats-py, aiohttp): structlog events are
handed to a stdlib handler whose `ProcessorFormatter` renders them and any foreign records alike.
Everything that depends on the configuration (renderer, secrets, output stream) lives in that
handler, so `configure_logging` can be called again — loggers already cached by structlog keep
working and pick up the new handler.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "***"

# Keys whose values are secrets whatever they contain ("authorization", "x-shopify-access-token",
# "netsuite_token_secret", "password", "api_key", ...).
SECRET_KEY = re.compile(r"token|secret|passw(or)?d|authorization|api[_-]?key|cookie", re.IGNORECASE)

# Marks the handler this module installs on the root logger, so a second call replaces it.
_HANDLER_NAME = "tandem.observability.logging"


def configure_logging(
    level: str | int = "INFO",
    json: bool | None = None,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Route structlog and stdlib logging through one pipeline; safe to call more than once.

    json=None picks JSON when `stream` (stdout by default) is not a terminal.
    secrets are values (API tokens, passwords) replaced by "***" wherever they appear.
    """
    output = stream if stream is not None else sys.stdout
    numeric_level = _level_number(level)
    as_json = json if json is not None else not _is_terminal(output)
    redact = SecretRedactor(secrets)

    handler = logging.StreamHandler(output)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_event_context(), structlog.stdlib.ExtraAdder()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact,
                _renderer(as_json, colors=_is_terminal(output)),
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric_level)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_event_context(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def add_trace_context(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Add `trace_id`/`span_id` (W3C hex) when an OpenTelemetry span is current."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


class SecretRedactor:
    """Replaces configured secret values anywhere in an event, and values of secret-named keys."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        return {key: self._value(key, value) for key, value in event_dict.items()}

    def _value(self, key: object, value: Any) -> Any:
        if isinstance(key, str) and SECRET_KEY.search(key) and value is not None:
            return REDACTED
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._scrub_text(value)
        if isinstance(value, Mapping):
            return {k: self._value(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._scrub(item) for item in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, bytes):
            text = value.decode("utf-8", "replace")
            return self._scrub_text(text) if self._contains_secret(text) else value
        # Any other object is rendered by its repr; check that repr rather than trusting the object.
        text = repr(value)
        return self._scrub_text(text) if self._contains_secret(text) else value

    def _contains_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def _scrub_text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def _event_context() -> list[Processor]:
    """Processors that capture context at the call site (level, time, the current span)."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_context,
    ]


def _renderer(as_json: bool, colors: bool) -> Processor:
    if as_json:
        return structlog.processors.JSONRenderer(default=repr)
    return structlog.dev.ConsoleRenderer(colors=colors)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return number
