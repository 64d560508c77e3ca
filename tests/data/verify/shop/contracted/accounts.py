"""Stateful classes with invariants (written by an assistant)."""

import deal
import icontract


@icontract.invariant(lambda self: self.balance >= 0)  # expect: VBR106
class Wallet:
    def __init__(self, balance: int) -> None:
        if balance < 0:
            raise ValueError("a wallet starts with 0 or more")
        self.balance = balance

    @icontract.require(lambda amount: amount > 0)
    def deposit(self, amount: int) -> None:
        self.balance += amount

    @icontract.require(lambda amount: amount > 0)
    def spend(self, amount: int) -> None:
        """Planted: one method breaks the invariant (no balance check)."""
        self.balance -= amount


class Inventory:
    def __init__(self, stock: int) -> None:
        if stock < 0:
            raise ValueError("stock must be 0 or more")
        self.stock = stock
        self.reserved = 0

    def check_invariants(self) -> None:
        assert 0 <= self.reserved <= self.stock  # expect: VBR106

    def reserve(self, count: int) -> None:
        """Planted: reserves more than what is in stock."""
        if count <= 0:
            raise ValueError("reserve at least one")
        self.reserved += count

    def release(self, count: int) -> None:
        if count <= 0 or count > self.reserved:
            raise ValueError("release what is reserved")
        self.reserved -= count

    def restock(self, count: int) -> None:
        if count <= 0:
            raise ValueError("restock at least one")
        self.stock += count


@icontract.invariant(lambda self: 0 <= self.used <= self.capacity)  # expect: VBR106
class Quota:
    def __init__(self, capacity: int) -> None:
        """Planted: the constructor takes any capacity, a negative one too."""
        self.capacity = capacity
        self.used = 0

    def use(self, amount: int) -> None:
        if amount <= 0 or self.used + amount > self.capacity:
            raise ValueError("over quota")
        self.used += amount


class Tank:
    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("a tank has a size of 0 or more")
        self.size = size
        self.level = 0

    def check_invariants(self) -> None:
        if not 0 <= self.level <= self.size:
            raise ValueError("level out of range")  # expect: VBR106

    def pour(self, amount: int) -> None:
        """Planted: checks its invariant itself, which the pour can break."""
        if amount < 0:
            raise ValueError("pour 0 or more")
        self.level += amount
        self.check_invariants()

    def drain(self) -> None:
        self.level = 0
        self.check_invariants()


@deal.inv(lambda meter: meter.level >= 0)  # expect: VBR106
class Meter:
    def __init__(self, level: int) -> None:
        if level < 0:
            raise ValueError("a meter starts at 0 or more")
        self.level = level

    def fill(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("fill at least one")
        self.level += amount

    def drain(self, amount: int) -> None:
        """Planted: off by one in the guard."""
        if amount <= 0 or amount > self.level + 1:
            raise ValueError("cannot drain that much")
        self.level -= amount

    def empty(self) -> None:
        self.level = 0


@deal.pre(lambda minutes: minutes >= 0)
@deal.post(lambda result: result >= 0)  # expect: VBR106
def hours_left_today(minutes: int) -> int:
    """Planted: the sign, past midnight."""
    return 24 - minutes // 60


@deal.pre(lambda minutes: 0 <= minutes < 24 * 60)
@deal.post(lambda result: 0 < result <= 24)
def hours_left(minutes: int) -> int:
    return 24 - minutes // 60


@deal.pre(lambda items, per_page: items >= 0 and per_page > 0)
@deal.ensure(lambda items, per_page, result: result * per_page >= items)  # expect: VBR106
def page_count(items: int, per_page: int) -> int:
    """Planted: rounds down."""
    return items // per_page


@deal.pre(lambda items, per_page: items >= 0 and per_page > 0)
@deal.ensure(lambda items, per_page, result: result * per_page >= items)
def page_count_fixed(items: int, per_page: int) -> int:
    return -(-items // per_page)
