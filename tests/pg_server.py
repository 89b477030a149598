"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, started on a free port.

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (Debian's
package creates it) and runs as that user; otherwise it runs as the current user. It listens on
127.0.0.1 and on a Unix socket inside its own folder, with durability off (fsync, synchronous
commit): a test cluster is thrown away anyway. Local connections are trusted; TCP connections by any
role but the superuser need a password (SCRAM), which is what the Entra test exercises.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
HBA = (
    "local all all trust\n"
    f"host all {SUPERUSER} 127.0.0.1/32 trust\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
)


def find_bindir() -> Path | None:
    """Return the folder of initdb/pg_ctl (Debian keeps them out of PATH), or None."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ThrowawayServer:
    """A running cluster; `url(dbname)` names one of its databases."""

    folder: Path
    port: int
    bindir: Path
    user: str | None  # run commands as this user (when we are root)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def postmaster(self) -> int:
        """The server's main process id (the first line of postmaster.pid)."""
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=self.user, cwd=self.folder, timeout=120)

    @classmethod
    def start(cls, *, settings: str = "") -> ThrowawayServer:
        """Start a cluster; `settings` are more `-c name=value` options (the bench loads an extension)."""
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/dev test installs Debian's postgresql)")
        user = SUPERUSER if os.geteuid() == 0 else None
        folder = Path(tempfile.mkdtemp(prefix="rb-pg-"))
        if user is not None:
            shutil.chown(folder, user)
        server = cls(folder=folder, port=_free_port(), bindir=bindir, user=user)
        data = folder / "data"
        server._run(str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                    "--no-sync", "--locale=C")
        (data / "pg_hba.conf").write_text(HBA)
        options = (
            f"-c port={server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            f"-c shared_buffers=64MB {settings}"
        )
        server._run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options,
                    "-w", "-t", "60", "start")
        return server

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")
