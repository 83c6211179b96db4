"""The headless printer: child output on stdout, everything else on stderr.

Invariant: it is the only writer of headless stdout, which carries child output and nothing
else (`HH:MM:SS name │ line`, `┃` for lines the child wrote on stderr); states, problems,
GitHub annotations (GitHub reads workflow commands on stderr too) and the summary go to
stderr. Writes happen in a worker thread, a batch at a time, in the
order the events came, so a slow or blocked reader of stdout never stalls the event loop.
A stdout whose reader went away (EPIPE) is reported once, so the run stops in order; any
other write error (a full disk, a file-size limit) is reported once and output goes on
being tried. On a terminal, child output can never drive it (`core.terminal_text`: only
colours pass); to a file or a pipe it goes as the child wrote it.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import time
from collections.abc import Callable
from typing import BinaryIO, TextIO

from devtui.core.bus import Subscription
from devtui.core.events import Event, OutputLines, ProblemDetected
from devtui.core.terminal_text import for_terminal
from devtui.core.units import clock_time
from devtui.headless.annotations import problem_annotation
from devtui.headless.colour import DIM, NAME_COLOURS, RED, RESET, Palette
from devtui.headless.diagnostics import Diagnostic, describe

STDOUT_BAR = "│"
STDERR_BAR = "┃"

Run = tuple[TextIO, str | bytes]
"""Text for one stream, written and flushed as one piece: child output to a file or a
pipe is UTF-8 bytes (see `HeadlessPrinter._out_bytes`), everything else text."""


class HeadlessPrinter:
    """Formats core events for a terminal or a CI log."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        names: list[str],
        *,
        colour_out: bool,
        colour_err: bool,
        annotations: bool = False,
        on_stdout_gone: Callable[[], None] | None = None,
        on_stdout_error: Callable[[str], None] | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        """Args:
        redact: Cleans secrets from what devtui itself says on stderr (state reasons and
            last lines quote the children); their own output on stdout passes as it is.
        on_stdout_gone: Called once (on the event loop) when stdout's reader went away.
        on_stdout_error: Called once with the reason when writing stdout fails otherwise.
        """
        self.out = out
        self._redact = redact
        self._guard_out = _is_terminal(out)
        self._guard_err = _is_terminal(err)
        """A terminal gets only printable text and colours from children (not a file)."""
        self._colour_err = colour_err
        self._on_stdout_gone = on_stdout_gone
        self._on_stdout_error = on_stdout_error
        self._out_error: str | None = None
        self._told_gone = self._told_error = False
        self.err = err
        self._annotations = annotations
        self._colour_out = colour_out
        self._out_bytes = None if self._guard_out else _utf8_buffer(out)
        """Where child output goes as bytes (stdout's binary buffer, when it takes UTF-8
        and is no terminal): a chunk is joined as one-byte text, encoded at memcpy speed
        and prefixed by one bytes replace, instead of being widened by the `│` of its
        prefixes and encoded character by character (measured 1.7x cheaper a chunk)."""
        self._err_palette = Palette(colour_err)
        self._names: list[str] = []
        self._width = 6  # "devtui"
        self._prefix: dict[tuple[str, str], str] = {}
        self._prefix_second = -1
        self._stamp = ""
        self._out_broken = False
        self._feed: Subscription | None = None
        self._batch_done = asyncio.Event()
        self._writing = False
        for name in names:
            self.add_name(name)

    def add_name(self, name: str) -> None:
        """Make room for another process name (e.g. the `--then` command)."""
        if name not in self._names:
            self._names.append(name)
            self._width = max(self._width, len(name))
            self._prefix.clear()

    # ------------------------------------------------------------------ rendering

    def _line_prefix(self, process: str, stream: str, at: float) -> str:
        second = int(at)
        if second != self._prefix_second:
            self._prefix_second = second
            self._stamp = time.strftime("%H:%M:%S", time.localtime(at))
            self._prefix.clear()
        key = (process, stream)
        prefix = self._prefix.get(key)
        if prefix is None:
            bar = STDERR_BAR if stream == "stderr" else STDOUT_BAR
            name = process.ljust(self._width)
            if self._colour_out:
                colour = (
                    NAME_COLOURS[self._names.index(process) % len(NAME_COLOURS)]
                    if (process in self._names)
                    else ""
                )
                bar_style = RED if stream == "stderr" else DIM
                prefix = f"{DIM}{self._stamp}{RESET} {colour}{name}{RESET} {bar_style}{bar}{RESET} "
            else:
                prefix = f"{self._stamp} {name} {bar} "
            self._prefix[key] = prefix
        return prefix

    def render_diagnostic(self, diagnostic: Diagnostic, at: float | None = None) -> str:
        """The stderr text (with newline) for one diagnostic."""
        paint = self._err_palette
        stamp = paint(clock_time(time.time() if at is None else at), DIM)
        head = (
            f"{stamp} {paint(diagnostic.symbol, diagnostic.style)} "
            f"{paint(diagnostic.process.ljust(self._width), diagnostic.style)} {diagnostic.text}\n"
        )
        if diagnostic.details:
            indent = " " * (len(clock_time(0)) + 3 + self._width)
            head += "".join(f"{indent}{paint('│', DIM)} {line}\n" for line in diagnostic.details)
        if self._redact is not None:
            head = self._redact(head)
        return for_terminal(head, self._colour_err) if self._guard_err else head

    def render(self, events: list[Event]) -> list[Run]:
        """Turn a batch into (stream, text) runs, in order."""
        runs: list[Run] = []
        out_parts: list[str] = []
        out_bytes: list[bytes] = []  # (one of the two is used: bytes where stdout takes them)
        colour = self._colour_out
        for event in events:
            if type(event) is OutputLines:
                # One join per chunk: every line of a chunk shares process, stream and time
                # (and a line never holds a newline, so each newline starts a line).
                if self._out_bytes is not None:
                    out_bytes.append(self._chunk_bytes(event))
                    continue
                prefix = self._line_prefix(event.process, event.stream, event.at)
                if colour:  # reset after each line so a child's colour never bleeds on
                    part = prefix + f"{RESET}\n{prefix}".join(event.raws) + f"{RESET}\n"
                else:
                    part = prefix + f"\n{prefix}".join(event.texts) + "\n"
                out_parts.append(for_terminal(part, colour) if self._guard_out else part)
                continue
            diagnostic = describe(event)
            if diagnostic is None:
                continue
            self._end_out_run(runs, out_parts, out_bytes)
            at = getattr(event, "at", None)
            text = self.render_diagnostic(diagnostic, at)
            if self._annotations and isinstance(event, ProblemDetected):
                annotation = problem_annotation(event.problem) + "\n"
                text += for_terminal(annotation, False) if self._guard_err else annotation
            runs.append((self.err, text))
        self._end_out_run(runs, out_parts, out_bytes)
        return runs

    def _end_out_run(self, runs: list[Run], parts: list[str], data: list[bytes]) -> None:
        """Close the run of child output gathered so far (emptying its parts)."""
        if parts:
            runs.append((self.out, "".join(parts)))
            parts.clear()
        if data:
            runs.append((self.out, b"".join(data)))
            data.clear()

    def _chunk_bytes(self, event: OutputLines) -> bytes:
        """A chunk's lines as UTF-8, each behind its prefix (child output is never guarded
        here: this path is only taken off a terminal)."""
        prefix = self._line_prefix(event.process, event.stream, event.at).encode("utf-8")
        # With colour, a reset ends each line so a child's colour never bleeds on.
        colour, raws = self._colour_out, event.raws
        body = f"{RESET}\n".join(raws) + RESET if colour else "\n".join(event.texts)
        data = body.encode("utf-8", "replace")
        return b"".join((prefix, data.replace(b"\n", b"\n" + prefix), b"\n"))

    # ------------------------------------------------------------------ writing

    def write_runs(self, runs: list[Run]) -> None:
        """Write and flush each run in order (blocking)."""
        for stream, text in runs:
            if stream is self.out and self._out_broken:
                continue
            try:
                if isinstance(text, bytes):
                    assert self._out_bytes is not None
                    stream.flush()  # nothing of stdout's text may come after these bytes
                    self._out_bytes.write(text)
                    self._out_bytes.flush()
                else:
                    stream.write(text)
                    stream.flush()
            except BrokenPipeError:
                if stream is self.out:
                    self._out_broken = True
                    _silence(stream)
            except OSError as error:
                if stream is self.out and self._out_error is None:
                    self._out_error = error.strerror or str(error)
            except ValueError:  # closed
                pass

    def write_diagnostic(self, diagnostic: Diagnostic) -> None:
        """Write one diagnostic to stderr now (blocking)."""
        self.write_runs([(self.err, self.render_diagnostic(diagnostic))])

    async def consume(self, subscription: Subscription) -> None:
        """Print every event of `subscription` until the bus closes."""
        self._feed = subscription
        try:
            while True:
                batch = await subscription.next_batch(max_items=20_000)
                if not batch:
                    break
                self._writing = True
                runs = self.render(batch)
                if runs:
                    await asyncio.to_thread(self.write_runs, runs)
                self._writing = False
                self._batch_done.set()
                self._report_stdout_trouble()
        finally:
            self._feed = None
            self._writing = False
            self._batch_done.set()

    def _report_stdout_trouble(self) -> None:
        """Tell the run, once, that stdout is gone or failing."""
        if self._out_broken and not self._told_gone and self._on_stdout_gone is not None:
            self._told_gone = True
            self._on_stdout_gone()
        error = self._out_error
        if error is not None and not self._told_error and self._on_stdout_error is not None:
            self._told_error = True
            self._on_stdout_error(error)

    def settle_stdout(self) -> None:
        """At the end: a stdout that failed gets one last flush, and is pointed at
        /dev/null if that fails too, so exiting raises nothing more."""
        if self._out_error is None:
            return
        try:
            self.out.flush()
        except (OSError, ValueError):
            _silence(self.out)

    async def caught_up(self) -> None:
        """Wait until everything published so far is printed (so a note lands after it)."""
        while self._feed is not None and (self._feed.pending or self._writing):
            self._batch_done.clear()
            await self._batch_done.wait()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _utf8_buffer(stream: TextIO) -> BinaryIO | None:
    """`stream`'s binary buffer if it has one and encodes UTF-8 (else None: text only)."""
    buffer = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None)
    if buffer is None or not isinstance(encoding, str):
        return None
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return None
    return buffer if utf8 else None


def _silence(stream: TextIO) -> None:
    """After a broken pipe, point the stream's descriptor at /dev/null so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
