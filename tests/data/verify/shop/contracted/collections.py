"""Lists, with contracts on their results (written by an assistant)."""

import deal
import icontract


@icontract.require(lambda n: n >= 0)
@icontract.ensure(lambda n, result: len(result) <= n)  # expect: VBR106
def top_n(values: list[int], n: int) -> list[int]:
    """Planted: ``[-0:]`` is the whole list."""
    return sorted(values)[-n:]


@icontract.require(lambda n: n >= 0)
@icontract.ensure(lambda values, n, result: len(result) == min(n, len(values)))
def top_n_fixed(values: list[int], n: int) -> list[int]:
    return sorted(values)[len(values) - min(n, len(values)):]


@icontract.ensure(lambda result: len(set(result)) == len(result))  # expect: VBR106
def dedupe(items: list[int]) -> list[int]:
    """Planted: drops repeats only when they are next to each other."""
    out: list[int] = []
    for item in items:
        if out and out[-1] == item:
            continue
        out.append(item)
    return out


@icontract.ensure(lambda items, result: len(set(result)) == len(result) == len(set(items)))
def dedupe_fixed(items: list[int]) -> list[int]:
    seen: set[int] = set()
    out: list[int] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


@deal.pre(lambda a, b: a == sorted(a) and b == sorted(b))
@deal.ensure(lambda a, b, result: len(result) == len(a) + len(b))  # expect: VBR106
def merge_sorted(a: list[int], b: list[int]) -> list[int]:
    """Planted: forgets what is left of ``b``."""
    i = j = 0
    out: list[int] = []
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out + a[i:]


@deal.pre(lambda a, b: a == sorted(a) and b == sorted(b))
@deal.ensure(lambda a, b, result: result == sorted(a + b))
def merge_sorted_fixed(a: list[int], b: list[int]) -> list[int]:
    i = j = 0
    out: list[int] = []
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out + a[i:] + b[j:]


@icontract.ensure(lambda values, result: len(result) == len(values))
def running_total(values: list[int]) -> list[int]:
    out: list[int] = []
    total = 0
    for value in values:
        total += value
        out.append(total)
    return out


@deal.pre(lambda values, size: size > 0)
@deal.ensure(lambda values, size, result: sum(len(chunk) for chunk in result) == len(values))
def chunks(values: list[int], size: int) -> list[list[int]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


@icontract.ensure(lambda result: " " not in result)  # expect: VBR106
def slug(title: str) -> str:
    """Planted: replaces the first space only."""
    return title.strip().lower().replace(" ", "-", 1)


@icontract.ensure(lambda result: " " not in result)
def slug_fixed(title: str) -> str:
    return "-".join(title.split()).lower()


# (Not `[*OLD.items, item]`: icontract cannot recompute a starred list for its message.)
@icontract.snapshot(lambda items: items[:])
@icontract.ensure(lambda items, item, OLD: items == OLD.items + [item])  # noqa: RUF005  # expect: VBR106
def push_unique(items: list[int], item: int) -> None:
    """Planted: promises to append, skips an item already there."""
    if item not in items:
        items.append(item)


@icontract.snapshot(lambda items: len(items), name="size")
@icontract.ensure(lambda items, OLD: len(items) == OLD.size + 1)
def push(items: list[int], item: int) -> None:
    items.append(item)
