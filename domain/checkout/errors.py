"""What the checkout lifecycle refuses, each with a stable reason code."""

from __future__ import annotations


class CheckoutError(Exception):
    """Base: `reason` is the stable code the services expose."""

    reason = "CHECKOUT_ERROR"


class IdempotencyMismatch(CheckoutError):
    reason = "IDEMPOTENCY_MISMATCH"

    def __init__(self, order_id: str, operation: str) -> None:
        super().__init__(f"order {order_id!r}: {operation} was already called with another payload under this key")


class OperationBusy(CheckoutError):
    reason = "IN_PROGRESS"

    def __init__(self, order_id: str, operation: str) -> None:
        super().__init__(f"order {order_id!r}: the same {operation} is still running; retry later")


class OrderNotFound(CheckoutError):
    reason = "ORDER_NOT_FOUND"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"no order {order_id!r}")


class OrderState(CheckoutError):
    reason = "ORDER_STATE"

    def __init__(self, order_id: str, status: str, wanted: str) -> None:
        super().__init__(f"order {order_id!r} is {status}: it cannot be {wanted}")


class ReservationExpired(CheckoutError):
    reason = "RESERVATION_EXPIRED"

    def __init__(self, order_id: str, campaigns: list[str]) -> None:
        super().__init__(
            f"order {order_id!r}: the reservation expired and {', '.join(campaigns)} no longer has room; price again"
        )


class LimitsKeptChanging(CheckoutError):
    reason = "LIMITS_CHANGED"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r}: limits changed under every attempt to reserve; retry")


class InvalidReturn(CheckoutError):
    """A return the order cannot take; `line_id` and `field` ("/line_id", "/quantity") name what is wrong
    (no line id: the return's lines as a whole)."""

    reason = "INVALID_RETURN"

    def __init__(self, message: str, *, line_id: str | None = None, field: str = "") -> None:
        super().__init__(message)
        self.line_id = line_id
        self.field = field


class TooManyAttempts(CheckoutError):
    reason = "TOO_MANY_ATTEMPTS"

    def __init__(self, window: float) -> None:
        super().__init__(f"too many codes were refused; try again in {round(window / 60)} minutes")
