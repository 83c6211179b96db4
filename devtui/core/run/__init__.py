"""Running the stack: children and their process groups, readiness, restarts,
the supervisor and one run's session.
"""
