"""Billing for the shop backend: invoices, discounts, payments and reports."""

__all__ = ["currency", "discounts", "invoice", "ledger", "payments", "reports", "statements"]
