"""``vibrails server start|stop|status``: a process that keeps the imports made.

The server imports what a check needs (libcst, the rules, the catalogue,
the tagging patterns, the report formats) once, then waits on a Unix
socket. For each ``vibrails check`` handed over (``commands/handover.py``)
it forks a child; the child takes on the client's descriptors, folder,
environment and umask and runs the command line as the client would have,
so nothing is shared between runs but what was imported before the first.
The server answers only its own user (the socket's folder is closed to
others, and on Linux the peer's user is checked too) and only clients of the
same code (the stamp); it stops after ``--idle-timeout`` seconds without a
request, on ``vibrails server stop``, and when a client of newer code
arrives. It never executes the code it checks: its children run ``check``.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import struct
import sys
import time
from typing import Any

import click

from vibrails.commands.handover import (
    DEFAULT_IDLE,
    HEADER_SIZE,
    MAGIC,
    NO_SERVER,
    ask,
    decode_request,
    server_dir,
    socket_path,
    spawn_server,
    stamp,
    unsafe_reason,
)

#: The command-line modules a check uses; the other commands are not preloaded.
_CHECK_COMMANDS = frozenset({"cli", "check", "common", "fix", "showfiles", "handover"})
#: Modules the checks import inside functions, preloaded too.
_LAZY_IMPORTS = ("astroid", "astroid.manager", "astroid.rebuilder", "libcst.metadata",
                 "multiprocessing", "multiprocessing.connection", "tempfile", "difflib",
                 "hashlib", "json", "pickle", "subprocess", "codecs", "fcntl")


def supported() -> str | None:
    """Why this platform cannot run a server (``None``: it can)."""
    if not all(hasattr(socket, name) for name in ("AF_UNIX", "send_fds")) or not all(
            hasattr(os, name) for name in ("fork", "getuid")):
        return "the check server needs Unix sockets and fork (Linux, macOS)"
    return None


def _warm_up() -> None:
    """Import what a check imports, and build what every check builds."""
    import gc
    import importlib
    import pkgutil

    import vibrails

    for info in pkgutil.walk_packages(vibrails.__path__, "vibrails."):
        name = info.name
        if name.startswith("vibrails.verify") or name == "vibrails.__main__":
            continue
        if name.startswith("vibrails.commands.") and name.rsplit(".", 1)[1] not in _CHECK_COMMANDS:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            continue
    for name in _LAZY_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    _check_examples()
    gc.collect()
    gc.freeze()  # the children's first collection does not touch every page


def _check_examples() -> None:
    """Tag and check every catalogue example here, results dropped, so that
    what rules, tagging and libcst build on first use (regular expressions,
    tables, grammar) is built once for all children. Never the checked
    project's files: the examples are vibrails' own."""
    import contextlib
    import functools
    import io
    import tempfile
    from pathlib import Path

    from vibrails.config import Config, validate
    from vibrails.core.catalogue import load_catalogue
    from vibrails.core.selection import Selection
    from vibrails.discover import Discovered
    from vibrails.engine.run import check_file, tag_text
    from vibrails.tagging.assistants import assistants
    from vibrails.tagging.signatures import _patterns

    patterns = _patterns(assistants())
    for name, value in vars(type(patterns)).items():
        if isinstance(value, functools.cached_property):
            getattr(patterns, name)
    values, _ = validate({}, "warm-up")
    selection = Selection.build(["VBR"], [], [], {})
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        plain = Config(root=root, source=None, values=values).settings()
        assumed = Config(root=root, source=None, values={**values, "assume-ai": True}).settings()
        path = root / "example.py"
        item = Discovered(path=path, display="example.py", project_path="example.py")
        for info in load_catalogue().values():
            for example in info.examples:
                if example.before is not None:
                    continue
                try:
                    path.write_bytes(example.content())
                    tag_text("example.py", example.content().decode("utf-8", "replace"), plain)
                    check_file(item, assumed, selection)
                except Exception:
                    continue
        # Then the whole command, twice (the second run from the cache): the
        # configuration, discovery's globs, the cache and the report.
        (root / "pyproject.toml").write_text("[tool.vibrails]\n", "utf-8")
        path.write_text("# Generated with Claude Code\ndef f(items=[]):\n    return items\n",
                        "utf-8")
        from vibrails.commands.cli import main

        for _ in range(2):
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                try:
                    main.main(args=["check", "--jobs", "1", "--cache-dir", str(root / "cache"),
                                    str(root)], prog_name="vibrails", standalone_mode=False)
                except (Exception, SystemExit):
                    pass


def serve_main() -> None:
    """Entry of the server process: ``python -c ... PATH IDLE``."""
    path, idle = sys.argv[1], float(sys.argv[2])
    own = stamp()  # before the import path is touched
    if sys.path and sys.path[0] in ("", "."):
        del sys.path[0]  # the server's folder holds sockets, not modules
    serve(path, idle, own)


def serve(path: str, idle: float, own: str) -> None:
    import fcntl

    lock = open(path.removesuffix(".sock") + ".lock", "a+b")
    deadline = time.monotonic() + 10  # a server told to stop may take a moment to go
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                return  # another server holds this socket
            time.sleep(0.05)
    _warm_up()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    Server(listener, path, idle, own, lock.fileno()).loop()


class Server:
    def __init__(self, listener: socket.socket, path: str, idle: float, own: str,
                 lock: int) -> None:
        self.listener = listener
        self.lock = lock
        self.path = path
        self.idle = idle
        self.own = own
        self.started = time.time()
        self.served = 0
        self.running: dict[int, socket.socket] = {}  # child pid → its client
        self.watched: dict[socket.socket, int] = {}  # clients still connected → child pid
        self.stopping = False
        signal.signal(signal.SIGTERM, self._on_term)

    def _on_term(self, _signum: int, _frame: Any) -> None:
        self.stopping = True

    def loop(self) -> None:
        last = time.monotonic()
        try:
            while not self.stopping:
                ready, _, _ = select.select([self.listener, *self.watched], [], [], 0.5)
                for sock in ready:
                    if sock is self.listener:
                        self._accept()
                        last = time.monotonic()
                    else:
                        self._client_gone(sock)
                self._reap()
                if not self.running and time.monotonic() - last > self.idle:
                    break
        finally:
            self._close()

    def _close(self) -> None:
        try:  # the lock is still held: no other server can have bound this path
            os.unlink(self.path)
        except OSError:
            pass
        self.listener.close()

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        try:
            self._answer(conn)
        except (OSError, ValueError, IndexError, UnicodeError):
            conn.close()

    def _answer(self, conn: socket.socket) -> None:
        # A client sends its request at once; one that does not holds up the
        # others for two seconds at most.
        conn.settimeout(2)
        if hasattr(socket, "SO_PEERCRED"):
            _, uid, _ = struct.unpack("3i", conn.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
            if uid != os.getuid():
                conn.close()
                return
        line, fds = _read_header(conn)
        try:  # the descriptors received are the child's; the server closes its copies
            self._dispatch(conn, line, fds)
        finally:
            for fd in fds:
                os.close(fd)

    def _dispatch(self, conn: socket.socket, line: bytes, fds: list[int]) -> None:
        parts = line.split()
        if len(parts) != 3 or parts[0] != MAGIC:
            raise ValueError("not a vibrails request")
        kind, length = parts[1].decode("ascii"), int(parts[2])
        if kind == "status":
            conn.sendall(f"running pid={os.getpid()} served={self.served} "
                         f"started={int(self.started)} idle={self.idle:g}\n".encode())
            conn.close()
            return
        if kind == "stop":
            conn.sendall(b"stopping\n")
            conn.close()
            self.stopping = True
            return
        if kind != "run" or len(fds) != 3:
            raise ValueError("not a run")
        request = decode_request(_read_exactly(conn, length))
        if request["stamp"] != self.own:
            conn.sendall(f"stale {self.idle:g}\n".encode())
            conn.close()
            self.stopping = True  # a newer installation: its client starts its own server
            return
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; covered by the server tests' output
            _child(conn, fds, request, [self.listener, *self.running.values()], self.lock)
        self.served += 1
        self.running[pid] = conn
        self.watched[conn] = pid

    def _client_gone(self, conn: socket.socket) -> None:
        """The client closed its end (killed, or the editor gave up): stop its run."""
        try:
            data = conn.recv(1)
        except OSError:
            data = b""
        if data:
            return  # a client sends nothing after its request; ignore it
        pid = self.watched.pop(conn)
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass

    def _reap(self) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.running.pop(pid, None)
            if conn is None:
                continue
            self.watched.pop(conn, None)
            if os.WIFSIGNALED(status):
                # Its workers (its process group) would go on, holding the
                # client's output open: the editor would wait for them.
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    conn.sendall(f"died {os.WTERMSIG(status)}\n".encode())
                except OSError:
                    pass
            conn.close()


def _read_header(conn: socket.socket) -> tuple[bytes, list[int]]:
    """The request's header line and the descriptors sent with it."""
    data, fds, _, _ = socket.recv_fds(conn, HEADER_SIZE, 3)
    if not data:
        raise ValueError("no request")
    return (data + _read_exactly(conn, HEADER_SIZE - len(data))).rstrip(b"\n"), list(fds)


