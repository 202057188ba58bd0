"""`kampanya pricing`, `kampanya up` and `kampanya health` as real processes: start, answer, stop on
a signal with exit code 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx2
import pytest

from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc

PYTHON = [sys.executable, "-m", "kampanya"]


def _environment(**values: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAMPANYA_")}
    environment.update(values)
    return environment


def _first_line(stream: object, needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = stream.readline()  # type: ignore[attr-defined]
        if needle in text:
            return str(text)
        if not text:
            time.sleep(0.05)
    raise AssertionError(f"no line with {needle!r} within {timeout} s")


@pytest.fixture
def process_cleanup() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _price(port: int) -> pb.EvaluateCartResponse:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pricing_pb2_grpc.PricingServiceStub(channel)
        cart = pb.Cart(
            currency="TRY", lines=[pb.Line(id="l", sku="SHIRT", quantity=5, unit_price="100.00", categories=["shirts"])]
        )
        response: pb.EvaluateCartResponse = stub.EvaluateCart(pb.EvaluateCartRequest(cart=cart), timeout=5)
        return response


def test_pricing_serves_reports_health_logs_json_and_stops_gracefully_on_sigterm(
    sqlite_url: str, process_cleanup: list[subprocess.Popen[str]]
) -> None:
    environment = _environment(KAMPANYA_DATABASE_URL=sqlite_url, KAMPANYA_SHUTDOWN_DELAY="0.1")
    process = subprocess.Popen(
        [*PYTHON, "pricing", "--port", "0", "--metrics-port", "0"], env=environment, stderr=subprocess.PIPE, text=True
    )
    process_cleanup.append(process)

    serving = json.loads(_first_line(process.stderr, '"serving"'))
    port = int(serving["address"].rsplit(":", 1)[1])
    health = subprocess.run(
        [*PYTHON, "health", "--addr", f"127.0.0.1:{port}"], capture_output=True, text=True, check=False
    )
    priced = _price(port)
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=20)
    rest = process.stderr.read() if process.stderr else ""

    assert (serving["level"], serving["logger"]) == ("INFO", "kampanya.server")
    assert (health.returncode, health.stdout.strip()) == (0, f"127.0.0.1:{port}: SERVING")
    assert priced.result.subtotal == "500.00"
    assert code == 0
    assert '"event": "stopped"' in rest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _graphql(url: str, query: str, headers: dict[str, str], timeout: float = 30) -> dict[str, object]:
    """POST a query once the gateway answers (it starts after the pricing core); return the JSON answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx2.post(url, json={"query": query}, headers=headers, timeout=5)
            answer: dict[str, object] = response.json()
            return answer
        except httpx2.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_up_migrates_loads_the_demo_and_prints_the_addresses(
    tmp_path: Path, process_cleanup: list[subprocess.Popen[str]]
) -> None:
    environment = _environment(KAMPANYA_SHUTDOWN_DELAY="0.1")
    gateway_port = _free_port()
    process = subprocess.Popen(
        [*PYTHON, "up", "--demo", "--port", "0", "--metrics-port", "0", "--gateway-port", str(gateway_port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    process_cleanup.append(process)

    database = _first_line(process.stdout, "database:")
    demo = _first_line(process.stdout, "demo campaigns:")
    owner_key = _first_line(process.stdout, "admin API key").rsplit(": ", 1)[1].strip()
    address = _first_line(process.stdout, "pricing core (gRPC):")
    admin_url = _first_line(process.stdout, "admin graph:").split(": ", 1)[1].strip()
    storefront_url = _first_line(process.stdout, "storefront graph:").split(": ", 1)[1].strip()
    port = int(address.rsplit(":", 1)[1])
    priced = _price(port)
    me = _graphql(admin_url, "{ me { role } }", {"authorization": f"Bearer {owner_key}"})
    shirts = (
        '{ priceCart(cart: {lines: [{id: "l", sku: "SHIRT", quantity: 5, unitPrice: "100.00",'
        ' categories: ["shirts"]}]}) { ... on PricedCartPayload { priced { total } } } }'
    )
    storefront = _graphql(storefront_url, shirts, {"x-publishable-key": "pk_dev_web"})
    process.send_signal(signal.SIGINT)

    assert "sqlite://kampanya.sqlite3" in database
    assert (tmp_path / "kampanya.sqlite3").is_file()
    assert demo.strip() == "demo campaigns: 4 loaded"
    # five shirts: one free (buy5pay4), and 400.00 left is 100.00 short of the 15% from 500.00
    assert [entry.campaign_id for entry in priced.result.applied] == ["demo-buy5pay4-shirts"]
    assert [(hint.campaign_id, hint.missing_amount) for hint in priced.result.hints] == [("demo-over500-15", "100.00")]
    assert me == {"data": {"me": {"role": "OWNER"}}}
    assert storefront == {"data": {"priceCart": {"priced": {"total": "400.00"}}}}
    assert admin_url == f"http://127.0.0.1:{gateway_port}/admin/graphql"
    assert process.wait(timeout=30) == 0


def test_health_fails_when_nothing_answers() -> None:
    probe = subprocess.run(
        [*PYTHON, "health", "--addr", "127.0.0.1:1", "--timeout", "0.5"], capture_output=True, text=True, check=False
    )

    assert probe.returncode == 2
    assert "UNAVAILABLE" in probe.stderr


def test_production_refuses_to_run_without_a_token(sqlite_url: str) -> None:
    refused = subprocess.run(
        [*PYTHON, "pricing", "--port", "0"],
        env=_environment(KAMPANYA_ENV="production", KAMPANYA_DATABASE_URL=sqlite_url),
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )

    assert refused.returncode == 2
    assert "KAMPANYA_PRICING_TOKEN must be set when KAMPANYA_ENV=production" in refused.stderr
