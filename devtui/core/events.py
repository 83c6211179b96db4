"""The typed facts the core publishes; every front end (TUI, headless printer, session log,
tests) learns about the stack only through these.

Events are immutable and named as past-tense facts. Child output travels as `OutputLines`:
the lines of one process and stream that one pipe read delivered, as parallel tuples of raw
and ANSI-stripped text. Consumers then handle a whole chunk with C-level string operations
(one join to print it, one write to log it) instead of one Python object per line, which is
what lets devtui keep up with a flood. `OutputLine` is the per-line view for consumers that
want one line at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, TypeAlias, TypedDict

if TYPE_CHECKING:
    from devtui.core.problems.book import Problem

Stream: TypeAlias = Literal["stdout", "stderr"]
"""Which pipe a line came from."""


class ProcessState(StrEnum):
    """Where a supervised process is in its life. The values appear in JSON and the session log."""

    WAITING = "waiting"
    """Not started yet: waiting for its dependencies to be ready."""
    STARTING = "starting"
    """Spawned, not ready yet."""
    CONNECTING = "connecting"
    """Convex only: no push has begun; the CLI is retrying requests to the deployment."""
    UNREACHABLE = "unreachable"
    """Convex only: the CLI gave up reaching the deployment before any push began."""
    PUSHING = "pushing"
    """Convex only: a push is in progress ("Preparing Convex functions...")."""
    READY = "ready"
    """Its ready pattern matched (Convex: the last push succeeded)."""
    PUSH_FAILED = "push-failed"
    """Convex only: the last push failed; the CLI waits for a file change."""
    RESTARTING = "restarting"
    """Exited; the restart policy will start it again after a back-off delay."""
    STOPPING = "stopping"
    """devtui is stopping it (SIGINT, SIGTERM, SIGKILL in turn); it has not exited yet."""
    EXITED = "exited"
    """Exited on its own with an exit code."""
    CRASHED = "crashed"
    """Killed by a signal devtui did not send."""
    STOPPED = "stopped"
    """Stopped by devtui (shutdown or a user's stop)."""
    CRASH_LOOP = "crash-loop"
    """Gave up restarting: too many failures within a minute."""
    BLOCKED = "blocked"
    """Never started: a dependency ended without ever becoming ready."""
    FAILED = "failed"
    """Could not be started at all (spawn error)."""
    OOM = "oom"
    """Died out of memory (Node's heap report in its output, or SIGABRT / exit 134)."""

    @property
    def is_running(self) -> bool:
        """Whether a child process exists in this state."""
        return self in _RUNNING_STATES

    @property
    def is_final(self) -> bool:
        """Whether the process has ended and nothing will start it again by itself."""
        return self in _FINAL_STATES


_RUNNING_STATES = frozenset(
    {
        ProcessState.STARTING,
        ProcessState.CONNECTING,
        ProcessState.UNREACHABLE,
        ProcessState.PUSHING,
        ProcessState.READY,
        ProcessState.PUSH_FAILED,
        ProcessState.STOPPING,
    }
)
_FINAL_STATES = frozenset(
    {
        ProcessState.EXITED,
        ProcessState.CRASHED,
        ProcessState.STOPPED,
        ProcessState.CRASH_LOOP,
        ProcessState.BLOCKED,
        ProcessState.FAILED,
        ProcessState.OOM,
    }
)


class OutputLine(NamedTuple):
    """One complete line of child output (a view built by `OutputLines.lines()`)."""

    process: str
    """The configured process name."""
    stream: Stream
    """The pipe it came from."""
    seq: int
    """Per-process sequence number over both streams, from 1; gaps never occur."""
    at: float
    """Wall-clock time (epoch seconds) when devtui read it."""
    text: str
    """ANSI-stripped: what readiness, problems and search see."""
    raw: str
    """As emitted, colours kept: what the panes render."""


@dataclass(frozen=True, slots=True)
class OutputLines:
    """Consecutive complete lines one process wrote on one stream, read together.

    A chunk is split where one of its lines changes the process's state, so a state event
    always follows the line that caused it.
    """

    process: str
    """The configured process name."""
    stream: Stream
    """The pipe the lines came from."""
    at: float
    """Wall-clock time (epoch seconds) when devtui read them."""
    first_seq: int
    """Sequence number of the first line; the others follow without gaps."""
    raws: tuple[str, ...]
    """The lines as emitted, colours kept."""
    texts: tuple[str, ...]
    """The same lines without ANSI codes (the same objects where there were none)."""

    def __len__(self) -> int:
        return len(self.raws)

    def lines(self) -> list[OutputLine]:
        """One `OutputLine` per line."""
        process, stream, at, first = self.process, self.stream, self.at, self.first_seq
        return [
            OutputLine(process, stream, first + index, at, text, raw)
            for index, (text, raw) in enumerate(zip(self.texts, self.raws, strict=True))
        ]


@dataclass(frozen=True, slots=True)
class ProcessStatus:
    """A snapshot of everything known about one process; every process event carries one."""

    name: str
    """The configured process name."""
    kind: str
    """`convex`, `vite` or `generic`."""
    state: ProcessState
    """The current state."""
    reason: str = ""
    """Why it is in this state, in words (e.g. `exited with code 1`)."""
    pid: int | None = None
    """The process (and process-group) id while running."""
    started_at: float | None = None
    """Wall-clock time of the last spawn."""
    ready_at: float | None = None
    """Wall-clock time it last became ready."""
    ready_after_s: float | None = None
    """Seconds from devtui's start to this process's first ready."""
    launch_ready_s: float | None = None
    """Seconds from the current (or last) launch's spawn to its first ready: how long the
    process itself took (None until it is ready)."""
    pushes: int = 0
    """Convex: successful pushes ("Convex functions ready!")."""
    failed_pushes: int = 0
    """Convex: pushes that ended in an error block."""
    push_started_at: float | None = None
    """Convex: when the current push began (for "pushing… 14 s")."""
    last_push_s: float | None = None
    """Convex: the duration the CLI reported for the last successful push."""
    push_durations: tuple[float, ...] = ()
    """Convex: recent successful push durations, oldest first (at most 30)."""
    restarts: int = 0
    """How many times devtui restarted it."""
    restart_at: float | None = None
    """While restarting: wall-clock time of the next attempt."""
    exit_code: int | None = None
    """The last exit code (negative: killed by that signal)."""
    url: str | None = None
    """The app URL parsed from the output (`url` pattern)."""
    stale_since: float | None = None
    """Set while a dependency is not ready (e.g. Convex push failed): this process is
    serving against the last good state since then."""
    stale_cause: str = ""
    """Why it is stale, in words."""
    ready_timed_out: bool = False
    """Readiness did not come within the process's ready timeout."""
    heap_mb: int | None = None
    """The Node heap limit (`--max-old-space-size`) its last launch ran with, if set."""
    retry_in: str | None = None
    """Convex, while `pushing`: the deployment failed and the CLI pushes again after this
    delay (as it printed it, `331.47ms`); None for an ordinary push."""
    oom_restarts: int = 0
    """Restarts with more heap after running out of memory."""
    heap_raised: bool = False
    """The current launch runs with a heap devtui raised (`H`, or `on_oom`): `heap_mb`."""
    stop_signal: str | None = None
    """While `stopping`: the last signal sent (`SIGINT`, `SIGTERM`, `SIGKILL`)."""
    kill_at: float | None = None
    """While `stopping`: when SIGKILL follows (wall clock), None once it was sent."""
    killed: bool = False
    """Its last stop needed SIGKILL (it ignored SIGINT and SIGTERM for the whole grace)."""


class StatusChanges(TypedDict, total=False):
    """The fields of a `ProcessStatus` a change may set (all but name, kind, state and
    reason, which `set_state` takes by name):
    `ProcessSlot`'s writers take them as typed keywords, so a misspelt or mistyped field
    fails the type check instead of the line that runs it."""

    pid: int | None
    started_at: float | None
    ready_at: float | None
    ready_after_s: float | None
    launch_ready_s: float | None
    pushes: int
    failed_pushes: int
    push_started_at: float | None
    last_push_s: float | None
    push_durations: tuple[float, ...]
    restarts: int
    restart_at: float | None
    exit_code: int | None
    url: str | None
    stale_since: float | None
    stale_cause: str
    ready_timed_out: bool
    heap_mb: int | None
    retry_in: str | None
    oom_restarts: int
    heap_raised: bool
    stop_signal: str | None
    kill_at: float | None
    killed: bool


@dataclass(frozen=True, slots=True)
class ProcessStateChanged:
    """A process moved from one state to another."""

    process: str
    state: ProcessState
    previous: ProcessState
    reason: str
    at: float
    status: ProcessStatus
    last_lines: tuple[str, ...] = ()
    """For an exit or failure: the process's last output lines (ANSI-stripped)."""


@dataclass(frozen=True, slots=True)
class ProcessUpdated:
    """Something other than the state changed: URL found, stale marker set, its cause
    changed (`stale-cause`) or cleared, the next stop signal sent (`stopping`)."""

    process: str
    what: Literal["url", "stale", "stale-cause", "fresh", "stopping"]
    at: float
    status: ProcessStatus


@dataclass(frozen=True, slots=True)
class ReadyTimedOut:
    """A process did not become ready within its timeout (it keeps running)."""

    process: str
    waited_for: str
    """The ready pattern it waited for."""
    timeout_s: float
    last_lines: tuple[str, ...]
    """Its last lines (ANSI-stripped), oldest first, at most 10."""
    at: float
    status: ProcessStatus


@dataclass(frozen=True, slots=True)
class SignalSent:
    """devtui sent a signal to a process group while stopping it."""

    process: str
    signal_name: str
    pgid: int
    at: float
    kill_at: float | None
    """When SIGKILL follows if the group is still alive (None once SIGKILL was sent)."""


@dataclass(frozen=True, slots=True)
class SurvivorsFound:
    """After SIGKILL and a final wait, these processes of a group were still alive."""

    process: str
    survivors: tuple[str, ...]
    """`pid command` of each survivor."""
    at: float


STACK: Final = "devtui"
"""The `process` of events about the stack as a whole (what no one process owns)."""

LeftCause: TypeAlias = Literal["exited", "detached", "killed", "outlived"]
"""Why processes of the stack are being stopped apart from their process's group:
`exited`: the process exited on its own and left them running; `detached`: it is being
stopped and they had left its process group and session (`setsid()`, a daemon);
`killed`: the same, but the user asked to kill everything at once (SIGKILL sent already);
`outlived`: once every process was stopped they still ran (process "devtui")."""


@dataclass(frozen=True, slots=True)
class DescendantsLeft:
    """Processes the stack started that its group signals would miss: named, and stopped
    with the same SIGINT → SIGTERM → SIGKILL steps."""

    process: str
    descendants: tuple[str, ...]
    """`pid command` of each."""
    at: float
    cause: LeftCause = "exited"

    @property
    def headline(self) -> str:
        """The sentence every front end shows for it (so they cannot disagree)."""
        count = len(self.descendants)
        what = f"{count} process{'es' if count != 1 else ''}"
        them = "them" if count != 1 else "it"
        if self.cause == "outlived":
            return f"{what} of the stack outlived what started {them}; stopping {them}:"
        if self.cause == "detached":
            return f"{what} it started left its process group; stopping {them} too:"
        if self.cause == "killed" and self.process == STACK:
            return f"{what} of the stack outside any process group; killed {them} too:"
        if self.cause == "killed":
            return f"{what} it started left its process group; killed {them} too:"
        return f"exited and left {what} running; stopping {them}:"


@dataclass(frozen=True, slots=True)
class ProblemDetected:
    """A new problem was found in a process's output."""

    problem: Problem


@dataclass(frozen=True, slots=True)
class ProblemRepeated:
    """A known problem happened again (same fingerprint): a new occurrence, its count grew."""

    problem: Problem


@dataclass(frozen=True, slots=True)
class ProblemUpdated:
    """More is known about a problem's current occurrence (another source reported it, or
    the same push attempt printed it again); its count did not change."""

    problem: Problem


@dataclass(frozen=True, slots=True)
class ProblemResolved:
    """A problem is resolved (e.g. Convex reached ready after the failed push)."""

    problem: Problem


@dataclass(frozen=True, slots=True)
class PushSettled:
    """A Convex push attempt is over: it reached ready, or every error it printed has been
    read (the next attempt began, tsc's diagnostics ended, output went quiet, or the process
    ended). The push problems it did not report were resolved just before this event."""

    process: str
    attempt: int
    """The process's push attempt number, counted over the whole run from 1."""
    succeeded: bool
    problems: tuple[Problem, ...]
    """What this attempt reported, as the problem book holds them now."""
    at: float


@dataclass(frozen=True, slots=True)
class SupervisorStopping:
    """devtui began shutting the stack down."""

    reason: str
    at: float
    order: tuple[tuple[str, ...], ...] = field(default=())
    """The stop order: groups of process names stopped together, first group first."""


class ChildMemory(NamedTuple):
    """One process of a tree and its resident memory."""

    pid: int
    command: str
    rss_bytes: int
    node: bool = False
    """A Node.js process (what `--max-old-space-size` in NODE_OPTIONS limits)."""


@dataclass(frozen=True, slots=True)
class MemorySampled:
    """A process tree's resident memory (root and every descendant), once per interval."""

    process: str
    rss_bytes: int
    pids: tuple[int, ...]
    at: float
    children: tuple[ChildMemory, ...] = ()
    """The root first, then descendants, biggest first."""
    peak_bytes: int = 0
    """The highest tree RSS of this process so far in the session."""
    growth_mb_per_min: float | None = None
    """RSS change over the last minute (None until there are a few seconds of samples)."""
    level: Literal["ok", "warn", "limit"] = "ok"
    """Where the RSS stands against the process's thresholds."""
    warn_bytes: int | None = None
    limit_bytes: int | None = None
    warn_on: Literal["tree", "node"] = "tree"
    """What the warning compares: the tree's RSS, or its largest Node process's."""


@dataclass(frozen=True, slots=True)
class MemoryThresholdCrossed:
    """A process tree's RSS went above its warning or limit threshold."""

    process: str
    level: Literal["warn", "limit"]
    rss_bytes: int
    """The RSS compared: the tree's, or (`compared = "node"`) its largest Node process's."""
    threshold_bytes: int
    at: float
    compared: Literal["tree", "node"] = "tree"


@dataclass(frozen=True, slots=True)
class FilesChanged:
    """Files under the watched Convex functions folder changed (after debouncing)."""

    paths: tuple[str, ...]
    """Relative to the project root, sorted."""
    at: float


@dataclass(frozen=True, slots=True)
class LintChecked:
    """Live lint checked the Convex functions folder: at start, and after each change."""

    folder: str
    """The functions folder, relative to the project root (e.g. `convex`)."""
    files: int
    violations: int
    """Error findings open after this check."""
    at: float
    changed: tuple[str, ...] = ()
    """What triggered this check (empty: the check at start)."""
    unreadable: tuple[str, ...] = ()
    """Files that could not be read, with the reason."""
    note: str = ""
    """Something to tell the user, e.g. that changes are not being watched, and why."""
    warnings: int = 0
    """Warning findings open after this check."""
    files_with_findings: int = 0
    """How many of the `files` checked those findings are in."""


Event: TypeAlias = (
    OutputLines
    | ProcessStateChanged
    | ProcessUpdated
    | ReadyTimedOut
    | SignalSent
    | SurvivorsFound
    | DescendantsLeft
    | ProblemDetected
    | ProblemRepeated
    | ProblemUpdated
    | ProblemResolved
    | PushSettled
    | SupervisorStopping
    | FilesChanged
    | LintChecked
    | MemorySampled
    | MemoryThresholdCrossed
)
"""Everything the bus carries."""
