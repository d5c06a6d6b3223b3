"""Every NATS subject, stream and bucket name Tandem uses, and the key → token encoding.

Subjects (DESIGN §4):
  evt.shopify.<shop>.<topic>     ingress: Shopify webhooks and reconciler finds
  evt.netsuite.<kind>            ingress: NetSuite poller deltas
  evt.pos.<location>.<kind>      ingress: POS sales and holds
  evt.tandem.available.<channel> what each channel may sell, as it changes (SKU and bundle actors)
  act.<kind>.<key>               to one actor (sku, order, customer, item, bundle, …)
  out.shopify.<shop>.<op>        outbox towards Shopify
  out.netsuite.<op>              outbox towards NetSuite
  dlq.<origin subject>           dead letters, with the error in headers
  tandem.ctl.<verb>              control plane (request/reply, not stored)
  tandem.alerts, tandem.audit    alerts and the operators' audit trail

Every variable part is a *token*: any string (dots, spaces, `*`, `>`, unicode, empty) is encoded so
that it is one safe subject token and also a valid KV key.
"""

from __future__ import annotations

import string

STREAM_INGRESS = "TANDEM_INGRESS"
STREAM_ACTORS = "TANDEM_ACTORS"
STREAM_OUTBOX = "TANDEM_OUTBOX"
STREAM_DLQ = "TANDEM_DLQ"
STREAM_AUDIT = "TANDEM_AUDIT"

BUCKET_SNAPSHOTS = "tandem_snapshots"
BUCKET_TIMERS = "tandem_timers"
BUCKET_CURSORS = "tandem_cursors"

_SAFE = frozenset(string.ascii_letters + string.digits + "_-")
_ESCAPE = "="
_EMPTY = "="  # a bare "=" can never come from escaping, so it stands for the empty string


def encode_token(value: str) -> str:
    """Encode any string into one subject token made only of [A-Za-z0-9_=-]."""
    if value == "":
        return _EMPTY
    if _SAFE.issuperset(value):  # the common case: a plain SKU or id needs no escaping
        return value
    out: list[str] = []
    for ch in value:
        if ch in _SAFE:
            out.append(ch)
        else:
            out.extend(f"{_ESCAPE}{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def decode_token(token: str) -> str:
    """Inverse of encode_token; raises ValueError on a token encode_token cannot produce."""
    if token == _EMPTY:
        return ""
    if _ESCAPE not in token:  # the common case: a plain SKU or id, nothing escaped
        if not _SAFE.issuperset(token):
            raise ValueError(f"subject token {token!r} has characters encode_token never produces")
        return token
    raw = bytearray()
    i = 0
    while i < len(token):
        ch = token[i]
        if ch == _ESCAPE:
            hex_pair = token[i + 1 : i + 3]
            if len(hex_pair) != 2 or any(c not in string.hexdigits for c in hex_pair):
                raise ValueError(f"bad escape at {i} in subject token {token!r}")
            raw.append(int(hex_pair, 16))
            i += 3
        elif ch in _SAFE:
            raw.append(ord(ch))
            i += 1
        else:
            raise ValueError(f"character {ch!r} cannot appear in an encoded subject token")
    return raw.decode("utf-8")


def actor(kind: str, key: str) -> str:
    return f"act.{kind}.{encode_token(key)}"


def actor_filter(kind: str) -> str:
    return f"act.{kind}.*"


def key_of_actor_subject(subject: str) -> tuple[str, str]:
    """(kind, key) of an `act.<kind>.<token>` subject."""
    prefix, kind, token = subject.split(".", 2)
    if prefix != "act" or "." in token:
        raise ValueError(f"not an actor subject: {subject!r}")
    return kind, decode_token(token)


def shopify_event(shop: str, topic: str) -> str:
    # Shopify topics look like "orders/create"; keep them readable as two tokens.
    return f"evt.shopify.{encode_token(shop)}.{'.'.join(encode_token(t) for t in topic.split('/'))}"


def shopify_topic_filter(topic: str) -> str:
    """Every shop's events of one topic, e.g. `evt.shopify.*.products.update`."""
    return f"evt.shopify.*.{'.'.join(encode_token(t) for t in topic.split('/'))}"


SHOPIFY_EVENTS = "evt.shopify.>"
POS_EVENTS = "evt.pos.>"
AVAILABLE_EVENTS = "evt.tandem.available.>"


def available(channel: str) -> str:
    return f"evt.tandem.available.{encode_token(channel)}"


def netsuite_event(kind: str) -> str:
    return f"evt.netsuite.{encode_token(kind)}"


def pos_event(location: str, kind: str) -> str:
    return f"evt.pos.{encode_token(location)}.{encode_token(kind)}"


def outbox_shopify(shop: str, op: str) -> str:
    return f"out.shopify.{encode_token(shop)}.{encode_token(op)}"


def outbox_netsuite(op: str) -> str:
    return f"out.netsuite.{encode_token(op)}"


def dead_letter(origin_subject: str) -> str:
    return f"dlq.{origin_subject}"


def control(verb: str) -> str:
    return f"tandem.ctl.{encode_token(verb)}"


ALERTS = "tandem.alerts"
AUDIT = "tandem.audit"
