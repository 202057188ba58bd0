"""The catalog tables and the counters of `domain.counters.sql` (the schema Tortoise's migrations are
generated from).

Rows never leave the store: repositories turn them into the records of `domain.catalog` and the
documents of `domain.documents`. Queries go through the dialect-bound subclasses in `tables.py`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.store.fields import JsonField, MoneyField

JsonObject = dict[str, Any]


class CatalogRow(Model):
    """The catalog version (one row), bumped with every campaign or code change."""

    id = fields.SmallIntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "catalog"


class CampaignRow(Model):
    """The current state of a campaign: a copy of its latest version."""

    id = fields.CharField(max_length=100, primary_key=True)
    status = fields.CharField(max_length=20, db_index=True)
    version = fields.IntField()
    catalog_version = fields.BigIntField(db_index=True)
    document = JsonField[JsonObject]()
    author = fields.CharField(max_length=200, null=True)
    written_at = fields.DatetimeField()

    class Meta:
        table = "campaign"


class CampaignVersionRow(Model):
    """One version of a campaign, written once and never changed."""

    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.CharField(max_length=100)
    version = fields.IntField()
    status = fields.CharField(max_length=20)
    catalog_version = fields.BigIntField()
    document = JsonField[JsonObject]()
    author = fields.CharField(max_length=200, null=True)
    written_at = fields.DatetimeField()

    class Meta:
        table = "campaign_version"
        unique_together = (("campaign_id", "version"),)


class CodeRow(Model):
    """A managed coupon code, stored in its normalized (upper-case) form."""

    code = fields.CharField(max_length=64, primary_key=True)
    campaign_id = fields.CharField(max_length=100, db_index=True)
    customer_id = fields.CharField(max_length=200, null=True, db_index=True)
    max_uses = fields.IntField(null=True)
    once_per_customer = fields.BooleanField(default=False)
    starts_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    catalog_version = fields.BigIntField(db_index=True)
    batch_id = fields.CharField(max_length=40, null=True, db_index=True)

    class Meta:
        table = "coupon_code"


class CodeBatchRow(Model):
    """A batch of generated codes (a background job): what was asked, how far it is, and its final report.

    `status` is PENDING, RUNNING, DONE or FAILED; `done` counts the codes stored, in the transaction that
    stores them; the runner holding the job renews `lease_until` as it goes."""

    id = fields.CharField(max_length=40, primary_key=True)
    campaign_id = fields.CharField(max_length=100, db_index=True)
    status = fields.CharField(max_length=10, db_index=True)
    requested = fields.IntField()
    done = fields.IntField(default=0)
    spec = JsonField[JsonObject]()
    report = JsonField[JsonObject](null=True)
    created_by = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    lease_until = fields.DatetimeField(null=True)

    class Meta:
        table = "code_batch"


class CustomerRow(Model):
    id = fields.CharField(max_length=200, primary_key=True)
    name = fields.CharField(max_length=200, null=True)
    email = fields.CharField(max_length=320, null=True)
    country = fields.CharField(max_length=2, null=True)
    city = fields.CharField(max_length=100, null=True)
    attributes = JsonField[dict[str, str]](default=dict)
    orders_count = fields.IntField(default=0)
    total_spent = MoneyField(default=Decimal("0"))
    last_order_at = fields.DatetimeField(null=True)
    phone = fields.CharField(max_length=40, null=True)
    postal_code = fields.CharField(max_length=20, null=True)
    created_at = fields.DatetimeField(null=True)
    consents = JsonField[dict[str, bool]](default=dict, db_default="{}")
    last_order_total = MoneyField(null=True)

    class Meta:
        table = "customer"


class PlacedOrderRow(Model):
    """An order a customer placed (committed at checkout, or told by `orderPlaced`), counted once, money in
    minor units of its currency."""

    order_id = fields.CharField(max_length=200, primary_key=True)
    customer_id = fields.CharField(max_length=200, db_index=True)
    channel = fields.CharField(max_length=100, null=True)
    currency = fields.CharField(max_length=3)
    total = fields.BigIntField()
    discount = fields.BigIntField(default=0)
    at = fields.DatetimeField(db_index=True)
    campaign_ids = JsonField[list[str]](default=list)

    class Meta:
        table = "placed_order"


class MembershipVersionRow(Model):
    """The membership version (one row), bumped in the transaction of every segment membership change."""

    id = fields.SmallIntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "membership_version"


class MembershipChangeRow(Model):
    """The membership version at which a customer's segments last changed (what pricing cores reload)."""

    customer_id = fields.CharField(max_length=200, primary_key=True)
    version = fields.BigIntField(db_index=True)

    class Meta:
        table = "membership_change"


