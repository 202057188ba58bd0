"""The address a storefront call is counted under (coupon attempts per client address)."""

from __future__ import annotations

from gateway.app import client_address


def test_behind_a_trusted_proxy_the_entry_it_appended_is_the_address() -> None:
    # the client sent a made-up first entry each time; the proxy appended the real address
    addresses = {
        client_address(f"198.51.100.{index}, 203.0.113.7", "10.0.0.2", trust_forwarded=True) for index in range(20)
    }

    assert addresses == {"203.0.113.7"}


def test_a_header_the_proxy_wrote_alone_is_taken_as_it_is() -> None:
    assert client_address("203.0.113.7", "10.0.0.2", trust_forwarded=True) == "203.0.113.7"
    assert client_address(" 2001:db8::7 ", "10.0.0.2", trust_forwarded=True) == "2001:db8::7"


def test_without_trust_the_header_is_ignored() -> None:
    assert client_address("203.0.113.7", "10.0.0.2", trust_forwarded=False) == "10.0.0.2"


def test_a_missing_or_empty_header_falls_back_to_the_peer() -> None:
    assert client_address(None, "10.0.0.2", trust_forwarded=True) == "10.0.0.2"
    assert client_address("", "10.0.0.2", trust_forwarded=True) == "10.0.0.2"
    assert client_address("203.0.113.7, ", "10.0.0.2", trust_forwarded=True) == "10.0.0.2"
