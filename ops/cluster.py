"""Several replicas of the app behind HAProxy, over one PostgreSQL: what ``make cluster`` runs.

``python -m ops.cluster start --replicas N [--port 8501] [--folder .cluster]`` uses the
PostgreSQL of ASPNET_DATABASE_URL, or starts one in ``FOLDER/postgres`` with database
``aspnet`` (the demo is built into it while it holds no data); then starts N Streamlit
replicas of serve.py on free loopback ports and HAProxy on the front port, with sticky
sessions (Streamlit keeps a visitor's session, media files and uploads in the replica that
served them) and health checks, so the visitors of a replica that dies go to another.
``stop`` ends HAProxy, the replicas and the PostgreSQL it started; ``status`` shows them.
Logs, pid files and the generated haproxy.cfg are in FOLDER.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

from ops import postgres

ROOT = Path(__file__).resolve().parent.parent
SECRET_FILE = ROOT / ".cookie_secret"
HEALTH = "/_stcore/health"  # Streamlit's own: 200 once the server answers
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
DATABASE = "aspnet"
STOP_GRACE = 10.0

HAPROXY_CONFIG = """\
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # An upgraded connection (Streamlit's websocket) may stay quiet for a while.
    timeout tunnel 1h
    # A request for a replica that does not answer is tried again, the last time on another.
    retries 3
    option redispatch
    # The visitor's address for the replicas (the open-data API counts each client's requests).
    option forwardfor

frontend atlas
    bind 127.0.0.1:{port}
    default_backend replicas

