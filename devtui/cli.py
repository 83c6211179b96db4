"""The `devtui` command line.

Invariant: every path returns a documented exit code (never a traceback for a user's
mistake), the `ci`, `config` and headless paths never import Textual or Rich, and on any
way out every process group devtui started is killed as a last resort.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO, get_args

from devtui import __version__
from devtui.core.config import (
    Config,
    ConfigError,
    demo_config,
    discover,
    missing_executables,
    render_config,
)
from devtui.core.config.checker import suggest
from devtui.core.config.discover import display_path
from devtui.core.config.model import ProcessConfig
from devtui.core.config.project_files import functions_dir
from devtui.core.control.place import AlreadyRunning, Instance, ProjectClaim
from devtui.core.run.descendants import kill_all_runs
from devtui.core.run.groups import LIVE_GROUPS
from devtui.core.run.preflight import (
    MissingPackages,
    hold_for_first_run,
    missing_packages,
    no_deployment_message,
    unconfigured_convex,
    with_install_step,
)
from devtui.core.units import clock_time
from devtui.demo import DEFAULT_SCENARIO, SCENARIOS
from devtui.errors import DevtuiError, ExitCode, UsageError
from devtui.headless.annotations import annotations_wanted
from devtui.headless.colour import ColorChoice
from devtui.headless.control_cli import VERBS, add_control_parsers, run_verb
from devtui.headless.runner import HeadlessOptions, run_headless
from devtui.mcp.cli import add_mcp_parser, run_mcp

COMMANDS = ("up", "ci", "demo", "lint", "triage", "config", *VERBS, "mcp")

EXIT_CODES_HELP = """exit codes:
  0    everything ready (ci), clean shutdown (up)
  1    a process exited or crashed before it was ready, or a required process died
  2    bad arguments, missing or invalid config, executable not found
  3    readiness did not come within the timeout
  4    an error-severity problem was detected (failed push, runtime violation, OOM)
  130  interrupted (SIGINT); 143 terminated (SIGTERM); 129 hang-up (SIGHUP)
  ci --then passes the command's own exit code through"""


def _add_run_options(parser: argparse.ArgumentParser, *, config: bool = True) -> None:
    if config:
        parser.add_argument(
            "--config",
            type=Path,
            metavar="PATH",
            help="config file (default: $DEVTUI_CONFIG, ./devtui.toml, "
            "or a detected Convex + Vite app)",
        )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        default=[],
        help="run only this process and what it depends on (repeatable)",
    )
    _add_color_option(parser, "headless output")
    parser.add_argument(
        "--annotations",
        choices=("auto", "github", "none"),
        default="auto",
        help="GitHub Actions workflow commands (::error file=…,line=…::…) for problems in "
        "headless output (auto: when GITHUB_ACTIONS=true)",
    )


def _add_ci_options(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--until-ready",
        action="store_true",
        help="exit 0 once every process is ready (the default)",
    )
    what.add_argument(
        "--then",
        metavar="CMD",
        help="once everything is ready, run CMD with /bin/sh, stream its output "
        "and exit with its code",
    )
    what.add_argument(
        "--keep-running",
        action="store_true",
        help="once everything is ready, keep running until a signal",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="bound on the whole wait for readiness (default: each process's ready_timeout)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        dest="json_path",
        help="write a machine-readable summary to PATH",
    )


