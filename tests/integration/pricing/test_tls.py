"""Mutual TLS: with a client CA configured, only clients presenting a certificate it signed get in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grpc
import pytest
from grpc import aio

from kampanya.pricing.v1 import pricing_pb2 as pb
from kampanya.pricing.v1 import pricing_pb2_grpc
from tests.integration.pricing.harness import cart, line, running_pricing

OPENSSL = "openssl"


def _issue(directory: Path, name: str, ca: Path, ca_key: Path, *, server: bool) -> tuple[Path, Path]:
    key, request, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    extensions = directory / f"{name}.ext"
    extensions.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        if server
        else "extendedKeyUsage=clientAuth\n"
    )
    subprocess.run(
        [OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", f"/CN={name}"],
        check=True,
        capture_output=True,
    )
    signing = ["-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2", "-extfile", extensions]
    subprocess.run([OPENSSL, "x509", "-req", "-in", request, "-out", cert, *signing], check=True, capture_output=True)
    return key, cert


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca_key, ca = directory / "ca.key", directory / "ca.pem"
    authority = ["-days", "2", "-subj", "/CN=kampanya-test-ca"]
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, *authority],
        check=True,
        capture_output=True,
    )
    server_key, server_cert = _issue(directory, "server", ca, ca_key, server=True)
    client_key, client_cert = _issue(directory, "client", ca, ca_key, server=False)
    return {
        "ca": ca,
        "server_key": server_key,
        "server_cert": server_cert,
        "client_key": client_key,
        "client_cert": client_cert,
    }


async def _price(port: int, credentials: grpc.ChannelCredentials) -> pb.EvaluateCartResponse:
    async with aio.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        stub = pricing_pb2_grpc.PricingServiceStub(channel)
        response: pb.EvaluateCartResponse = await stub.EvaluateCart(
            pb.EvaluateCartRequest(cart=cart(line("l1", "A", "10.00"))), timeout=5
        )
        return response


async def test_only_clients_with_a_certificate_from_the_client_ca_are_served(
    sqlite_url: str, certificates: dict[str, Path]
) -> None:
    async with running_pricing(
        sqlite_url,
        tls_cert=certificates["server_cert"],
        tls_key=certificates["server_key"],
        tls_client_ca=certificates["ca"],
    ) as pricing:
        ca = certificates["ca"].read_bytes()
        with_certificate = grpc.ssl_channel_credentials(
            root_certificates=ca,
            private_key=certificates["client_key"].read_bytes(),
            certificate_chain=certificates["client_cert"].read_bytes(),
        )
        answer = await _price(pricing.server.port, with_certificate)
        with pytest.raises(aio.AioRpcError) as anonymous:
            await _price(pricing.server.port, grpc.ssl_channel_credentials(root_certificates=ca))

    assert answer.result.subtotal == "10.00"
    assert anonymous.value.code() == grpc.StatusCode.UNAVAILABLE
