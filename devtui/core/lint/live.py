"""Live lint: check the Convex functions folder at start and after every change to it.

Invariant: the lint problems in the `ProblemBook` always match the latest lint pass: a
violation found is recorded once (`ProblemDetected`, `ProblemRepeated` when it comes back
after a fix, `ProblemUpdated` when a push reported it first), and one no longer found is
resolved (`ProblemResolved`), so a fixed file clears its problems before Convex even
pushes. A finding is fingerprinted by the rule of the same id, as the push's problem is,
so both are one problem with two sources; a rule the config disables is not reported.
Lint problems found first belong to the pseudo process `lint`. Reading and parsing run in
a worker thread; the book and the bus are only touched on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

import watchfiles

from devtui.core.bus import EventBus
from devtui.core.config.rules import Rule
from devtui.core.events import FilesChanged, LintChecked, ProblemResolved
from devtui.core.lint.linter import (
    SKIPPED_DIRS,
    SOURCE_SUFFIXES,
    ConvexLinter,
    LintFinding,
    LintReport,
)
from devtui.core.problems.book import Problem, ProblemBook, Severity
from devtui.core.problems.detector import rule_fingerprint
from devtui.core.problems.sightings import report_sighting

LINT_PROCESS: Final = "lint"
"""The process name lint problems carry."""
DEBOUNCE_MS: Final = 250
"""Changes closer together than this are checked once (an editor's save is several)."""

log = logging.getLogger(__name__)


class _SourceFilter(watchfiles.DefaultFilter):
    """Only source files, outside `_generated/` (Convex rewrites it on every push)."""

    def __init__(self) -> None:
        super().__init__(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, *SKIPPED_DIRS))

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return path.endswith(SOURCE_SUFFIXES) and super().__call__(change, path)


def lint_problem(finding: LintFinding, rule: Rule, at: float) -> Problem:
    """The problem a lint finding is, for the book every front end reads."""
    values = {"file": finding.file, "symbol": finding.symbol or ""}
    return Problem(
        rule=finding.rule,
        severity=finding.severity,
        title=rule.title,
        message=finding.message,
        process=LINT_PROCESS,
        fingerprint=rule_fingerprint(rule, values),
        first_seen=at,
        last_seen=at,
        file=finding.file,
        line=finding.line,
        column=finding.column,
        symbol=finding.symbol,
        explanation=finding.explanation,
        fix=finding.fix,
        docs=rule.docs or finding.docs,
        sources=("lint",),
    )


class LiveLint:
    """Lints one functions folder now and after each change, until stopped."""

    def __init__(
        self,
        functions_dir: Path,
        root: Path,
        bus: EventBus,
        problems: ProblemBook,
        clock: Callable[[], float],
        rules: Mapping[str, Rule],
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        """Args:
        rules: The rules in effect, by id: a finding takes its fingerprint and title from
            the rule of its id, and is left out when the config disabled that rule.
        """
        self.functions_dir = functions_dir
        self._rules = rules
        self.root = root
        self._linter = ConvexLinter(functions_dir, root)
        self._bus = bus
        self._problems = problems
        self._clock = clock
        self._debounce_ms = debounce_ms
        self._open: dict[str, LintFinding] = {}
        """Fingerprint → finding of each lint problem open now."""
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def folder(self) -> str:
        """The functions folder, relative to the root."""
        try:
            return str(self.functions_dir.relative_to(self.root))
        except ValueError:
            return str(self.functions_dir)

    def start(self) -> None:
        """Lint now, then watch for changes (in the background)."""
        self._task = asyncio.create_task(self._run(), name="devtui-live-lint")

    async def stop(self) -> None:
        """Stop watching; returns once the watcher is gone."""
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        # The watcher starts first and buffers changes from then on; only then comes the
        # check at start, so no change can fall between the check and the watching.
        changes_feed = watchfiles.awatch(
            self.functions_dir,
            watch_filter=_SourceFilter(),
            debounce=self._debounce_ms,
            stop_event=self._stop,
        )
        next_changes: asyncio.Future[set[tuple[watchfiles.Change, str]]] = asyncio.ensure_future(
            anext(changes_feed)
        )
        await asyncio.sleep(0)  # the watcher is created in the feed's first step
        try:
            await self._check(())
            while True:
                try:
                    changes = await next_changes
                except StopAsyncIteration:
                    return
                paths = tuple(sorted({self._relative(path) for _, path in changes}))
                self._bus.publish(FilesChanged(paths, self._clock()))
                await self._check(paths)
                next_changes = asyncio.ensure_future(anext(changes_feed))
        except Exception as error:  # the watcher could not start (inotify limits, …)
            log.debug("live lint failed", exc_info=True)
            self._bus.publish(
                LintChecked(
                    self.folder,
                    0,
                    len(self._open),
                    self._clock(),
                    note=f"live lint stopped, {self.folder}/ is not watched: {error}",
                )
            )
        finally:
            self._stop.set()
            await asyncio.gather(next_changes, return_exceptions=True)
            await changes_feed.aclose()

    def _relative(self, path: str) -> str:
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return path

    async def _check(self, changed: tuple[str, ...]) -> None:
        report = await asyncio.to_thread(self._linter.lint)
        self._apply(report, changed)

    def _apply(self, report: LintReport, changed: tuple[str, ...]) -> None:
        at = self._clock()
        found = {}
        for finding in report.findings:
            rule = self._rules.get(finding.rule)
            if rule is None:  # switched off in the config
                continue
            problem = lint_problem(finding, rule, at)
            found[problem.fingerprint] = (finding, problem)
        for key in list(self._open):
            if key not in found:
                del self._open[key]
                resolved = self._problems.resolve_fingerprint(key, at)
                if resolved is not None:
                    self._bus.publish(ProblemResolved(resolved))
        for key, (finding, problem) in found.items():
            if key in self._open:  # still there: not a new sighting, maybe a new line
                self._open[key] = finding
                self._problems.relocate(key, finding.line, finding.column)
                continue
            self._open[key] = finding
            report_sighting(self._problems, self._bus, problem)
        self._bus.publish(
            LintChecked(
                self.folder,
                report.files,
                sum(1 for _, problem in found.values() if problem.severity is Severity.ERROR),
                at,
                changed,
                tuple(report.unreadable),
                warnings=sum(
                    1 for _, problem in found.values() if problem.severity is not Severity.ERROR
                ),
                files_with_findings=len({finding.file for finding, _ in found.values()}),
            )
        )