backend replicas
    balance roundrobin
    # The replica that served a visitor first serves the rest of the visit.
    cookie SRV insert indirect nocache httponly
    option httpchk GET {health}
    http-check expect status 200
    # A dead replica refuses the check at once; a busy one may answer it late: it stays in
    # (a single replica saturated by visitors was taken out at 1 s, and every visitor got 503).
    timeout check 5s
    default-server check inter 1s fall 2 rise 1
{servers}
"""


class ClusterError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cookie_secret() -> str:
    """ASPNET_COOKIE_SECRET, else the git-ignored .cookie_secret, else a new one written there."""
    secret = os.environ.get("ASPNET_COOKIE_SECRET", "").strip()
    if secret:
        return secret
    if SECRET_FILE.is_file() and SECRET_FILE.read_text().strip():
        return SECRET_FILE.read_text().strip()
    secret = secrets.token_urlsafe(48)
    with os.fdopen(os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(secret + "\n")
    return secret


class Cluster:
    """The replicas, HAProxy and (unless given a database URL) PostgreSQL of one folder.

    Replicas are numbered from 1. What ``start`` started is found again from the folder's
    files, so another process (``python -m ops.cluster stop``) can stop it.
    """

    def __init__(
        self,
        folder: str | Path = ROOT / ".cluster",
        replicas: int = 2,
        port: int | None = None,
        database_url: str | None = None,
        *,
        secret: str | None = None,
    ) -> None:
        self.folder = Path(folder).resolve()
        saved = json.loads(self._file("cluster.json").read_text()) if self._file("cluster.json").is_file() else {}
        self.replicas = replicas
        self.port = port or saved.get("port", 8501)
        self.database_url = database_url or os.environ.get("ASPNET_DATABASE_URL") or None
        self.secret = secret
        self._ports: dict[int, int] = {int(k): p for k, p in saved.get("replicas", {}).items()}
        self._children: dict[int, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def replica_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for _, port in sorted(self._ports.items())]

    def _file(self, name: str) -> Path:
        return self.folder / name

    def _alive(self, pid: int | None) -> bool:
        child = self._children.get(pid) if pid is not None else None
        return child.poll() is None if child is not None else _alive(pid)

    def _end(self, *pids: int | None, grace: float = STOP_GRACE) -> None:
        """SIGTERM to each, then SIGKILL to those still there after ``grace`` seconds."""
        running = [pid for pid in pids if pid is not None and self._alive(pid)]
        for pid in running:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while running := [pid for pid in running if self._alive(pid)]:
            if time.monotonic() > deadline:
                for pid in running:
                    os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.1)

    # -- start ------------------------------------------------------------------------
    def start(self, timeout: float = 120.0) -> str:
        """Start everything and wait until each replica and the front answer; returns the URL."""
        if any(self._alive(pid) for pid in [_pid(self._file("haproxy.pid")), *self._replica_pids().values()]):
            raise ClusterError(f"a cluster is already running from {self.folder} (stop it first)")
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("replica-*.pid"):
            stale.unlink()
        try:
            self.database_url = self.database_url or self._local_database()
            self._build_demo(self.database_url)
            self.secret = self.secret or cookie_secret()
            self._ports = {k: _free_port() for k in range(1, self.replicas + 1)}
            self._save_state()
            for k in self._ports:
                self.start_replica(k)
            self.wait_replicas(timeout)
            self._start_haproxy()
            self._wait(lambda: _healthy(self.url), "HAProxy", timeout)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _local_database(self) -> str:
        server = postgres.start(self._file("postgres"))
        postgres.wait_ready(server)
        with psycopg.connect(server, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
        return postgres.url_of(self._file("postgres"), DATABASE)

    def _build_demo(self, url: str) -> None:
        """The demo network, unless the database already holds data (the CLI's --if-missing)."""
        result = subprocess.run(
            [sys.executable, "-m", "aspnet_data", "demo", "--db", url, "--if-missing"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ClusterError(f"building the demo failed: {(result.stderr or result.stdout).strip()[-2000:]}")

    def _save_state(self) -> None:
        state = {"port": self.port, "replicas": self._ports}
        self._file("cluster.json").write_text(json.dumps(state, indent=2))

    def start_replica(self, k: int) -> None:
        """Start replica ``k`` of a started cluster (again after a crash: same port, so HAProxy finds it)."""
        assert self.database_url and self.secret, "start() first"
        env = {
            **os.environ,
            "ASPNET_DATABASE_URL": self.database_url,
            "ASPNET_COOKIE_SECRET": self.secret,
            "STREAMLIT_SERVER_COOKIE_SECRET": self.secret,
        }
        with open(self._file(f"replica-{k}.log"), "w") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(ROOT / "serve.py"),
                    "--server.port",
                    str(self._ports[k]),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives `start`, and a Ctrl-C in its terminal
            )
        self._children[proc.pid] = proc
        self._file(f"replica-{k}.pid").write_text(f"{proc.pid}\n")

    def wait_replicas(self, timeout: float = 120.0) -> None:
        """Until every replica answers its health check."""
        for k, url in zip(sorted(self._ports), self.replica_urls):
            self._wait(lambda url=url: _healthy(url), f"replica {k}", timeout, k)

    def _wait(self, ready, what: str, timeout: float, replica: int | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            dead = replica is not None and not self._alive(self._replica_pids().get(replica))
            if dead or time.monotonic() > deadline:
                log = self._file(f"replica-{replica}.log" if replica else "haproxy.log")
                tail = log.read_text()[-2000:] if log.is_file() else ""
                raise ClusterError(f"{what} did not become ready{' (it exited)' if dead else ''}\n{tail}")
            time.sleep(0.3)

    def haproxy_config(self) -> str:
        servers = "\n".join(
            f"    server replica{k} 127.0.0.1:{port} cookie replica{k}" for k, port in sorted(self._ports.items())
        )
        return HAPROXY_CONFIG.format(port=self.port, health=HEALTH, servers=servers)

    def _start_haproxy(self) -> None:
        config = self._file("haproxy.cfg")
        config.write_text(self.haproxy_config())
        with open(self._file("haproxy.log"), "w") as log:
            result = subprocess.run(
                [HAPROXY, "-f", str(config), "-D", "-p", str(self._file("haproxy.pid"))],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if result.returncode != 0:
            raise ClusterError(f"HAProxy did not start: {self._file('haproxy.log').read_text()[-2000:]}")

    # -- stop, kill, status ---------------------------------------------------------------
    def _replica_pids(self) -> dict[int, int | None]:
        found = {int(p.stem.split("-")[1]): _pid(p) for p in self.folder.glob("replica-*.pid")}
        return dict(sorted(found.items()))

    def kill(self, k: int) -> None:
        """SIGKILL replica ``k``, as a crash would end it."""
        pid = self._replica_pids().get(k)
        if pid is not None and self._alive(pid):
            os.kill(pid, signal.SIGKILL)
            while self._alive(pid):
                time.sleep(0.05)

    def stop(self) -> None:
        """HAProxy, then the replicas (SIGTERM, SIGKILL after 10 s), then the PostgreSQL it started."""
        if not self.folder.is_dir():
            return
        self._end(_pid(self._file("haproxy.pid")))
        self._end(*self._replica_pids().values())
        for path in [*self.folder.glob("replica-*.pid"), self._file("haproxy.pid")]:
            path.unlink(missing_ok=True)
        if postgres.running(self._file("postgres")):
            postgres.stop(self._file("postgres"))

    def status(self) -> list[tuple[str, int | None, bool]]:
        """(name, pid, up) for HAProxy, each replica and the local PostgreSQL (if any)."""
        rows = [("haproxy " + self.url, _pid(self._file("haproxy.pid")), _healthy(self.url))]
        for k, pid in self._replica_pids().items():
            url = f"http://127.0.0.1:{self._ports[k]}" if k in self._ports else "?"
            rows.append((f"replica {k} {url}", pid, self._alive(pid) and _healthy(url)))
        if (self._file("postgres") / "port").is_file():
            pg = self._file("postgres")
            pid = _pid(pg / "data" / "postmaster.pid")
            rows.append((f"postgresql {postgres.url_of(pg, DATABASE)}", pid, postgres.running(pg)))
        return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--replicas", type=int, default=2, help="number of app replicas (default: 2)")
    parser.add_argument("--port", type=int, default=8501, help="HAProxy's port (default: 8501)")
    parser.add_argument("--folder", type=Path, default=ROOT / ".cluster", help="logs, pid files, local PostgreSQL")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            if args.replicas < 1:
                parser.error("--replicas must be 1 or more")
            print(Cluster(args.folder, args.replicas, args.port).start())
        elif args.action == "stop":
            Cluster(args.folder).stop()
        else:
            rows = Cluster(args.folder).status()
            for name, pid, up in rows:
                print(f"{'up  ' if up else 'DOWN'}  pid {pid or '-':<8} {name}")
            return 0 if rows and all(up for _, _, up in rows) else 1
    except (ClusterError, postgres.ClusterError, subprocess.CalledProcessError, psycopg.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
