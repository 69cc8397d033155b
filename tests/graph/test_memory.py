"""The local server's heap and page cache: Neo4j's rule, the overrides, ``lianjian db status``."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from graph.memory import GIB, MIB, machine_memory, plan_memory, recommend, to_bytes
from graph.neo4j_install import find_java, server_lib


@pytest.mark.parametrize(("total_gib", "heap_gib", "cache_gib"), [
    (2, 0.5, 0.5), (8, 3.5, 2.0), (24, 8.0, 10.0), (64, 24.0, 28.0), (2048, 31.0, 1987.0),
])
def test_rule_at_the_data_points(total_gib, heap_gib, cache_gib):
    heap, cache = recommend(int(total_gib * GIB))
    assert heap == pytest.approx(heap_gib * GIB, rel=1e-6)
    assert cache == pytest.approx(cache_gib * GIB, rel=1e-6)


def test_rule_interpolates_between_data_points():
    heap, cache = recommend(20 * GIB)   # halfway between 16 (os 4, heap 5) and 24 (6, 8)
    assert heap == pytest.approx(6.5 * GIB, rel=1e-6)
    assert cache == pytest.approx((20 - 5 - 6.5) * GIB, rel=1e-6)


def test_tiny_machine_keeps_a_minimal_page_cache():
    heap, cache = recommend(64 * MIB)
    assert 0 < heap < 64 * MIB and cache == 8 * MIB


@pytest.mark.parametrize("size", ["3g", "12g", "40g"])
def test_rule_matches_neo4j_admin(size, neo4j_settings, tmp_path):
    """The same figures as ``neo4j-admin server memory-recommendation`` (it rounds them)."""
    lib = server_lib(neo4j_settings.home.resolve())
    if not lib.exists():
        pytest.skip("needs the project's local server jars (NEO4J_URI is set)")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "neo4j.conf").write_text("")
    out = subprocess.run(
        [str(find_java()), "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", "server",
         "memory-recommendation", f"--memory={size}"],
        env={**os.environ, "NEO4J_HOME": str(tmp_path), "NEO4J_CONF": str(tmp_path / "conf")},
        capture_output=True, text=True, timeout=120).stdout
    theirs = dict(re.findall(r"^server\.memory\.(heap\.max_size|pagecache\.size)=(\S+)$",
                             out, re.M))
    heap, cache = recommend(to_bytes(size))
    assert heap == pytest.approx(_neo4j_size(theirs["heap.max_size"]), rel=0.03)
    assert cache == pytest.approx(_neo4j_size(theirs["pagecache.size"]), rel=0.03)


def _neo4j_size(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([kmg])", text).groups()
    return float(number) * {"k": 1 << 10, "m": MIB, "g": GIB}[unit]


def test_available_memory_not_total_is_shared_out():
    plan = plan_memory(None, None, (24 * GIB, 8 * GIB))
    assert (to_bytes(plan.heap), to_bytes(plan.pagecache)) == (int(3.5 * GIB), 2 * GIB)
    assert "8.0 GiB available of 24.0 GiB" in plan.reason


def test_settings_override_either_value():
    both = plan_memory("1g", "300m", (24 * GIB, 24 * GIB))
    assert (both.heap, both.pagecache) == ("1g", "300m")
    assert both.reason == "set by LIANJIAN_HEAP and LIANJIAN_PAGECACHE"
    heap_only = plan_memory("1g", None, (8 * GIB, 8 * GIB))
    assert (heap_only.heap, heap_only.pagecache) == ("1g", "2048m")
    assert heap_only.reason.endswith("; LIANJIAN_HEAP set")


def test_unknown_machine_memory_falls_back_to_512m():
    plan = plan_memory(None, None, None)
    assert (plan.heap, plan.pagecache) == ("512m", "512m")


def test_machine_memory_reads_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24684000 kB\nMemFree: 1 kB\nMemAvailable:   "
                       "21000000 kB\n")
    assert machine_memory(meminfo) == (24684000 << 10, 21000000 << 10)
    assert machine_memory(tmp_path / "missing") is None


def _db_status(home, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("NEO4J_", "LIANJIAN_"))}
    return subprocess.run([sys.executable, "-m", "lianjian.cli", "db", "status"],
                          env={**clean, "LIANJIAN_HOME": str(home), **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_db_status_of_a_stopped_server_prints_the_memory_it_would_get(tmp_path):
    done = _db_status(tmp_path / "home", LIANJIAN_BOLT_PORT="1", LIANJIAN_HEAP="700m")
    assert done.returncode == 1
    line = done.stdout.splitlines()[-1]
    match = re.fullmatch(r"memory at next start: heap 700m, page cache (\d+)m \(Neo4j's "
                         r"memory-recommendation rule on [\d.]+ GiB available of [\d.]+ GiB; "
                         r"LIANJIAN_HEAP set\)", line)
    assert match, line
    total, available = machine_memory()
    expected = recommend(min(total, available))[1] >> 20
    assert int(match.group(1)) == pytest.approx(expected, rel=0.05)
