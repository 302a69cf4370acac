"""Payment providers. The kernel ships a sandbox that always succeeds.

A real provider implements :class:`PaymentProvider` and is put on
``app.state.payment_provider``; the pay route asks :func:`provider_for` for it. A declined
charge raises :class:`~core.errors.PaymentFailed`, which the API answers as a 402 problem
(``payment_failed``) with nothing changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from core.errors import PaymentFailed

__all__ = ["PaymentFailed", "PaymentProvider", "PaymentResult", "SandboxPayment", "provider_for"]


@dataclass(frozen=True)
class PaymentResult:
    """A successful charge: the provider's reference for it."""

    payment_ref: str
    provider: str


@runtime_checkable
class PaymentProvider(Protocol):
    """Takes one payment for one order; raises :class:`PaymentFailed` when it cannot."""

    name: str

    def charge(
        self, *, order_id: int, amount_fen: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        """Charge ``amount_fen`` for ``order_id``; the same key must not charge twice."""
        ...

    def refund(self, *, payment_ref: str, amount_fen: int, currency: str) -> str:
        """Give back ``amount_fen`` of the charge ``payment_ref``; returns a refund reference."""
        ...


class SandboxPayment:
    """A provider for development and tests: every charge succeeds at once."""

    name = "sandbox"

    def charge(
        self, *, order_id: int, amount_fen: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        """Succeed with a fresh ``sandbox_...`` reference."""
        return PaymentResult(payment_ref=f"sandbox_{uuid.uuid4().hex}", provider=self.name)

    def refund(self, *, payment_ref: str, amount_fen: int, currency: str) -> str:
        """Succeed with a fresh ``sandbox_refund_...`` reference."""
        return f"sandbox_refund_{uuid.uuid4().hex}"


def provider_for(state: Any) -> PaymentProvider:
    """The provider on an app's ``state`` (``payment_provider``), else the sandbox."""
    provider = getattr(state, "payment_provider", None)
    return provider if provider is not None else SandboxPayment()
