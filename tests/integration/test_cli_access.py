"""`kampanya users`, `kampanya apikeys` and `kampanya gateway` as real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx2

from domain.access import Role
from domain.store import Store
from tests.integration.test_cli_services import PYTHON, _environment, _free_port


def _kampanya(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PYTHON, *arguments], capture_output=True, text=True, check=False, timeout=60)


async def test_users_are_put_and_listed_from_the_command_line(sqlite_url: str) -> None:
    put = _kampanya("users", "put", "ayse", "--role", "OWNER", "--email", "a@example.com", "--database-url", sqlite_url)
    listed = _kampanya("users", "list", "--database-url", sqlite_url)
    wrong = _kampanya("users", "put", "mehmet", "--role", "KING", "--database-url", sqlite_url)

    assert (put.returncode, put.stdout.strip()) == (0, "user ayse: OWNER")
    assert listed.stdout.split("\t")[:3] == ["ayse", "OWNER", "a@example.com"]
    assert wrong.returncode == 2
    async with await Store.open(sqlite_url) as store:
        user = await store.users.get("ayse")
    assert user is not None
    assert user.role is Role.OWNER


async def test_an_api_key_is_created_once_listed_without_its_secret_and_revoked(sqlite_url: str) -> None:
    created = _kampanya("apikeys", "create", "deploys", "--role", "MARKETER", "--database-url", sqlite_url)
    secret = created.stdout.split(": ", 1)[1].split()[0]
    key_id = secret.split("_")[1]
    listed = _kampanya("apikeys", "list", "--database-url", sqlite_url)
    revoked = _kampanya("apikeys", "revoke", key_id, "--database-url", sqlite_url)
    unknown = _kampanya("apikeys", "revoke", "nope", "--database-url", sqlite_url)

    assert created.returncode == 0
    assert secret not in listed.stdout
    assert listed.stdout.split("\t")[:4] == [key_id, "deploys", "MARKETER", "active\n"]
    assert revoked.stdout.strip() == f"API key {key_id}: revoked"
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "kampanya: error: no API key 'nope'")
    async with await Store.open(sqlite_url) as store:
        assert await store.api_keys.verify(secret) is None


def test_the_gateway_serves_both_graphs_and_stops_on_a_signal(sqlite_url: str) -> None:
    port = _free_port()
    environment = _environment(KAMPANYA_DATABASE_URL=sqlite_url, KAMPANYA_PUBLISHABLE_KEYS='{"pk_web": "web"}')
    process = subprocess.Popen(
        [sys.executable, "-m", "kampanya", "gateway", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
        anonymous = httpx2.post(f"http://127.0.0.1:{port}/admin/graphql", json={"query": "{ me { role } }"})
        keyless = httpx2.post(f"http://127.0.0.1:{port}/storefront/graphql", json={"query": "{ __typename }"})
        shop = httpx2.post(
            f"http://127.0.0.1:{port}/storefront/graphql",
            json={"query": "{ __typename }"},
            headers={"x-publishable-key": "pk_web"},
        )
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert health.json() == {"status": "ok"}
    assert (anonymous.status_code, anonymous.json()["errors"][0]["extensions"]["code"]) == (401, "UNAUTHENTICATED")
    assert keyless.status_code == 401
    assert shop.json() == {"data": {"__typename": "Query"}}
    assert code == 0
