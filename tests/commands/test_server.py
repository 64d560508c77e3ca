"""The check server (``vibrails server``): a run handed over prints what the
run prints by itself, byte for byte; the server answers only its own code
and its own user, stops when told, when idle, and when its code changes; an
interrupted or abandoned run stops too."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from util import BASKET, write

from vibrails.commands import handover

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "send_fds") or not hasattr(os, "fork"), reason="Unix only"
)

#: Runs ``hand_over`` as ``python -m vibrails`` would; 99 means "not handed over".
HAND_OVER = ("import sys; from vibrails.commands.handover import hand_over; "
             "sys.modules['__main__'].__package__ = 'vibrails'; sys.argv[0] = '__main__.py'; "
             "code = hand_over(sys.argv[1:]); sys.exit(99 if code is None else code)")
MARKED = "# Generated with Claude Code\n" + BASKET
#: Servers a failed test leaves behind go away on their own, soon.
IDLE = ("--idle-timeout", "120")
#: A file libcst takes many seconds to parse: a run that is still going.
SLOW = "# Generated with Claude Code\nx = " + " + ".join(["1"] * 8000) + "\n"


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"NO_COLOR", "FORCE_COLOR", handover.NO_SERVER}}
    env[handover.SERVER_DIR] = str(folder)
    env.update(extra)
    return env


def _vibrails(*args: str, cwd: Path, env: dict[str, str], stdin: str = "",
              program: tuple[str, ...] = ("-m", "vibrails")) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, *program, *args], cwd=cwd, env=env,
                          input=stdin.encode(), capture_output=True, timeout=120, check=False)


def _status(env: dict[str, str], cwd: Path) -> dict[str, str]:
    done = _vibrails("server", "status", cwd=cwd, env=env)
    if done.returncode != 0:
        return {}
    return dict(part.split("=", 1) for part in done.stdout.decode().split() if "=" in part)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    folder = tmp_path / "servers"
    env = _env(folder)
    started = _vibrails("server", "start", *IDLE, cwd=tmp_path, env=env)
    assert started.returncode == 0, started.stderr.decode()
    assert b"running pid=" in started.stdout
    yield env
    _vibrails("server", "stop", cwd=tmp_path, env=env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "proj", {
        "pyproject.toml": "[tool.vibrails]\nper-file-ignores = { 'b.py' = ['VBR304'] }\n",
        "a.py": MARKED,
        "b.py": MARKED,
        "plain.py": BASKET,
        "pkg/c.py": "# Generated with Claude Code\ndef f(x):\n    return x\n",
    })


CASES = [
    ["check"],
    ["check", "a.py"],
    ["check", "--format", "json"],
    ["check", "--format", "sarif", "--no-cache"],
    ["check", "--statistics", "--select", "VBR301,VBR304"],
    ["check", "--show-files"],
    ["check", "--select", "VBR999"],       # a usage error: exit 2
    ["check", "--exit-zero", "pkg"],
    ["check", "--color", "always", "a.py"],
    ["check", "--fix", "--diff", "a.py"],
    ["check", "--help"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a[1:]) or "check")
def test_a_handed_over_run_prints_what_the_run_prints(
    server: dict[str, str], project: Path, args: list[str]
) -> None:
    alone = _vibrails(*args, cwd=project, env={**server, handover.NO_SERVER: "1"})
    before = int(_status(server, project)["served"])
    handed = _vibrails(*args, cwd=project, env=server, program=("-c", HAND_OVER))
    assert handed.returncode != 99, "the run was not handed over"
    assert (handed.returncode, handed.stdout, handed.stderr) == (
        alone.returncode, alone.stdout, alone.stderr)
    assert int(_status(server, project)["served"]) == before + 1


def test_the_program_hands_over_stdin_colour_and_output_files(
    server: dict[str, str], project: Path
) -> None:
    """Through ``python -m vibrails`` itself: standard input, the environment's
    colour, an output file written in the client's folder and umask."""
    runs = [
        (["check", "-", "--stdin-filename", "b.py"], {}, MARKED),
        (["check", "a.py"], {"FORCE_COLOR": "1"}, ""),
        (["check", "a.py", "--format", "sarif", "-o", "out.sarif"], {}, ""),
    ]
    before = int(_status(server, project)["served"])
    for args, extra, stdin in runs:
        alone = _vibrails(*args, cwd=project, env={**server, **extra, handover.NO_SERVER: "1"},
                          stdin=stdin)
        written = (project / "out.sarif").read_bytes() if "-o" in args else b""
        (project / "out.sarif").unlink(missing_ok=True)
        handed = _vibrails(*args, cwd=project, env={**server, **extra}, stdin=stdin)
        assert (handed.returncode, handed.stdout, handed.stderr) == (
            alone.returncode, alone.stdout, alone.stderr), args
        if "-o" in args:
            assert (project / "out.sarif").read_bytes() == written
    assert b"\x1b[" in _vibrails("check", "a.py", cwd=project,
                                 env={**server, "FORCE_COLOR": "1"}).stdout
    assert int(_status(server, project)["served"]) == before + len(runs) + 1


