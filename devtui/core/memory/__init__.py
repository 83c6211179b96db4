"""Memory of each process tree: figures, thresholds and the monitor that samples
them.
"""