def _add_color_option(parser: argparse.ArgumentParser, output: str) -> None:
    """`--color` for a command's `output`; every command decides it with `use_colour`."""
    parser.add_argument(
        "--color",
        choices=get_args(ColorChoice),
        default="auto",
        help=f"colour in {output} (auto: only on a TTY; honours NO_COLOR and FORCE_COLOR)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="devtui",
        description="Run a Convex + Vite project's dev servers: Convex first, Vite once "
        "Convex is ready, failed pushes and problems in plain sight.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"devtui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    up = commands.add_parser(
        "up",
        help="start the stack (the default command)",
        description="Start the stack. Without a TTY on stdout, or with "
        "--headless, print prefixed output instead of the TUI.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_run_options(up)
    up.add_argument("--headless", action="store_true", help="plain prefixed output, no TUI")

    ci = commands.add_parser(
        "ci",
        help="start, wait until ready, then exit / run a command",
        description="Headless startup for CI: start everything in "
        "dependency order, wait until every process is ready, "
        "fail fast on a failed push or an early exit.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_run_options(ci)
    _add_ci_options(ci)

    scenarios = "\n".join(f"  {name:<18} {text}" for name, text in SCENARIOS.items())
    demo = commands.add_parser(
        "demo",
        help="run the bundled demo stack (no Node needed)",
        description="Run a simulated Convex CLI and Vite (shipped with "
        "devtui) in a scratch project, to see devtui work.",
        epilog=f"scenarios:\n{scenarios}\n\n{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--scenario",
        choices=list(SCENARIOS),
        default=DEFAULT_SCENARIO,
        help=f"what happens (default: {DEFAULT_SCENARIO})",
    )
    demo.add_argument(
        "--dir",
        type=Path,
        metavar="PATH",
        help="where the scratch project lives (default: $XDG_STATE_HOME/devtui/demo)",
    )
    demo.add_argument("--ci", action="store_true", help="run like `devtui ci`")
    demo.add_argument("--headless", action="store_true", help="plain prefixed output, no TUI")
    _add_run_options(demo, config=False)
    _add_ci_options(demo)

    lint = commands.add_parser(
        "lint",
        help="check a Convex functions folder for runtime-separation violations",
        description="Check a Convex functions folder, before any push, for what Convex\n"
        "rejects:\n"
        '  - a file without "use node" (or a file it imports) importing a Node built-in\n'
        "    (crypto, fs, node:*, ...);\n"
        '  - a "use node" file exporting a query, mutation or HTTP action.\n'
        "Type-only imports, comments, strings and _generated/ are ignored.",
        epilog="DIR is the functions folder (e.g. convex) or a project folder holding one\n"
        "(convex.json's `functions` is honoured); the default is this project's.\n\n"
        "exit codes:\n  0    no violations\n  1    violations found\n"
        "  2    bad arguments or no functions folder",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lint.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="folder to check")
    lint.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default=None,
        help="text (default), json (an array of findings on stdout), or github "
        "(workflow commands; also added to text output when GITHUB_ACTIONS=true)",
    )
    _add_color_option(lint, "text output")

    triage = commands.add_parser(
        "triage",
        help="look back over a saved session: grouped problems, context, search, report",
        description="Open the triage screen on a saved session log: its problems grouped\n"
        "(count, first and last seen, the lines around each sighting), every line of the\n"
        "session with filters and search, and a Markdown report to paste into an issue.",
        epilog="LOG is a session log, or a folder of them (the newest is opened). The\n"
        "default is the newest in this project's log folder (settings.log_dir), or the\n"
        "demo's when this folder has none.\n\n"
        "exit codes:\n  0    done\n  2    no session log, or not a session log",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    triage.add_argument("log", nargs="?", type=Path, metavar="LOG", help="session log or folder")
    triage.add_argument(
        "--summary",
        action="store_true",
        help="print the grouped problems instead of opening the screen "
        "(also what happens when stdout is not a terminal)",
    )
    triage.add_argument(
        "--json", action="store_true", help="the summary as JSON (implies --summary)"
    )
    triage.add_argument("--config", type=Path, metavar="PATH", help="config file (for its log_dir)")
    _add_color_option(triage, "the text summary")

    config = commands.add_parser(
        "config",
        help="print or check the resolved configuration",
        description="Print the resolved configuration (after "
        "discovery, presets and defaults) as TOML.",
    )
    config.add_argument("--config", type=Path, metavar="PATH", help="config file")
    config.add_argument(
        "--check", action="store_true", help="validate; report every problem at once (exit 0 or 2)"
    )
    add_control_parsers(commands)
    add_mcp_parser(commands)
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """`devtui` and `devtui --config x` mean `devtui up …`."""
    if not argv:
        return ["up"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    if first.startswith("-"):
        return ["up", *argv]
    return argv


def _select(config: Config, only: list[str]) -> Config:
    if not only:
        return config
    names = list(config.processes)
    unknown = [n for n in only if n not in config.processes]
    if unknown:
        raise UsageError(
            f"--only {unknown[0]}: no such process (have: {', '.join(names)})"
            f"{suggest(unknown[0], names)}"
        )
    return config.with_only(only)


def _headless_options(args: argparse.Namespace, mode: str) -> HeadlessOptions:
    ci = mode == "ci"
    return HeadlessOptions(
        mode="ci" if ci else "up",
        color=args.color,
        then=getattr(args, "then", None) if ci else None,
        keep_running=bool(getattr(args, "keep_running", False)) if ci else False,
        timeout=getattr(args, "timeout", None) if ci else None,
        json_path=getattr(args, "json_path", None) if ci else None,
        annotations=args.annotations,
        environ=dict(os.environ),
    )


def _run(
    config: Config,
    args: argparse.Namespace,
    mode: str,
    out: TextIO,
    err: TextIO,
    subtitle: str = "",
) -> int:
    _say_root(config, err)
    tui = mode == "up" and not args.headless and _is_tty(out) and _is_tty(err)
    absent = missing_executables(config)  # said first: nothing else could help then
    if absent:
        raise absent[0]
    claim = _claim_project(config, "tui" if tui else "ci" if mode == "ci" else "headless")
    try:
        return _run_claimed(config, args, mode, out, err, subtitle, tui, claim)
    finally:
        claim.release()


def _claim_project(config: Config, front_end: str) -> ProjectClaim:
    """Take the project for this run, or say who already has it (exit 2)."""
    instance = Instance(os.getpid(), time.time(), front_end, str(config.root), config.origin)
    claim = ProjectClaim(config.root, instance)
    try:
        claim.take()
    except AlreadyRunning as running:
        other = running.instance
        who = (
            f" (pid {other.pid}, {other.front_end}, since {clock_time(other.started)})"
            if other is not None
            else ""
        )
        raise UsageError(
            f"a devtui already runs in {config.root}{who}: two would push the same Convex "
            "deployment twice.\n  see it: devtui status · devtui logs -f · devtui problems"
            "\n  stop it: devtui stop"
        ) from None
    return claim


def _run_claimed(
    config: Config,
    args: argparse.Namespace,
    mode: str,
    out: TextIO,
    err: TextIO,
    subtitle: str,
    tui: bool,
    claim: ProjectClaim,
) -> int:
    missing = missing_packages(config)
    if missing is not None and not tui:
        raise DevtuiError(
            f"{missing.summary}.\nRun `{missing.install_text}` in {missing.root} (its "
            f"package manager: {missing.manager}), then devtui again."
        )
    if missing is None:  # (with packages missing, `convex dev` could not run yet anyway)
        unconfigured = unconfigured_convex(config, os.environ)
        if unconfigured is not None:
            if mode == "ci" or not _is_tty(sys.stdin):
                raise DevtuiError(no_deployment_message(unconfigured))
            from devtui.handoff import run_first_convex_dev

            code = run_first_convex_dev(unconfigured, err)
            if code != 0:
                return code
    if mode == "ci":
        _refuse_held_ports(config)
    if mode == "up" and not args.headless:
        if tui:  # Textual draws on stderr: both must be terminals
            first_run = None
            if missing is not None:
                config = with_install_step(
                    config, missing, f"press i to run {missing.install_text}"
                )
                # With no deployment either, the first `convex dev` gets the terminal
                # after the install (the dashboard is suspended meanwhile).
                first_run = unconfigured_convex(config, os.environ)
                if first_run is not None:
                    config = hold_for_first_run(config, first_run.name)
            return _run_tui(config, err, subtitle, claim, missing, first_run)
        which = "stdout" if not _is_tty(out) else "stderr"
        err.write(f"devtui: {which} is not a terminal: running headless (--headless)\n")
    return run_headless(config, replace(_headless_options(args, mode), claim=claim), out, err)


def _refuse_held_ports(config: Config) -> None:
    """`ci`: a port the stack needs held by another process is exit 2 (a server that
    quietly took another port would be tested in place of the one meant), unless the
    process allows `port_fallback`."""
    from devtui.core.run.ports import held_ports

    held = [
        (process, holder)
        for process, holder in held_ports(list(config.processes.values()))
        if not process.port_fallback
    ]
    if held:
        lines = [
            f"{process.name}: port {holder.port} is held by {holder.describe()}"
            for process, holder in held
        ]
        raise UsageError(
            "\n".join(lines) + "\nStop it, or set `port_fallback = true` for "
            f"{held[0][0].name} in {config.origin} to let it take another port."
        )


def _say_root(config: Config, err: TextIO) -> None:
    """Name the project root when it is not the current folder (found walking up)."""
    cwd = Path.cwd().resolve()
    if config.root != cwd and config.root in cwd.parents:
        err.write(
            f"devtui: project root {config.root} (found from {display_path(cwd, config.root)}/)\n"
        )


def _run_tui(
    config: Config,
    err: TextIO,
    subtitle: str,
    claim: ProjectClaim,
    missing: MissingPackages | None = None,
    first_run: ProcessConfig | None = None,
) -> int:
    """The dashboard; imported only here, so the other commands never load Textual."""
    from devtui.core.run.outcome import killed_note
    from devtui.core.run.session import RunSession
    from devtui.ui.app import DevtuiApp

    session = RunSession(config, interactive=True, claim=claim)
    if missing is not None:  # shown from the start; the install step resolves it
        session.preflight.append(missing.problem(session.supervisor.clock()))
    session.check_executables()
    app = DevtuiApp(session, subtitle or config.origin, guard_exit=True)
    app.first_run = first_run
    code = app.run()
    app.disarm_guards()
    if code is None:  # Textual ended without an exit code: it gave up (e.g. no terminal)
        requested = app.requested_exit_code
        code = requested if requested is not None else ExitCode.PROCESS_FAILED
    code = int(code)
    log = f"; session log: {session.log.path}" if session.log is not None else ""
    killed = killed_note(session.supervisor.statuses.values())
    try:
        err.write(f"devtui: exit {code}{killed}{log}\n")
    except (OSError, ValueError):
        pass  # the terminal is gone; the exit code still says how it ended
    return code


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _cmd_up(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config = _select(discover(args.config), args.only)
    return _run(config, args, "up", out, err)


def _cmd_ci(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _check_timeout(args)
    config = _select(discover(args.config), args.only)
    return _run(config, args, "ci", out, err)


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from devtui.demo.project import default_demo_dir, prepare

    _check_timeout(args)
    root = (args.dir or default_demo_dir()).expanduser().resolve()
    try:
        prepare(root, args.scenario)
    except OSError as error:
        raise UsageError(f"cannot prepare the demo project in {root}: {error.strerror}") from None
    config = _select(demo_config(root, args.scenario), args.only)
    ci_flags = bool(args.then or args.keep_running or args.timeout or args.json_path)
    if args.ci or ci_flags or args.headless or not (_is_tty(out) and _is_tty(err)):
        err.write(f"devtui demo: scenario {args.scenario!r} in {root}\n")
    subtitle = f"demo · scenario {args.scenario} · {root}"
    if args.ci or ci_flags:
        return _run(config, args, "ci", out, err)
    return _run(config, args, "up", out, err, subtitle)


def _check_timeout(args: argparse.Namespace) -> None:
    from devtui.core.config.validate import MAX_SECONDS

    if args.timeout is not None and not 0 < args.timeout <= MAX_SECONDS:
        raise UsageError(
            f"--timeout must be more than 0 seconds and at most {MAX_SECONDS:g}, "
            f"not {args.timeout:g}"
        )


def _cmd_config(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        config = discover(args.config)
    except ConfigError as error:
        err.write(f"devtui: {error}\n")
        return ExitCode.USAGE
    if not args.check:
        out.write(render_config(config))
        return ExitCode.OK
    missing = missing_executables(config)
    if missing:
        noun = "problem" if len(missing) == 1 else "problems"
        err.write(f"devtui: {config.origin}: {len(missing)} {noun}:\n")
        for problem in missing:
            err.write(f"  processes.{problem.process}.command: {problem}\n")
        return ExitCode.USAGE
    for warning in config.warnings:
        err.write(f"devtui: warning: {warning}\n")
    names = ", ".join(config.processes)
    out.write(f"{config.origin}: OK ({len(config.processes)} processes: {names})\n")
    return ExitCode.OK


def _cmd_lint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from devtui.core.lint.linter import ConvexLinter
    from devtui.core.problems.book import Severity
    from devtui.headless.colour import use_colour
    from devtui.headless.lint_output import lint_annotation, lint_json, lint_text

    functions, root = _lint_folder(args.dir)
    report = ConvexLinter(functions, root).lint()
    for problem in report.unreadable:
        err.write(f"devtui: lint: cannot read {problem}\n")
    shown = display_path(functions, root) + "/"  # as the project names it (convex/)
    if args.format == "json":
        out.write(lint_json(report) + "\n")
    elif args.format == "github":
        out.writelines(lint_annotation(f) + "\n" for f in report.findings)
    else:
        colour = use_colour(args.color, out, os.environ)
        out.writelines(line + "\n" for line in lint_text(report, shown, colour))
        if annotations_wanted("auto", os.environ):
            out.writelines(lint_annotation(f) + "\n" for f in report.findings)
    errors = any(finding.severity is Severity.ERROR for finding in report.findings)
    return ExitCode.PROCESS_FAILED if errors else ExitCode.OK


def _lint_folder(given: Path | None) -> tuple[Path, Path]:
    """The functions folder to lint and the project root its files are shown relative to."""
    if given is None:
        try:
            config = discover()
        except ConfigError:
            raise
        except DevtuiError:  # no devtui.toml and no Convex app: look for ./convex
            cwd = Path.cwd()
            functions = cwd / functions_dir(cwd)
            if not functions.is_dir():
                raise UsageError(
                    f"no Convex functions folder here ({display_path(functions)}/ does not "
                    "exist); pass DIR, e.g. devtui lint path/to/convex"
                ) from None
            return functions, cwd
        return config.functions_path, config.root
    folder = given.resolve()
    if not folder.is_dir():
        raise UsageError(f"lint: {given} is not a folder")
    project_functions = folder / functions_dir(folder)
    if project_functions.is_dir():  # a project folder holding its functions folder
        return project_functions, folder
    if (folder / "convex.json").is_file():
        raise UsageError(
            f"lint: {display_path(project_functions)}/ (convex.json's functions folder) "
            "does not exist"
        )
    return folder, folder.parent


def _cmd_triage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from devtui.core.terminal_text import for_terminal
    from devtui.core.triage.session import TriageSession
    from devtui.core.triage.summary import summary_document
    from devtui.headless.colour import use_colour
    from devtui.headless.triage_summary import summary_text

    session = TriageSession(_triage_log(args.log, args.config, err))
    if not (args.summary or args.json) and not (_is_tty(out) and _is_tty(err)):
        err.write("devtui triage: not a terminal: printing the summary (--summary)\n")
        args.summary = True
    try:
        if args.json:
            out.write(json.dumps(summary_document(session), indent=2, ensure_ascii=False) + "\n")
        elif args.summary:
            colour = use_colour(args.color, out, os.environ)
            lines = summary_text(summary_document(session), colour)
            if _is_tty(out):  # recorded output never drives the terminal it is shown on
                lines = [for_terminal(line, colour) for line in lines]
            out.writelines(line + "\n" for line in lines)
        else:
            from devtui.ui.triage_app import TriageApp  # only here: the summary never loads it

            TriageApp(session).run()
    finally:
        session.close()
    return ExitCode.OK


def _triage_log(given: Path | None, config_path: Path | None, err: TextIO) -> Path:
    """The session log to open: LOG, the newest in LOG (a folder), this project's or the demo's."""
    from devtui.core.triage.sessionfile import NotASessionLog, newest_log
    from devtui.demo.project import default_demo_dir

    if given is not None:
        return newest_log(given) if given.is_dir() else given
    try:
        log_dir = discover(config_path).log_dir
    except ConfigError:
        raise
    except DevtuiError:  # no project here: its logs would be in ./.devtui/logs
        log_dir = Path.cwd() / ".devtui" / "logs"
    try:
        return newest_log(log_dir)
    except NotASessionLog as missing:
        demo_logs = default_demo_dir() / ".devtui" / "logs"
        if config_path is not None or not demo_logs.is_dir():
            raise missing from None
        try:
            newest = newest_log(demo_logs)
        except NotASessionLog:
            raise missing from None
        err.write(
            f"devtui triage: no session logs in {display_path(log_dir)}; "
            "opening the demo's newest\n"
        )
        return newest


def _cmd_mcp(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return run_mcp(args)  # (the MCP SDK is imported only in there)


HANDLERS = {
    **dict.fromkeys(VERBS, run_verb),
    "up": _cmd_up,
    "ci": _cmd_ci,
    "demo": _cmd_demo,
    "lint": _cmd_lint,
    "triage": _cmd_triage,
    "config": _cmd_config,
    "mcp": _cmd_mcp,
}


def main(
    argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run devtui with `argv` (default: the process's arguments); return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(_normalise(list(sys.argv[1:] if argv is None else argv)))
        except SystemExit as exit_:  # --help, --version, or argparse's usage error (2)
            return int(exit_.code or 0) if not isinstance(exit_.code, str) else ExitCode.USAGE
        return int(HANDLERS[args.command](args, out, err))
    except DevtuiError as error:
        err.write(f"devtui: {error}\n")
        return int(error.exit_code)
    except OSError as error:
        if error.filename is None:
            raise
        # A path the system refuses (a name too long, a loop of links, no permission):
        # name it, as for any bad input, rather than show a traceback.
        shown = str(error.filename)
        if len(shown) > 120:
            shown = f"{shown[:60]}…{shown[-40:]}"
        err.write(f"devtui: {shown}: {error.strerror or error}\n")
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    finally:
        leftovers = LIVE_GROUPS.kill_all()
        if leftovers:  # the orderly shutdown missed something: say so, never hide it
            groups = ", ".join(map(str, leftovers))
            err.write(f"devtui: killed process groups still running at exit: {groups}\n")
        strays = kill_all_runs()
        if strays:
            err.write(
                f"devtui: killed processes of the stack still running at exit: "
                f"{', '.join(strays)}\n"
            )
