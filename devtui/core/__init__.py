"""devtui's engine: processes, readiness, config, problems and logs; no UI imports."""
