"""Item master NetSuite → Shopify on save, and the ownership check on `products/update` (DESIGN §2).

Theory of operation
- One durable consumer (`shopify-item-sync`) on the ingress stream reads `evt.netsuite.item`
  (`ItemChanged`, the item as NetSuite holds it) and `evt.shopify.*.products.update` in stream order.
- For an ItemChanged, every shop's variant with that SKU is read (batched by SKU) and only the
  NetSuite-owned fields (contract `owner_of("items.<field>")`) that differ are written:
  price and weight with `productVariantsBulkUpdate`, title and active (product status) with
  `productUpdate` — those two only on single-variant products, where the product *is* the item.
- A `products/update` webhook is a hint that someone edited a product in Shopify: its SKUs are
  re-read (the webhook body may be stale or out of order) and compared with the last NetSuite
  state seen; a NetSuite-owned field that differs is drift: overwritten and logged with both values.
  Our own writes come back as products/update too, and compare equal: nothing happens.
- The last NetSuite state per SKU is in memory, rebuilt at start by reading back the saves this
  consumer already acked, so a restart does not forget what NetSuite said.
Beside it: item_rules.py (the pure comparison and the update inputs), item_queries.py (the GraphQL
query and mutations, and reading their answers).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import anyio
import msgspec
import nats.errors
import nats.js.errors
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from actors.runtime.host import INFRA_ERRORS, delivery_info
from bus import subjects
from bus.bus import Bus
from bus.envelope import EnvelopeCodec, EnvelopeError
from contract.ownership import Owner
from gateways.netsuite.messages import ITEM_EVENT_KIND, ItemChanged
from gateways.shopify.errors import ShopifyError, ShopifyUserErrors
from gateways.shopify.graphql import ShopifyGraphQL
from gateways.shopify.item_queries import (
    LOOKUP_CHUNK,
    LOOKUP_COST_PER_SKU,
    PRODUCT_UPDATE,
    VARIANTS_BY_SKU,
    VARIANTS_UPDATE,
    parse_variants,
    raise_user_errors,
    variants_by_sku_variables,
)
from gateways.shopify.item_rules import (
    FieldDrift,
    ShopifyVariant,
    WeightUnit,
    differences,
    product_update,
    variant_update,
)
from gateways.shopify.messages import ShopifyWebhook

log = structlog.get_logger(__name__)


class ItemSyncConfig(msgspec.Struct, frozen=True, kw_only=True):
    # NetSuite's item weight carries no unit in ItemChanged: the account's unit, set here.
    weight_unit: WeightUnit = "KILOGRAMS"
    # The currency of NetSuite's item price (the account's base currency). When set, prices go only
    # to shops selling in it: a shop in another currency keeps its own price list. None: every shop.
    price_currency: str | None = None
    fetch_batch: int = 100
    ack_wait: float = 60.0
    retry_min: float = 0.2
    retry_max: float = 10.0


class ItemSyncStats(msgspec.Struct, kw_only=True):
    items_seen: int = 0  # ItemChanged messages
    products_updates_seen: int = 0  # products/update webhooks checked
    variants_updated: int = 0
    products_updated: int = 0
    unchanged: int = 0  # variants already showing NetSuite's values
    drift: int = 0  # NetSuite-owned fields found edited in Shopify (reported, overwritten)
    refused: int = 0  # writes Shopify refused with userErrors (logged, not retried)
    failures: int = 0
    last_success: float | None = None


_Message = ItemChanged | ShopifyWebhook


@dataclass
class _Intake:
    """One fetched batch, decoded once (so a retry cannot lose a rename already remembered)."""

    saved: dict[str, ItemChanged] = field(default_factory=dict)  # SKU -> NetSuite's latest
    renamed: dict[str, str] = field(default_factory=dict)  # old SKU -> new SKU
    edited: dict[str, set[str]] = field(default_factory=dict)  # shop -> SKUs in products/update
    msgs: list[Msg] = field(default_factory=list)  # to ack once applied


class ItemSync:
    """Keeps every shop's variants showing NetSuite's item master."""

    def __init__(
        self,
        bus: Bus,
        clients: Mapping[str, ShopifyGraphQL],
        owner_of: Callable[[str], Owner],
        config: ItemSyncConfig | None = None,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.bus = bus
        self.clients = dict(clients)
        self.owner_of = owner_of
        self.config = config or ItemSyncConfig()
        self.stats = ItemSyncStats()
        self.durable = "shopify-item-sync"
        self.masters: dict[str, ItemChanged] = {}  # SKU -> the latest NetSuite state seen
        self._sku_of_item: dict[str, str] = {}  # NetSuite item id -> its SKU (renames)
        self._codec: EnvelopeCodec[_Message] = EnvelopeCodec(_Message)
        self._wall = wall_clock
        self._stopping = anyio.Event()

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Rebuild the NetSuite state, then consume until `stop()` or cancellation."""
        await self._load_masters()
        await self.bus.js.add_consumer(subjects.STREAM_INGRESS, self._consumer_config())
        sub = await self.bus.js.pull_subscribe_bind(self.durable, stream=subjects.STREAM_INGRESS)
        task_status.started()
        try:
            while not self._stopping.is_set():
                try:
                    msgs = await sub.fetch(self.config.fetch_batch, timeout=0.5)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                await self.handle(msgs)
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                await sub.unsubscribe()

    def stop(self) -> None:
        self._stopping.set()

    def _consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            filter_subjects=[
                subjects.netsuite_event(ITEM_EVENT_KIND),
                subjects.shopify_topic_filter("products/update"),
            ],
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.config.ack_wait,
            max_deliver=-1,
        )

    async def _load_masters(self) -> None:
        """Read back the ItemChanged this consumer already acked (oldest first): NetSuite's latest
        per SKU. Later ones are still to be delivered, and must be seen then, renames included."""
        subject = subjects.netsuite_event(ITEM_EVENT_KIND)
        try:
            info = await self.bus.js.consumer_info(subjects.STREAM_INGRESS, self.durable)
            last = (await self.bus.js.get_last_msg(subjects.STREAM_INGRESS, subject)).seq or 0
        except nats.js.errors.NotFoundError:
            return  # a first start: the durable consumer will deliver everything
        last = min(last, info.ack_floor.stream_seq if info.ack_floor and info.ack_floor.stream_seq else 0)
        if last == 0:
            return
        sub = await self.bus.js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
        try:
            while True:
                msg = await sub.next_msg(timeout=5.0)
                seq = msg.metadata.sequence.stream
                if seq <= last:  # past the ack floor: the durable consumer delivers it
                    self._remember(msg.data)
                if seq >= last:
                    return
        finally:
            await sub.unsubscribe()

    def _remember(self, data: bytes) -> tuple[ItemChanged, str | None] | None:
        """Record NetSuite's latest state of an item; with the SKU it had before when it was renamed."""
        try:
            payload = self._codec.decode(data).payload
        except EnvelopeError:
            return None
        if not isinstance(payload, ItemChanged):
            return None
        known = self.masters.get(payload.sku)
        if known is not None and known.modified_at > payload.modified_at:
            return known, None  # an older save delivered late
        self.masters[payload.sku] = payload
        before = self._sku_of_item.get(payload.item_id)
        self._sku_of_item[payload.item_id] = payload.sku
        if before is not None and before != payload.sku:
            self.masters.pop(before, None)  # that SKU no longer names this item
        return payload, before if before != payload.sku else None

    async def handle(self, msgs: list[Msg]) -> None:
        """Apply one fetched batch (saved items synced, edited products checked), then ack it.

        Shopify trouble is retried with backoff until it passes; on stop the batch stays unacked
        and is delivered again to the next run.
        """
        intake = await self._take_in(msgs)
        failures = 0
        while True:
            try:
                await self._apply(intake)
                break
            except (ShopifyError, *INFRA_ERRORS) as exc:
                failures += 1
                self.stats.failures += 1
                if self._stopping.is_set():
                    return
                delay = min(self.config.retry_max, self.config.retry_min * 2 ** (failures - 1))
                log.warning("shopify.item_sync.failed", error=repr(exc), retry_in=delay)
                await anyio.sleep(delay)
        for msg in intake.msgs:
            await msg.ack()
        self.stats.last_success = self._wall()

    async def _take_in(self, msgs: list[Msg]) -> _Intake:
        intake = _Intake()
        for msg in msgs:
            try:
                payload = self._codec.decode(msg.data).payload
            except EnvelopeError as exc:
                await self._dead_letter(msg, exc)
                continue
            intake.msgs.append(msg)
            if isinstance(payload, ItemChanged):
                self.stats.items_seen += 1
                if (remembered := self._remember(msg.data)) is not None:
                    item, before = remembered
                    intake.saved[item.sku] = item
                    if before is not None:
                        intake.renamed[before] = item.sku
            elif payload.shop in self.clients:
                self.stats.products_updates_seen += 1
                intake.edited.setdefault(payload.shop, set()).update(_skus_of_product(payload.body))
        return intake

    async def _apply(self, intake: _Intake) -> None:
        for shop in self.clients:
            saved = list(intake.saved.values())
            await self.sync_shop(shop, saved, drift_check=False, renamed=intake.renamed)
            await self.check_edited(shop, intake.edited.get(shop, set()) - set(intake.saved))

    async def check_edited(self, shop: str, skus: set[str]) -> list[FieldDrift]:
        """The ownership check after a products/update: overwrite and report NetSuite-owned edits."""
        known = [self.masters[sku] for sku in sorted(skus) if sku in self.masters]
        return await self.sync_shop(shop, known, drift_check=True)

    async def sync_shop(
        self,
        shop: str,
        items: Sequence[ItemChanged],
        *,
        drift_check: bool,
        renamed: Mapping[str, str] | None = None,
    ) -> list[FieldDrift]:
        """Write what differs for `items` in one shop (a renamed item is found by its old SKU);
        returns the differences found."""
        client = self.clients[shop]
        if self.config.price_currency not in (None, client.shop.currency):
            items = [msgspec.structs.replace(item, price=None) for item in items]  # not this shop's price
        by_sku = {item.sku: item for item in items}
        by_sku |= {old: by_sku[new] for old, new in (renamed or {}).items() if new in by_sku}
        found: list[FieldDrift] = []
        for variant in await self._variants(client, sorted(by_sku)):
            item = by_sku.get(variant.sku)
            if item is None:
                continue
            drift = differences(item, variant, self.owner_of, self.config.weight_unit)
            if not drift:
                self.stats.unchanged += 1
                continue
            if drift_check:
                self._report_drift(shop, item.sku, drift)
            try:
                await self._write(client, item, variant, drift)
            except ShopifyUserErrors as exc:  # a value Shopify will never take: retrying cannot help
                self.stats.refused += 1
                log.error("item.sync_refused", sku=item.sku, shop=shop, error=str(exc))
            found += drift
        return found

    def _report_drift(self, shop: str, sku: str, drift: Sequence[FieldDrift]) -> None:
        for d in drift:
            self.stats.drift += 1
            log.warning(
                "item.drift", sku=sku, shop=shop, field=d.field, netsuite=d.netsuite, shopify=d.shopify
            )

    async def _variants(self, client: ShopifyGraphQL, skus: list[str]) -> list[ShopifyVariant]:
        found: list[ShopifyVariant] = []
        chunk = min(
            LOOKUP_CHUNK, await client.rows_per_query(LOOKUP_COST_PER_SKU, fixed=2 + LOOKUP_COST_PER_SKU)
        )
        for start in range(0, len(skus), chunk):
            part = skus[start : start + chunk]
            variables, cost = variants_by_sku_variables(part)
            data = await client.execute("productVariants", VARIANTS_BY_SKU, variables, cost=cost)
            found += [v for v in parse_variants(data) if v.sku in part]
        return found

    async def _write(
        self, client: ShopifyGraphQL, item: ItemChanged, variant: ShopifyVariant, drift: Sequence[FieldDrift]
    ) -> None:
        row = variant_update(item, variant, drift, self.config.weight_unit)
        if row is not None:
            data = await client.execute(
                "productVariantsBulkUpdate",
                VARIANTS_UPDATE,
                {"productId": variant.product_id, "variants": [row]},
                cost=10,
            )
            raise_user_errors("productVariantsBulkUpdate", data)
            self.stats.variants_updated += 1
        update = product_update(item, variant, drift)
        if update is not None:
            data = await client.execute("productUpdate", PRODUCT_UPDATE, {"product": update}, cost=10)
            raise_user_errors("productUpdate", data)
            self.stats.products_updated += 1
        log.info("item.synced", sku=item.sku, shop=client.shop.name, fields=[d.field for d in drift])

    async def _dead_letter(self, msg: Msg, error: BaseException) -> None:
        seq, _ = delivery_info(msg)
        await self.bus.dead_letter(
            origin_subject=msg.subject,
            data=msg.data,
            headers=msg.headers,
            reason="undecodable",
            error=error,
            origin_seq=seq,
            consumer=self.durable,
        )
        await msg.ack()


def _skus_of_product(body: msgspec.Raw) -> set[str]:
    try:
        product = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return set()
    variants = product.get("variants") if isinstance(product, dict) else None
    return {v["sku"] for v in variants or [] if isinstance(v, dict) and v.get("sku")}