def _read_exactly(conn: socket.socket, length: int) -> bytes:
    chunks: list[bytes] = []
    while length > 0:
        chunk = conn.recv(min(length, 1 << 16))
        if not chunk:
            raise ValueError("truncated request")
        chunks.append(chunk)
        length -= len(chunk)
    return b"".join(chunks)


def _child(conn: socket.socket, fds: list[int], request: dict[str, Any],
           others: list[socket.socket], lock: int) -> None:  # pragma: no cover
    """Become the client's run: its streams, folder, environment; then ``vibrails ARGS``."""
    code = 2
    try:
        os.setpgid(0, 0)
        os.close(lock)  # a server started after this one stops must get it
        for other in others:
            other.close()
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.umask(request["umask"])
        os.environ.clear()
        os.environ.update(request["env"])
        enc = request["streams"]
        sys.stdin = open(0, encoding=enc[0], errors=enc[1], closefd=False)
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1,
                          encoding=enc[2], errors=enc[3], closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding=enc[4], errors=enc[5],
                          closefd=False)
        sys.argv = [request["argv0"], *request["args"]]
        import tempfile

        tempfile.tempdir = None  # found again from the client's environment
        conn.settimeout(None)
        conn.sendall(f"pid {os.getpid()}\n".encode())
        code = _run(request["args"], request["prog"])
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        try:
            conn.sendall(f"exit {code}\n".encode())
        except OSError:
            pass
        os._exit(code)


