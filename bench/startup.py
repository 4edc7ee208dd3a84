"""Start-up: process start to the login screen drawn, beside a bare Textual app.

Each run starts a fresh Python process in a pseudo-terminal of 80x24 (a real terminal
driver, as a user has) and times it from just before the spawn to the moment the app
writes `time.monotonic()` (system-wide on Linux, so comparable across processes) into
the file named by CC_TUI_READY_FILE:
- cc-tui: `python -m cc_tui --server URL`, written once the login screen has been drawn
  (PortalApp._mark_ready), then it exits. No portal needs to answer: the first frame
  never waits for the network.
- bare: a Textual app with one Label, written on its Ready event (its first frame).
The two kinds alternate, after one warm-up each, so that disk caches and CPU drift
touch both alike. Prints the medians and the ratio; asserts nothing.

    .venv/bin/python bench/startup.py [RUNS]     (default 21)
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

BARE_APP = """
import os, pathlib, time
from textual.app import App
from textual.widgets import Label

class Bare(App):
    def compose(self):
        yield Label("Hello")

    def on_ready(self):
        path = pathlib.Path(os.environ["CC_TUI_READY_FILE"])
        path.write_text(f"{time.monotonic()}\\n")
        self.exit()

Bare().run()
"""


def run_once(args: list[str], env: dict[str, str], ready_file: Path) -> float:
    ready_file.unlink(missing_ok=True)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    output = b""
    while process.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                output += os.read(master, 65536)
            except OSError:
                break
    process.wait()
    os.close(master)
    if not ready_file.exists():
        tail = output.decode("utf-8", "replace")[-1500:]
        raise SystemExit(f"{args} exited without drawing its first screen:\n{tail}")
    return float(ready_file.read_text()) - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        bare_script = home / "bare.py"
        bare_script.write_text(BARE_APP)
        ready_file = home / "ready"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_TUI_", "TEXTUAL"))}
        env.update(
            {
                "CC_TUI_READY_FILE": str(ready_file),
                "CC_TUI_CONFIG_DIR": str(home / "config"),
                "CC_TUI_DATA_DIR": str(home / "data"),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "TERM": "xterm-256color",
            }
        )
        kinds = {
            "bare Textual app (one Label)": [str(bare_script)],
            "cc-tui login screen": ["-m", "cc_tui", "--server", "http://127.0.0.1:9"],
        }
        times: dict[str, list[float]] = {name: [] for name in kinds}
        for args in kinds.values():
            run_once(args, env, ready_file)  # warm-up: bytecode and disk caches
        for _ in range(runs):
            for name, args in kinds.items():
                times[name].append(run_once(args, env, ready_file))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"Process start to first screen drawn, median of {runs} runs (80x24 pty):")
    for name, value in medians.items():
        spread = f"min {min(times[name]) * 1000:.0f}, max {max(times[name]) * 1000:.0f}"
        print(f"  {name:<30} {value * 1000:7.0f} ms   ({spread})")
    bare, ours = medians.values()
    print(f"  ratio cc-tui / bare            {ours / bare:7.2f}x   (goal <= 1.3x)")


if __name__ == "__main__":
    main()
