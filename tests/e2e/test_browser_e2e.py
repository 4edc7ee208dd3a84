"""End to end in a real browser: `cc-tui web --demo` as a process on free ports, driven by
a headless Chromium (Debian's `chromium` and `chromium-driver`, through Selenium) through
the e-mail login, the dashboard, the audit trail PDF (it must arrive in the browser's
download folder, a real PDF) and copy (`y` reaches the browser's clipboard).

xterm.js draws the terminal on a canvas, so the screen's text is read from xterm's own
buffer: a script run before the page's grabs the Terminal object as textual-serve's page
stores it (`this.terminal = new Terminal(...)`), and `buffer.active.getLine(i)` gives each
row as text. Every step waits on what the screen (or the folder) shows, never a sleep.
Skipped, saying why, where Chromium or its driver is not installed (.ci/run installs them).
"""

from __future__ import annotations

import io
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from cc_tui.server.runner import free_port
from tests.e2e.terminal import client_env
from tests.tui.helpers import DEMO_PASSWORD, email_codes

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Chromium and its driver: apt-get install chromium chromium-driver "
    "(.ci/run installs them)",
)

MAKER = "maker@harbour.example"
WAIT = 60.0  # seconds for any one step on a loaded 2-core machine

# Before the page's own scripts: keep xterm's Terminal (the first object given a
# `terminal` with a buffer) and what is copied to the clipboard.
SPY = """
window.__ccCopied = [];
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal',
      {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && !window.__ccTerminal) { window.__ccTerminal = value; }
  },
});
if (navigator.clipboard) {
  navigator.clipboard.writeText = (text) => {
    window.__ccCopied.push(text);
    return Promise.resolve();
  };
}
"""
SCREEN = """
const terminal = window.__ccTerminal;
if (!terminal) { return null; }
const buffer = terminal.buffer.active;
const rows = [];
for (let i = 0; i < terminal.rows; i++) {
  const line = buffer.getLine(buffer.viewportY + i);
  rows.push(line ? line.translateToString(true) : '');
}
return rows.join('\\n');
"""


def wait_until(what: str, check: Callable[[], Any], say: Callable[[], str]) -> Any:
    """`check()`'s first true value, polled until WAIT seconds; else fail with `say()`."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)  # polling interval, not a wait for something to happen
    pytest.fail(f"Waited {WAIT:.0f} s for {what}. {say()}")


@pytest.fixture
def web_demo(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """`cc-tui web --demo` on a free port, its own data dir, HOME and downloads folder:
    (its address, the demo portal's data dir, the serving side's downloads folder)."""
    port = free_port()
    data_dir = tmp_path / "portal"
    downloads = tmp_path / "server-downloads"
    env = client_env(tmp_path) | {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "home" / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / "config"),
        "CC_TUI_DOWNLOADS_DIR": str(downloads),
    }
    args = ["web", "--demo", "--port", str(port), "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [sys.executable, "-m", "cc_tui", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def listening() -> bool:
        if process.poll() is not None:
            pytest.fail(f"cc-tui web ended early: {process.communicate()[0]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    try:
        wait_until("cc-tui web to listen", listening, lambda: "")
        yield f"http://127.0.0.1:{port}/", data_dir, downloads
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A headless Chromium with a new profile and its own download folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM is not None and CHROMEDRIVER is not None
    downloads = tmp_path / "browser-downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1000,700",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SPY})
        yield driver, downloads
    finally:
        driver.quit()


def test_login_dashboard_and_the_audit_pdf_in_a_real_browser(
    web_demo: tuple[str, Path, Path], browser: tuple[Any, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, data_dir, server_downloads = web_demo
    driver, downloads = browser

    def screen() -> str:
        text: str | None = driver.execute_script(SCREEN)
        return text or ""

    def shown(text: str) -> str:
        return str(wait_until(f"{text!r} on the screen", lambda: text in screen(), screen))

    def press(keys: str) -> None:
        driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(keys)

    driver.get(url)
    shown("Portal: open")
    press(MAKER)
    press(Keys.ENTER)
    press(DEMO_PASSWORD)
    press(Keys.ENTER)
    shown("one-time password")
    codes = wait_until(
        "the login code in the portal's Maildir",
        lambda: email_codes(data_dir / "mail", MAKER),
        lambda: f"No code to {MAKER} in {data_dir / 'mail'}.",
    )
    press(codes[-1])
    press(Keys.ENTER)

    # The dashboard: the user, the queues, the list.
    shown("Returned to me")
    shown("Showing ")
    assert "Mandy Chan" in screen()

    press(Keys.ENTER)  # the first request of the list
    shown("Audit trail (")
    ref = re.search(r"\bECS\d{8}\b", screen())
    assert ref is not None, screen()
    name = f"{ref.group(0)} audit trail.pdf"

    press("p")
    shown(f"Saved the audit trail of {ref.group(0)} to your browser's downloads")
    arrived = downloads / name
    wait_until(
        f"{name} in the browser's download folder",
        lambda: arrived.is_file() and not list(downloads.glob("*.crdownload")),
        lambda: f"It holds {sorted(p.name for p in downloads.iterdir())}.",
    )
    reader = PdfReader(io.BytesIO(arrived.read_bytes()))
    assert arrived.read_bytes().startswith(b"%PDF-")
    assert f"Audit trail {ref.group(0)}" in reader.pages[0].extract_text()
    assert not server_downloads.exists()  # nothing was saved on the serving side

    press("y")  # copy the reference: xterm.js hands OSC 52 to the browser's clipboard
    wait_until(
        "the reference on the clipboard",
        lambda: ref.group(0) in (driver.execute_script("return window.__ccCopied") or []),
        lambda: f"Copied: {driver.execute_script('return window.__ccCopied')!r}.",
    )
