"""The control socket, end to end: a devtui stack in one process, the CLI verbs (and raw
clients) in others."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtui.core.control.client import ControlClient
from devtui.core.control.place import socket_path
from devtui.core.control.protocol import MAX_CONNECTIONS, MAX_REQUEST_BYTES, ControlError
from devtui.errors import ExitCode
from tests.cli.test_cli import scripted_cmd
from tests.control.stack import RunningStack, devtui
from tests.secrets_corpus import CORPUS


@pytest.fixture
def ok_stack(tmp_path: Path) -> Iterator[RunningStack]:
    stack = RunningStack.demo(tmp_path / "demo", "ok")
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def test_status_from_another_terminal_names_states_url_and_problems(
    ok_stack: RunningStack,
) -> None:
    code, out, err = devtui("status", cwd=ok_stack.root / "convex")  # a subfolder finds it
    assert code == 0, err
    lines = out.splitlines()
    assert f"headless in {ok_stack.root} (pid {ok_stack.process.pid}" in lines[0]
    assert any(line.startswith("✔ convex") and "ready" in line for line in lines), out
    assert any(line.startswith("✔ vite") and "http://localhost:" in line for line in lines), out
    assert lines[-1].startswith("problems: ")
    code, out, _ = devtui("status", "--json", "--dir", str(ok_stack.root))
    status = json.loads(out)
    assert status["ready"] is True
    assert [p["name"] for p in status["processes"]] == ["convex", "vite"]
    assert status["processes"][0]["pushes"] >= 1
    assert status["devtui"]["front_end"] == "headless"


def test_logs_filter_by_process_stream_regex_and_count(ok_stack: RunningStack) -> None:
    root = str(ok_stack.root)
    code, out, err = devtui("logs", "convex", "--stream", "stderr", "-n", "3", "--dir", root)
    assert code == 0, err
    lines = out.splitlines()
    assert 1 <= len([line for line in lines if " convex ┃ " in line]) <= 3, out
    code, out, _ = devtui("logs", "--grep", r"functions ready!", "--dir", root, "--json")
    assert code == 0
    found = [json.loads(line) for line in out.splitlines()]
    assert found and all("Convex functions ready!" in line["text"] for line in found)
    assert all(line["process"] == "convex" and line["stream"] == "stderr" for line in found)
    with ok_stack.client() as client:  # more asked for than there are: all of them
        every = client.request("logs", last=100_000)
        assert isinstance(every["lines"], list) and every["truncated"] is False
        count = len(every["lines"])
        assert len(client.request("logs", last=count + 1)["lines"]) == count  # type: ignore[arg-type]
        assert len(client.request("logs", last=2 * count - 1)["lines"]) == count  # type: ignore[arg-type]
    code, out, _ = devtui("logs", "--grep", "local", "--dir", root, "--json")  # smart case
    assert any("Local:" in json.loads(line)["text"] for line in out.splitlines())
    code, out, _ = devtui("logs", "--since", "0s", "--dir", root, "--json")
    assert out.strip() == ""  # nothing written in the future
    code, _, err = devtui("logs", "--grep", "(?=x)", "--dir", root)
    assert code == ExitCode.USAGE and "RE2" in err


def test_logs_follow_prints_new_lines_as_they_come(ok_stack: RunningStack) -> None:
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtui",
            "logs",
            "-f",
            "-n",
            "0",
            "vite",
            "--dir",
            str(ok_stack.root),
            "--json",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdout is not None
        with ok_stack.client() as client:
            deadline = time.monotonic() + 10
            while not client.request("logs", process="vite", last=0)["matched"]:
                assert time.monotonic() < deadline
            client.request("restart", process="vite")  # a new banner follows
        first = json.loads(follower.stdout.readline())
        assert first["process"] == "vite"
    finally:
        follower.terminate()
        follower.wait(10)


def test_restart_stop_and_start_a_process(ok_stack: RunningStack) -> None:
    root = str(ok_stack.root)
    with ok_stack.client() as client:
        before = client.request("status")["processes"][1]["pid"]  # type: ignore[index]
    code, out, err = devtui("restart", "vite", "--dir", root)
    assert code == 0, err
    assert "vite" in out and "stopping" not in out, out
    ok_stack.wait_ready()
    with ok_stack.client() as client:
        after = client.request("status")["processes"][1]["pid"]  # type: ignore[index]
    assert after != before
    code, out, _ = devtui("stop", "vite", "--dir", root)
    assert code == 0 and "vite stopped" in out, out
    code, out, _ = devtui("wait", "--timeout", "1", "--dir", root)
    assert code == ExitCode.PROCESS_FAILED, out  # a stopped process will not be ready
    code, out, _ = devtui("start", "vite", "--dir", root)
    assert code == 0, out
    code, out, _ = devtui("wait", "--timeout", "20", "--dir", root)
    assert code == 0 and "all processes ready" in out, out
    code, _, err = devtui("restart", "nope", "--dir", root)
    assert code == ExitCode.USAGE and "known: convex, vite" in err


def test_stop_without_a_name_stops_the_whole_devtui(ok_stack: RunningStack) -> None:
    code, out, _ = devtui("stop", "--dir", str(ok_stack.root))
    assert code == 0 and "stopping" in out
    assert ok_stack.process.wait(20) == 0
    assert not socket_path(ok_stack.root).exists()
    code, _, err = devtui("status", "--dir", str(ok_stack.root))
    assert code == ExitCode.USAGE and str(ok_stack.root) in err


def test_wait_says_4_for_a_problem_and_problems_lists_it(tmp_path: Path) -> None:
    stack = RunningStack.demo(tmp_path / "demo", "use-node-mutation")
    try:
        code, out, _ = devtui("wait", "--timeout", "30", "--dir", str(stack.root))
        assert code == ExitCode.PROBLEM, out
        assert "non-action-in-node-file" in out or "use-node" in out, out
        code, out, _ = devtui("problems", "--dir", str(stack.root))
        assert code == 0 and "convex/agent.js:5:14" in out, out
        code, out, _ = devtui("problems", "--json", "--dir", str(stack.root))
        assert json.loads(out)[0]["file"] == "convex/agent.js"
    finally:
        stack.stop()


def test_with_nothing_running_the_verbs_say_where_they_looked(tmp_path: Path) -> None:
    code, _, err = devtui("status", cwd=tmp_path)
    assert code == ExitCode.USAGE
    assert str(tmp_path) in err and "devtui up" in err, err


def test_one_devtui_per_project_and_a_stale_socket_is_replaced(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    stack = RunningStack.demo(root, "ok")
    try:
        code, _, err = devtui("demo", "--headless", "--scenario", "ok", "--dir", str(root))
        assert code == ExitCode.USAGE
        assert f"already runs in {root} (pid {stack.process.pid}, headless" in err, err
        assert "devtui status" in err
        os.kill(stack.process.pid, signal.SIGKILL)  # leaves its socket and record behind
        stack.process.wait(10)
        stack.kill_all()
        assert socket_path(root).exists()
        again = RunningStack.demo(root, "ok")  # the stale socket is noticed and replaced
        again.stop()
    finally:
        stack.kill_all()


def test_hostile_clients_are_bounded_and_the_stack_keeps_answering(
    ok_stack: RunningStack,
) -> None:
    path = str(socket_path(ok_stack.root))

    def raw() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(path)
        return sock

    def answer(sock: socket.socket) -> dict[str, object]:
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return json.loads(data) if data else {}

    garbage = raw()
    garbage.sendall(b"\x00\xff not json\n")
    assert answer(garbage)["error"] == {
        "code": "bad-request",
        "message": "a request is one JSON object per line",
    }
    garbage.sendall(b'{"v": 1, "op": "format-disk"}\n')
    assert answer(garbage)["error"]["code"] == "unknown-op"  # type: ignore[index]
    garbage.sendall(b'{"v": 9, "op": "status"}\n')
    assert answer(garbage)["error"]["code"] == "version"  # type: ignore[index]
    garbage.close()

    huge = raw()
    try:
        huge.sendall(b"x" * (MAX_REQUEST_BYTES * 4) + b"\n")
        refused = answer(huge)
    except ConnectionError:  # cut off mid-send once past the limit: refused as well
        refused = {"error": {"code": "too-large"}}
    assert refused["error"]["code"] == "too-large"  # type: ignore[index]
    huge.close()

    crowd = [raw() for _ in range(MAX_CONNECTIONS)]
    try:
        extra = raw()
        assert answer(extra)["error"]["code"] == "busy"  # type: ignore[index]
        extra.close()
    finally:
        for sock in crowd:
            sock.close()

    silent = raw()  # connects and never reads: it must not hold anyone up
    silent.sendall(b'{"v":1,"op":"logs","last":10000}\n' * 50)
    with ok_stack.client() as client:
        assert client.request("status")["ready"] is True
    silent.close()
    code, out, _ = devtui("status", "--dir", str(ok_stack.root))
    assert code == 0 and "✔ convex" in out
    assert "control socket: refused" in ok_stack.stderr()  # said, once per kind


def _as_other_user(path: str, request: bytes) -> bytes:
    """Connect to `path` from a forked child that became `nobody`; what it was answered
    (b"" when the connection was closed without an answer, `refused:` when it could not
    connect at all)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exec, so no interpreter the other user must be able to read
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(10)
            try:
                sock.connect(path)
                sock.sendall(request)
                reply = sock.recv(65536)
            except OSError as error:
                reply = f"refused: {error}".encode()
            os.write(write_end, reply)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        reply = reader.read()
    os.waitpid(pid, 0)
    return reply


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_a_client_of_another_user_is_refused(ok_stack: RunningStack) -> None:
    folder = ok_stack.root / ".devtui"
    path = socket_path(ok_stack.root)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(folder).st_mode & 0o777 == 0o700
    request = b'{"v":1,"id":1,"op":"status"}\n'
    assert _as_other_user(str(path), request).startswith(b"refused:")  # the folder keeps out
    # Someone opened the folder and the socket up: the peer check still refuses.
    for opened in (ok_stack.root, *ok_stack.root.parents):
        if opened == Path("/"):
            break
        os.chmod(opened, os.stat(opened).st_mode | 0o005)
    os.chmod(folder, 0o755)
    os.chmod(path, 0o666)
    reply = _as_other_user(str(path), request)
    # Connected, then closed unanswered (as the timing falls: EOF, a reset or a broken pipe).
    assert reply in (
        b"",
        b"refused: [Errno 104] Connection reset by peer",
        b"refused: [Errno 32] Broken pipe",
    ), reply
    with ok_stack.client() as client:
        assert client.request("status")["ready"] is True
    deadline = time.monotonic() + 5
    while "refused a client of user id 65534" not in ok_stack.stderr():
        assert time.monotonic() < deadline, ok_stack.stderr()
        time.sleep(0.05)


