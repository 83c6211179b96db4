"""The Textual front end: a thin subscriber to the core's events (imported only for the TUI)."""
