"""The MCP front end (`devtui mcp`): a running devtui's status, logs and problems as tools
for coding agents, over the Model Context Protocol on stdio.

Invariant: only `devtui.mcp.server` imports the MCP SDK (an optional extra), and only
when `devtui mcp` runs; the rest of this package is plain Python over the control client.
"""
