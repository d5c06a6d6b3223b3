"""structlog set-up: JSON for machines, readable console for people, trace ids, secrets redacted.

structlog events are rendered natively (no stdlib LogRecord on the hot path); stdlib `logging`
records (nats-py, aiohttp) reach the same processors through a root handler. Everything that
`configure_logging` sets — level, secrets, renderer, stream — lives in one `LogOutput` that is
updated in place, so loggers structlog has already cached follow a second call.
"""

from __future__ import annotations

import functools
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

_METHOD_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "err": logging.ERROR,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


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
    _OUTPUT.update(numeric_level, SecretRedactor(secrets), _renderer(as_json, _is_terminal(output)), output)

    handler = logging.StreamHandler(output)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_event_context(), structlog.stdlib.ExtraAdder()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_OUTPUT.tail()],
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
            _OUTPUT.drop_below_level,
            *_event_context(),
            structlog.processors.StackInfoRenderer(),
            *_OUTPUT.tail(),
        ],
        logger_factory=_OUTPUT.logger,
        wrapper_class=structlog.make_filtering_bound_logger(logging.NOTSET),
        cache_logger_on_first_use=True,
    )


class LogOutput:
    """The configurable end of the pipeline: level, redaction, renderer and stream."""

    def __init__(self) -> None:
        self.level = logging.INFO
        self.redactor = SecretRedactor(())
        self.renderer: Processor = structlog.processors.JSONRenderer(default=repr)
        self.stream: TextIO = sys.stdout

    def update(self, level: int, redactor: SecretRedactor, renderer: Processor, stream: TextIO) -> None:
        self.level, self.redactor, self.renderer, self.stream = level, redactor, renderer, stream

    def tail(self) -> list[Processor]:
        """Processors shared by structlog events and stdlib records, after the context is added."""
        return [structlog.processors.format_exc_info, self.redact, self.render]

    def drop_below_level(self, _logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        if _METHOD_LEVELS.get(method, logging.CRITICAL) < self.level:
            raise structlog.DropEvent
        return event_dict

    def redact(self, logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        return self.redactor(logger, method, event_dict)

    def render(self, logger: WrappedLogger, method: str, event_dict: EventDict) -> Any:
        return self.renderer(logger, method, event_dict)

    def logger(self, *args: Any) -> StreamLogger:
        """structlog's logger factory: `get_logger(name)` gives a logger writing to our stream."""
        return StreamLogger(self, str(args[0]) if args else None)


class StreamLogger:
    """Writes rendered lines to whatever stream the output is configured with now."""

    def __init__(self, output: LogOutput, name: str | None) -> None:
        self._output = output
        self.name = name

    def msg(self, message: str) -> None:
        stream = self._output.stream
        stream.write(message + "\n")
        stream.flush()

    log = debug = info = warn = warning = err = error = critical = exception = fatal = msg


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
        ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        return {key: self._value(key, value) for key, value in event_dict.items()}

    def _value(self, key: object, value: Any) -> Any:
        if value is not None and isinstance(key, str) and _is_secret_key(key):
            return REDACTED
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._pattern.sub(REDACTED, value) if self._pattern else value
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Mapping):
            return {k: self._value(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._scrub(item) for item in value]
        if self._pattern is None:
            return value
        # Any other object is rendered by its repr (or decoded); check that text, not the object.
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else repr(value)
        return self._pattern.sub(REDACTED, text) if self._pattern.search(text) else value


@functools.lru_cache(maxsize=1024)
def _is_secret_key(key: str) -> bool:
    return SECRET_KEY.search(key) is not None


def _add_logger_name(logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    record = event_dict.get("_record")
    name = record.name if record is not None else getattr(logger, "name", None)
    if name:
        event_dict["logger"] = name
    return event_dict


def _event_context() -> list[Processor]:
    """Processors that capture context at the call site (level, time, the current span)."""
    return [
        structlog.contextvars.merge_contextvars,
        _add_logger_name,
        structlog.processors.add_log_level,
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


_OUTPUT = LogOutput()  # process-wide, like the root logger and structlog's own configuration
