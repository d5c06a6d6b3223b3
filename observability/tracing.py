"""The TracerProvider: built from the standard OTEL_* variables, injected everywhere, never cached globally.

Every setting is read from the `env` mapping passed in (os.environ by default), never from os.environ behind
the caller's back, so a test or a second provider in one process sees exactly the configuration it was given.
With no OTLP endpoint, spans still get trace/span ids (logs need them) but are neither recorded nor exported.
"""

from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Callable, Mapping

import anyio.to_thread
import msgspec
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import (
    SERVICE_INSTANCE_ID,
    SERVICE_NAME,
    TELEMETRY_SDK_LANGUAGE,
    TELEMETRY_SDK_NAME,
    TELEMETRY_SDK_VERSION,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.version import __version__ as sdk_version
from opentelemetry.util.re import parse_env_headers

# The SDK's BatchSpanProcessor defaults (queue 2048, batch 512, every 5 s) drop spans at Tandem's
# 1,000 messages/s with ~4 spans per message (architecture.md §4.3); OTEL_BSP_* still override these.
# A 16k queue holds ~4 s of spans (tens of MB at worst) when the collector is slow or down.
DEFAULT_MAX_QUEUE_SIZE = 16_384
DEFAULT_MAX_EXPORT_BATCH_SIZE = 2_048
DEFAULT_SCHEDULE_DELAY_MS = 1_000
DEFAULT_EXPORT_TIMEOUT_MS = 30_000

_SAMPLERS: dict[str, Callable[[float], sampling.Sampler]] = {
    "always_on": lambda _: sampling.ALWAYS_ON,
    "always_off": lambda _: sampling.ALWAYS_OFF,
    "traceidratio": sampling.TraceIdRatioBased,
    "parentbased_always_on": lambda _: sampling.ParentBased(sampling.ALWAYS_ON),
    "parentbased_always_off": lambda _: sampling.ParentBased(sampling.ALWAYS_OFF),
    "parentbased_traceidratio": lambda rate: sampling.ParentBased(sampling.TraceIdRatioBased(rate)),
}
_COMPRESSIONS = {"none": Compression.NoCompression, "gzip": Compression.Gzip, "deflate": Compression.Deflate}


class TracingConfigError(ValueError):
    """An OTEL_* variable holds a value Tandem cannot use; the message names the variable."""


def configure_tracing(service_name: str = "tandem", env: Mapping[str, str] = os.environ) -> TracerProvider:
    """A new TracerProvider configured from `env`; exports over OTLP/HTTP only when an endpoint is set."""
    endpoint = traces_endpoint(env) if _exporter_enabled(env) else None
    # Recording spans that nobody exports costs ~40 µs per bus message; unrecorded spans still get real
    # trace and span ids, propagated from hop to hop, so logs stay correlated.
    default_sampler = "always_off" if endpoint is None else "parentbased_always_on"
    sampler, resource = _sampler(env, default_sampler), _resource(service_name, env)
    # Every setting is checked before anything starts, so bad input leaves no half-built exporter thread.
    processor = None
    if endpoint is not None:
        settings, exporter = batch_settings(env), _otlp_exporter(endpoint, env)
        processor = _batch_processor(exporter, settings)
    provider = TracerProvider(resource=resource, sampler=sampler)
    if processor is not None:
        provider.add_span_processor(processor)
    return provider


def traces_endpoint(env: Mapping[str, str]) -> str | None:
    """The full OTLP/HTTP traces URL from `env`, or None when no endpoint is configured."""
    if signal_url := env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip():
        return signal_url  # the signal-specific variable is used as-is (OTLP exporter spec)
    if base_url := env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip():
        return f"{base_url.removesuffix('/')}/v1/traces"
    return None


def install_global(provider: TracerProvider) -> bool:
    """Make `provider` the global one if none is set yet; True when it is (now or already) the global one.

    The global provider can be set only once; a second set_tracer_provider only logs a warning and is
    ignored (opentelemetry-python #958). Tandem's own code never reads it: this is for third-party
    instrumentations.
    """
    current = trace.get_tracer_provider()
    if current is provider:
        return True
    if not isinstance(current, trace.ProxyTracerProvider):
        return False
    trace.set_tracer_provider(provider)
    return trace.get_tracer_provider() is provider


def flush_tracing(provider: TracerProvider, *, timeout_s: float = 10.0) -> bool:
    """Export every finished span now; blocks, so call `aflush_tracing` from the event loop."""
    return provider.force_flush(timeout_millis=int(timeout_s * 1000))


def shutdown_tracing(provider: TracerProvider, *, timeout_s: float = 10.0) -> bool:
    """Flush, then stop the exporter threads; idempotent. Blocks, so use `ashutdown_tracing` in async code."""
    flushed = flush_tracing(provider, timeout_s=timeout_s)
    provider.shutdown()
    return flushed


async def aflush_tracing(provider: TracerProvider, *, timeout_s: float = 10.0) -> bool:
    # In a worker thread: the export is a blocking HTTP call that may target a server on this very loop.
    return await anyio.to_thread.run_sync(lambda: flush_tracing(provider, timeout_s=timeout_s))


async def ashutdown_tracing(provider: TracerProvider, *, timeout_s: float = 10.0) -> bool:
    return await anyio.to_thread.run_sync(lambda: shutdown_tracing(provider, timeout_s=timeout_s))


def _resource(service_name: str, env: Mapping[str, str]) -> Resource:
    # Precedence per the SDK spec: OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES > the code's default.
    attributes: dict[str, str] = {SERVICE_NAME: service_name}
    for item in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise TracingConfigError(f"OTEL_RESOURCE_ATTRIBUTES: expected key=value, got {item!r}")
        attributes[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    if env_service_name := env.get("OTEL_SERVICE_NAME", "").strip():
        attributes[SERVICE_NAME] = env_service_name
    # Not Resource.create(): it would read os.environ again behind the caller's `env`.
    sdk_facts = {
        TELEMETRY_SDK_LANGUAGE: "python",
        TELEMETRY_SDK_NAME: "opentelemetry",
        TELEMETRY_SDK_VERSION: sdk_version,
        SERVICE_INSTANCE_ID: uuid.uuid4().hex,
    }
    return Resource({**sdk_facts, **attributes})


def _sampler(env: Mapping[str, str], default: str) -> sampling.Sampler:
    name = (env.get("OTEL_TRACES_SAMPLER", "").strip() or default).lower()
    if name not in _SAMPLERS:
        raise TracingConfigError(f"OTEL_TRACES_SAMPLER: {name!r} is not one of {sorted(_SAMPLERS)}")
    raw_rate = env.get("OTEL_TRACES_SAMPLER_ARG", "1.0")
    try:
        rate = float(raw_rate)
    except ValueError:
        raise TracingConfigError(f"OTEL_TRACES_SAMPLER_ARG: {raw_rate!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise TracingConfigError(f"OTEL_TRACES_SAMPLER_ARG: {rate} is outside [0, 1]")
    return _SAMPLERS[name](rate)


def _exporter_enabled(env: Mapping[str, str]) -> bool:
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = {name.strip().lower() for name in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")}
    if exporters <= {"none"}:
        return False
    if not exporters <= {"otlp", "none"}:
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER: only 'otlp' or 'none' are supported, got {exporters}"
        )
    protocol = _otlp_setting(env, "PROTOCOL") or "http/protobuf"
    if protocol != "http/protobuf":
        raise TracingConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: only 'http/protobuf' (Jaeger's port 4318) is supported, "
            f"got {protocol!r}"
        )
    return True


def _otlp_exporter(endpoint: str, env: Mapping[str, str]) -> OTLPSpanExporter:
    compression_name = (_otlp_setting(env, "COMPRESSION") or "none").lower()
    if compression_name not in _COMPRESSIONS:
        raise TracingConfigError(
            f"OTEL_EXPORTER_OTLP_COMPRESSION: {compression_name!r} is not one of {sorted(_COMPRESSIONS)}"
        )
    # The Python OTLP exporters read this timeout as seconds (unlike the spec's milliseconds).
    timeout_s = _number(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", default=10.0)
    return OTLPSpanExporter(
        endpoint=endpoint,
        headers=dict(parse_env_headers(_otlp_setting(env, "HEADERS") or "", liberal=True)),
        timeout=timeout_s,
        compression=_COMPRESSIONS[compression_name],
        certificate_file=_otlp_setting(env, "CERTIFICATE"),
        client_key_file=_otlp_setting(env, "CLIENT_KEY"),
        client_certificate_file=_otlp_setting(env, "CLIENT_CERTIFICATE"),
    )


class BatchSettings(msgspec.Struct, frozen=True):
    max_queue_size: int
    max_export_batch_size: int
    schedule_delay_ms: float
    export_timeout_ms: float


def batch_settings(env: Mapping[str, str]) -> BatchSettings:
    """The BatchSpanProcessor's sizes and delays: OTEL_BSP_* when set, else Tandem's raised defaults."""
    max_queue_size = int(_number(env, "OTEL_BSP_MAX_QUEUE_SIZE", default=DEFAULT_MAX_QUEUE_SIZE))
    max_batch = int(_number(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", default=DEFAULT_MAX_EXPORT_BATCH_SIZE))
    return BatchSettings(
        max_queue_size=max_queue_size,
        # the SDK rejects a batch larger than the queue; a small OTEL_BSP_MAX_QUEUE_SIZE caps our default
        max_export_batch_size=min(max_batch, max_queue_size),
        schedule_delay_ms=_number(env, "OTEL_BSP_SCHEDULE_DELAY", default=DEFAULT_SCHEDULE_DELAY_MS),
        export_timeout_ms=_number(env, "OTEL_BSP_EXPORT_TIMEOUT", default=DEFAULT_EXPORT_TIMEOUT_MS),
    )


def _batch_processor(exporter: OTLPSpanExporter, settings: BatchSettings) -> BatchSpanProcessor:
    return BatchSpanProcessor(
        exporter,
        max_queue_size=settings.max_queue_size,
        schedule_delay_millis=settings.schedule_delay_ms,
        max_export_batch_size=settings.max_export_batch_size,
        export_timeout_millis=settings.export_timeout_ms,
    )


def _otlp_setting(env: Mapping[str, str], suffix: str) -> str | None:
    """OTEL_EXPORTER_OTLP_TRACES_<suffix>, else the generic OTEL_EXPORTER_OTLP_<suffix>."""
    value = env.get(f"OTEL_EXPORTER_OTLP_TRACES_{suffix}", "").strip()
    return value or env.get(f"OTEL_EXPORTER_OTLP_{suffix}", "").strip() or None


def _number(env: Mapping[str, str], *names: str, default: float) -> float:
    for name in names:
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise TracingConfigError(f"{name}: {raw!r} is not a number") from None
        if value <= 0:
            raise TracingConfigError(f"{name}: must be positive, got {raw!r}")
        return value
    return default
