"""A child process on a pseudo-terminal, read as a person's terminal would show it; for tests
that must see exactly what reaches the terminal, and for the app benchmark."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Terminal:
    """A child process on a pseudo-terminal; everything it draws is read and kept."""

    def __init__(
        self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24)
    ) -> None:
        self.master, slave = pty.openpty()
        columns, lines = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "TERM": "xterm-256color", **env},
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self.output = b""

    def wait_for(self, marker: bytes, timeout: float = 60.0) -> float:
        """Seconds since the spawn when ``marker`` appeared (only output after the call)."""
        seen = len(self.output)
        deadline = time.perf_counter() + timeout
        while marker not in self.output[seen:]:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{marker!r} not seen; last output: {self.output[-300:]!r}")
            self.drain(0.05)
        return time.perf_counter() - self.started

    def drain(self, seconds: float) -> None:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            with contextlib.suppress(OSError):
                self.output += os.read(self.master, 1 << 16)

    def idle(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.drain(min(0.1, end - time.perf_counter()))

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.send(b"q")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.master)
