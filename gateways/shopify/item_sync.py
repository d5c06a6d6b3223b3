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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

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
from gateways.shopify.errors import ShopifyError, ShopifyUserErrors, UserError
from gateways.shopify.graphql import ShopifyGraphQL
from gateways.shopify.messages import ShopifyWebhook

log = structlog.get_logger(__name__)

Field = Literal["sku", "price", "weight", "title", "active"]
WeightUnit = Literal["GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"]
GRAMS_PER: dict[str, Decimal] = {
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}
LOOKUP_COST_PER_SKU = 9  # variant, inventoryItem, measurement, weight, product, variants(first: 2)
LOOKUP_CHUNK = 50


# --- pure: what NetSuite says, what Shopify shows, and the difference -----------------------------


class ShopifyVariant(msgspec.Struct, frozen=True, kw_only=True):
    """A variant as Shopify shows it now, with the product fields an item owns."""

    variant_id: str
    product_id: str
    sku: str
    price: Decimal
    grams: int | None
    title: str
    active: bool  # product status ACTIVE
    single_variant: bool  # the product is this one item: its title and status are the item's


class FieldDrift(msgspec.Struct, frozen=True):
    field: Field
    netsuite: str
    shopify: str


def grams(weight: Decimal, unit: str) -> int:
    return int((weight * GRAMS_PER[unit]).to_integral_value())


def differences(
    item: ItemChanged, variant: ShopifyVariant, owner_of: Callable[[str], Owner], weight_unit: WeightUnit
) -> list[FieldDrift]:
    """The NetSuite-owned fields where Shopify shows something else than NetSuite holds."""
    found: list[FieldDrift] = []

    def owned(field: str) -> bool:
        return owner_of(f"items.{field}") == "netsuite"

    if owned("sku") and item.sku != variant.sku:  # the item was renamed in NetSuite
        found.append(FieldDrift("sku", item.sku, variant.sku))
    if owned("price") and item.price is not None and item.price != variant.price:
        found.append(FieldDrift("price", str(item.price), str(variant.price)))
    if owned("weight") and item.weight is not None:
        wanted = grams(item.weight, weight_unit)
        if wanted != variant.grams:
            found.append(FieldDrift("weight", f"{wanted} g", f"{variant.grams} g"))
    if variant.single_variant:
        if owned("title") and item.title and item.title != variant.title:
            found.append(FieldDrift("title", item.title, variant.title))
        if owned("active") and item.active != variant.active:
            found.append(FieldDrift("active", str(item.active), str(variant.active)))
    return found


def variant_update(
    item: ItemChanged, variant: ShopifyVariant, drift: Sequence[FieldDrift], weight_unit: WeightUnit
) -> dict[str, Any] | None:
    """A ProductVariantsBulkInput row for the variant-level fields that differ, or None."""
    fields = {d.field for d in drift}
    row: dict[str, Any] = {"id": variant.variant_id}
    if "price" in fields and item.price is not None:
        row["price"] = str(item.price)
    inventory_item: dict[str, Any] = {}
    if "sku" in fields:
        inventory_item["sku"] = item.sku
    if "weight" in fields and item.weight is not None:
        inventory_item["measurement"] = {"weight": {"value": float(item.weight), "unit": weight_unit}}
    if inventory_item:
        row["inventoryItem"] = inventory_item
    return row if len(row) > 1 else None


def product_update(
    item: ItemChanged, variant: ShopifyVariant, drift: Sequence[FieldDrift]
) -> dict[str, Any] | None:
    """A ProductUpdateInput for the product-level fields that differ, or None."""
    fields = {d.field for d in drift}
    update: dict[str, Any] = {"id": variant.product_id}
    if "title" in fields and item.title:
        update["title"] = item.title
    if "active" in fields:
        update["status"] = "ACTIVE" if item.active else "ARCHIVED"
    return update if len(update) > 1 else None


def parse_variants(data: Mapping[str, Any]) -> list[ShopifyVariant]:
    variants = []
    for node in (data.get("productVariants") or {}).get("nodes") or []:
        product = node["product"]
        weight = ((node.get("inventoryItem") or {}).get("measurement") or {}).get("weight")
        variants.append(
            ShopifyVariant(
                variant_id=node["id"],
                product_id=product["id"],
                sku=node.get("sku") or "",
                price=_decimal(node.get("price")),
                grams=grams(Decimal(str(weight["value"])), weight["unit"]) if weight else None,
                title=product["title"],
                active=product["status"] == "ACTIVE",
                single_variant=len(product["variants"]["nodes"]) == 1,
            )
        )
    return variants


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ShopifyError("BAD_RESPONSE", f"not a price: {value!r}") from exc


VARIANTS_BY_SKU = """
query TandemVariantsBySku($first: Int!, $query: String!) {
  productVariants(first: $first, query: $query) {
    nodes {
      id sku price
      inventoryItem { measurement { weight { unit value } } }
      product { id title status variants(first: 2) { nodes { id } } }
    }
  }
}
"""
VARIANTS_UPDATE = """
mutation TandemVariantsUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id }
    userErrors { field message code }
  }
}
"""
PRODUCT_UPDATE = """
mutation TandemProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) { product { id } userErrors { field message } }
}
"""


# --- the consumer ---------------------------------------------------------------------------------


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
                f"evt.shopify.*.{subjects.encode_token('products')}.{subjects.encode_token('update')}",
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
            first = min(250, len(part) + 1)
            variables = {"first": first, "query": " OR ".join(f'sku:"{sku}"' for sku in part)}
            data = await client.execute(
                "productVariants", VARIANTS_BY_SKU, variables, cost=2 + first * LOOKUP_COST_PER_SKU
            )
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
            _raise_user_errors("productVariantsBulkUpdate", data)
            self.stats.variants_updated += 1
        update = product_update(item, variant, drift)
        if update is not None:
            data = await client.execute("productUpdate", PRODUCT_UPDATE, {"product": update}, cost=10)
            _raise_user_errors("productUpdate", data)
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


def _raise_user_errors(operation: str, data: Mapping[str, Any]) -> None:
    payload = data.get(operation) or {}
    errors = payload.get("userErrors") or []
    if errors:
        raise ShopifyUserErrors(operation, [msgspec.convert(e, UserError) for e in errors])
