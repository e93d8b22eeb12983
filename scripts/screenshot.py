#!/usr/bin/env python3
"""Screenshots of a running ASPnet Atlas in headless Chromium.

    .venv/bin/python scripts/screenshot.py http://localhost:8501/ out.png [--width 1400] [--height 1600]

Waits for Streamlit to finish running the page (and for any map canvas or chart) first.
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1600)
    parser.add_argument("--wait", type=float, default=1.5, help="extra seconds after the page settles")
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(args.url)
        page.wait_for_selector("[data-testid='stAppViewContainer']")
        page.wait_for_timeout(500)
        page.wait_for_function(
            "() => !document.querySelector(\"[data-testid='stStatusWidget'], [data-testid='stSkeleton']\")",
            timeout=60_000,
        )
        for chart in page.locator("[data-testid='stDeckGlJsonChart']").all():
            chart.locator("canvas").first.wait_for(timeout=30_000)
        page.wait_for_timeout(args.wait * 1000)
        page.screenshot(path=args.out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
