"""Offline document tools: evaluate a cart, print a JSON Schema, browse and instantiate templates."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from domain.documents import Campaign, Cart, Policy, Result, parse_campaigns, parse_cart, parse_policy
from domain.engine.snapshot import evaluate
from domain.errors import DocumentError
from domain.templates import TEMPLATES, UnknownTemplate, instantiate, template_document
from kampanya.inputs import CliError, describe, instant, read_document, read_json

SCHEMAS: dict[str, type[BaseModel]] = {"campaign": Campaign, "cart": Cart, "policy": Policy, "result": Result}


def register(commands: Any) -> None:
    run = commands.add_parser("evaluate", help="price a cart against campaigns (JSON in, JSON out)")
    run.add_argument("--campaigns", required=True, type=Path, help="JSON array of campaign documents")
    run.add_argument("--cart", required=True, type=Path, help="cart document (JSON)")
    run.add_argument("--policy", type=Path, help="policy document (JSON); default STACK, HALF_UP")
    run.add_argument("--now", help="price as of this ISO 8601 instant with offset (overrides the cart's now)")
    run.add_argument("--explain", action="store_true", help="include the evaluation trace")
    run.set_defaults(handler=_evaluate)

    schema = commands.add_parser("schema", help="print the JSON Schema of a document")
    schema.add_argument("document", choices=sorted(SCHEMAS))
    schema.set_defaults(handler=_schema)

    templates = commands.add_parser("templates", help="list, show or instantiate the standard templates")
    actions = templates.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="list the templates (the default)")
    show = actions.add_parser("show", help="print a template's campaign document")
    show.add_argument("name")
    make = actions.add_parser("instantiate", help="print a campaign made from a template and overrides")
    make.add_argument("name")
    make.add_argument("--overrides", type=Path, help="JSON merge patch applied to the template")
    make.add_argument("--id", help="the new campaign's id")
    templates.set_defaults(handler=_templates)


def _evaluate(arguments: argparse.Namespace) -> str:
    campaigns = read_document(arguments.campaigns, parse_campaigns, wrap_single=True)
    cart = read_document(arguments.cart, parse_cart)
    policy = read_document(arguments.policy, parse_policy) if arguments.policy else Policy()
    if arguments.now is not None:
        cart = cart.model_copy(update={"now": instant(arguments.now, option="--now")})
    result = evaluate(campaigns, cart, policy, explain=arguments.explain)
    return result.model_dump_json(indent=2, exclude={"explain"} if not arguments.explain else None)


def _schema(arguments: argparse.Namespace) -> str:
    return json.dumps(SCHEMAS[arguments.document].model_json_schema(mode="serialization"), indent=2)


def _templates(arguments: argparse.Namespace) -> str:
    action = arguments.action or "list"
    try:
        if action == "show":
            return json.dumps(template_document(arguments.name), indent=2, ensure_ascii=False)
        if action == "instantiate":
            overrides = read_json(arguments.overrides) if arguments.overrides else {}
            if not isinstance(overrides, dict):
                raise CliError(f"{arguments.overrides}: overrides must be a JSON object")
            if arguments.id:
                overrides["id"] = arguments.id
            try:
                campaign = instantiate(arguments.name, overrides)
            except DocumentError as error:
                raise CliError(describe(arguments.overrides or "overrides", error)) from None
            return campaign.model_dump_json(indent=2, exclude_none=True)
    except UnknownTemplate as error:
        raise CliError(str(error)) from None
    width = max(len(name) for name in TEMPLATES)
    return "\n".join(
        f"{name:<{width}}  {document['name']['en']} / {document['name']['tr']}" for name, document in TEMPLATES.items()
    )
