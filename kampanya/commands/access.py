"""Who may use the admin graph, from the command line (to let the first owner in): `kampanya users put`,
`kampanya users list`, `kampanya apikeys create|list|revoke`."""

from __future__ import annotations

import argparse
from typing import Any, TypeVar

from domain.access import AdminUser, Role
from domain.store import NotFound, Store
from kampanya.commands.store import with_store
from kampanya.inputs import CliError

Value = TypeVar("Value")
ROLES = [role.value for role in Role]


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="the people of the admin graph (by the subject of their JWT)")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    put = actions.add_parser("put", help="add a user or change their role")
    put.add_argument("subject", help="the `sub` of their JWT")
    put.add_argument("--role", required=True, choices=ROLES)
    put.add_argument("--email")
    put.add_argument("--disabled", action="store_true")
    put.set_defaults(handler=_put_user)
    listing = actions.add_parser("list", help="list the users")
    listing.set_defaults(handler=_list_users)

    keys = commands.add_parser("apikeys", help="API keys of the admin graph")
    key_actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = key_actions.add_parser("create", help="create a key with a role; its secret is printed once")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=ROLES)
    create.set_defaults(handler=_create_key)
    key_list = key_actions.add_parser("list", help="list the keys (never their secrets)")
    key_list.set_defaults(handler=_list_keys)
    revoke = key_actions.add_parser("revoke", help="revoke a key (it stops working at once)")
    revoke.add_argument("id")
    revoke.set_defaults(handler=_revoke_key)
    for parser in (put, listing, create, key_list, revoke):
        parser.add_argument("--database-url", help="default KAMPANYA_DATABASE_URL, else ./kampanya.sqlite3")


def _put_user(arguments: argparse.Namespace) -> str:
    user = AdminUser(arguments.subject, Role(arguments.role), email=arguments.email, disabled=arguments.disabled)
    with_store(arguments, lambda store: store.users.put(user))
    return f"user {user.subject}: {user.role}{' (disabled)' if user.disabled else ''}"


def _list_users(arguments: argparse.Namespace) -> str:
    users = with_store(arguments, lambda store: store.users.list())
    return "\n".join(f"{u.subject}\t{u.role}\t{u.email or ''}\t{'disabled' if u.disabled else ''}" for u in users)


def _create_key(arguments: argparse.Namespace) -> str:
    key, secret = with_store(
        arguments, lambda store: store.api_keys.create(arguments.name, Role(arguments.role), created_by="cli")
    )
    return f"API key {key.id} ({key.role}): {secret}\n(the secret is shown this once)"


def _list_keys(arguments: argparse.Namespace) -> str:
    keys = with_store(arguments, lambda store: store.api_keys.list())
    return "\n".join(
        f"{k.id}\t{k.name}\t{k.role}\t{'revoked ' + k.revoked_at.isoformat() if k.revoked_at else 'active'}"
        for k in keys
    )


def _revoke_key(arguments: argparse.Namespace) -> str:
    async def revoke(store: Store) -> str:
        try:
            key = await store.api_keys.revoke(arguments.id)
        except NotFound:
            raise CliError(f"no API key {arguments.id!r}") from None
        return f"API key {key.id}: revoked"

    return with_store(arguments, revoke)
