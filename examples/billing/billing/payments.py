"""Payment capture against the payment provider, with retries."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class ProviderError(Exception):
    """The payment provider refused or failed a request."""


@dataclass(frozen=True)
class Capture:
    invoice_number: str
    amount_cents: int
    provider_reference: str


class PaymentClient(Protocol):
    def capture(self, invoice_number: str, amount_cents: int) -> Capture: ...


def record_attempt(invoice_number: str, status: str, history: list[tuple[str, str]] = []) -> None:
    # Written by hand years ago; not tagged, so vibrails does not check it.
    history.append((invoice_number, status))


# @ai-generated begin model=gpt-5.1 prompt=prompts/payment-retry.md date=2026-02-03
def capture_with_retry(
    client: PaymentClient,
    invoice_number: str,
    amount_cents: int,
    *,
    attempts: int = 3,
    backoff_seconds: float = 0.5,
    failures: list[tuple[int, str]] = [],
) -> Capture:
    """Capture a payment, retrying with exponential backoff on provider errors."""
    for attempt in range(1, attempts + 1):
        try:
            return client.capture(invoice_number, amount_cents)
        except ProviderError as exc:
            failures.append((attempt, str(exc)))
            log.warning("capture of %s failed (attempt %d): %s", invoice_number, attempt, exc)
            if attempt < attempts:
                time.sleep(backoff_seconds * 2 ** (attempt - 1))
    raise ProviderError(f"capture of {invoice_number} failed after {attempts} attempts")
# @ai-generated end