def test_a_handed_over_run_leaves_no_temporary_folder(
    server: dict[str, str], project: Path, tmp_path: Path
) -> None:
    """The child ends with ``os._exit`` (no exit handlers): what it made in the
    client's temporary folder (standard input is saved there) must still go."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = int(_status(server, project)["served"])
    handed = _vibrails("check", "-", "--stdin-filename", "a.py", cwd=project,
                       env={**server, "TMPDIR": str(scratch)}, stdin=MARKED)
    assert handed.returncode == 1
    assert b"a.py:" in handed.stdout
    assert int(_status(server, project)["served"]) == before + 1
    assert list(scratch.iterdir()) == []


_CLIENT = """
import atexit, sys
out = sys.argv[1]
def report():
    heavy = ["click", "libcst", "socket", "enum", "typing", "re", "vibrails.commands.cli"]
    with open(out, "w") as fh:
        fh.write(",".join(name for name in heavy if name in sys.modules))
atexit.register(report)
sys.argv = ["vibrails", *sys.argv[2:]]
from vibrails.commands.entry import main
main()
"""


def test_a_handed_over_run_imports_almost_nothing_in_the_client(
    server: dict[str, str], project: Path, tmp_path: Path
) -> None:
    """The client's imports are its latency: no click, no parser, not even the
    ``socket`` module (``_socket`` does), nor ``enum``, ``typing`` or ``re``."""
    loaded = tmp_path / "loaded.txt"
    done = subprocess.run([sys.executable, "-c", _CLIENT, str(loaded), "check", "a.py"],
                          cwd=project, env=server, capture_output=True, timeout=120)
    assert done.returncode == 1 and b"a.py:" in done.stdout, done.stderr
    assert loaded.read_text() == ""
    # A check with no server goes on to the command line, and does import it.
    subprocess.run([sys.executable, "-c", _CLIENT, str(loaded), "check", "a.py"], cwd=project,
                   env={**server, handover.NO_SERVER: "1"}, capture_output=True, timeout=120)
    assert "vibrails.commands.cli" in loaded.read_text().split(",")


def test_stop_and_status(server: dict[str, str], tmp_path: Path) -> None:
    pid = int(_status(server, tmp_path)["pid"])
    stopped = _vibrails("server", "stop", cwd=tmp_path, env=server)
    assert stopped.stdout == b"vibrails server: stopped\n"
    status = _vibrails("server", "status", cwd=tmp_path, env=server)
    assert (status.returncode, status.stdout) == (1, b"vibrails server: not running\n")
    assert not list(Path(server[handover.SERVER_DIR]).glob("*.sock"))
    _gone(pid)


def test_start_replaces_a_running_server(server: dict[str, str], tmp_path: Path) -> None:
    first = int(_status(server, tmp_path)["pid"])
    assert _vibrails("server", "start", *IDLE, cwd=tmp_path, env=server).returncode == 0
    assert int(_status(server, tmp_path)["pid"]) != first
    _gone(first)


def test_the_server_stops_when_idle(tmp_path: Path) -> None:
    env = _env(tmp_path / "servers")
    started = _vibrails("server", "start", "--idle-timeout", "0.5", cwd=tmp_path, env=env)
    assert started.returncode == 0, started.stderr.decode()
    pid = int(started.stdout.split(b"pid=")[1].split()[0])  # a status call may come too late
    _gone(pid)
    assert _status(env, tmp_path) == {}


def test_a_server_of_other_code_is_replaced(tmp_path: Path, project: Path) -> None:
    """Installing a package changes a folder on the import path: the server
    that runs the code from before says so and stops, the run happens in the
    client, and a new server takes over."""
    extra = tmp_path / "site"
    extra.mkdir()
    env = _env(tmp_path / "servers", PYTHONPATH=str(extra))
    assert _vibrails("server", "start", *IDLE, cwd=tmp_path, env=env).returncode == 0
    first = int(_status(env, tmp_path)["pid"])
    (extra / "newly_installed.py").write_text("", "utf-8")
    alone = _vibrails("check", cwd=project, env={**env, handover.NO_SERVER: "1"})
    handed = _vibrails("check", cwd=project, env=env, program=("-c", HAND_OVER))
    assert handed.returncode == 99, "a server of other code must not run the check"
    ran = _vibrails("check", cwd=project, env=env)
    assert (ran.returncode, ran.stdout, ran.stderr) == (alone.returncode, alone.stdout,
                                                        alone.stderr)
    _gone(first)
    deadline = time.monotonic() + 60
    while not _status(env, tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert int(_status(env, tmp_path)["pid"]) != first
    _vibrails("server", "stop", cwd=tmp_path, env=env)


def test_a_folder_open_to_others_is_not_used(
    server: dict[str, str], project: Path, tmp_path: Path
) -> None:
    folder = Path(server[handover.SERVER_DIR])
    folder.chmod(0o755)
    try:
        handed = _vibrails("check", cwd=project, env=server, program=("-c", HAND_OVER))
        assert handed.returncode == 99
        status = _vibrails("server", "status", cwd=tmp_path, env=server)
        assert status.returncode == 1
        assert b"open to other users (mode 755; 700 is needed)" in status.stdout
        start = _vibrails("server", "start", cwd=tmp_path, env=server)
        assert start.returncode == 2
        assert b"open to other users" in start.stderr
        alone = _vibrails("check", cwd=project, env={**server, handover.NO_SERVER: "1"})
        assert _vibrails("check", cwd=project, env=server).stdout == alone.stdout
    finally:
        folder.chmod(0o700)


def test_an_interrupt_reaches_the_run(server: dict[str, str], project: Path) -> None:
    """Ctrl-C in the client stops the run in the server as it stops one
    run alone: "interrupted", exit 130."""
    (project / "slow.py").write_text(SLOW, "utf-8")
    before = int(_status(server, project)["served"])
    client = subprocess.Popen([sys.executable, "-m", "vibrails", "check", "--no-cache",
                               "slow.py"], cwd=project, env=server,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_served(server, project, before + 1)
    time.sleep(0.5)
    client.send_signal(signal.SIGINT)
    _out, err = client.communicate(timeout=60)
    assert client.returncode == 130, err.decode()
    assert err.endswith(b"vibrails: interrupted\n")
    assert _children(int(_status(server, project)["pid"])) == []


def test_an_interrupt_before_the_child_is_known_waits_for_it() -> None:
    """Ctrl-C between the request and the child's answer is not lost: it goes
    to the child once known, or, when the run happens here after all, to this
    process's own handler."""
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE)
    assert sleeper.stdout is not None
    assert sleeper.stdout.readline() == b"ready\n"  # an interrupt before this is a traceback
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a program
    try:
        forwarder = handover._Forwarder()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs in this thread at once
        assert forwarder.pending == [signal.SIGINT]
        forwarder.start(sleeper.pid)
        assert sleeper.wait(timeout=10) == -signal.SIGINT
        with pytest.raises(KeyboardInterrupt):
            forwarder.restore()
            time.sleep(1)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, outer)
        sleeper.kill()
        sleeper.wait()


