"""What a verification worker may do: its containment, installed before the code under test loads.

``vibrails verify`` imports and runs the code it verifies. Each worker
process (:mod:`vibrails.verify.worker`) seals itself first:

* its memory is capped (``RLIMIT_AS``) and it has no core dumps;
* it works in its own temporary folder (the current folder, ``HOME`` and
  ``TMPDIR``), with no standard input;
* a Python audit hook (:pep:`578`) refuses, with ``PermissionError``:
  opening a file for writing, and creating, removing, renaming or changing
  files, outside that folder; starting or signalling a process (``fork``,
  ``exec``, ``subprocess``, ``os.system``, ``os.kill``); and any network
  connection, listening socket or name lookup. Each refusal is recorded,
  and reported as a finding on the function that tried.

Ending the process (``sys.exit`` is caught by the probe; ``os._exit``, a
crash, or a hang that ignores the worker's alarm) is the parent's to
notice: it stops the worker, reports the function it was verifying, and
goes on with the others in a new worker. The wall-clock limit per function
is the parent's too.

This guards against accidents (a function that deletes a file, posts to a
server, or calls ``sys.exit``), not against code written to escape: an
audit hook can be evaded from C (``ctypes``). Verify only code you would
run in its test suite.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

#: What the code under test tried and was refused, in order (the worker
#: reads and clears it after each function).
refused: list[str] = []

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_PROCESS_EVENTS = {
    "os.fork": "start a process (os.fork)",
    "os.forkpty": "start a process (os.forkpty)",
    "os.exec": "replace the process (os.exec*)",
    "os.posix_spawn": "start a process (os.posix_spawn)",
    "os.spawn": "start a process (os.spawn*)",
    "os.system": "run a shell command (os.system)",
    "subprocess.Popen": "start a process (subprocess)",
    "os.kill": "send a signal (os.kill)",
    "os.killpg": "send a signal (os.killpg)",
    "pty.spawn": "start a process (pty.spawn)",
}
_NETWORK_EVENTS = {
    "socket.connect": "open a network connection",
    "socket.bind": "listen on a socket",
    "socket.sendto": "send over the network",
    "socket.sendmsg": "send over the network",
    "socket.getaddrinfo": "look up a host name",
    "socket.gethostbyname": "look up a host name",
    "socket.gethostbyaddr": "look up a host name",
}
#: File events whose first argument is a path changed by the call.
_PATH_EVENTS = {
    "os.remove": "remove", "os.rmdir": "remove", "os.mkdir": "create",
    "os.rename": "rename", "os.chmod": "change", "os.chown": "change",
    "os.truncate": "truncate", "os.utime": "change", "os.link": "link",
    "os.symlink": "link", "shutil.rmtree": "remove", "shutil.move": "move",
    "shutil.copyfile": "write", "os.removexattr": "change", "os.setxattr": "change",
}


def seal(folder: str, memory_bytes: int | None) -> None:
    """Contain this process (see the module's text); call once, before any
    code under test is imported."""
    folder = os.path.realpath(folder)
    os.chdir(folder)
    os.environ["HOME"] = folder
    os.environ["TMPDIR"] = folder
    import tempfile

    tempfile.tempdir = folder
    sys.dont_write_bytecode = True
    try:
        import resource

        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass
    try:
        sys.stdin.close()
    except Exception:  # pragma: no cover
        pass
    sys.addaudithook(_hook(folder))


def _hook(folder: str) -> Callable[[str, tuple[Any, ...]], None]:
    prefix = folder + os.sep
    busy = [False]

    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return True  # an open descriptor: where it points was judged when it was opened
        try:
            name = os.fsdecode(path)
        except TypeError:
            return True
        if busy[0]:
            return True
        busy[0] = True
        try:
            full = os.path.realpath(name)
        finally:
            busy[0] = False
        return full == folder or full.startswith(prefix) or full == os.devnull

    def refuse(what: str) -> None:
        refused.append(what)
        raise PermissionError(f"vibrails verify: refused to {what}")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = ([*list(args), None, None, 0])[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writes and path is not None and not inside(path):
                refuse(f"write {os.fsdecode(path)}")
        elif event in _PATH_EVENTS:
            if event in ("os.rename", "shutil.move"):
                paths = args[:2]  # both the old name and the new one change
            elif event in ("os.link", "os.symlink", "shutil.copyfile"):
                paths = args[1:2]  # the new file
            else:
                paths = args[:1]
            for path in paths:
                if path is not None and not inside(path):
                    refuse(f"{_PATH_EVENTS[event]} {os.fsdecode(path)}")
        elif event in _PROCESS_EVENTS:
            refuse(_PROCESS_EVENTS[event])
        elif event in _NETWORK_EVENTS:
            refuse(_NETWORK_EVENTS[event])

    return hook
