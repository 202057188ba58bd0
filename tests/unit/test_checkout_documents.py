"""The campaign and policy documents a reserve stores with its order are made once per catalog snapshot and
settings, and made again for a new snapshot or new settings: an order never carries a campaign as it was
before a change the pricing core has taken in."""

from __future__ import annotations

from dataclasses import dataclass

from domain.checkout.service import _Documents
from domain.documents.catalog import TenantSettings
from domain.documents.policy import Policy
from domain.engine.snapshot import Snapshot
from tests.builders import campaign

TEN = {"type": "PERCENTAGE", "value": "10"}
TWENTY = {"type": "PERCENTAGE", "value": "20"}


@dataclass(frozen=True)
class View:
    snapshot: Snapshot
    settings: TenantSettings
    version: int = 1


def test_a_campaign_document_is_made_once_per_snapshot() -> None:
    view = View(Snapshot.compile([campaign("summer", TEN)]), TenantSettings())
    documents = _Documents()

    first = documents.campaign(view, "summer")

    assert first == view.snapshot.campaigns["summer"].doc.model_dump(mode="json")
    assert documents.campaign(view, "summer") is first


def test_a_new_snapshot_gives_the_campaign_as_it_is_now() -> None:
    settings = TenantSettings()
    documents = _Documents()
    before = documents.campaign(View(Snapshot.compile([campaign("summer", TEN)]), settings), "summer")

    after = documents.campaign(View(Snapshot.compile([campaign("summer", TWENTY)]), settings), "summer")

    assert (before["benefit"]["value"], after["benefit"]["value"]) == ("10", "20")


def test_new_settings_give_the_policy_as_it_is_now() -> None:
    snapshot = Snapshot.compile([campaign("summer", TEN)])
    documents = _Documents()
    stacking = documents.policy(View(snapshot, TenantSettings()))

    best = documents.policy(View(snapshot, TenantSettings(policy=Policy(stacking="BEST"))))

    assert stacking == TenantSettings().policy.model_dump(mode="json")
    assert best["stacking"] == "BEST" != stacking["stacking"]
