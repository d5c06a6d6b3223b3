"""Subject tokens: any key round-trips and stays one safe token (also a valid KV key)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bus import subjects

SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_=-]+$")


@given(st.text())
def test_any_string_round_trips_through_a_safe_token(key: str) -> None:
    token = subjects.encode_token(key)
    assert SAFE_TOKEN.match(token)
    assert subjects.decode_token(token) == key


@given(st.text(), st.text())
def test_different_keys_never_share_a_token(a: str, b: str) -> None:
    if a != b:
        assert subjects.encode_token(a) != subjects.encode_token(b)


@pytest.mark.parametrize("key", ["", ".", "*", ">", "a.b", "a b", "ünï", "=", "=3D", "SKU-1_x"])
def test_awkward_keys_make_one_token_actor_subjects(key: str) -> None:
    subject = subjects.actor("sku", key)
    assert subject.count(".") == 2
    assert subjects.key_of_actor_subject(subject) == ("sku", key)


def test_plain_keys_stay_readable() -> None:
    assert subjects.actor("sku", "SKU-123_a") == "act.sku.SKU-123_a"


@pytest.mark.parametrize("token", ["a.b", "a b", "=4", "=ZZ", "*"])
def test_a_token_encode_never_makes_is_rejected(token: str) -> None:
    with pytest.raises(ValueError):
        subjects.decode_token(token)


def test_shopify_topics_become_two_tokens() -> None:
    assert subjects.shopify_event("shop-1", "orders/create") == "evt.shopify.shop-1.orders.create"
