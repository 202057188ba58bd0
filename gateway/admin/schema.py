"""The admin graph's schema (served at /admin/graphql)."""

from __future__ import annotations

import strawberry

from gateway.admin.customers import CustomerQueries
from gateway.admin.mutations.create_api_key import create_api_key
from gateway.admin.mutations.create_campaign import create_campaign
from gateway.admin.mutations.create_campaign_from_template import create_campaign_from_template
from gateway.admin.mutations.duplicate_campaign import duplicate_campaign
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
from gateway.admin.mutations.put_user import put_user
from gateway.admin.mutations.revoke_api_key import revoke_api_key
from gateway.admin.mutations.set_code_enabled import set_code_enabled
from gateway.admin.mutations.update_campaign import update_campaign
from gateway.admin.mutations.update_settings import update_settings
from gateway.admin.queries import CampaignQueries
from gateway.graph.hardening import schema_extensions
from gateway.settings import GatewaySettings


@strawberry.type
class Query(CampaignQueries, CustomerQueries):
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
    issue_sorry_coupon = strawberry.mutation(resolver=issue_sorry_coupon)


def admin_schema(settings: GatewaySettings) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=schema_extensions(settings))
