"""A real Neo4j Community server run locally without Docker.

The server is the `org.neo4j:neo4j` artifact and its dependencies from Maven Central (plus Neo4j Browser), fetched
once with `mvn` into a cache folder, then run with `java` as a background process whose data and logs live in a
per-instance folder outside the repository. `dev` (the default) serves `make run`; `test` serves the test suite on
its own ports and data, so the tests never touch the development graph.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from . import browser_guide
from .cypher.statements import CHANGE_OWN_PASSWORD
from .settings import NEO4J_BROWSER_VERSION, NEO4J_VERSION, PASSWORD_FILE, Settings

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
#: The fixed password that earlier versions gave every local server. A server still using it is given a random one
#: at its next start (see `start`); it is never set on a new server.
LEGACY_PASSWORD = "clustergraph-dev"  # noqa: S105 -- a retired public value, replaced wherever it is found
#: How long a transaction waits for the database to reach a bookmark it was given (Neo4j's default is 30 s); well
#: inside the service's request deadline.
BOOKMARK_READY_TIMEOUT = "2s"
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)

POM_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by clustergraph: the Neo4j Community server and Neo4j Browser, resolved from Maven Central. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.clustergraph</groupId>
  <artifactId>neo4j-community-server</artifactId>
  <version>{neo4j}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{neo4j}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.client</groupId><artifactId>neo4j-browser</artifactId><version>{browser}</version>
    </dependency>
  </dependencies>
</project>
"""


class Neo4jServerError(RuntimeError):
    """The local server could not be prepared, started or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class Instance:
    """Where one local server keeps its files, and the ports it listens on."""

    name: str
    home: Path
    lib: Path
    bolt_port: int
    http_port: int
    heap: str
    pagecache: str

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def password_file(self) -> Path:
        """The random password generated at the server's first start, kept with its data (mode 0600)."""
        return self.data_dir / PASSWORD_FILE

    @property
    def browser_origin(self) -> str:
        """The origin Neo4j Browser is served from: the only one allowed to call the HTTP API cross-origin."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def browser_content(self) -> Path:
        """A class-path folder holding Neo4j Browser's files (`browser/`) with the ClusterGraph guide and style
        in `browser/clustergraph/`: Neo4j serves /browser/ from the first `browser` folder on its class path."""
        return self.home / "browser-content"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"


def instance_for(settings: Settings) -> Instance:
    """The local instance that these settings describe."""
    return Instance(
        name=settings.local_neo4j_instance,
        home=settings.local_neo4j_home,
        lib=settings.cache_dir / f"neo4j-{NEO4J_VERSION}" / "lib",
        bolt_port=settings.local_neo4j_bolt_port,
        http_port=settings.local_neo4j_http_port,
        heap=settings.local_neo4j_heap,
        pagecache=settings.local_neo4j_pagecache,
    )


# --- prerequisites -------------------------------------------------------------------------------------------


def java_executable() -> str:
    """Path of a Java 17+ `java`, or a clear error saying how to get one."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not candidate or not Path(candidate).exists():
        raise Neo4jServerError(
            "Java 17 or newer is needed to run Neo4j, and no `java` was found "
            "(neither $JAVA_HOME/bin/java nor on PATH). Install one, e.g. `apt-get install openjdk-17-jre-headless`."
        )
    out = subprocess.run([candidate, "-version"], capture_output=True, text=True, check=False)  # noqa: S603 -- fixed argv
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise Neo4jServerError(
            f"Could not read the Java version from `{candidate} -version`: {out.stderr.strip()}"
        )
    major = int(match.group(1))
    if major == 1:  # "1.8.0" style
        major = int(match.group(2) or 0)
    if major < 17:
        raise Neo4jServerError(
            f"Neo4j {NEO4J_VERSION} needs Java 17 or newer; `{candidate}` is Java {major}. "
            "Install Java 17+ or point JAVA_HOME at one."
        )
    return candidate


