"""Headless Chromium as the browser tests and the map benchmark launch it."""

from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's build, which Playwright drives as it is
# No GPU, no sandbox (containers), and nothing that reaches out to the network by itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright: Playwright) -> Browser:
    """Chromium, headless, with CHROMIUM_ARGS."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
