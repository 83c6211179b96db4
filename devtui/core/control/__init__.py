"""The control endpoint: a running devtui answers other terminals, scripts and agents."""
