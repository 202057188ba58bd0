"""The admin graph's schema (served at /admin/graphql)."""

from __future__ import annotations

import strawberry

from gateway.admin.codes import CodeQueries
from gateway.admin.customers import CustomerQueries
from gateway.admin.mutations.assign_code import assign_code
from gateway.admin.mutations.create_api_key import create_api_key
from gateway.admin.mutations.create_campaign import create_campaign
from gateway.admin.mutations.create_campaign_from_template import create_campaign_from_template
from gateway.admin.mutations.create_code import create_code
from gateway.admin.mutations.duplicate_campaign import duplicate_campaign
from gateway.admin.mutations.import_customers import import_customers
from gateway.admin.mutations.import_products import import_products
from gateway.admin.mutations.issue_sorry_coupon import issue_sorry_coupon
from gateway.admin.mutations.lifecycle import (
    approve_campaign,
    archive_campaign,
    end_campaign,
    pause_campaign,
    publish_campaign,
    reject_campaign,
    resume_campaign,
    submit_campaign,
)
from gateway.admin.mutations.order_placed import order_placed
from gateway.admin.mutations.put_segment import put_segment
from gateway.admin.mutations.put_user import put_user
from gateway.admin.mutations.recompute_segments import recompute_segments
from gateway.admin.mutations.revoke_api_key import revoke_api_key
from gateway.admin.mutations.segment_members import add_segment_members, import_segment_members, remove_segment_members
from gateway.admin.mutations.set_code_enabled import set_code_enabled
from gateway.admin.mutations.start_code_batch import start_code_batch
from gateway.admin.mutations.update_campaign import update_campaign
from gateway.admin.mutations.update_code import update_code
from gateway.admin.mutations.update_settings import update_settings
from gateway.admin.mutations.upsert_customer import upsert_customer
from gateway.admin.mutations.upsert_product import upsert_product
from gateway.admin.queries import CampaignQueries
from gateway.admin.reports import ReportQueries
from gateway.graph.build import graph_schema
from gateway.settings import GatewaySettings


@strawberry.type
class Query(CampaignQueries, CustomerQueries, ReportQueries, CodeQueries):
    pass


@strawberry.type
class Mutation:
    create_campaign = strawberry.mutation(resolver=create_campaign, description="A DRAFT campaign from its document.")
    create_campaign_from_template = strawberry.mutation(
        resolver=create_campaign_from_template, description="A DRAFT campaign from a template and overrides."
    )
    update_campaign = strawberry.mutation(resolver=update_campaign, description="A new version of a campaign.")
    duplicate_campaign = strawberry.mutation(resolver=duplicate_campaign, description="A DRAFT copy under a new id.")
    submit_campaign = strawberry.mutation(resolver=submit_campaign)
    approve_campaign = strawberry.mutation(resolver=approve_campaign)
    reject_campaign = strawberry.mutation(resolver=reject_campaign)
    publish_campaign = strawberry.mutation(resolver=publish_campaign)
    pause_campaign = strawberry.mutation(resolver=pause_campaign)
    resume_campaign = strawberry.mutation(resolver=resume_campaign)
    end_campaign = strawberry.mutation(resolver=end_campaign)
    archive_campaign = strawberry.mutation(resolver=archive_campaign)
    update_settings = strawberry.mutation(resolver=update_settings)
    put_user = strawberry.mutation(resolver=put_user)
    create_api_key = strawberry.mutation(resolver=create_api_key)
    revoke_api_key = strawberry.mutation(resolver=revoke_api_key)
    set_code_enabled = strawberry.mutation(resolver=set_code_enabled)
    start_code_batch = strawberry.mutation(
        resolver=start_code_batch, description="Generate unique codes in the background (follow with codeBatch)."
    )
    create_code = strawberry.mutation(resolver=create_code, description="One code: public, or for one customer.")
    assign_code = strawberry.mutation(resolver=assign_code, description="Give a code to a customer (null: nobody).")
    update_code = strawberry.mutation(resolver=update_code, description="A code's use limit and validity.")
    issue_sorry_coupon = strawberry.mutation(resolver=issue_sorry_coupon)
    upsert_customer = strawberry.mutation(resolver=upsert_customer)
    import_customers = strawberry.mutation(resolver=import_customers)
    order_placed = strawberry.mutation(resolver=order_placed)
    put_segment = strawberry.mutation(resolver=put_segment)
    add_segment_members = strawberry.mutation(resolver=add_segment_members)
    remove_segment_members = strawberry.mutation(resolver=remove_segment_members)
    import_segment_members = strawberry.mutation(resolver=import_segment_members)
    recompute_segments = strawberry.mutation(resolver=recompute_segments)
    upsert_product = strawberry.mutation(resolver=upsert_product)
    import_products = strawberry.mutation(resolver=import_products)


def admin_schema(settings: GatewaySettings) -> strawberry.Schema:
    return graph_schema(Query, Mutation, settings)
