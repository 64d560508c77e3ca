"""Money and ranges, with icontract contracts (written by an assistant)."""

import icontract


@icontract.require(lambda amount: amount > 0)
@icontract.ensure(lambda result: result >= 0)  # expect: VBR106
def withdraw(balance: int, amount: int) -> int:
    """Planted: the sign. Nothing keeps the amount within the balance."""
    return balance - amount


@icontract.require(lambda amount: amount > 0)
@icontract.ensure(lambda balance, result: result > balance)
def deposit(balance: int, amount: int) -> int:
    return balance + amount


@icontract.require(lambda whole: whole > 0)
@icontract.require(lambda part, whole: 0 <= part <= whole)
@icontract.ensure(lambda result: 0 <= result <= 100)  # expect: VBR106
def percent_rounded_up(part: int, whole: int) -> int:
    """Planted: off by one on the upper bound (100 % becomes 101)."""
    return (part * 100 + whole) // whole


@icontract.require(lambda whole: whole > 0)
@icontract.require(lambda part, whole: 0 <= part <= whole)
@icontract.ensure(lambda result: 0 <= result <= 100)
def percent(part: int, whole: int) -> int:
    return part * 100 // whole


def clamp(value: int, low: int, high: int) -> int:
    """Planted: off by one, checked by an assert on the result."""
    if low > high:
        raise ValueError("empty range")
    result = max(low, min(value, high + 1))
    assert low <= result <= high  # expect: VBR106
    return result


def clamp_exact(value: int, low: int, high: int) -> int:
    if low > high:
        raise ValueError("empty range")
    result = max(low, min(value, high))
    assert low <= result <= high
    return result


@icontract.require(lambda weight: weight >= 0)
@icontract.ensure(lambda result: result >= 0)  # expect: VBR106
def shipping_cost(weight: int) -> int:
    """Planted: reachable on one branch only (heavy parcels)."""
    if weight > 5000:
        return 5000 - weight
    return 3 + weight // 100


@icontract.require(lambda weight: weight >= 0)
@icontract.ensure(lambda result: result >= 3)
def shipping_cost_fixed(weight: int) -> int:
    if weight > 5000:
        return 60 + (weight - 5000) // 50
    return 3 + weight // 100


@icontract.ensure(lambda result: result >= 0)
def distance(a: int, b: int) -> int:
    return a - b if a > b else b - a
