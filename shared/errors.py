"""Domain errors: a stable code for machines and a Spanish message for the cashier."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a person can act on.

    ``code`` is stable (logs, HTTP bodies, tests); ``message`` is es-MX text for the cashier.
    """

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidAmount(DomainError):
    code = "invalid_amount"


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class InsufficientPayment(DomainError):
    code = "insufficient_payment"


class EmptySale(DomainError):
    code = "empty_sale"


class UnknownProduct(DomainError):
    code = "unknown_product"


class UnknownCustomer(DomainError):
    """The customer is not the shop's, or was deleted (the till, and the server's checks)."""

    code = "unknown_customer"
