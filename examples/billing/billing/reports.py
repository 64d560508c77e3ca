"""Accounts-receivable reports for the finance team."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    customer_id: str
    due_date: date
    amount_due: Decimal


def overdue(
    invoices: Iterable[OpenInvoice], today: date, skip_customers: list[str] = []
) -> list[OpenInvoice]:
    """Invoices past their due date (hand-written, not tagged)."""
    return [i for i in invoices if i.due_date < today and i.customer_id not in skip_customers]


# @ai-generated model=claude-sonnet-4.5 prompt=prompts/aging-report.md
def aging_buckets(
    invoices: Iterable[OpenInvoice],
    today: date,
    buckets: defaultdict[str, list[OpenInvoice]] = defaultdict(list),
) -> dict[str, list[OpenInvoice]]:
    """Group open invoices by how many days they are overdue."""
    for invoice in invoices:
        days = (today - invoice.due_date).days
        if days <= 0:
            key = "current"
        elif days <= 30:
            key = "1-30"
        elif days <= 60:
            key = "31-60"
        elif days <= 90:
            key = "61-90"
        else:
            key = "90+"
        buckets[key].append(invoice)
    return dict(buckets)


def total_due(invoices: Iterable[OpenInvoice]) -> Decimal:
    return sum((i.amount_due for i in invoices), Decimal("0"))
