"""Live and one-shot lint of the Convex functions folder (a JavaScript lexer,
module facts, the rules).
"""
