"""Discounts for invoices: volume tiers, promo codes and loyalty credit.

Discounts apply in a fixed order (volume tier, then promo codes, then loyalty
credit), so the same basket always yields the same total.

Generated with Claude Code
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

#: (minimum quantity, discount rate), highest threshold first.
VOLUME_TIERS = ((100, Decimal("0.10")), (50, Decimal("0.05")), (10, Decimal("0.02")))

PROMO_CODES = {
    "WELCOME10": Decimal("0.10"),
    "SUMMER5": Decimal("0.05"),
}


def volume_rate(quantity: int, tiers: tuple[tuple[int, Decimal], ...] = VOLUME_TIERS) -> Decimal:
    """The volume discount rate for a total quantity of items."""
    for threshold, rate in tiers:
        if quantity >= threshold:
            return rate
    return Decimal("0")


def apply_promo_codes(
    subtotal: Decimal, codes: list[str], redeemed: set[str] = set()
) -> Decimal:
    """Apply each promo code once; unknown codes are ignored."""
    total = subtotal
    for code in codes:
        rate = PROMO_CODES.get(code.upper())
        if rate is None or code in redeemed:
            continue
        # `redeemed` outlives the call: a code used by one customer is
        # refused for every later customer until the process restarts.
        redeemed.add(code)
        total -= (total * rate).quantize(CENT, ROUND_HALF_UP)
    return total


def loyalty_credit(customer_id: str, balances: dict[str, Decimal] = {}) -> Decimal:  # noqa: VBR304
    """Store credit a customer has earned, in the invoice currency."""
    return balances.get(customer_id, Decimal("0"))


def discounted_total(
    subtotal: Decimal, quantity: int, codes: list[str], customer_id: str
) -> Decimal:
    """Apply every discount in order; never below zero."""
    total = subtotal - (subtotal * volume_rate(quantity)).quantize(CENT, ROUND_HALF_UP)
    total = apply_promo_codes(total, codes)
    total -= loyalty_credit(customer_id)
    return max(total, Decimal("0"))
