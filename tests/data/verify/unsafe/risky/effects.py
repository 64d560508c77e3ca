"""Contracted functions with effects a verification must not let out (written by an assistant)."""

import os
import signal
import socket
import subprocess
import sys

import icontract

#: Where `export` writes: the containment test points it outside the worker's folder.
TARGET = os.environ.get("RISKY_EXPORT", "/nonexistent/export.txt")


@icontract.ensure(lambda result: result >= 0)
def spin(n: int) -> int:  # expect: VBR107
    """Hangs in Python code: the worker's alarm stops it."""
    while True:
        n += 1


@icontract.ensure(lambda result: result >= 0)
def stubborn(n: int) -> int:  # expect: VBR107
    """Hangs with the alarm blocked: the parent stops the worker."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        n += 1


@icontract.ensure(lambda result: result == 0)
def shutdown(code: int) -> int:  # expect: VBR107
    if code != 0:
        sys.exit(code)
    return 0


@icontract.ensure(lambda result: result >= 0)
def export(total: int) -> int:  # expect: VBR107
    with open(TARGET, "w", encoding="utf-8") as out:
        out.write(str(total))
    return abs(total)


@icontract.ensure(lambda result: result >= 0)
def remove_report(total: int) -> int:  # expect: VBR107
    os.remove(TARGET)
    return abs(total)


@icontract.ensure(lambda result: result >= 0)
def crash(n: int) -> int:  # expect: VBR107
    os._exit(3)


@icontract.ensure(lambda result: result == 0)
def shell(n: int) -> int:  # expect: VBR107
    return subprocess.call(["true"])


@icontract.ensure(lambda result: result >= 0)
def split(n: int) -> int:  # expect: VBR107
    if os.fork() == 0:
        os._exit(0)
    return abs(n)


@icontract.ensure(lambda result: result >= 0)
def dial(port: int) -> int:  # expect: VBR107
    with socket.create_connection(("192.0.2.1", 80), timeout=1):
        return 1


@icontract.ensure(lambda result: result >= 0)
def harmless(n: int) -> int:
    """Runs after all the others in the same module: still verified."""
    return abs(n)
