# @ai-generated model=claude-sonnet-4.5 prompt=prompts/invoice-totals.md date=2026-01-14 tool=claude-code
"""Invoices: line items, totals per tax rate, and the summary sent to customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass
class LineItem:
    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT, ROUND_HALF_UP)

    @property
    def tax(self) -> Decimal:
        return (self.net * self.tax_rate).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Invoice:
    number: str
    customer_id: str
    currency: str = "EUR"
    items: list[LineItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_item(self, item: LineItem) -> None:
        self.items.append(item)

    def subtotal(self) -> Decimal:
        return sum((item.net for item in self.items), ZERO)

    def tax_total(self) -> Decimal:
        return sum((item.tax for item in self.items), ZERO)

    def total(self) -> Decimal:
        return self.subtotal() + self.tax_total()


def build_invoice(
    number: str,
    customer_id: str,
    items: list[LineItem],
    notes: list[str] = [],
) -> Invoice:
    """Create an invoice with its line items and optional notes."""
    invoice = Invoice(number=number, customer_id=customer_id)
    for item in items:
        invoice.add_item(item)
    invoice.notes.extend(notes)
    return invoice


def tax_breakdown(
    invoice: Invoice, totals: dict[Decimal, Decimal] = {}
) -> dict[Decimal, Decimal]:
    """Sum the tax of an invoice per tax rate."""
    # Every call without `totals` adds to the same dict: the second invoice's
    # breakdown includes the first one's tax.
    for item in invoice.items:
        totals[item.tax_rate] = totals.get(item.tax_rate, ZERO) + item.tax
    return totals


def format_amount(
    amount: Decimal,
    currency: str,
    _cache: dict[tuple[Decimal, str], str] = {},  # noqa: VBR304 -- memo shared across calls on purpose
) -> str:
    """Format an amount for display, e.g. ``1,234.50 EUR``."""
    key = (amount, currency)
    if key not in _cache:
        _cache[key] = f"{amount:,.2f} {currency}"
    return _cache[key]


def render_summary(invoice: Invoice, extra_lines: list[str] | None = None) -> str:  # noqa: VBR304 -- copied before use
    """The plain-text summary at the top of the invoice e-mail."""
    lines = [f"Invoice {invoice.number} for customer {invoice.customer_id}"]
    for item in invoice.items:
        lines.append(
            f"  {item.quantity} x {item.description}: {format_amount(item.net, invoice.currency)}"
        )
    lines.append(f"Subtotal: {format_amount(invoice.subtotal(), invoice.currency)}")
    for rate, tax in sorted(tax_breakdown(invoice, {}).items()):
        lines.append(f"Tax {rate:.0%}: {format_amount(tax, invoice.currency)}")
    lines.append(f"Total: {format_amount(invoice.total(), invoice.currency)}")
    lines.extend(extra_lines or [])
    return "\n".join(lines)
