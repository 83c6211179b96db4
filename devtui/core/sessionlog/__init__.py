"""The session log: its file (private, rotated) and the helper process that
writes it.
"""
