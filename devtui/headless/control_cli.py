"""The CLI verbs that talk to a running devtui: status, logs, problems, restart, start,
stop, wait.

Invariant: a thin client of the control socket, printing as the headless printer does
(`HH:MM:SS name │ line`, `┃` for stderr, the core's marks, colour only on a terminal and
never a control sequence from a child), so what another terminal shows can never disagree
with the running devtui. With no devtui running, exit 2 and say where it looked.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, get_args

from devtui.core.control.client import ControlClient, NotRunning, find_project
from devtui.core.control.protocol import ControlError
from devtui.core.events import ProcessState
from devtui.core.problems.book import Severity
from devtui.core.terminal_text import visible_controls
from devtui.core.units import clock_time, format_seconds
from devtui.core.vocabulary import push_count_words
from devtui.errors import DevtuiError, ExitCode, UsageError
from devtui.headless.colour import (
    DIM,
    GREEN,
    NAME_COLOURS,
    RED,
    YELLOW,
    ColorChoice,
    Palette,
    use_colour,
)
from devtui.headless.diagnostics import SEVERITY_LOOK, STATE_LOOK
from devtui.headless.printer import STDERR_BAR, STDOUT_BAR

VERBS = ("status", "logs", "problems", "restart", "start", "stop", "wait")
ACTION_TIMEOUT_S = 150.0
"""A restart waits for the process to stop (its grace) and start again."""


def add_control_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the verbs on the main parser's subcommands."""

    def verb(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text + ".")
        parser.add_argument(
            "--dir",
            type=Path,
            metavar="DIR",
            help="the project folder (default: this folder or the nearest parent where a "
            "devtui runs, else the demo's folder)",
        )
        parser.add_argument(
            "--color",
            choices=get_args(ColorChoice),
            default="auto",
            help="colour (auto: only on a TTY; honours NO_COLOR and FORCE_COLOR)",
        )
        return parser

    status = verb("status", "show the running devtui's processes, states, URLs and problems")
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    logs = verb("logs", "print the running stack's output, newest last")
    logs.add_argument("process", nargs="?", metavar="NAME", help="only this process")
    logs.add_argument("-n", "--lines", type=int, default=100, metavar="N", help="last N lines")
    logs.add_argument(
        "--since", metavar="WHEN", help="only lines since WHEN: 90s, 10m, 2h, or HH:MM[:SS]"
    )
    logs.add_argument(
        "--grep", metavar="RE", help="only lines matching RE (RE2 syntax; smart case)"
    )
    logs.add_argument("--stream", choices=("stdout", "stderr"), help="only this stream")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.add_argument("--json", action="store_true", help="one JSON object per line")

    problems = verb("problems", "list the running stack's problems, gravest first")
    problems.add_argument("--all", action="store_true", help="resolved ones too")
    problems.add_argument("--json", action="store_true", help="print them as JSON")

    for name, what in (("restart", "restart"), ("start", "start")):
        parser = verb(name, f"{what} one process of the running stack")
        parser.add_argument("process", metavar="NAME")
    stop = verb("stop", "stop one process, or (without NAME) the whole running devtui")
    stop.add_argument("process", nargs="?", metavar="NAME")

    wait = verb("wait", "wait until the running stack is ready (exit codes as `devtui ci`)")
    wait.add_argument(
        "--timeout", type=float, default=60.0, metavar="S", help="give up after S seconds (60)"
    )