def test_an_abandoned_run_is_stopped(server: dict[str, str], project: Path) -> None:
    """An editor that kills its check (a timeout) leaves nothing running."""
    (project / "slow.py").write_text(SLOW, "utf-8")
    before = int(_status(server, project)["served"])
    pid = int(_status(server, project)["pid"])
    client = subprocess.Popen([sys.executable, "-m", "vibrails", "check", "--no-cache",
                               "slow.py"], cwd=project, env=server,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_served(server, project, before + 1)
    time.sleep(0.5)  # the child has forked its worker
    runs = _children(pid)
    assert runs
    client.kill()
    client.wait()
    deadline = time.monotonic() + 10  # the run alone would go on for far longer
    while _children(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(pid) == []
    for run in runs:  # its workers too
        _group_gone(run)


def test_a_run_killed_in_the_server_says_so(server: dict[str, str], project: Path) -> None:
    """A child that dies by a signal (the out-of-memory killer, say) is an
    error of the run, exit 2 with one line, not a silent success."""
    (project / "slow.py").write_text(SLOW, "utf-8")
    before = int(_status(server, project)["served"])
    pid = int(_status(server, project)["pid"])
    client = subprocess.Popen([sys.executable, "-m", "vibrails", "check", "--no-cache",
                               "slow.py"], cwd=project, env=server,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_served(server, project, before + 1)
    time.sleep(0.5)  # the child has answered with its pid: the run is under way
    runs = _children(pid)
    for child in runs:
        os.kill(child, signal.SIGKILL)
    _out, err = client.communicate(timeout=60)  # its workers do not hold the output open
    for run in runs:
        _group_gone(run)
    assert client.returncode == 2
    assert err == (b"vibrails: error: the check server's run was killed by signal 9; "
                   b"set VIBRAILS_NO_SERVER=1 to run checks without it\n")


def test_garbage_on_the_socket_does_not_stop_the_server(
    server: dict[str, str], tmp_path: Path
) -> None:
    status = _vibrails("server", "status", cwd=tmp_path, env=server).stdout.decode()
    path = status.rsplit(" at ", 1)[1].strip()  # the server's, not this test process's
    for junk in (b"", b"hello\n", b"VBR1 run    000000000010\nshort", b"\xff" * 100):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(junk)
    pid = int(_status(server, tmp_path)["pid"])
    opened = len(os.listdir(f"/proc/{pid}/fd")) if Path("/proc").is_dir() else 0
    # A run whose fields never come: the descriptors sent with it are closed.
    for _ in range(3):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            socket.send_fds(sock, [handover.header("run", 100)], [0, 1, 2])
            sock.sendall(b"too short")
    assert int(_status(server, tmp_path)["pid"]) == pid
    if opened:
        assert len(os.listdir(f"/proc/{pid}/fd")) == opened


def test_a_run_with_another_import_path_has_its_own_server(
    server: dict[str, str], project: Path, tmp_path: Path
) -> None:
    """Another ``PYTHONPATH`` imports other code: such a run is not handed
    to this server, and does not stop it either."""
    pid = int(_status(server, tmp_path)["pid"])
    (tmp_path / "site").mkdir()
    other = {**server, "PYTHONPATH": str(tmp_path / "site")}
    handed = _vibrails("check", cwd=project, env=other, program=("-c", HAND_OVER))
    assert handed.returncode == 99
    assert int(_status(server, tmp_path)["pid"]) == pid


def test_no_server_folder_costs_no_connection(tmp_path: Path, project: Path) -> None:
    env = _env(tmp_path / "missing")
    handed = _vibrails("check", cwd=project, env=env, program=("-c", HAND_OVER))
    assert handed.returncode == 99
    assert not (tmp_path / "missing").exists()


def test_start_on_a_platform_without_unix_sockets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from vibrails.commands.cli import main

    monkeypatch.delattr(socket, "send_fds")
    monkeypatch.setenv(handover.SERVER_DIR, str(tmp_path / "servers"))
    result = CliRunner().invoke(main, ["server", "start"])
    assert result.exit_code == 2
    assert "needs Unix sockets and fork" in result.output


def test_no_server_where_there_is_no_getuid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows: every check runs in its own process, and the commands say why."""
    from click.testing import CliRunner

    from vibrails.commands.cli import main

    monkeypatch.delattr(os, "getuid")
    assert handover.hand_over(["check"]) is None
    status = CliRunner().invoke(main, ["server", "status"])
    assert (status.exit_code, status.output) == (
        1, "vibrails server: not running: the check server needs Unix sockets and fork "
           "(Linux, macOS)\n")
    assert CliRunner().invoke(main, ["server", "stop"]).output == "vibrails server: not running\n"


_TEXT = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)))


@given(args=st.lists(_TEXT), env=st.dictionaries(
    _TEXT.filter(lambda k: k != "" and "=" not in k), _TEXT))
def test_a_request_decodes_to_what_was_encoded(args: list[str], env: dict[str, str]) -> None:
    old = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        request = handover.decode_request(handover.encode_request(args))
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert request["args"] == args
    assert request["env"] == env
    assert request["cwd"] == os.getcwd()
    assert request["stamp"] == handover.stamp()


def test_the_installation_stamp_sees_an_edited_module(tmp_path: Path) -> None:
    from vibrails.core import installation

    before = installation.own_files()
    module = Path(installation.PACKAGE) / "core" / "installation.py"
    info = module.stat()
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    try:
        assert installation.own_files() != before
    finally:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert installation.own_files() == before


def test_the_server_folder_is_private_when_created(tmp_path: Path) -> None:
    env = _env(tmp_path / "new" / "servers")
    assert _vibrails("server", "start", *IDLE, cwd=tmp_path, env=env).returncode == 0
    try:
        mode = stat.S_IMODE((tmp_path / "new" / "servers").stat().st_mode)
        assert mode == 0o700
    finally:
        _vibrails("server", "stop", cwd=tmp_path, env=env)


def _wait_served(env: dict[str, str], cwd: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while int(_status(env, cwd).get("served", 0)) < count:
        assert time.monotonic() < deadline, "the run never reached the server"
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    """The server's running children (Linux's /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if not path.exists():
        pytest.skip("needs /proc")
    return [int(p) for p in path.read_text().split()]


def _group_gone(pgid: int) -> None:
    """No process of the group ``pgid`` runs (zombies aside) within 10 s."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fields = [_stat_fields(p) for p in Path("/proc").iterdir() if p.name.isdigit()]
        if not [f for f in fields if f is not None and f[2] == str(pgid) and f[0] != "Z"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of group {pgid} still run")


def _stat_fields(proc: Path) -> list[str] | None:
    """State, parent and group of a process, from /proc/PID/stat."""
    try:
        text = (proc / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()[:3]


def _gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if Path(f"/proc/{pid}/stat").exists() and ") Z " in Path(f"/proc/{pid}/stat").read_text():
            return  # a zombie: exited, waiting for its parent
        time.sleep(0.05)
    raise AssertionError(f"process {pid} still runs")

