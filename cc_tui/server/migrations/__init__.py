"""Numbered SQL migrations, applied in order by cc_tui.server.db."""