def _run(args: list[str], prog: str) -> int:  # pragma: no cover - in the child
    from vibrails.commands.cli import main

    code: object = 0
    try:
        main.main(args=args, prog_name=prog)  # standalone: it always ends in SystemExit
    except SystemExit as exc:
        code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@click.group()
def server() -> None:
    """A process that keeps the imports made, so that a check of one file
    (an editor's, a hook's) does not pay for them each time."""


@server.command()
@click.option("--idle-timeout", type=click.FloatRange(min=0, min_open=True),
              default=DEFAULT_IDLE, show_default=True,
              help="Seconds without a check after which the server stops.")
def start(idle_timeout: float) -> None:
    """Start the server (replacing a running one); `vibrails check` hands
    its runs to it from then on."""
    problem = supported()
    folder = server_dir()
    if problem is None:
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            problem = f"cannot create {folder}: {exc.strerror}"
        else:
            problem = unsafe_reason(folder)
    if problem is not None:
        click.echo(f"vibrails: error: {problem}", err=True)
        sys.exit(2)
    path = socket_path(folder)
    ask(path, "stop")  # one already running is replaced: it may run older code
    process: Any = spawn_server(path, idle_timeout)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = ask(path, "status")
        if answer is not None and answer.startswith("running"):
            click.echo(f"vibrails server: {answer} at {path}; `vibrails check` uses it "
                       f"(set {NO_SERVER}=1 not to); it stops after {idle_timeout:g} s idle")
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log = path.removesuffix(".sock") + ".log"
    click.echo(f"vibrails: error: the server did not start; see {log}", err=True)
    sys.exit(2)


@server.command()
def stop() -> None:
    """Stop the server (runs it started finish)."""
    if supported() is not None:
        click.echo("vibrails server: not running")
        return
    path = socket_path()
    answer = ask(path, "stop")
    if answer is None:
        click.echo("vibrails server: not running")
        return
    deadline = time.monotonic() + 10
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    click.echo("vibrails server: stopped")


@server.command()
def status() -> None:
    """Say whether the server runs (exit 0) or not (exit 1)."""
    problem = supported()
    if problem is not None:
        click.echo(f"vibrails server: not running: {problem}")
        sys.exit(1)
    folder = server_dir()
    problem = unsafe_reason(folder) if os.path.isdir(folder) else None
    if problem is not None:
        click.echo(f"vibrails server: not used: {problem}")
        sys.exit(1)
    path = socket_path(folder)
    answer = ask(path, "status")
    if answer is None or not answer.startswith("running"):
        click.echo("vibrails server: not running")
        sys.exit(1)
    click.echo(f"vibrails server: {answer} at {path}")