def test_logs_and_follows_never_hand_out_a_secret(tmp_path: Path) -> None:
    secrets = [(line, secret) for _, line, secret in CORPUS[:6]]
    steps = [f"out:{line}" for line, _ in secrets]
    command = scripted_cmd("out:started", "sleep:1.5", *steps, "hold")
    running = RunningStack.up(
        tmp_path, f'[processes.app]\ncommand = {command}\nready = "started"\n'
    )
    try:
        follower = ControlClient.connect(tmp_path)
        followed: list[str] = []
        stream = follower.stream("logs", {"follow": True, "last": 0})
        next(stream)  # the answer: lines so far (none asked for)
        for message in stream:
            line = message["line"]
            assert isinstance(line, dict)
            followed.append(str(line["text"]))
            if len(followed) == len(secrets):
                break
        follower.close()
        with ControlClient.connect(tmp_path) as client:
            deadline = time.monotonic() + 10
            while len(client.request("logs", grep="REDACTED")["lines"]) < 1:  # type: ignore[arg-type]
                assert time.monotonic() < deadline
            logged = client.request("logs", last=100)["lines"]
        assert isinstance(logged, list)
        texts = followed + [str(line["text"]) for line in logged]
        assert any("[REDACTED]" in text for text in texts)
        for _, secret in secrets:
            assert not any(secret in text for text in texts), secret
    finally:
        running.stop()


