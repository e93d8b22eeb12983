"""A local PostgreSQL cluster in a folder: for `make cluster`, the test suite and the benchmark.

``python -m ops.postgres start DIR`` creates the cluster on first use (initdb; as root it runs
as the ``postgres`` system user, which initdb requires), starts it on a unix socket in DIR and
a free loopback port, and prints its URL; ``stop DIR`` stops it; ``url DIR`` prints the URL of a
running one. Nothing is assumed to be running or installed beyond Debian's postgresql package.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class ClusterError(RuntimeError):
    pass


def _binary(name: str) -> str:
    for folder in BIN_DIRS:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    raise ClusterError(f"{name} not found: install PostgreSQL 15+ (apt-get install postgresql)")


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres system user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def url_of(folder: Path, database: str = "postgres") -> str:
    port = (folder / "port").read_text().strip()
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


def running(folder: Path) -> bool:
    pid_file = folder / "data" / "postmaster.pid"
    if not pid_file.is_file():
        return False
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def start(folder: Path, *, port: int | None = None) -> str:
    """Create (once) and start the cluster in ``folder``; returns its URL."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    _chown(folder)
    data = folder / "data"
    if not (data / "PG_VERSION").is_file():
        data.mkdir(exist_ok=True)
        _chown(data)
        subprocess.run(
            _as_owner([_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    if running(folder):
        return url_of(folder)
    port_file = folder / "port"
    # A restarted cluster keeps its address (replicas and URLs keep working).
    port = port or (int(port_file.read_text()) if port_file.is_file() else _free_port())
    port_file.write_text(str(port))
    options = (
        f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB"
    )
    log = folder / "server.log"
    log.touch()
    _chown(log)
    result = subprocess.run(
        _as_owner([_binary("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30", "start"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        raise ClusterError(f"PostgreSQL did not start: {result.stderr.strip() or log.read_text()[-500:]}")
    return url_of(folder)


def stop(folder: Path, *, mode: str = "fast") -> None:
    data = folder.resolve() / "data"
    if running(folder):
        subprocess.run(
            _as_owner([_binary("pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def wait_ready(url: str, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.postgres", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "url", "remove"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.folder, port=args.port))
        elif args.action == "stop":
            stop(args.folder)
        elif args.action == "remove":
            stop(args.folder, mode="immediate")
            shutil.rmtree(args.folder, ignore_errors=True)
        else:
            if not running(args.folder):
                raise ClusterError(f"no PostgreSQL is running in {args.folder}")
            print(url_of(args.folder))
    except (ClusterError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
