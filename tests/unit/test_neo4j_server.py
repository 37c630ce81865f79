"""The local Neo4j server management (`clustergraph.neo4j_server`), without starting any server.

No server is launched here: `subprocess.Popen`/`run` are replaced by recorders where a code path could reach
them, and Maven and Java are replaced by tiny shell scripts where their behaviour is what a test checks.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from clustergraph import neo4j_server
from clustergraph.neo4j_server import (
    Neo4jServerError,
    ensure_jars,
    instance_for,
    java_executable,
    port_in_use,
    running_pid,
    status,
    write_config,
)
from clustergraph.settings import NEO4J_VERSION, Settings

# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port on 127.0.0.1 with a socket bound and listening on it for the test's duration."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def free_port() -> int:
    """A port that nothing listens on (bound once by the OS to pick it, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_settings(tmp_path: Path, bolt_port: int, http_port: int) -> Settings:
    return Settings(
        _env_file=None,
        neo4j_uri=None,
        local_neo4j_instance="porttest",
        local_neo4j_bolt_port=bolt_port,
        local_neo4j_http_port=http_port,
        state_dir=tmp_path / "state",
        cache_dir=tmp_path / "cache",
    )


def write_script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def folder_is_empty_or_absent(folder: Path) -> bool:
    return not folder.exists() or not any(folder.rglob("*"))


class ProcessRecorder:
    """Stands in for subprocess.run / Popen: records the argv and fails, so no process is ever started."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, args: Any, *_: Any, **__: Any) -> Any:
        self.calls.append([str(a) for a in args])
        raise AssertionError(f"no process may be started here, yet {args!r} was")


@pytest.fixture
def no_processes(monkeypatch: pytest.MonkeyPatch) -> ProcessRecorder:
    recorder = ProcessRecorder()
    monkeypatch.setattr(subprocess, "Popen", recorder)
    monkeypatch.setattr(subprocess, "run", recorder)
    return recorder


# --- port_in_use --------------------------------------------------------------------------------------------


def test_port_in_use_is_true_for_a_listening_socket(listening_port: int) -> None:
    """port_in_use says True for a port on which a socket of this test listens."""
    assert port_in_use(listening_port) is True


def test_port_in_use_is_false_for_a_free_port() -> None:
    """port_in_use says False for a port nothing listens on."""
    assert port_in_use(free_port()) is False


# --- start() refuses taken ports before doing anything ------------------------------------------------------


def test_start_refuses_a_taken_bolt_port_without_launching_java_or_fetching_jars(
    tmp_path: Path, listening_port: int, no_processes: ProcessRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """start() raises Neo4jServerError naming the taken Bolt port; no process is started, no jar fetched."""
    monkeypatch.setattr(neo4j_server, "java_executable", lambda: "/nonexistent/bin/java")
    settings = make_settings(tmp_path, bolt_port=listening_port, http_port=free_port())

    with pytest.raises(Neo4jServerError) as info:
        neo4j_server.start(settings, timeout_s=5)

    message = str(info.value)
    assert str(listening_port) in message
    assert "taken" in message
    assert "Bolt" in message
    assert no_processes.calls == []
    assert folder_is_empty_or_absent(tmp_path / "cache")
    assert not (tmp_path / "state" / "neo4j-porttest" / "conf" / "neo4j.conf").exists()
    assert not (tmp_path / "state" / "neo4j-porttest" / "run" / "neo4j.pid").exists()


def test_start_refuses_a_taken_http_port_without_launching_java_or_fetching_jars(
    tmp_path: Path, listening_port: int, no_processes: ProcessRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """start() raises Neo4jServerError naming the taken HTTP port when only that one is occupied."""
    monkeypatch.setattr(neo4j_server, "java_executable", lambda: "/nonexistent/bin/java")
    bolt = free_port()
    settings = make_settings(tmp_path, bolt_port=bolt, http_port=listening_port)

    with pytest.raises(Neo4jServerError) as info:
        neo4j_server.start(settings, timeout_s=5)

    message = str(info.value)
    assert str(listening_port) in message
    assert "taken" in message
    assert "HTTP" in message
    assert no_processes.calls == []
    assert folder_is_empty_or_absent(tmp_path / "cache")


# --- java_executable ----------------------------------------------------------------------------------------


def test_java_executable_refuses_a_java_home_without_java(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With JAVA_HOME pointing at a folder that has no bin/java, the error says Java 17+ is needed."""
    (tmp_path / "jdk" / "bin").mkdir(parents=True)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(Neo4jServerError) as info:
        java_executable()
    message = str(info.value)
    assert "Java 17" in message
    assert "JAVA_HOME" in message


def test_java_executable_refuses_when_no_java_is_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without JAVA_HOME and without java on PATH, the error says no java was found."""
    monkeypatch.delenv("JAVA_HOME", raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(Neo4jServerError) as info:
        java_executable()
    assert "no `java` was found" in str(info.value)


@pytest.mark.parametrize(
    ("banner", "major"),
    [('java version "1.8.0_292"', 8), ('openjdk version "11.0.22" 2024-01-16', 11)],
    ids=["java-8", "java-11"],
)
def test_java_executable_refuses_java_older_than_17(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, banner: str, major: int
) -> None:
    """A JAVA_HOME whose java reports a version below 17 is refused, naming that version."""
    write_script(tmp_path / "jdk" / "bin" / "java", f"echo '{banner}' >&2\n")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(Neo4jServerError) as info:
        java_executable()
    message = str(info.value)
    assert f"Java {major}" in message
    assert "17" in message


def test_java_executable_accepts_java_17_from_java_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JAVA_HOME whose java reports version 17 is returned as the java to use."""
    java = write_script(
        tmp_path / "jdk" / "bin" / "java", "echo 'openjdk version \"17.0.9\" 2023-10-17' >&2\n"
    )
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert java_executable() == str(java)


def test_java_executable_refuses_an_unreadable_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A java whose -version output names no version is refused with a clear error."""
    write_script(tmp_path / "jdk" / "bin" / "java", "echo 'something odd' >&2\n")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(Neo4jServerError) as info:
        java_executable()
    assert "version" in str(info.value)


# --- ensure_jars --------------------------------------------------------------------------------------------


def test_ensure_jars_without_maven_and_empty_cache_says_maven_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_processes: ProcessRecorder
) -> None:
    """With an empty cache and no `mvn` on PATH, ensure_jars raises an error naming Maven; cache untouched."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    instance = instance_for(make_settings(tmp_path, free_port(), free_port()))

    with pytest.raises(Neo4jServerError) as info:
        ensure_jars(instance)

    message = str(info.value)
    assert "Maven" in message
    assert "mvn" in message
    assert NEO4J_VERSION in message
    assert no_processes.calls == []
    assert folder_is_empty_or_absent(tmp_path / "cache")


def test_ensure_jars_uses_the_cache_once_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_processes: ProcessRecorder
) -> None:
    """With the cache marked complete, ensure_jars returns the lib folder without Maven."""
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    settings = make_settings(tmp_path, free_port(), free_port())
    lib = tmp_path / "cache" / f"neo4j-{NEO4J_VERSION}" / "lib"
    lib.mkdir(parents=True)
    (lib.parent / ".complete").write_text("done\n")

    assert ensure_jars(instance_for(settings)) == lib
    assert no_processes.calls == []