EMITTER = (
    "import itertools, time\n"
    "for i in itertools.count():\n"
    "    print('n', i, flush=True)\n"
    "    time.sleep(0.0002)\n"
)


def test_a_follow_misses_no_line_between_its_answer_and_the_live_lines(tmp_path: Path) -> None:
    command = json.dumps([sys.executable, "-u", "-c", EMITTER])
    running = RunningStack.up(
        tmp_path,
        "[settings]\nmemory_interval = 0\nlint = false\n\n"
        f'[processes.emit]\ncommand = {command}\nready = ""\n',
    )
    try:
        deadline = time.monotonic() + 10
        with ControlClient.connect(tmp_path) as client:  # until the log holds some output
            while not client.request("logs", last=1)["lines"]:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        for _ in range(3):
            with ControlClient.connect(tmp_path) as client:
                stream = client.stream("logs", {"follow": True, "last": 200})
                answer = next(stream)
                lines = answer["lines"]
                assert isinstance(lines, list) and lines
                numbers = [int(str(line["text"]).split()[1]) for line in lines]
                for message in stream:
                    line = message["line"]
                    assert isinstance(line, dict)
                    numbers.append(int(str(line["text"]).split()[1]))
                    if len(numbers) >= len(lines) + 500:
                        break
            assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    finally:
        running.stop()


def test_waits_whose_clients_hung_up_free_their_places(tmp_path: Path) -> None:
    stack = RunningStack.demo(tmp_path / "demo", "slow")  # not ready for 20 s: waits wait
    try:
        path = str(socket_path(stack.root))
        with (
            ControlClient.connect(stack.root) as client,
            pytest.raises(ControlError, match="86400"),
        ):
            client.request("wait", timeout=1e9)
        for _ in range(MAX_CONNECTIONS):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            sock.sendall(b'{"v":1,"id":1,"op":"wait","timeout":3600}\n')
            sock.close()  # hung up at once
        deadline = time.monotonic() + 30
        while True:  # the server notices within its hang-up check
            try:
                with ControlClient.connect(stack.root) as client:
                    assert client.request("status")["ready"] is False  # (busy before)
                break
            except ControlError as error:
                assert error.code == "busy" and time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        stack.stop()
