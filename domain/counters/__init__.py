"""Counter stores enforcing campaign and code limits atomically: Redis (Lua scripts) or SQL (conditional
updates in transactions), behind the `domain.limits.CounterStore` port."""

from domain.counters.errors import CountersUnavailable

__all__ = ["CountersUnavailable"]
