"""Start and stop the dashboard as a real ``mapdata serve`` (``streamlit run``) process (for the e2e tests and scripts/screenshot.py).

Like datasette's test servers: pick a free port, start the app as a subprocess from
the repository root, poll ``/_stcore/health`` until it answers, and stop it afterwards.
No pytest in here, so scripts can use it too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MAPDATA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class ServerError(RuntimeError):
    """The app did not come up; the message carries its output."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``mapdata serve`` (``streamlit run dashboard.py``) on a free port; ``data_dir`` sets MAPDATA_DATA (None: the bundled geodata/).

    ``mapdata`` is the command to run (default: this checkout's, with this Python), from ``cwd`` (default: the
    repository root).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        mapdata: Sequence[str] = (sys.executable, "-m", "mapdata.cli"),
        cwd: str | os.PathLike[str] = ROOT,
    ) -> None:
        self.data_dir = data_dir
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.mapdata = list(mapdata)
        self.cwd = cwd
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._logdir = tempfile.TemporaryDirectory(prefix="mapdata-e2e-server-")

    @property
    def url(self) -> str:
        assert self.port is not None, "server not started"
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("MAPDATA_DATA", None)
        if self.data_dir is not None:
            env["MAPDATA_DATA"] = os.fspath(self.data_dir)
        # Each server gets its own new store, seeded from its data folder (unless the test shares one).
        env["MAPDATA_STORE"] = os.path.join(self._logdir.name, "store.gpkg")
        env.update(self.extra_env)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def output(self) -> str:
        parts = []
        for name in ("stdout", "stderr"):
            path = Path(self._logdir.name) / f"{name}.log"
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            parts.append(f"--- server {name} ---\n{text.strip() or '(empty)'}")
        return "\n".join(parts)

    def start(self) -> AppServer:
        last_error = ""
        for _attempt in range(3):  # a port can be taken between free_port() and the bind
            self.port = free_port()
            command = [
                *self.mapdata,
                "serve",  # = streamlit run dashboard.py, data loaded at start
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                # Edits to the source while the suite runs must not rerun or reload the app.
                "--server.fileWatcherType",
                "none",
            ]
            logdir = Path(self._logdir.name)
            with open(logdir / "stdout.log", "wb") as out, open(logdir / "stderr.log", "wb") as err:
                self.process = subprocess.Popen(
                    command,
                    cwd=self.cwd,
                    env=self._env(),
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            try:
                self._wait_healthy()
                return self
            except ServerError as exc:
                last_error = str(exc)
                self.stop()
                if "is not available" not in last_error:  # only a port clash is worth another try
                    break
        raise ServerError(last_error)

    def _wait_healthy(self) -> None:
        assert self.process is not None
        health = f"{self.url}/_stcore/health"
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ServerError(
                    f"`mapdata serve` (streamlit run dashboard.py) exited with code {code} before answering {health}\n"
                    f"{self.output()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    body = response.read().decode("utf-8", errors="replace").strip()
                    if response.status == 200 and body == "ok":
                        return
                    last = f"HTTP {response.status}: {body[:200]!r}"
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise ServerError(
            f"{health} did not answer 'ok' within {self.startup_timeout:.0f}s (last: {last})\n{self.output()}"
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        self._logdir.cleanup()

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
