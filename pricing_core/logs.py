"""Structured logs: one JSON line per event on standard error."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

LOGGER_NAME = "kampanya"


def configure_logging(level: str) -> None:
    """Send the kampanya loggers to standard error as JSON lines (timestamp, level, logger, message and
    the event's own fields, e.g. request_id, method, code, duration_ms)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    )
    root = logging.getLogger(LOGGER_NAME)
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False


def logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}")
