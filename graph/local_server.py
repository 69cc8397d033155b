"""One local Neo4j instance whose jars, config, data and logs live under one directory.

Bolt listens on 127.0.0.1 only, HTTP is off, authentication is on with a password made at
first start and kept in ``home/password`` (mode 0600). ``start`` returns once the database
answers ``RETURN 1``; every failure becomes one line naming the cause.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from graph.connection import ServerStatus, probe
from graph.errors import SetupError
from graph.memory import MemoryPlan, machine_memory, plan_memory, to_bytes
from graph.neo4j_install import find_java, install_server, server_lib
from graph.settings import NEO4J_VERSION, Settings

CONF_TEMPLATE = """\
# Written by `lianjian db start`; edits are overwritten at the next start.
# memory: {memory_reason}
server.default_listen_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{port}
server.bolt.advertised_address=127.0.0.1:{port}
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=true
dbms.usage_report.enabled=false
server.memory.heap.initial_size={heap}
server.memory.heap.max_size={heap}
server.memory.pagecache.size={pagecache}
server.directories.data={data}
server.directories.logs={logs}
server.directories.plugins={plugins}
server.directories.import={imports}
db.tx_log.rotation.retention_policy=1 files
"""

# Patterns in Neo4j's own output mapped to the one-line cause a user needs.
FAILURE_PATTERNS = [
    (r"Address already in use|BindException", "port {port} on 127.0.0.1 is already in use: "
     "stop the other process or set LIANJIAN_BOLT_PORT"),
    (r"[Ll]ock file has been locked|FileLockException|store_lock",
     "data directory {data} is locked by another Neo4j process: stop it first"),
    (r"[Cc]orrupt|[Ii]nconsistent|UnderlyingStorageException|Failed to start Neo4j",
     "the database in {data} could not start (corrupt or incompatible store): "
     "see {logs}/neo4j.log, or `lianjian db wipe` to start empty"),
    (r"OutOfMemoryError|Cannot allocate memory|Could not reserve enough space",
     "not enough memory for heap {heap} + page cache {pagecache}: lower LIANJIAN_HEAP/LIANJIAN_PAGECACHE"),
    (r"UnsupportedClassVersionError", "wrong Java version: Neo4j 5.26 needs Java 17 or 21"),
]


class LocalServer:
    """The project's own Neo4j under ``settings.home``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.home = settings.home.resolve()
        self.root = self.home / "neo4j"
        self.conf_dir = self.root / "conf"
        self.data = self.root / "data"
        self.logs = self.root / "logs"
        self.pid_file = self.root / "run" / "neo4j.pid"
        self.password_file = settings.local_password_file
        self._memory: MemoryPlan | None = None

    @property
    def memory(self) -> MemoryPlan:
        """Heap and page cache for the next start, chosen once per ``LocalServer``."""
        if self._memory is None:
            self._memory = plan_memory(self.settings.heap, self.settings.pagecache,
                                       machine_memory())
        return self._memory

    def running_memory(self) -> MemoryPlan | None:
        """What the running server was started with (from the config it was started with)."""
        try:
            text = (self.conf_dir / "neo4j.conf").read_text()
        except OSError:
            return None
        found = dict(re.findall(r"^(server\.memory\.heap\.max_size|server\.memory\.pagecache"
                                r"\.size)=(\S+)$", text, re.M))
        reason = re.search(r"^# memory: (.*)$", text, re.M)
        if len(found) != 2:
            return None
        return MemoryPlan(found["server.memory.heap.max_size"],
                          found["server.memory.pagecache.size"],
                          reason.group(1) if reason else "")

    # -- credentials -------------------------------------------------------------------
    def password(self) -> str | None:
        return self.settings.local_password()

    def _create_password(self) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        # Hex, not token_urlsafe: a password starting with "-" (1 start in 64) is read by
        # neo4j-admin as an option, and the first start fails.
        password = secrets.token_hex(18)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        return password

    # -- process -----------------------------------------------------------------------
    def pid(self) -> int | None:
        """The server's pid if our pid file names a live process."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def _write_conf(self) -> None:
        for folder in (self.conf_dir, self.data, self.logs, self.root / "plugins",
                       self.root / "import", self.pid_file.parent):
            folder.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "neo4j.conf").write_text(CONF_TEMPLATE.format(
            port=self.settings.bolt_port, heap=self.memory.heap,
            pagecache=self.memory.pagecache, memory_reason=self.memory.reason,
            data=self.data, logs=self.logs,
            plugins=self.root / "plugins", imports=self.root / "import"))

    def _java_env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_HOME": str(self.root), "NEO4J_CONF": str(self.conf_dir)}

    def _set_initial_password(self, java: Path) -> None:
        """Before the very first start only: Neo4j ignores it once the system db exists."""
        if (self.data / "databases" / "system").exists() and self.password():
            return
        password = self.password() or self._create_password()
        result = subprocess.run(
            [str(java), "-cp", f"{server_lib(self.home)}/*", "org.neo4j.cli.AdminTool",
             "dbms", "set-initial-password", password],
            env=self._java_env(), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise SetupError("could not set the initial password: "
                             + " ".join(result.stderr.split())[-200:])

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", self.settings.bolt_port))
            except OSError:
                raise SetupError(self._cause(FAILURE_PATTERNS[0][1])) from None

    def _check_memory(self) -> None:
        needed = to_bytes(self.memory.heap) + to_bytes(self.memory.pagecache) + (256 << 20)
        memory = machine_memory()
        available = memory[1] if memory else None
        if available is not None and available < needed:
            raise SetupError(self._cause(
                f"not enough memory: {available >> 20} MB available, {needed >> 20} MB needed "
                "for heap {heap} + page cache {pagecache}: lower LIANJIAN_HEAP/LIANJIAN_PAGECACHE"))

    def _cause(self, template: str) -> str:
        return template.format(port=self.settings.bolt_port, data=self.data, logs=self.logs,
                               heap=self.memory.heap, pagecache=self.memory.pagecache)

    def _diagnose(self) -> str:
        """The one-line cause of a failed start, read from Neo4j's own output."""
        text = ""
        for log in (self.logs / "console.log", self.logs / "neo4j.log", self.logs / "debug.log"):
            if log.exists():
                text += log.read_text(errors="replace")[-20000:]
        for pattern, template in FAILURE_PATTERNS:
            if re.search(pattern, text):
                return self._cause(template)
        lines = [ln for ln in text.splitlines() if "ERROR" in ln or "Exception" in ln]
        last = lines[-1].strip()[:200] if lines else "no error in the logs"
        return f"Neo4j exited during start ({last}); see {self.logs}/console.log"

    def start(self) -> ServerStatus:
        """Install if needed, start, and wait until the database answers ``RETURN 1``."""
        if self.settings.uses_remote_server:
            raise SetupError(f"NEO4J_URI is set ({self.settings.neo4j_uri}): "
                             "no local server is started; unset it to use the local one")
        if self.pid():
            return self.status()
        java = find_java(self.settings.java_home)
        install_server(self.home)
        self._check_port_free()
        self._check_memory()
        self._write_conf()
        self._set_initial_password(java)
        console = open(self.logs / "console.log", "w")
        process = subprocess.Popen(
            [str(java), f"-Xms{self.memory.heap}", f"-Xmx{self.memory.heap}",
             "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8",
             "-cp", f"{server_lib(self.home)}/*", "org.neo4j.server.CommunityEntryPoint",
             f"--home-dir={self.root}", f"--config-dir={self.conf_dir}"],
            env=self._java_env(), stdout=console, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.root)
        self.pid_file.write_text(str(process.pid))
        return self._wait_until_ready(process)

    def _wait_until_ready(self, process: subprocess.Popen) -> ServerStatus:
        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise SetupError(self._diagnose())
            status = self.status()
            if status.running:
                return status
            time.sleep(0.2)
        self.stop()
        raise SetupError(f"Neo4j did not answer within {self.settings.start_timeout_s:.0f} s; "
                         f"see {self.logs}/console.log")

    def stop(self, timeout_s: float = 60.0) -> str:
        """SIGTERM, wait for a clean shutdown, SIGKILL only if it will not stop."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return "not running"
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                return f"stopped (pid {pid})"
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return f"killed (pid {pid}) after {timeout_s:.0f} s without a clean shutdown"

    def status(self) -> ServerStatus:
        pid = self.pid()
        uri = self.settings.local_uri
        if pid is None:
            return ServerStatus(False, uri, detail="not running")
        return probe(uri, self.settings.neo4j_user, self.password(),
                     self.settings.neo4j_database, pid=pid)

    def wipe(self) -> str:
        """Stop and delete the data (jars, config and password stay)."""
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)
        self.password_file.unlink(missing_ok=True)
        return f"wiped {self.data}"


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie left by another parent still answers kill(0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


__all__ = ["LocalServer", "ServerStatus", "NEO4J_VERSION"]
