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
touch both alike. Prints the medians and the ratio, and the CPU time of each whole run
(start to exit; steadier than wall time on a busy machine); asserts nothing.

    .venv/bin/python bench/startup.py [RUNS]     (default 21)
"""

from __future__ import annotations

import contextlib
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


def run_once(args: list[str], env: dict[str, str], ready_file: Path) -> tuple[float, float]:
    """(seconds from spawn to the first screen drawn, CPU seconds of the whole process)."""
    ready_file.unlink(missing_ok=True)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    output = b""
    usage = None
    while usage is None:
        readable, _, _ = select.select([master], [], [], 0.05)
        if readable:
            with contextlib.suppress(OSError):  # the child closed the terminal: it is exiting
                output += os.read(master, 65536)
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            usage = rusage
            process.returncode = os.waitstatus_to_exitcode(status)
    os.close(master)
    if not ready_file.exists():
        tail = output.decode("utf-8", "replace")[-1500:]
        raise SystemExit(f"{args} exited without drawing its first screen:\n{tail}")
    return float(ready_file.read_text()) - start, usage.ru_utime + usage.ru_stime


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
        cpu: dict[str, list[float]] = {name: [] for name in kinds}
        for args in kinds.values():
            run_once(args, env, ready_file)  # warm-up: bytecode and disk caches
        for _ in range(runs):
            for name, args in kinds.items():
                wall, used = run_once(args, env, ready_file)
                times[name].append(wall)
                cpu[name].append(used)
    load = os.getloadavg()[0]
    print(f"Process start to first screen drawn, {runs} runs each, 80x24 pty, load {load:.1f}:")
    for name in kinds:
        wall = times[name]
        print(
            f"  {name:<30} median {statistics.median(wall) * 1000:4.0f} ms "
            f"(min {min(wall) * 1000:.0f}, max {max(wall) * 1000:.0f}); "
            f"CPU of the whole run {statistics.median(cpu[name]) * 1000:.0f} ms"
        )
    bare, ours = (statistics.median(times[name]) for name in kinds)
    bare_cpu, ours_cpu = (statistics.median(cpu[name]) for name in kinds)
    ratio, cpu_ratio = ours / bare, ours_cpu / bare_cpu
    print(f"  ratio cc-tui / bare: {ratio:.2f}x wall (goal <= 1.3x), {cpu_ratio:.2f}x CPU")


if __name__ == "__main__":
    main()