def ensure_jars(instance: Instance) -> Path:
    """Fetch the server's jars with Maven into the cache once; later calls find them there."""
    marker = instance.lib.parent / ".complete"
    if marker.exists():
        return instance.lib
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jServerError(
            f"The Neo4j {NEO4J_VERSION} jars are not in {instance.lib.parent} yet, and Maven (`mvn`) is needed "
            "to fetch them from Maven Central. Install it, e.g. `apt-get install maven`."
        )
    root = instance.lib.parent
    root.mkdir(parents=True, exist_ok=True)
    (root / "pom.xml").write_text(POM_TEMPLATE.format(neo4j=NEO4J_VERSION, browser=NEO4J_BROWSER_VERSION))
    partial = root / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(root / "pom.xml"),
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        f"-DoutputDirectory={partial}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 -- fixed argv, no shell
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise Neo4jServerError(f"Maven could not fetch Neo4j {NEO4J_VERSION} from Maven Central:\n{tail}")
    shutil.rmtree(instance.lib, ignore_errors=True)
    partial.rename(instance.lib)
    marker.write_text(f"neo4j {NEO4J_VERSION}, neo4j-browser {NEO4J_BROWSER_VERSION}\n")
    return instance.lib


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- configuration -------------------------------------------------------------------------------------------


def ensure_browser_content(instance: Instance) -> Path:
    """Unpack Neo4j Browser into the instance's `browser_content` folder (once per Browser version) and write
    the ClusterGraph guide and style beside it (at every start, so they follow explore.cypher and the model)."""
    root = instance.browser_content
    marker = root / ".neo4j-browser-version"
    if not marker.exists() or marker.read_text().strip() != NEO4J_BROWSER_VERSION:
        jar = instance.lib / f"neo4j-browser-{NEO4J_BROWSER_VERSION}.jar"
        if not jar.exists():
            raise Neo4jServerError(f"{jar} is missing; remove {instance.lib.parent} to fetch the jars again")
        shutil.rmtree(root, ignore_errors=True)
        with zipfile.ZipFile(jar) as archive:
            members = [m for m in archive.namelist() if m.startswith("browser/")]
            archive.extractall(
                root, members
            )  # Maven Central's Browser artifact; zipfile drops '..' from names
        marker.write_text(f"{NEO4J_BROWSER_VERSION}\n")
    browser_guide.write_guide(root / "browser" / browser_guide.GUIDE_FOLDER)
    return root


def write_config(instance: Instance) -> Path:
    """Write the instance's neo4j.conf (rewritten at every start, so settings changes take effect)."""
    instance.conf_dir.mkdir(parents=True, exist_ok=True)
    conf = instance.conf_dir / "neo4j.conf"
    conf.write_text(
        "# Written by `clustergraph neo4j start`; edits are overwritten at the next start.\n"
        f"server.directories.data={instance.data_dir}\n"
        f"server.directories.logs={instance.logs_dir}\n"
        f"server.directories.plugins={instance.home / 'plugins'}\n"
        f"server.directories.import={instance.home / 'import'}\n"
        f"server.directories.run={instance.home / 'run'}\n"
        "server.default_listen_address=127.0.0.1\n"
        f"server.bolt.listen_address=127.0.0.1:{instance.bolt_port}\n"
        f"server.bolt.advertised_address=127.0.0.1:{instance.bolt_port}\n"
        f"server.http.listen_address=127.0.0.1:{instance.http_port}\n"
        f"server.http.advertised_address=127.0.0.1:{instance.http_port}\n"
        "server.https.enabled=false\n"
        "dbms.security.auth_enabled=true\n"
        # Neo4j's default is '*': any web page the developer opens could then drive this server's HTTP API.
        f"dbms.security.http_access_control_allow_origin={instance.browser_origin}\n"
        f"db.transaction.bookmark_ready_timeout={BOOKMARK_READY_TIMEOUT}\n"
        f"server.memory.pagecache.size={instance.pagecache}\n"
        "db.tx_log.rotation.retention_policy=2 files\n"
        "dbms.usage_report.enabled=false\n"
        "server.config.strict_validation.enabled=true\n"
        # After connecting, Browser applies the ClusterGraph style and plays its guide, both served by this server
        # next to Browser itself (`ensure_browser_content`), from the only host it may fetch remote content from.
        f"browser.post_connect_cmd={browser_guide.local_post_connect_commands(instance.browser_origin)}\n"
        "browser.remote_content_hostname_whitelist=127.0.0.1\n"
        # Browser would otherwise send product analytics to another host.
        "client.allow_telemetry=false\n"
    )
    return conf


