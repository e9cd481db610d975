"""A real PostgreSQL server for the lake tests, started in a temporary directory.

Debian's ``postgresql`` package (``.ci/run`` installs it) gives ``initdb`` and ``pg_ctl``. The
server listens on 127.0.0.1 only, trusts local connections and is stopped at the end. PostgreSQL
refuses to run as root, so under root it runs as the ``postgres`` user the package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str
    bin_dir: Path

    def lake_url(self, database: str) -> str:
        return (
            f"ducklake:postgres:dbname={database} host=127.0.0.1 port={self.port} user={self.user}"
        )

    def create_database(self, name: str) -> None:
        subprocess.run(
            [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", self.user, name],
            check=True, capture_output=True,
        )  # fmt: skip


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them under /usr/lib/postgresql/<v>/bin)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, str(Path(found).resolve().parent))
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway server; raises LookupError when PostgreSQL is not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise LookupError(
            "PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql"
        )
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise LookupError("running as root and there is no 'postgres' user") from None
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="parallax-pg-"))
    if as_user:
        os.chown(folder, account.pw_uid, account.pw_gid)
    data, port, user = folder / "data", _free_port(), "parallax"
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", user],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
         "-l", str(folder / "log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PostgresServer(port=port, user=user, bin_dir=bin_dir)
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
