"""Keys from one source: a screen's own bindings.

Invariant: the key bar, the help screen and the command palette are all built from the
bindings a screen declares (`description`: the short word the bar shows and the palette's
title; `tooltip`: the long words of the help and the palette; `group`: the help's
section), so none of them can list a key that does nothing, miss one that does something,
or name one differently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.screen import Screen

KEY_NAMES: Final = {
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
    "end": "End",
    "home": "Home",
    "enter": "Enter",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "plus": "+",
    "minus": "-",
    "full_stop": ".",
    "comma": ",",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "ctrl+c": "Ctrl+C",
    "ctrl+p": "Ctrl+P",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
}
"""Textual's key names → what the keyboard says."""

OTHER = "Other"
"""The help section of a binding without a group."""
APP_KEYS: Final = Binding.Group("App")
"""The help section of the keys every screen of the app answers to."""
QUIT_WORDS: Final = (
    "Quit: stop every process (shown step by step), then exit; press again to kill at once"
)
PALETTE: Final = Binding(
    "ctrl+p",
    "command_palette",
    "Commands",
    key_display="^p",
    group=APP_KEYS,
    tooltip="Command palette: every action of this screen, searchable",
)
"""Textual's own palette key, described like the others."""


def from_screen(app_bindings: Iterable[Binding]) -> list[Binding]:
    """The app's bindings as a screen's bar and help use them (actions run on the app)."""
    return [
        Binding(
            b.key,
            b.action if "." in b.action else f"app.{b.action}",
            b.description,
            show=b.show,
            key_display=b.key_display,
            tooltip=b.tooltip,
            group=b.group,
        )
        for b in app_bindings
    ]


def key_label(keys: str) -> str:
    """`end,G` → `End / G`; `question_mark` → `?`."""
    return " / ".join(KEY_NAMES.get(key, key) for key in keys.split(","))


def shown_key(binding: Binding) -> str:
    """The key as the bar shows it (`key_display`, else the first key's name)."""
    return binding.key_display or KEY_NAMES.get(binding.key.split(",")[0], binding.key)


def long_words(binding: Binding) -> str:
    """What the key does, in full (the tooltip), else its short description."""
    return binding.tooltip or binding.description


def bindings_of(declared: Iterable[BindingType]) -> list[Binding]:
    """The `Binding`s of a BINDINGS list (tuples are not used here)."""
    return [b for b in declared if isinstance(b, Binding)]


def is_numbered(binding: Binding) -> bool:
    """`1` … `9` choosing the Nth of something (`select(3)`): one row in the help, no
    palette entries (they have named ones). A digit bound to something else (triage's
    `1` for the problems tab) is an ordinary key."""
    return (
        binding.key.isdigit()
        and len(binding.key) == 1
        and binding.action.endswith(f"({binding.key})")
    )


@dataclass(frozen=True, slots=True)
class HelpRow:
    keys: str
    what: str


def help_sections(bindings: Iterable[Binding]) -> dict[str, list[HelpRow]]:
    """The help's sections in the order the bindings first name them; an action bound
    twice is one row with both keys (`q / Ctrl+C`); number keys fold into `1 … 9`."""
    sections: dict[str, dict[str, HelpRow]] = {}
    for binding in bindings:
        rows = sections.setdefault(binding.group.description if binding.group else OTHER, {})
        if is_numbered(binding):
            action = "1 … 9"
            row = HelpRow("1 … 9", long_words(binding))
        else:
            action = binding.action
            row = HelpRow(key_label(binding.key), long_words(binding))
        known = rows.get(action)
        if known is None:
            rows[action] = row
        elif row.keys != known.keys and action != "1 … 9":
            what = known.what if len(known.what) >= len(row.what) else row.what
            rows[action] = HelpRow(f"{known.keys} / {row.keys}", what)
    return {section: list(rows.values()) for section, rows in sections.items()}


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    title: str
    help: str
    action: str


def palette_entries(bindings: Iterable[Binding]) -> Iterator[PaletteEntry]:
    """A palette command per binding: its description as the title, then its long words
    and key (never Textual's raw key names), number keys left out."""
    seen: set[str] = set()
    for binding in bindings:
        if is_numbered(binding) or not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        words = long_words(binding)
        detail = words if words != binding.description else ""
        key = f"key {key_label(binding.key)}"
        yield PaletteEntry(
            binding.description, f"{detail} · {key}" if detail else key, binding.action
        )


@dataclass(frozen=True, slots=True)
class BarKey:
    key: str
    """As shown: `?`, `End`, `^p`."""
    word: str
    action: str
    """What a click runs, namespaced (`screen.help`, `app.quit`)."""
    kept: bool = False
    """Stays in the bar at any width (q, ?, p, the palette)."""


def bar_keys(
    bindings: Iterable[Binding], kept: frozenset[str], enabled: Callable[[str], bool]
) -> list[BarKey]:
    """The bar's keys: the screen's bindings with `show=True` that are enabled now."""
    keys = []
    for binding in bindings:
        if not binding.show or not enabled(binding.action):
            continue
        action = binding.action if "." in binding.action else f"screen.{binding.action}"
        keys.append(
            BarKey(
                shown_key(binding),
                binding.description.lower(),
                action,
                binding.action in kept,
            )
        )
    return keys


def fit_bar(keys: list[BarKey], width: int, gap: int = 2) -> list[BarKey]:
    """The keys that fit in `width` cells: the kept ones always, then the others in
    order of importance (their order) while they fit; shown in their order."""

    def cells(key: BarKey) -> int:
        return len(key.key) + 1 + len(key.word)

    chosen = {id(key) for key in keys if key.kept}
    used = sum(cells(key) + gap for key in keys if key.kept)
    for key in keys:
        if id(key) in chosen:
            continue
        if used + cells(key) + gap > width + gap:
            continue
        chosen.add(id(key))
        used += cells(key) + gap
    return [key for key in keys if id(key) in chosen]


def screen_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """Palette commands for `screen`'s own actions (not the app's: those come once),
    from `key_bindings()` where the screen has it, else its BINDINGS; actions the screen
    turns off now (`check_action`) are left out."""
    provider = getattr(screen, "key_bindings", None)
    bindings = provider() if callable(provider) else bindings_of(screen.BINDINGS)
    for entry in palette_entries(bindings):
        if "." in entry.action or screen.check_action(entry.action.split("(")[0], ()) is False:
            continue
        yield SystemCommand(
            entry.title, entry.help, lambda action=entry.action: screen.run_action(action)
        )


TEXTUAL_KEPT: Final = frozenset({"Theme", "Screenshot"})
"""Textual's own palette commands devtui keeps (its Quit, Keys and Maximize have devtui
twins: q, ?, z)."""


def textual_extras(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Textual's palette commands devtui keeps."""
    return (command for command in commands if command.title in TEXTUAL_KEPT)
