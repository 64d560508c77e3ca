# @ai-generated model=gpt-5.1 prompt=prompts/currency_conversion.md date=2026-02-10
"""Currency conversion with the treasury's daily exchange rates."""

import json
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from __future__ import annotations

CENT = Decimal("0.01")
RATES_FILE = Path(__file__).with_name("rates.json")


def load_rates(path: Path = RATES_FILE) -> dict[str, Decimal]:
    """Rates against EUR, e.g. ``{"USD": Decimal("1.0832")}``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {code: Decimal(str(rate)) for code, rate in raw["rates"].items()} | {"EUR": Decimal(1)}


def convert(
    amount: Decimal, source: str, target: str, rates: dict[str, Decimal] = {}
) -> Decimal:
    """Convert ``amount`` from ``source`` to ``target`` through EUR."""
    rates = rates or load_rates()
    in_eur = amount / rates[source]
    return (in_eur * rates[target]).quantize(CENT, ROUND_HALF_EVEN)
