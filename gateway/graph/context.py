"""What a resolver gets: the services opened in the app's lifespan, the caller, the request id, and the
DataLoaders of this request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from domain.catalog import StoredCampaign
from domain.store import Store
from domain.store.code_runner import CodeBatchRunner
from gateway.auth import AdminAuthenticator, Principal, Shopper, StorefrontAuthenticator
from gateway.pricing import PricingClient
from gateway.settings import GatewaySettings


@dataclass
class Services:
    """Opened once per process (lifespan), shared by every request."""

    settings: GatewaySettings
    store: Store
    pricing: PricingClient
    admin_auth: AdminAuthenticator
    storefront_auth: StorefrontAuthenticator
    code_runner: CodeBatchRunner | None = None
    """Runs the batches of generated codes in the background (woken when one is started)."""


@dataclass
class AdminContext:
    services: Services
    principal: Principal
    request_id: str
    history: DataLoader[str, list[StoredCampaign]] = field(init=False)

    def __post_init__(self) -> None:
        store = self.services.store

        async def load_history(campaign_ids: list[str]) -> list[list[StoredCampaign]]:
            found = await store.campaigns.histories(campaign_ids)
            return [found.get(campaign_id, []) for campaign_id in campaign_ids]

        self.history = DataLoader(load_fn=load_history)

    @property
    def store(self) -> Store:
        return self.services.store


@dataclass
class StorefrontContext:
    services: Services
    shopper: Shopper
    request_id: str
    client_address: str
    extra: dict[str, Any] = field(default_factory=dict)
