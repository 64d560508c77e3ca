"""Timing and peak memory of one command and its process tree.

Wall time is measured around ``Popen`` … ``os.wait4``. Memory comes from two
sources, both per command (never the harness's cumulative
``getrusage(RUSAGE_CHILDREN)``, whose ``ru_maxrss`` is the maximum over every
child the harness ever waited for):

- ``os.wait4`` of the command's own process: its rusage carries the peak RSS
  of the largest single process in the tree — the command itself or any
  descendant it waited for (the kernel keeps the maximum, not the sum) —
  and the CPU time of all of them. This is what ``/usr/bin/time -v`` prints,
  without needing that program.
- A sampler thread that walks the tree every 25 ms through
  ``/proc/<pid>/task/<tid>/children`` and reads ``/proc/<pid>/status``: the
  peak of the summed ``VmRSS`` of the tree (pages shared after ``fork`` are
  counted once per process, so this overstates real use), and the largest
  ``VmHWM`` of any process other than the command itself (its workers).
  A process that lives less than 25 ms may be missed.

Other load: the machine's busy CPU time (``/proc/stat``) during the command,
minus the command's own CPU time and the harness's, divided by the wall time:
how many cores other processes took while the command ran. On a machine
shared with other work, a sample with other load is slower than it should
be; :func:`settle` can wait for a quiet moment before a command.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_INTERVAL = 0.025


@dataclass(frozen=True)
class Sample:
    wall: float
    #: User + system CPU seconds of the whole tree (from ``wait4``).
    cpu: float
    #: Peak RSS of the largest single process (kB, from ``wait4``).
    maxrss_kb: int
    #: Peak RSS (VmHWM) of the largest process other than the root (kB, sampled).
    worker_kb: int
    #: Peak of the summed VmRSS of the tree (kB, sampled).
    tree_kb: int
    #: Processes seen in the tree (sampled), the root included.
    processes: int
    returncode: int
    #: Cores used by other processes on the machine during the command.
    other_load: float = 0.0


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (0 if unknown)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user/nice
    return (sum(fields) - idle - guest) / _TICK


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def settle(max_wait: float, threshold: float = 0.3, window: float = 1.0) -> float:
    """Wait (at most ``max_wait`` s) until other processes use < ``threshold`` cores.

    Returns the other load of the last window.
    """
    deadline = time.monotonic() + max_wait
    while True:
        busy, own, started = busy_seconds(), _own_cpu(), time.monotonic()
        time.sleep(window)
        elapsed = time.monotonic() - started
        load = max(0.0, (busy_seconds() - busy) - (_own_cpu() - own)) / elapsed
        if load < threshold or time.monotonic() >= deadline:
            return load


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
        except OSError:
            continue
    return out


def _children_by_scan(pid: int) -> list[int]:
    """Fallback for kernels without ``/proc/<pid>/task/<tid>/children``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry))
    return out


def _memory(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` in kB, zeros when the process is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


class _Sampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.stop = threading.Event()
        self.tree_kb = 0
        self.worker_kb = 0
        self.seen: set[int] = set()
        self.children = (
            _children if os.path.exists(f"/proc/{root}/task/{root}/children")
            else _children_by_scan
        )

    def run(self) -> None:
        while not self.stop.is_set():
            pids = [self.root]
            index = 0
            while index < len(pids):
                pids += self.children(pids[index])
                index += 1
            total = 0
            for pid in pids:
                rss, hwm = _memory(pid)
                total += rss
                if pid != self.root and rss:
                    self.worker_kb = max(self.worker_kb, hwm)
                if rss:
                    self.seen.add(pid)
            self.tree_kb = max(self.tree_kb, total)
            self.stop.wait(_INTERVAL)


def measure(
    argv: Sequence[str | Path],
    cwd: Path,
    stdout: Path,
    stderr: Path,
    env: Mapping[str, str] | None = None,
) -> Sample:
    """Run ``argv`` in ``cwd``, its output to files; time it and its memory."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        busy, own = busy_seconds(), _own_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(a) for a in argv], cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
        )
        sampler = _Sampler(proc.pid)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        busy, own = busy_seconds() - busy, _own_cpu() - own
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(
        wall=wall,
        cpu=cpu,
        maxrss_kb=usage.ru_maxrss,
        worker_kb=sampler.worker_kb,
        tree_kb=sampler.tree_kb,
        processes=len(sampler.seen),
        returncode=proc.returncode,
        other_load=max(0.0, busy - cpu - own) / wall if busy else 0.0,
    )
