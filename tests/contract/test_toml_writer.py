"""contract_toml writes what load_contract reads back: the same Contract."""

from __future__ import annotations

from contract.loading import load_contract
from contract.toml_writer import contract_toml
from sandbox.world import WorldSpec, build_world


async def test_the_sandbox_worlds_contract_round_trips() -> None:
    world = await build_world(WorldSpec(skus=3, seed=5))
    try:
        assert load_contract(contract_toml(world.contract)) == world.contract
    finally:
        await world.stop()
