"""devtui: a dev-stack launcher for Convex + Vite projects."""

__version__ = "0.1.0"
