"""Roles: what each may do, junior marketers' caps, support's cap, who needs an approver, who grants roles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.access import GRANTS, Operation, Role, cap_problems, may, may_grant, needs_approval, sorry_problems
from domain.documents.catalog import AccessPolicy, TenantSettings
from tests.builders import campaign

SETTINGS = TenantSettings()
STRICT = TenantSettings(access=AccessPolicy(approval_required=True))


def test_owners_and_admins_may_do_everything_and_analysts_only_read() -> None:
    assert GRANTS[Role.OWNER] == GRANTS[Role.ADMIN] == frozenset(Operation)
    assert GRANTS[Role.ANALYST] == {Operation.READ_CAMPAIGNS, Operation.READ_REPORTS}


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.MARKETER, Operation.PUBLISH, Operation.APPROVE),
        (Role.JUNIOR_MARKETER, Operation.WRITE_CAMPAIGNS, Operation.PUBLISH),
        (Role.SUPPORT, Operation.ISSUE_SORRY_COUPON, Operation.WRITE_CAMPAIGNS),
        (Role.SUPPORT, Operation.MANAGE_CODES, Operation.READ_SETTINGS),
        (Role.ANALYST, Operation.READ_REPORTS, Operation.WRITE_CAMPAIGNS),
    ],
)
def test_each_role_may_do_its_work_and_not_more(role: Role, allowed: Operation, refused: Operation) -> None:
    assert may(role, allowed)
    assert not may(role, refused)


def test_a_junior_marketers_discount_above_the_caps_is_refused_at_the_caps_it_is_not() -> None:
    over = campaign("over", {"type": "PERCENTAGE", "value": "25"})
    at = campaign("at", {"type": "PERCENTAGE", "value": "20"})
    amount = campaign("amount", {"type": "AMOUNT", "value": "250.00"})
    free = campaign("free", {"type": "FREE_UNITS", "value": "1"}, condition={"min_quantity": 2})
    capped = campaign(
        "capped", {"type": "FREE_UNITS", "value": "1", "max_discount": "150.00"}, condition={"min_quantity": 2}
    )

    assert [problem.pointer for problem in cap_problems(Role.JUNIOR_MARKETER, over, SETTINGS)] == ["/benefit/value"]
    assert list(cap_problems(Role.JUNIOR_MARKETER, at, SETTINGS)) == []
    assert [problem.pointer for problem in cap_problems(Role.JUNIOR_MARKETER, amount, SETTINGS)] == ["/benefit/value"]
    assert [problem.pointer for problem in cap_problems(Role.JUNIOR_MARKETER, free, SETTINGS)] == [
        "/benefit/max_discount"
    ]
    assert list(cap_problems(Role.JUNIOR_MARKETER, capped, SETTINGS)) == []
    assert list(cap_problems(Role.MARKETER, over, SETTINGS)) == []


def test_marketers_need_an_approver_only_when_the_settings_say_so_juniors_always() -> None:
    assert not needs_approval(Role.MARKETER, SETTINGS)
    assert needs_approval(Role.MARKETER, STRICT)
    assert needs_approval(Role.JUNIOR_MARKETER, SETTINGS)
    assert not needs_approval(Role.ADMIN, STRICT)


def test_a_sorry_coupon_is_capped() -> None:
    assert list(sorry_problems(Decimal("100.00"), SETTINGS)) == []
    assert [problem.pointer for problem in sorry_problems(Decimal("100.01"), SETTINGS)] == ["/amount"]


def test_only_an_owner_makes_owners_and_only_user_managers_grant_roles() -> None:
    assert may_grant(Role.OWNER, Role.OWNER)
    assert may_grant(Role.ADMIN, Role.MARKETER)
    assert not may_grant(Role.ADMIN, Role.OWNER)
    assert not may_grant(Role.MARKETER, Role.ANALYST)