def run_verb(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run one verb; its exit code."""
    paint = Palette(use_colour(args.color, out, os.environ))
    try:
        with _connect(args.dir) as client:
            return HANDLERS[args.command](client, args, out, paint)
    except NotRunning as error:
        raise UsageError(f"{error}; start one with `devtui up`") from None
    except ControlError as error:
        raise UsageError(f"{error.message} ({error.code})") from None
    except ConnectionError as error:
        raise DevtuiError(str(error), ExitCode.PROCESS_FAILED) from None


def _connect(folder: Path | None) -> ControlClient:
    if folder is not None:
        return ControlClient.connect(folder.expanduser().resolve())
    from devtui.demo.project import default_demo_dir

    return ControlClient.connect(find_project(Path.cwd().resolve(), (default_demo_dir(),)))


# ---------------------------------------------------------------------- verbs


def _status(client: ControlClient, args: argparse.Namespace, out: TextIO, paint: Palette) -> int:
    status = client.request("status")
    if args.json:
        out.write(json.dumps(status, indent=2) + "\n")
        return ExitCode.OK
    out.write("".join(line + "\n" for line in status_lines(status, paint)))
    return ExitCode.OK


def status_lines(status: dict[str, object], paint: Palette) -> list[str]:
    """The `status` answer as a person reads it."""
    me = _dict(status.get("devtui"))
    started = me.get("started")
    since = (
        f", up {format_seconds(time.time() - started)}" if isinstance(started, int | float) else ""
    )
    lines = [
        paint(
            f"devtui {me.get('front_end', '?')} in {me.get('root', '?')} "
            f"(pid {me.get('pid', '?')}{since})",
            DIM,
        )
    ]
    processes = [_dict(p) for p in _list(status.get("processes"))]
    width = max((len(str(p.get("name", ""))) for p in processes), default=0)
    for process in processes:
        state_text = str(process.get("state", "?"))
        try:
            mark, colour = STATE_LOOK[ProcessState(state_text)]
        except ValueError:
            mark, colour = "?", ""
        facts = []
        if process.get("url"):
            facts.append(visible_controls(str(process["url"])))
        pushes, failed = process.get("pushes"), process.get("failed_pushes")
        if isinstance(pushes, int):
            counts = push_count_words(pushes, failed if isinstance(failed, int) else 0)
            facts.append(counts or "no push yet")
            last = process.get("last_push_s")
            if isinstance(last, int | float):
                facts.append(f"last push {format_seconds(last)}")
        if process.get("restarts"):
            facts.append(f"{process['restarts']} restarts")
        rss = process.get("rss_mb")
        if isinstance(rss, int | float):
            facts.append(f"{rss:.0f} MiB")
        reason = str(process.get("reason") or "")
        if reason and state_text != "ready":
            facts.append(visible_controls(reason))
        name = visible_controls(str(process.get("name", "?"))).ljust(width)
        lines.append(
            f"{paint(mark, colour)} {name}  {paint(state_text.ljust(11), colour)} "
            + " · ".join(facts)
        )
    problems = _dict(status.get("problems"))
    open_counts = _dict(problems.get("open"))
    parts = []
    for severity in Severity:
        count = open_counts.get(severity.value) or 0
        if isinstance(count, int) and count:
            mark, colour = SEVERITY_LOOK[severity]
            noun = severity.value + ("s" if count != 1 else "")
            parts.append(paint(f"{mark} {count} {noun}", colour))
    resolved = problems.get("resolved") or 0
    tail = f" ({resolved} resolved)" if resolved else ""
    lines.append(
        "problems: "
        + (", ".join(parts) + " open" if parts else "none open")
        + tail
        + (paint("  · devtui problems", DIM) if parts else "")
    )
    if status.get("stopping"):
        lines.append(paint("devtui is stopping", DIM))
    return lines


def _logs(client: ControlClient, args: argparse.Namespace, out: TextIO, paint: Palette) -> int:
    if args.lines < 0:
        raise UsageError("--lines is a number of lines, 0 or more")
    request: dict[str, object] = {"last": args.lines}
    if args.process:
        request["process"] = args.process
    if args.stream:
        request["stream"] = args.stream
    if args.grep:
        request["grep"] = args.grep
    if args.since:
        request["since"] = parse_since(args.since)
    printer = _LinePrinter(out, paint, args.json)
    if not args.follow:
        result = client.ask("logs", request)
        for line in _list(result.get("lines")):
            printer.line(_dict(line))
        if result.get("truncated") and not args.json:
            out.write(paint(f"(last {args.lines} of {result.get('matched')} lines)", DIM) + "\n")
        return ExitCode.OK
    try:
        for message in client.stream("logs", {**request, "follow": True}):
            if "line" in message:
                printer.line(_dict(message["line"]))
            elif "lines" in message:
                for line in _list(message.get("lines")):
                    printer.line(_dict(line))
            elif "ended" in message and not args.json:
                out.write(paint(f"({message['ended']})", DIM) + "\n")
            out.flush()
    except KeyboardInterrupt:
        return ExitCode.OK
    return ExitCode.OK


class _LinePrinter:
    """Lines as the headless printer prints a child's output."""

    def __init__(self, out: TextIO, paint: Palette, as_json: bool) -> None:
        self._out = out
        self._paint = paint
        self._json = as_json
        self._names: list[str] = []

    def line(self, line: dict[str, object]) -> None:
        if self._json:
            self._out.write(json.dumps(line) + "\n")  # (ASCII: no C1 control reaches a terminal)
            return
        name = visible_controls(str(line.get("process", "?")))
        if name not in self._names:
            self._names.append(name)
        at = line.get("time")
        stamp = clock_time(at) if isinstance(at, int | float) and at else "--:--:--"
        stderr = line.get("stream") == "stderr"
        bar = self._paint(STDERR_BAR if stderr else STDOUT_BAR, RED if stderr else DIM)
        colour = NAME_COLOURS[self._names.index(name) % len(NAME_COLOURS)]
        text = visible_controls(str(line.get("text", "")))
        self._out.write(f"{self._paint(stamp, DIM)} {self._paint(name, colour)} {bar} {text}\n")


_SPAN = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_since(text: str, now: Callable[[], float] = time.time) -> float:
    """`--since` as epoch seconds: `90s`, `10m`, `2h`, `1d` ago, or today's `HH:MM[:SS]`."""
    span = _SPAN.match(text.strip())
    if span:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[span.group(2)]
        return now() - float(span.group(1)) * unit
    clock = _CLOCK.match(text.strip())
    if clock:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hours < 24 and minutes < 60 and seconds < 60:
            today = time.localtime(now())
            return time.mktime(
                (today.tm_year, today.tm_mon, today.tm_mday, hours, minutes, seconds, 0, 0, -1)
            )
    raise UsageError(f"--since {text!r}: give a span (90s, 10m, 2h, 1d) or a time (12:03)")


def _problems(client: ControlClient, args: argparse.Namespace, out: TextIO, paint: Palette) -> int:
    result = client.request("problems", all=args.all)
    problems = [_dict(p) for p in _list(result.get("problems"))]
    if args.json:
        out.write(
            json.dumps(problems, indent=2) + "\n"
        )  # (ASCII: no C1 control reaches a terminal)
        return ExitCode.OK
    if not problems:
        out.write("no open problems\n" if not args.all else "no problems this run\n")
        return ExitCode.OK
    for problem in problems:
        try:
            mark, colour = SEVERITY_LOOK[Severity(str(problem.get("severity")))]
        except ValueError:
            mark, colour = "•", ""
        if problem.get("resolved"):
            mark, colour = "✔", DIM
        place = visible_controls(
            ":".join(
                str(problem[key])
                for key in ("file", "line", "column")
                if problem.get(key) is not None
            )
        )
        count = problem.get("count") or 1
        head = "  ".join(
            part
            for part in (
                visible_controls(str(problem.get("rule", ""))),
                place,
                visible_controls(str(problem.get("message", ""))),
                f"(×{count})" if isinstance(count, int) and count > 1 else "",
            )
            if part
        )
        process = visible_controls(str(problem.get("process", "?")))
        out.write(f"{paint(mark, colour)} {process}  {head}\n")
        if problem.get("fix") and not problem.get("resolved"):
            out.write(f"    {paint('fix:', DIM)} {visible_controls(str(problem['fix']))}\n")
    return ExitCode.OK


def _act(client: ControlClient, args: argparse.Namespace, out: TextIO, paint: Palette) -> int:
    if args.command == "stop" and not args.process:
        client.request("stop")
        out.write(f"devtui in {client.root}: stopping\n")
        return ExitCode.OK
    result = client.request(args.command, answer_timeout=ACTION_TIMEOUT_S, process=args.process)
    state_text = str(result.get("state", "?"))
    try:
        mark, colour = STATE_LOOK[ProcessState(state_text)]
    except ValueError:
        mark, colour = "?", ""
    reason = visible_controls(str(result.get("reason") or ""))
    out.write(
        f"{paint(mark, colour)} {result.get('process')} {state_text}"
        + (f": {reason}" if reason else "")
        + "\n"
    )
    return ExitCode.OK


def _wait(client: ControlClient, args: argparse.Namespace, out: TextIO, paint: Palette) -> int:
    if not 0 <= args.timeout <= 86_400:
        raise UsageError(f"--timeout must be 0 to 86400 seconds, not {args.timeout:g}")
    result = client.request("wait", timeout=args.timeout)
    code = result.get("code")
    outcome = str(result.get("outcome", "?"))
    reason = visible_controls(str(result.get("reason", "")))
    mark, colour = {"ready": ("✔", GREEN), "timeout": ("▲", YELLOW)}.get(outcome, ("✖", RED))
    out.write(f"{paint(mark, colour)} {reason}\n")
    return int(code) if isinstance(code, int) else ExitCode.PROCESS_FAILED


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


HANDLERS: dict[str, Callable[[ControlClient, argparse.Namespace, TextIO, Palette], int]] = {
    "status": _status,
    "logs": _logs,
    "problems": _problems,
    "restart": _act,
    "start": _act,
    "stop": _act,
    "wait": _wait,
}
