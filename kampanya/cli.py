"""The `kampanya` command line: evaluate carts, print schemas, browse and instantiate templates."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from domain.documents import Campaign, Cart, Policy, Result, parse_campaigns, parse_cart, parse_policy
from domain.engine.snapshot import evaluate
from domain.errors import DocumentError
from domain.templates import TEMPLATES, UnknownTemplate, instantiate, template_document

EXIT_OK = 0
EXIT_USAGE = 2

SCHEMAS: dict[str, type[BaseModel]] = {"campaign": Campaign, "cart": Cart, "policy": Policy, "result": Result}


class CliError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        output = arguments.handler(arguments)
    except CliError as error:
        print(f"kampanya: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if output is not None:
        print(output)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kampanya", description="Kampanya promotion engine")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    return parser


def _evaluate(arguments: argparse.Namespace) -> str:
    campaigns = _document(arguments.campaigns, parse_campaigns, wrap_single=True)
    cart = _document(arguments.cart, parse_cart)
    policy = _document(arguments.policy, parse_policy) if arguments.policy else Policy()
    if arguments.now is not None:
        cart = cart.model_copy(update={"now": _instant(arguments.now)})
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
            overrides = _json(arguments.overrides) if arguments.overrides else {}
            if not isinstance(overrides, dict):
                raise CliError(f"{arguments.overrides}: overrides must be a JSON object")
            if arguments.id:
                overrides["id"] = arguments.id
            try:
                campaign = instantiate(arguments.name, overrides)
            except DocumentError as error:
                raise CliError(_describe(arguments.overrides or Path("overrides"), error)) from None
            return campaign.model_dump_json(indent=2, exclude_none=True)
    except UnknownTemplate as error:
        raise CliError(str(error)) from None
    width = max(len(name) for name in TEMPLATES)
    return "\n".join(
        f"{name:<{width}}  {document['name']['en']} / {document['name']['tr']}" for name, document in TEMPLATES.items()
    )


def _document(path: Path, parse: Any, *, wrap_single: bool = False) -> Any:
    data = _json(path)
    if wrap_single and isinstance(data, dict):
        data = [data]
    try:
        return parse(data)
    except DocumentError as error:
        raise CliError(_describe(path, error)) from None


def _describe(path: Path, error: DocumentError) -> str:
    return f"{path}: invalid {error.document}: " + "; ".join(str(problem) for problem in error.errors)


def _json(path: Path) -> Any:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        raise CliError(f"{path}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--now: {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise CliError(f"--now: {text!r} needs a UTC offset, e.g. 2026-11-23T13:00:00+03:00")
    return moment


if __name__ == "__main__":
    raise SystemExit(main())
