"""Assemble a Neo4j Community server from Maven Central and a Java that can run it.

Neo4j publishes no server tarball on Maven Central, but the server itself is there: the
artefact ``org.neo4j:neo4j`` holds ``org.neo4j.server.CommunityEntryPoint`` and
``org.neo4j:neo4j-bolt`` the Bolt connector. ``mvn dependency:copy-dependencies`` on the
project's small pom (``graph/neo4j/pom.xml``) builds ``lib/``; Maven's own cache
(``~/.m2``) makes a second install on the same machine offline and fast.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from graph.errors import SetupError
from graph.settings import NEO4J_VERSION

POM = Path(__file__).with_name("neo4j") / "pom.xml"
SUPPORTED_JAVA = (17, 21)


def java_major_version(java: Path) -> int | None:
    """Major version printed by ``java -version`` (17 for "17.0.15"), None if it won't run."""
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major


def _java_candidates() -> list[Path]:
    homes: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        homes.append(Path(os.environ["JAVA_HOME"]))
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        homes += sorted(p for p in jvm.iterdir() if re.search(r"(^|-)(17|21)($|[.-])", p.name))
    found = [h / "bin" / "java" for h in homes]
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path))
    return [j for j in found if j.exists()]


def find_java(java_home: Path | None = None) -> Path:
    """A Java 17 or 21 executable: Neo4j 5.26 runs on nothing else.

    An explicit ``java_home`` is used alone, so a wrong setting is reported, not bypassed.
    """
    if java_home is not None:
        java = java_home / "bin" / "java"
        major = java_major_version(java) if java.exists() else None
        if major in SUPPORTED_JAVA:
            return java
        found = f"Java {major}" if major else "no runnable java"
        raise SetupError(
            f"Java 17 or 21 not found at LIANJIAN_JAVA_HOME={java_home} ({found}): "
            "point it at a JDK 17 or 21, or unset it"
        )
    seen = []
    for java in _java_candidates():
        major = java_major_version(java)
        if major in SUPPORTED_JAVA:
            return java
        seen.append(f"{java} (Java {major})")
    detail = f"; found only {', '.join(seen)}" if seen else ""
    raise SetupError(
        "Java 17 or 21 not found (Neo4j 5.26 needs one)"
        f"{detail}: install openjdk-17-jre-headless or set LIANJIAN_JAVA_HOME"
    )


def server_lib(home: Path) -> Path:
    return home / "neo4j" / "lib"


def is_installed(home: Path) -> bool:
    lib = server_lib(home)
    return (lib / f"neo4j-{NEO4J_VERSION}.jar").exists() and (
        lib / f"neo4j-bolt-{NEO4J_VERSION}.jar"
    ).exists()


def install_server(home: Path) -> Path:
    """Copy the server's jars into ``home/neo4j/lib`` with Maven (no-op when present)."""
    lib = server_lib(home)
    if is_installed(home):
        return lib
    mvn = shutil.which("mvn")
    if not mvn:
        raise SetupError("Maven (mvn) not found: install the Debian package maven, or run `make setup`")
    lib.mkdir(parents=True, exist_ok=True)
    command = [
        mvn, "-B", "-q", "-f", str(POM),
        f"-Dneo4j.version={NEO4J_VERSION}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib.resolve()}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not is_installed(home):
        tail = " ".join((result.stdout + result.stderr).split())[-300:]
        raise SetupError(
            f"Maven artefacts unreachable: could not fetch org.neo4j:neo4j:{NEO4J_VERSION} "
            f"from Maven Central ({tail or 'no output'})"
        )
    return lib
