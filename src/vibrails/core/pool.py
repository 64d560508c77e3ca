"""Worker processes under supervision: a time limit per file, and crash containment.

The parser at the heart of the engine is native code: on pathological input
(a chain of thousands of ``+``) it can take minutes, and on worse input it
can overflow its stack. Neither may stop a run. So files are checked in
worker processes that the parent watches: each worker reports when it starts
a file and what it found; a worker that exceeds the time limit on one file
is killed, one that dies is replaced, and that one file gets a finding
saying so. Inside a worker, files are checked on a thread with a large
stack, so deep trees get a result rather than a crash.

Results come back by input index, so the output does not depend on how
many workers ran or in which order they finished.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Stack of the checking thread in a worker: deep trees recurse in native code.
WORKER_STACK_BYTES = 512 * 1024 * 1024
#: Files sent to a worker at a time (fewer round trips; the limit stays per file).
CHUNK = 8


def _context() -> Any:
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def _worker_main(
    conn: Connection,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    function: Callable[[Any], Any],
) -> None:
    def loop() -> None:
        initializer(*initargs)
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            for index, item in message:
                conn.send(("start", index))
                conn.send(("done", index, function(item)))

    threading.stack_size(WORKER_STACK_BYTES)
    thread = threading.Thread(target=loop, name="vibrails-worker")
    thread.start()
    thread.join()


class _Worker:
    def __init__(self, context: Any, args: tuple[Any, ...]) -> None:
        parent, child = context.Pipe()
        self.conn: Connection = parent
        self.process = context.Process(target=_worker_main, args=(child, *args), daemon=True)
        self.process.start()
        child.close()
        self.pending: deque[int] = deque()  # indices sent, not done
        self.current: int | None = None
        self.started_at = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def supervised_map(
    function: Callable[[T], R],
    items: list[T],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    timeout: float,
    on_failure: Callable[[T, str], R],
) -> Iterator[tuple[int, R]]:
    """Yield ``(index, function(item))`` for every item, in completion order.

    ``on_failure(item, reason)`` stands in for a result when a worker ran out
    of time on the item or died while checking it.
    """
    if not items:
        return
    context = _context()
    args = (initializer, initargs, function)
    todo: deque[int] = deque(range(len(items)))
    workers = [_Worker(context, args) for _ in range(max(1, min(jobs, len(items))))]

    def feed(worker: _Worker) -> None:
        batch: list[int] = []
        while todo and len(batch) < CHUNK:
            batch.append(todo.popleft())
        if batch:
            worker.pending.extend(batch)
            worker.conn.send([(i, items[i]) for i in batch])

    for worker in workers:
        feed(worker)
    try:
        while any(w.pending for w in workers):
            busy = [w for w in workers if w.pending]
            now = time.monotonic()
            limit = min(
                (w.started_at + timeout - now for w in busy if w.current is not None),
                default=timeout,
            )
            ready = wait([w.conn for w in busy], timeout=max(0.0, limit))
            for worker in busy:
                if worker.conn in ready:
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        yield from _replace(worker, workers, context, args, items, todo,
                                            on_failure, _death(worker))
                        feed(workers[-1])
                        continue
                    if message[0] == "start":
                        worker.current = message[1]
                        worker.started_at = time.monotonic()
                        continue
                    _, index, result = message
                    worker.pending.remove(index)
                    worker.current = None
                    yield index, result
                    if not worker.pending:
                        feed(worker)
                elif (
                    worker.current is not None
                    and time.monotonic() - worker.started_at >= timeout
                ):
                    worker.stop(kill=True)
                    reason = f"checking took longer than timeout-per-file ({timeout:g} s)"
                    yield from _replace(worker, workers, context, args, items, todo,
                                        on_failure, reason, killed=True)
                    feed(workers[-1])
    finally:
        for worker in workers:
            worker.stop()


def _death(worker: _Worker) -> str:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    if code is not None and code < 0:
        return f"the checker crashed on this file (signal {-code})"
    return f"the checker crashed on this file (exit status {code})"


def _replace(
    worker: _Worker,
    workers: list[_Worker],
    context: Any,
    args: tuple[Any, ...],
    items: list[Any],
    todo: deque[int],
    on_failure: Callable[[Any, str], Any],
    reason: str,
    killed: bool = False,
) -> Iterator[tuple[int, Any]]:
    """Give the failed file its finding, requeue the rest, start a new worker."""
    failed = worker.current if worker.current is not None else worker.pending[0]
    rest = [i for i in worker.pending if i != failed]
    if not killed:
        worker.stop(kill=True)
    workers.remove(worker)
    todo.extendleft(reversed(rest))
    workers.append(_Worker(context, args))
    yield failed, on_failure(items[failed], reason)
