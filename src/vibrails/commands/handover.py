"""Hand a ``vibrails check`` over to the check server, if one is running.

An editor or a pre-commit hook checks a file or two at a time, each in a new
process, and most of such a process's time goes to imports: libcst's alone
costs more than flake8's whole run. ``vibrails server start`` keeps a
process with those imports made (``commands/server.py``). For each run it
forks a child, which runs the very command line this process was given:
the same arguments, folder, environment and umask, and this process's own
standard input, output and error, passed over the socket as file
descriptors. So the output is byte for byte what the run prints by itself,
and colour and progress see this process's terminal; the exit status comes
back over the socket.

This module runs before anything else is imported, and costs a run that
finds no server one ``stat``: it imports only ``os`` and ``sys`` up front,
the sockets when there is a server to talk to. The server's folder must be
this user's own and closed to others, or it is not used.

Protocol (one Unix stream connection per request): the client sends a
header line ``VBR1 <kind> <length>`` with its three descriptors attached,
then ``length`` bytes of NUL-separated fields; the server answers in lines:
``pid N`` when the child starts, ``exit N`` when it is done, ``stale IDLE``
when it was started for other code (it then stops; the client runs the
check itself and starts a new server), ``died N`` when the child was
killed by signal N.
"""

from __future__ import annotations

import os
import sys

from vibrails import __version__
from vibrails.core.installation import PACKAGE, own_files

TYPE_CHECKING = False  # not ``typing``'s: importing typing costs 10 ms
if TYPE_CHECKING:
    import _socket

MAGIC = b"VBR1"
#: Seconds a server stays up without a request (``vibrails server start --idle-timeout``).
DEFAULT_IDLE = 1800.0
#: Set (to anything but empty) to run every check in its own process.
NO_SERVER = "VIBRAILS_NO_SERVER"
#: The folder of the sockets, instead of ``$XDG_RUNTIME_DIR/vibrails-UID``.
SERVER_DIR = "VIBRAILS_SERVER_DIR"


def server_dir() -> str:
    """The folder of this user's servers."""
    chosen = os.environ.get(SERVER_DIR)
    if chosen:
        return os.path.abspath(chosen)
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(base, f"vibrails-{os.getuid()}")


def unsafe_reason(folder: str) -> str | None:
    """Why ``folder`` must not hold a server's socket (``None``: it may).

    Anyone who can write there could stand in for the server and read what
    the checks print, so it must be a real folder of this user, closed to
    everyone else."""
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    if (info.st_mode & 0o170000) != 0o040000:
        return f"{folder} is not a folder"
    if info.st_uid != os.getuid():
        return f"{folder} belongs to another user"
    if info.st_mode & 0o077:
        return f"{folder} is open to other users (mode {info.st_mode & 0o777:o}; 700 is needed)"
    return None


def _interpreter() -> str:
    """The interpreter and its environment, however the program was started
    (``python -m vibrails``, or a script whose first line names ``python3``)."""
    return f"{os.path.realpath(sys.executable)}\t{sys.prefix}\t{sys.version}"


def _name_key() -> str:
    """One server per interpreter, interpreter flags, import path and
    installation folder: runs that would import different code (another
    ``PYTHONPATH``, say) never share a server, nor take turns replacing it."""
    import zlib

    key = "\0".join([_interpreter(), repr(sys.flags), PACKAGE, *sys.path[1:]]).encode(
        "utf-8", "surrogateescape")
    return f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


def socket_path(folder: str | None = None) -> str:
    return os.path.join(folder or server_dir(), _name_key() + ".sock")


def stamp() -> str:
    """What the code a run would execute is made of: the version, the
    interpreter, the import path (each folder's modification time: installing
    or removing a package changes it) and vibrails' own files. A server
    answers only clients whose stamp is its own. ``sys.path[0]``, the
    script's folder or the current one, is left out: vibrails' own modules
    never come from there."""
    parts = [__version__, _interpreter()]
    for entry in sys.path[1:]:
        try:
            parts.append(f"{entry}\t{os.stat(entry).st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}\t-")
    parts += [f"{name}\t{size}\t{mtime}" for name, size, mtime in own_files()]
    return "\n".join(parts)


def prog_name() -> str:
    """The program's name as the command line shows it in usage lines
    (``vibrails``, or ``python -m vibrails``), computed as click does."""
    main = sys.modules.get("__main__")
    package = getattr(main, "__package__", None)
    if package in {None, ""}:
        return os.path.basename(sys.argv[0])
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    module = str(package) if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def encode_request(args: list[str]) -> bytes:
    """The fields a server's child needs to be this process."""
    umask = os.umask(0)
    os.umask(umask)
    streams = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        streams += [getattr(stream, "encoding", None) or "utf-8",
                    getattr(stream, "errors", None) or "strict"]
    fields = [stamp(), prog_name(), sys.argv[0], os.getcwd(), str(umask), *streams,
              str(len(args)), *args, *(f"{k}={v}" for k, v in os.environ.items())]
    return b"\0".join(os.fsencode(field) for field in fields)