class ProductRow(Model):
    sku = fields.CharField(max_length=100, primary_key=True)
    name = fields.CharField(max_length=300, null=True)
    categories = JsonField[list[str]](default=list)
    brand = fields.CharField(max_length=100, null=True, db_index=True)
    collections = JsonField[list[str]](default=list)
    attributes = JsonField[dict[str, str]](default=dict)
    price = MoneyField()
    currency = fields.CharField(max_length=3)

    class Meta:
        table = "product"


class SegmentRow(Model):
    id = fields.CharField(max_length=100, primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    rule = JsonField[JsonObject](null=True)

    class Meta:
        table = "segment"


class MemberRow(Model):
    """A customer's membership of a segment (listed for a static one, kept by its rule for a dynamic one)."""

    id = fields.BigIntField(primary_key=True)
    segment_id = fields.CharField(max_length=100)
    customer_id = fields.CharField(max_length=200, db_index=True)

    class Meta:
        table = "segment_member"
        unique_together = (("segment_id", "customer_id"),)


class SettingsRow(Model):
    """The tenant settings document (one row); a change bumps the catalog version."""

    id = fields.SmallIntField(primary_key=True)
    document = JsonField[JsonObject]()
    catalog_version = fields.BigIntField(default=0)
    written_at = fields.DatetimeField()

    class Meta:
        table = "tenant_settings"


class CounterRow(Model):
    """What is taken (committed plus held) from one limit of a campaign.

    `field` names the limit: `uses`, `discount`, `value`, `customer:<id>`, `day:<date>:<id>`,
    `device:<id>`, `code:<CODE>` or `codecustomer:<CODE>:<id>`."""

    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.CharField(max_length=100)
    field = fields.CharField(max_length=500)
    amount = fields.BigIntField(default=0)

    class Meta:
        table = "counter"
        unique_together = (("campaign_id", "field"),)


class HoldRow(Model):
    """What one order holds from one campaign until it expires, by counter field.

    `expires_at` is in unix seconds (the application's clock)."""

    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.CharField(max_length=100)
    order_id = fields.CharField(max_length=200)
    expires_at = fields.FloatField()
    taken = JsonField[dict[str, int]]()

    class Meta:
        table = "counter_hold"
        unique_together = (("campaign_id", "order_id"),)
        indexes = (("campaign_id", "expires_at"),)


class ReturnRow(Model):
    """A return of an order given back to a campaign's counters (each once: return ids are per order)."""

    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.CharField(max_length=100)
    return_id = fields.CharField(max_length=200)
    order_id = fields.CharField(max_length=200)

    class Meta:
        table = "counter_return"
        unique_together = (("campaign_id", "order_id", "return_id"),)


class AttemptRow(Model):
    """One failed coupon attempt under a key (a customer, a client address).

    `at` is in unix seconds."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=300)
    at = fields.FloatField()

    class Meta:
        table = "coupon_attempt"
        indexes = (("key", "at"),)


class OrderRow(Model):
    """An order of the checkout lifecycle. The columns after `updated_at` are facts of its document that
    reports aggregate (`domain.store.order_facts`), written with every write of the document."""

    order_id = fields.CharField(max_length=200, primary_key=True)
    status = fields.CharField(max_length=20, db_index=True)
    document = JsonField[JsonObject]()
    expires_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    channel = fields.CharField(max_length=100, null=True)
    customer_id = fields.CharField(max_length=200, null=True)
    currency = fields.CharField(max_length=3, null=True)
    order_value = fields.BigIntField(null=True)
    return_count = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "checkout_order"
        indexes = (("created_at", "status"),)


class LedgerRow(Model):
    """One step of an order on one campaign (append-only)."""

    id = fields.BigIntField(primary_key=True)
    order_id = fields.CharField(max_length=200, db_index=True)
    campaign_id = fields.CharField(max_length=100, db_index=True)
    kind = fields.CharField(max_length=10)
    held_uses = fields.IntField(default=0)
    held_discount = fields.BigIntField(default=0)
    held_value = fields.BigIntField(default=0)
    used_uses = fields.IntField(default=0)
    used_discount = fields.BigIntField(default=0)
    used_value = fields.BigIntField(default=0)
    claim = JsonField[JsonObject]()
    return_id = fields.CharField(max_length=200, null=True)
    at = fields.DatetimeField()

    class Meta:
        table = "ledger"
        indexes = (("campaign_id", "kind"),)


class OperationRow(Model):
    """A lifecycle call under its idempotency key."""

    id = fields.BigIntField(primary_key=True)
    order_id = fields.CharField(max_length=200)
    operation = fields.CharField(max_length=20)
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    status = fields.CharField(max_length=10)
    response = JsonField[JsonObject](null=True)
    started_at = fields.DatetimeField()

    class Meta:
        table = "checkout_operation"
        unique_together = (("order_id", "operation", "key"),)
        indexes = (("status", "started_at"),)  # the sweeper's look for calls that never finished


class ResyncRow(Model):
    """A campaign whose counters may have missed a change the ledger took (the counter store was
    unreachable, or the process stopped in between): the sweeper makes them equal to the ledger again."""

    campaign_id = fields.CharField(max_length=100, primary_key=True)
    since = fields.DatetimeField()

    class Meta:
        table = "counter_resync"


class UserRow(Model):
    """A person of the admin graph, known by the subject of their JWT, with one role."""

    subject = fields.CharField(max_length=200, primary_key=True)
    email = fields.CharField(max_length=320, null=True)
    role = fields.CharField(max_length=20)
    disabled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "admin_user"


class ApiKeyRow(Model):
    """An API key of the admin graph: only the SHA-256 of its secret is kept."""

    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    role = fields.CharField(max_length=20)
    secret_hash = fields.CharField(max_length=64)
    created_by = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"


class AuditRow(Model):
    """One admin mutation (append-only: triggers refuse updates and deletes)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor = fields.CharField(max_length=200, db_index=True)
    role = fields.CharField(max_length=20)
    action = fields.CharField(max_length=60)
    target_type = fields.CharField(max_length=40)
    target_id = fields.CharField(max_length=200, db_index=True)
    before = JsonField[JsonObject](null=True)
    after = JsonField[JsonObject](null=True)
    request_id = fields.CharField(max_length=100)

    class Meta:
        table = "audit_log"


__models__ = [
    OrderRow,
    LedgerRow,
    OperationRow,
    ResyncRow,
    UserRow,
    ApiKeyRow,
    AuditRow,
    CatalogRow,
    CampaignRow,
    CampaignVersionRow,
    CodeRow,
    CodeBatchRow,
    CustomerRow,
    ProductRow,
    SegmentRow,
    MemberRow,
    SettingsRow,
    CounterRow,
    HoldRow,
    ReturnRow,
    AttemptRow,
    PlacedOrderRow,
    MembershipVersionRow,
    MembershipChangeRow,
]
