"""contract_toml writes what load_contract reads back: the same Contract, optional fields included."""

from __future__ import annotations

from pathlib import Path

import msgspec

from contract.config import Channel
from contract.loading import load_contract, parse_contract
from contract.toml_writer import contract_toml
from sandbox.world import WorldSpec, build_world

DEMO = Path(__file__).resolve().parents[2] / "tandem.toml"


async def test_the_sandbox_worlds_contract_round_trips() -> None:
    world = await build_world(WorldSpec(skus=3, seed=5))
    try:
        assert load_contract(contract_toml(world.contract)) == world.contract
    finally:
        await world.stop()


def test_the_checked_in_demo_contract_round_trips() -> None:
    contract = load_contract(DEMO)
    assert parse_contract(contract_toml(contract)) == contract


def test_unset_optional_fields_are_left_out_and_come_back_unset() -> None:
    # TOML has no null: a marketplace channel has no shop, a shop may have no base_url.
    contract = load_contract(DEMO)
    marketplace = Channel(
        name="marketplace-x", kind="marketplace", locations=[contract.locations[0].netsuite_id]
    )
    contract = msgspec.structs.replace(contract, channels=[*contract.channels, marketplace])
    text = contract_toml(contract)
    assert "null" not in text and "None" not in text
    back = parse_contract(text)
    assert back == contract and back.channels[-1].shop is None