def decode_request(data: bytes) -> dict[str, object]:
    """The inverse of :func:`encode_request`."""
    fields = [os.fsdecode(field) for field in data.split(b"\0")]
    count = int(fields[11])
    args = fields[12:12 + count]
    env = dict(item.split("=", 1) for item in fields[12 + count:] if "=" in item)
    return {"stamp": fields[0], "prog": fields[1], "argv0": fields[2], "cwd": fields[3],
            "umask": int(fields[4]), "streams": fields[5:11], "args": args, "env": env}


#: ``VBR1 <kind, 6 wide> <length, 12 digits>\n``: fixed, so the server reads
#: the header, descriptors attached, without reading into the fields.
HEADER_SIZE = 25


def header(kind: str, length: int) -> bytes:
    return b"%s %-6s %012d\n" % (MAGIC, kind.encode(), length)


def connect(path: str) -> _socket.socket | None:
    """A connection to the server at ``path``, or ``None`` if none answers.

    The C module ``_socket``, not ``socket``: this is all the client needs of
    it, and ``socket`` (with ``enum`` and ``selectors``) costs 7 ms to import."""
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def read_line(sock: _socket.socket, buffer: bytearray) -> bytes:
    """The next line the server sent (without a newline at the end of the stream)."""
    while b"\n" not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buffer += chunk
    end = buffer.index(b"\n") + 1 if b"\n" in buffer else len(buffer)
    line = bytes(buffer[:end])
    del buffer[:end]
    return line


def ask(path: str, kind: str) -> str | None:
    """A request without a run (``status``, ``stop``): the server's answer."""
    sock = connect(path)
    if sock is None:
        return None
    try:
        sock.sendall(header(kind, 0))
        return read_line(sock, bytearray()).decode("utf-8", "replace").strip()
    except OSError:
        return None
    finally:
        sock.close()


def spawn_server(path: str, idle: float) -> object:
    """Start a server for ``path`` in the background, detached from this
    process's session and terminal; its errors go to ``<path>.log``."""
    import subprocess

    log = open(path.removesuffix(".sock") + ".log", "wb")
    with log:
        return subprocess.Popen(
            [sys.executable, *subprocess._args_from_interpreter_flags(),  # type: ignore[attr-defined]
             "-c", "from vibrails.commands.server import serve_main; serve_main()",
             path, str(idle)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            cwd=os.path.dirname(path), start_new_session=True, close_fds=True,
        )


def hand_over(args: list[str]) -> int | None:
    """Run ``vibrails <args>`` on the server: its exit status, or ``None``
    when there is no usable server and the run must happen here."""
    if not hasattr(os, "getuid") or not hasattr(os, "fork"):
        return None  # Windows: no server
    folder = server_dir()
    if not os.path.isdir(folder) or unsafe_reason(folder) is not None:
        return None
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            return None  # a closed standard stream cannot be passed on
    path = socket_path(folder)
    sock = connect(path)
    if sock is None:
        return None
    forwarder = _Forwarder()  # from now on, an interrupt is kept for the child
    try:
        code = _run(path, sock, args, forwarder)
    finally:
        sock.close()
    if code is None:
        forwarder.restore()
    return code


def _run(path: str, sock: _socket.socket, args: list[str], forwarder: _Forwarder) -> int | None:
    import _socket

    replies = bytearray()
    try:
        request = encode_request(args)
        descriptors = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))  # C ints
        sock.sendmsg([header("run", len(request))],
                     [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, descriptors)])
        sock.sendall(request)
        first = read_line(sock, replies)
    except OSError:
        return None
    if first.startswith(b"stale"):
        idle = float(first.split()[1]) if len(first.split()) > 1 else DEFAULT_IDLE
        try:
            spawn_server(path, idle)
        except OSError:
            pass
        return None
    if not first.startswith(b"pid "):
        return None  # nothing ran yet: run here
    forwarder.start(int(first.split()[1]))
    try:
        last = read_line(sock, replies)
    except OSError:
        last = b""
    if last.startswith(b"exit "):
        return int(last.split()[1])
    if last.startswith(b"died "):
        why = f"was killed by signal {int(last.split()[1])}"
    else:
        why = "ended without an exit status"
    print(f"vibrails: error: the check server's run {why}; "
          f"set {NO_SERVER}=1 to run checks without it", file=sys.stderr)
    return 2


class _Forwarder:
    """Interrupts (Ctrl-C, a terminal closed, an editor's kill) that reach
    this process while its run is handed over go to the server's child; one
    that comes before the child is known waits for it."""

    def __init__(self) -> None:
        import _signal  # type: ignore[import-not-found,unused-ignore]  # ``signal`` imports enum

        self._signal = _signal
        self.pid: int | None = None
        self.pending: list[int] = []
        self.previous = {signum: _signal.signal(signum, self._on_signal)
                         for signum in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)}

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.pid is None:
            self.pending.append(signum)
            return
        try:
            os.kill(self.pid, signum)
        except OSError:
            pass

    def start(self, pid: int) -> None:
        self.pid = pid
        for signum in self.pending:
            self._on_signal(signum, None)

    def restore(self) -> None:
        """The run happens here after all: the usual handlers again, and an
        interrupt kept so far delivered to them."""
        for signum, handler in self.previous.items():
            self._signal.signal(signum, handler)
        for signum in self.pending:
            os.kill(os.getpid(), signum)
