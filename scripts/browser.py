"""Headless Chromium for the browser tests and the widget benchmark: Debian's package
(installed by scripts/setup.sh with SETUP_BROWSER=1), driven by Playwright, which never
downloads a browser of its own. The flags keep Chromium off the network it would call at
start (this machine's network is closed)."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
