"""The supervised pool: a hung or crashing file costs one finding, not the run."""

from __future__ import annotations

import os
import signal
import time

from vibrails.core.pool import supervised_map

_state: dict[str, int] = {}


def _init(offset: int) -> None:
    _state["offset"] = offset


def _work(item: str) -> str:
    if item == "hang":
        time.sleep(60)
    if item == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    if item == "exit":
        os._exit(3)
    return f"{item}+{_state['offset']}"


def _failed(item: str, reason: str) -> str:
    return f"{item} failed: {reason}"


def _run(items: list[str], jobs: int, timeout: float = 30) -> list[str]:
    results: dict[int, str] = {}
    for index, result in supervised_map(_work, items, jobs, _init, (7,), timeout, _failed):
        assert index not in results
        results[index] = result
    return [results[i] for i in range(len(items))]


def test_every_item_gets_its_result_in_input_order() -> None:
    items = [f"f{i}" for i in range(50)]
    assert _run(items, jobs=2) == [f"f{i}+7" for i in range(50)]
    assert _run(items, jobs=1) == _run(items, jobs=3)


def test_a_hung_item_is_reported_and_the_rest_still_run() -> None:
    started = time.monotonic()
    out = _run(["a", "hang", "b", "c"], jobs=1, timeout=1.0)
    assert out[0] == "a+7" and out[2:] == ["b+7", "c+7"]
    assert out[1].startswith("hang failed: checking took longer than timeout-per-file (1 s)")
    assert time.monotonic() - started < 30


def test_a_crashing_item_is_reported_and_the_rest_still_run() -> None:
    items = ["a", "crash", "b", "exit", "c"] + [f"x{i}" for i in range(20)]
    out = _run(items, jobs=2)
    assert out[1] == "crash failed: the checker crashed on this file (signal 9)"
    assert out[3] == "exit failed: the checker crashed on this file (exit status 3)"
    assert [o for i, o in enumerate(out) if i not in (1, 3)] == [
        f"{x}+7" for i, x in enumerate(items) if i not in (1, 3)
    ]