def test_ensure_jars_fetches_with_maven_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ensure_jars runs mvn copy-dependencies in the cache, moves the jars to lib/ and marks it complete."""
    bin_dir = tmp_path / "bin"
    log = tmp_path / "mvn-args.txt"
    write_script(
        bin_dir / "mvn",
        f'echo "$@" > {log}\n'
        'for arg in "$@"; do\n'
        '  case "$arg" in -DoutputDirectory=*) out="${arg#-DoutputDirectory=}";; esac\n'
        "done\n"
        'mkdir -p "$out" && echo jar > "$out/neo4j-kernel.jar"\n',
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    root = tmp_path / "cache" / f"neo4j-{NEO4J_VERSION}"

    lib = ensure_jars(instance_for(make_settings(tmp_path, free_port(), free_port())))

    assert lib == root / "lib"
    assert (root / "lib" / "neo4j-kernel.jar").read_text() == "jar\n"
    assert (root / ".complete").exists()
    assert not (root / "lib.partial").exists()
    assert f"<version>{NEO4J_VERSION}</version>" in (root / "pom.xml").read_text()
    args = log.read_text()
    assert "copy-dependencies" in args
    assert str(root / "pom.xml") in args


def test_ensure_jars_reports_a_maven_failure_and_marks_nothing_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When mvn fails, the error carries Maven's output and the cache is not marked complete."""
    bin_dir = tmp_path / "bin"
    write_script(bin_dir / "mvn", "echo '[ERROR] Could not resolve org.neo4j:neo4j' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    root = tmp_path / "cache" / f"neo4j-{NEO4J_VERSION}"

    with pytest.raises(Neo4jServerError) as info:
        ensure_jars(instance_for(make_settings(tmp_path, free_port(), free_port())))

    assert "Could not resolve org.neo4j:neo4j" in str(info.value)
    assert not (root / ".complete").exists()
    assert not (root / "lib").exists()


# --- write_config, status, running_pid ----------------------------------------------------------------------


def test_write_config_writes_the_ports_and_folders(tmp_path: Path) -> None:
    """neo4j.conf names the instance's Bolt and HTTP ports and its data, logs and run folders."""
    bolt, http = 17688, 17475
    settings = make_settings(tmp_path, bolt, http)
    home = tmp_path / "state" / "neo4j-porttest"

    conf = write_config(instance_for(settings))

    assert conf == home / "conf" / "neo4j.conf"
    entries = dict(
        line.split("=", 1) for line in conf.read_text().splitlines() if line and not line.startswith("#")
    )
    assert entries["server.bolt.listen_address"] == f"127.0.0.1:{bolt}"
    assert entries["server.bolt.advertised_address"] == f"127.0.0.1:{bolt}"
    assert entries["server.http.listen_address"] == f"127.0.0.1:{http}"
    assert entries["server.directories.data"] == str(home / "data")
    assert entries["server.directories.logs"] == str(home / "logs")
    assert entries["server.directories.run"] == str(home / "run")
    assert entries["server.memory.pagecache.size"] == settings.local_neo4j_pagecache
    assert entries["dbms.security.auth_enabled"] == "true"
    # Only Neo4j Browser's own origin may call the HTTP API cross-origin (Neo4j's default is '*').
    assert entries["dbms.security.http_access_control_allow_origin"] == f"http://127.0.0.1:{http}"
    assert entries["db.transaction.bookmark_ready_timeout"] == neo4j_server.BOOKMARK_READY_TIMEOUT


def test_write_config_rewrites_the_file_when_ports_change(tmp_path: Path) -> None:
    """A second write_config with other ports replaces the first file's ports."""
    write_config(instance_for(make_settings(tmp_path, 17688, 17475)))
    conf = write_config(instance_for(make_settings(tmp_path, 27688, 27475)))
    text = conf.read_text()
    assert "127.0.0.1:27688" in text
    assert "17688" not in text


def test_status_of_a_fresh_instance_says_not_running(tmp_path: Path) -> None:
    """status() of an instance that was never started says it is not running, naming the instance."""
    message = status(make_settings(tmp_path, free_port(), free_port()))
    assert "not running" in message
    assert "'porttest'" in message


def test_a_new_instance_gets_a_random_password_kept_with_its_data_owner_only(tmp_path: Path) -> None:
    """Without NEO4J_PASSWORD, the first start generates a password into the data folder (mode 0600); the next
    start, the settings' `neo4j_secret` and `status` all give that same password."""
    settings = make_settings(tmp_path, free_port(), free_port())
    instance = instance_for(settings)

    first = neo4j_server._password_for_start(settings, instance)

    assert instance.password_file.parent == instance.data_dir
    assert stat.S_IMODE(instance.password_file.stat().st_mode) == 0o600
    assert instance.password_file.read_text().strip() == first
    assert len(first) >= 24
    assert first != neo4j_server.LEGACY_PASSWORD
    assert neo4j_server._password_for_start(settings, instance) == first
    assert settings.neo4j_secret.get_secret_value() == first
    assert first in status(settings)
    other = make_settings(tmp_path / "other", free_port(), free_port())
    assert neo4j_server._password_for_start(other, instance_for(other)) != first


def test_a_server_made_with_the_legacy_password_starts_with_it_to_replace_it(tmp_path: Path) -> None:
    """A data folder from before generated passwords (data, no password file) starts with the retired fixed
    password, which `start` then replaces with a random one; a new server never gets it."""
    settings = make_settings(tmp_path, free_port(), free_port())
    instance = instance_for(settings)
    (instance.data_dir / "dbms").mkdir(parents=True)
    assert neo4j_server._password_for_start(settings, instance) == neo4j_server.LEGACY_PASSWORD
    assert not instance.password_file.exists()


def test_an_explicit_password_is_used_and_no_file_is_written(tmp_path: Path) -> None:
    """NEO4J_PASSWORD wins: it is the start password and nothing is written to the data folder."""
    settings = make_settings(tmp_path, free_port(), free_port()).model_copy(
        update={"neo4j_password": SecretStr("an-explicit-password")}
    )
    instance = instance_for(settings)
    assert neo4j_server._password_for_start(settings, instance) == "an-explicit-password"
    assert not instance.password_file.exists()


def test_the_password_of_a_local_instance_is_found_from_its_bolt_uri(tmp_path: Path) -> None:
    """NEO4J_URI at a local instance's loopback Bolt port, without NEO4J_PASSWORD, reads that instance's password
    (how the test suite and the CLI reach a local server by URI); any other server needs NEO4J_PASSWORD."""
    bolt = free_port()
    local = make_settings(tmp_path, bolt, free_port())
    write_config(instance_for(local))
    generated = neo4j_server._password_for_start(local, instance_for(local))
    by_uri = local.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{bolt}"})
    assert by_uri.neo4j_secret.get_secret_value() == generated
    elsewhere = local.model_copy(update={"neo4j_uri": "bolt://db.example.org:7687"})
    with pytest.raises(ValueError, match="set NEO4J_PASSWORD"):
        _ = elsewhere.neo4j_secret


def test_a_server_never_started_has_no_password_and_says_how_to_get_one(tmp_path: Path) -> None:
    """Before the first start there is no password to use: the error names the start command."""
    settings = make_settings(tmp_path, free_port(), free_port())
    with pytest.raises(ValueError, match="clustergraph neo4j start"):
        _ = settings.neo4j_secret


def test_running_pid_is_none_without_a_pid_file(tmp_path: Path) -> None:
    """running_pid is None for an instance with no pid file."""
    assert running_pid(instance_for(make_settings(tmp_path, free_port(), free_port()))) is None


def test_running_pid_ignores_and_removes_a_stale_pid_file(tmp_path: Path) -> None:
    """A pid file naming a process that has exited is ignored and removed."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    instance = instance_for(make_settings(tmp_path, free_port(), free_port()))
    instance.pid_file.parent.mkdir(parents=True)
    instance.pid_file.write_text(f"{child.pid}\n")

    assert running_pid(instance) is None
    assert not instance.pid_file.exists()
    assert "not running" in status(make_settings(tmp_path, free_port(), free_port()))


def test_running_pid_ignores_a_pid_reused_by_another_program(tmp_path: Path) -> None:
    """A pid file naming a live process that is not Neo4j (this test process) is ignored and removed."""
    instance = instance_for(make_settings(tmp_path, free_port(), free_port()))
    instance.pid_file.parent.mkdir(parents=True)
    instance.pid_file.write_text(f"{os.getpid()}\n")

    assert running_pid(instance) is None
    assert not instance.pid_file.exists()


def test_running_pid_ignores_a_garbled_pid_file(tmp_path: Path) -> None:
    """A pid file that does not hold a number is treated as not running."""
    instance = instance_for(make_settings(tmp_path, free_port(), free_port()))
    instance.pid_file.parent.mkdir(parents=True)
    instance.pid_file.write_text("not-a-pid\n")
    assert running_pid(instance) is None
