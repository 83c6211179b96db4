"""The private Textual names devtui/ui/compat.py relies on still exist and still work:
an upgrade that renames one fails here, not in a flood or a closed terminal."""

from __future__ import annotations

import inspect

from textual.app import App, ComposeResult
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size
from textual.scroll_view import ScrollView

from devtui.ui.compat import grow_virtual_size


def test_the_private_names_compat_uses_are_there() -> None:
    assert callable(getattr(ScrollView, "_scroll_update", None))
    assert "exit_event" in inspect.getsource(LinuxDriver.__init__)
    assert "_driver" in inspect.getsource(App.__init__)


async def test_growing_the_virtual_size_without_a_layout_scrolls_to_it() -> None:
    class Tall(ScrollView):
        pass

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Tall()

    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(Tall)
        view.virtual_size = Size(40, 50)
        await pilot.pause()
        grow_virtual_size(view, Size(40, 500))
        view.scroll_end(animate=False, immediate=True, force=True)
        await pilot.pause()
        assert view.virtual_size.height == 500
        assert view.max_scroll_y == 500 - view.scrollable_content_region.height
