"""The pricing core's runtime choices: compiled protobuf, JSON logs, settings that refuse unsafe setups."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from google.protobuf.internal import api_implementation
from pydantic import ValidationError

from pricing_core.logs import configure_logging, logger
from pricing_core.settings import ConfigurationError, PricingSettings


def test_protobuf_runs_on_its_compiled_upb_backend() -> None:
    assert api_implementation.Type() == "upb"


def test_logs_are_one_json_line_per_event_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    try:
        logger("test").info("catalog installed", extra={"event": "catalog_installed", "request_id": "r-1"})
        logger("test").debug("not shown at INFO")
    finally:
        logging.getLogger("kampanya").handlers.clear()

    lines = capsys.readouterr().err.strip().splitlines()
    event = json.loads(lines[0])
    assert len(lines) == 1
    assert {key: event[key] for key in ("level", "logger", "message", "event", "request_id")} == {
        "level": "INFO",
        "logger": "kampanya.test",
        "message": "catalog installed",
        "event": "catalog_installed",
        "request_id": "r-1",
    }
    assert event["time"].endswith("+00:00")


def test_production_needs_a_token() -> None:
    with pytest.raises(ConfigurationError, match="KAMPANYA_PRICING_TOKEN"):
        PricingSettings(env="production").check_runnable()
    PricingSettings(env="production", pricing_token="t").check_runnable()
    PricingSettings(env="development").check_runnable()


@pytest.mark.parametrize(
    "paths",
    [{"tls_cert": "cert.pem"}, {"tls_key": "key.pem"}, {"tls_client_ca": "ca.pem"}],
)
def test_tls_settings_must_come_in_working_sets(paths: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        PricingSettings(**{key: Path(value) for key, value in paths.items()})


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAMPANYA_PRICING_PORT", "6000")
    monkeypatch.setenv("KAMPANYA_POLL_INTERVAL", "0.5")
    monkeypatch.setenv("KAMPANYA_REDIS_URL", "redis://example:6379/1")

    settings = PricingSettings()

    assert (settings.pricing_port, settings.poll_interval, settings.redis_url) == (6000, 0.5, "redis://example:6379/1")