def _keep_password(instance: Instance, password: str) -> str:
    """Keep `password` in the instance's data folder, readable by its owner only."""
    instance.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(instance.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(password + "\n")
    os.chmod(instance.password_file, 0o600)  # O_CREAT's mode does not apply to a file that existed
    return password


def read_password(instance: Instance) -> str | None:
    """The generated password of the instance, or None when it has none (yet)."""
    try:
        return instance.password_file.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _has_data(instance: Instance) -> bool:
    return (instance.data_dir / "databases").exists() or (instance.data_dir / "dbms").exists()


def _password_for_start(settings: Settings, instance: Instance) -> str:
    """The password to start with: NEO4J_PASSWORD when set; else the instance's generated one, generated now for a
    new server; a server created before passwords were generated still has the legacy one (`start` replaces it)."""
    if settings.neo4j_password is not None:
        return settings.neo4j_password.get_secret_value()
    generated = read_password(instance)
    if generated is not None:
        return generated
    if _has_data(instance):
        return LEGACY_PASSWORD
    return _keep_password(instance, secrets.token_urlsafe(24))


def _replace_legacy_password(instance: Instance, user: str) -> str:
    """Give a running server that still has the legacy password a random one, kept in its password file."""
    new = secrets.token_urlsafe(24)
    with GraphDatabase.driver(
        instance.bolt_uri, auth=(user, LEGACY_PASSWORD), connection_timeout=5
    ) as driver:
        driver.execute_query(CHANGE_OWN_PASSWORD, {"old": LEGACY_PASSWORD, "new": new}, database_="system")
    return _keep_password(instance, new)


def _set_initial_password(java: str, instance: Instance, password: str) -> None:
    env = {**os.environ, "NEO4J_HOME": str(instance.home), "NEO4J_CONF": str(instance.conf_dir)}
    cmd = [java, "-cp", f"{instance.lib}/*", ADMIN_TOOL, "dbms", "set-initial-password", password]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603 -- fixed argv
    if result.returncode != 0:
        raise Neo4jServerError(
            f"Could not set the initial password: {(result.stdout + result.stderr).strip()}"
        )


# --- process control -----------------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """True while the process runs; reaps it if it is this process's own exited child (no zombie left)."""
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        reaped = 0  # not our child: its parent reaps it
    if reaped == pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":  # exited, waiting for its parent
            return False
    return True


def running_pid(instance: Instance) -> int | None:
    """PID of this instance's server if it is alive, else None (a stale pid file is removed)."""
    try:
        pid = int(instance.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        instance.pid_file.unlink(missing_ok=True)
        return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    text = cmdline.read_bytes() if cmdline.exists() else b""
    if text and ENTRY_POINT.encode() not in text:  # the pid was reused by another program
        instance.pid_file.unlink(missing_ok=True)
        return None
    return pid


def log_tail(instance: Instance, lines: int = 30) -> str:
    """The last lines of the server's logs, for error messages."""
    parts = []
    for path in (instance.console_log, instance.logs_dir / "neo4j.log"):
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(parts) or "(no log written)"


def _bolt_answers(instance: Instance, user: str, password: str) -> bool:
    try:
        with GraphDatabase.driver(instance.bolt_uri, auth=(user, password), connection_timeout=2) as driver:
            driver.verify_connectivity()
    except ServiceUnavailable:
        return False
    except AuthError as exc:
        raise Neo4jServerError(
            f"Neo4j at {instance.bolt_uri} refused the configured credentials for user {user!r}: {exc.message}. "
            f"The data folder {instance.data_dir} was created with another password; set NEO4J_PASSWORD to it, "
            "or remove that folder to start afresh."
        ) from exc
    return True


def start(settings: Settings, timeout_s: float = 180.0) -> Instance:
    """Start the local server in the background and return once Bolt accepts the configured credentials.

    Without NEO4J_PASSWORD, a new server gets a random password, kept in its data folder (`password_file`); a
    server made before that, which still has the legacy fixed password, is given a random one now."""
    instance = instance_for(settings)
    password = _password_for_start(settings, instance)
    if running_pid(instance) is not None:
        if _bolt_answers(instance, settings.neo4j_user, password):
            _retire_legacy_password(settings, instance, password)
            return instance
    else:
        java = java_executable()
        for port, what in ((instance.bolt_port, "Bolt"), (instance.http_port, "HTTP")):
            if port_in_use(port):
                raise Neo4jServerError(
                    f"Port {port} ({what}) on 127.0.0.1 is taken by another process, so the local Neo4j "
                    f"'{instance.name}' cannot listen there. Stop that process (`ss -ltnp 'sport = :{port}'` "
                    "names it), or choose other ports with LOCAL_NEO4J_BOLT_PORT / LOCAL_NEO4J_HTTP_PORT."
                )
        ensure_jars(instance)
        ensure_browser_content(instance)
        write_config(instance)
        for folder in (instance.logs_dir, instance.pid_file.parent, instance.home / "plugins"):
            folder.mkdir(parents=True, exist_ok=True)
        if not _has_data(instance):
            _set_initial_password(java, instance, password)
        cmd = [
            java,
            f"-Xms{instance.heap}",
            f"-Xmx{instance.heap}",
            *JVM_OPTIONS,
            "-cp",
            f"{instance.browser_content}{os.pathsep}{instance.lib}/*",
            ENTRY_POINT,
            f"--home-dir={instance.home}",
            f"--config-dir={instance.conf_dir}",
        ]
        instance.pid_file.write_text(f"{_launch_detached(cmd, instance)}\n")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if running_pid(instance) is None:
            instance.pid_file.unlink(missing_ok=True)
            raise Neo4jServerError(f"Neo4j '{instance.name}' exited during start-up.\n{log_tail(instance)}")
        if port_in_use(instance.bolt_port) and _bolt_answers(instance, settings.neo4j_user, password):
            _retire_legacy_password(settings, instance, password)
            return instance
        time.sleep(0.5)
    raise Neo4jServerError(
        f"Neo4j '{instance.name}' did not answer on {instance.bolt_uri} within {timeout_s:.0f}s.\n{log_tail(instance)}"
    )


def _retire_legacy_password(settings: Settings, instance: Instance, password: str) -> None:
    """Replace the legacy password of a server that still has it (never one set explicitly by NEO4J_PASSWORD)."""
    if settings.neo4j_password is None and password == LEGACY_PASSWORD and read_password(instance) is None:
        _replace_legacy_password(instance, settings.neo4j_user)


def _launch_detached(cmd: list[str], instance: Instance) -> int:
    """Start the server as a daemon: in a session of its own, not a child of this process (so nothing here has to
    reap it, and it outlives the command that started it). Returns its pid."""
    script = 'exec "$@" >> "$CONSOLE_LOG" 2>&1 < /dev/null &\necho $!'
    launcher = subprocess.run(  # noqa: S603 -- fixed script; the server's argv is passed as arguments, not parsed
        ["/bin/sh", "-c", script, "sh", *cmd],
        env={**os.environ, "CONSOLE_LOG": str(instance.console_log)},
        cwd=instance.home,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=True,
    )
    return int(launcher.stdout.strip())


def stop(settings: Settings, timeout_s: float = 60.0) -> bool:
    """Stop the local server cleanly (SIGTERM, then SIGKILL after the timeout). False if it was not running."""
    instance = instance_for(settings)
    pid = running_pid(instance)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
        _alive(pid)
    instance.pid_file.unlink(missing_ok=True)
    return True


def status(settings: Settings) -> str:
    """Whether the local server runs, where, and how to log in to it."""
    instance = instance_for(settings)
    pid = running_pid(instance)
    if settings.neo4j_password is not None:
        login = f"user {settings.neo4j_user}, password from NEO4J_PASSWORD"
    else:
        generated = read_password(instance)
        login = (
            f"user {settings.neo4j_user}, password {generated} (kept in {instance.password_file})"
            if generated is not None
            else "no password generated yet (the first start generates one)"
        )
    if pid is None:
        return f"Neo4j '{instance.name}' is not running (data in {instance.data_dir}); {login}."
    return (
        f"Neo4j '{instance.name}' is running (pid {pid}): Bolt {instance.bolt_uri}, "
        f"Browser {instance.browser_url}, data in {instance.data_dir}; {login}."
    )


# --- backups -------------------------------------------------------------------------------------------------


def _admin(instance: Instance, *args: str) -> None:
    """Run `neo4j-admin` (the distribution's AdminTool) on the instance; raise with its output on failure."""
    env = {**os.environ, "NEO4J_HOME": str(instance.home), "NEO4J_CONF": str(instance.conf_dir)}
    cmd = [java_executable(), "-cp", f"{instance.lib}/*", ADMIN_TOOL, *args]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603 -- fixed argv
    if result.returncode != 0:
        raise Neo4jServerError(
            f"neo4j-admin {' '.join(args)} failed:\n{(result.stdout + result.stderr).strip()}"
        )


def _offline(settings: Settings, work: Callable[[Instance], None]) -> list[str]:
    """Stop the server (if it runs), do `work` on the stopped instance, start it again; say what was done."""
    instance = instance_for(settings)
    said: list[str] = []
    was_running = stop(settings)
    if was_running:
        said.append(f"Stopped Neo4j '{instance.name}' (neo4j-admin needs it offline in Community).")
    try:
        ensure_jars(instance)
        write_config(instance)
        work(instance)
    finally:
        if was_running:
            start(settings)
            said.append(f"Started Neo4j '{instance.name}' again on {instance.bolt_uri}.")
    return said


def backup(settings: Settings, file: Path, *, force: bool = False) -> list[str]:
    """Dump the database to `file` with `neo4j-admin database dump` (refuses an existing file unless `force`)."""
    if file.exists() and not force:
        raise Neo4jServerError(f"{file} exists; pass --force to overwrite it")
    database = settings.neo4j_database

    def work(instance: Instance) -> None:
        with tempfile.TemporaryDirectory(dir=file.parent if file.parent.exists() else None) as tmp:
            _admin(instance, "database", "dump", database, f"--to-path={tmp}")
            file.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / f"{database}.dump"), file)

    said = _offline(settings, work)
    return [*said, f"Dumped database '{database}' to {file}."]


def restore(settings: Settings, file: Path) -> list[str]:
    """Replace the database with the dump in `file` (`neo4j-admin database load --overwrite-destination`).

    The caller checks that the database is empty (or that overwriting it was asked for)."""
    if not file.is_file():
        raise Neo4jServerError(f"{file} is not a file")
    database = settings.neo4j_database

    def work(instance: Instance) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copyfile(file, Path(tmp) / f"{database}.dump")
            _admin(
                instance, "database", "load", database, f"--from-path={tmp}", "--overwrite-destination=true"
            )

    said = _offline(settings, work)
    return [*said, f"Loaded {file} into database '{database}'."]
