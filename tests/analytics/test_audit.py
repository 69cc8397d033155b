"""The audit trail: a hash chain nobody can quietly edit, appended by concurrent writers
without forking, and fed by the command line's reads and exports."""
from __future__ import annotations

import json
import threading
import time

import pytest
from fixtures import World, cli_env  # noqa: F401 - cli_env is a fixture
from typer.testing import CliRunner

from analytics.audit import (GENESIS, AuditError, _utc_text, event_hash, head, read_log,
                             record, verify_chain)


def _events(db, count: int, actor: str = "审计员") -> list[dict]:
    return [record(db, actor=actor, action="profile.read", targets=[f"P{n}"],
                   parameters={"as_of": None, "n": n}) for n in range(1, count + 1)]


def test_events_chain_from_the_genesis_and_the_head_names_the_last(db):
    assert head(db) == {"seq": 0, "hash": GENESIS}
    assert verify_chain(db)["ok"] and verify_chain(db)["events"] == 0
    written = _events(db, 5)
    assert [event["seq"] for event in written] == [1, 2, 3, 4, 5]
    assert head(db) == {"seq": 5, "hash": written[-1]["hash"]}
    stored = db.read("MATCH (e:AuditEvent) RETURN e.seq AS seq, e.prev_hash AS prev, "
                     "e.hash AS hash ORDER BY e.seq")
    assert stored[0]["prev"] == GENESIS
    assert all(later["prev"] == earlier["hash"] for earlier, later in zip(stored, stored[1:]))
    result = verify_chain(db)
    assert (result["ok"], result["events"], result["first_bad_seq"]) == (True, 5, None)


def test_concurrent_writers_never_fork_the_chain(db):
    writers, each = 6, 12
    barrier = threading.Barrier(writers)

    def write(number: int) -> None:
        barrier.wait()
        for n in range(each):
            record(db, actor=f"writer{number}", action="alert.note", targets=[f"A{n}"])

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [row["seq"] for row in db.read("MATCH (e:AuditEvent) RETURN e.seq AS seq "
                                          "ORDER BY seq")]
    assert seqs == list(range(1, writers * each + 1))
    assert verify_chain(db)["ok"] and head(db)["seq"] == writers * each


def test_concurrent_readers_share_commits_and_each_gets_its_own_event(db, monkeypatch):
    """Group commit: twenty readers at once take the head's lock fewer than twenty times,
    and each is answered with the seq and hash of its own event, committed."""
    from analytics import audit

    batches: list[int] = []
    original = audit.append_checked

    def counted(tx, events):
        if not batches:
            time.sleep(0.3)     # the first commit is slow: the other readers queue behind it
        batches.append(len(events))
        return original(tx, events)

    monkeypatch.setattr(audit, "append_checked", counted)
    readers = 20
    barrier, answers = threading.Barrier(readers), {}

    def read(number: int) -> None:
        barrier.wait()
        answers[number] = record(db, actor=f"reader{number}", action="profile.read",
                                 targets=[f"P{number}"])

    threads = [threading.Thread(target=read, args=(number,)) for number in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = {row["seq"]: row for row in db.read(
        "MATCH (e:AuditEvent) RETURN e.seq AS seq, e.actor AS actor, e.hash AS hash")}
    assert sorted(stored) == list(range(1, readers + 1))
    for number, answer in answers.items():
        assert stored[answer["seq"]]["actor"] == f"reader{number}"
        assert stored[answer["seq"]]["hash"] == answer["hash"]
    assert sum(batches) == readers and len(batches) < readers
    assert verify_chain(db)["ok"]


def test_a_failed_group_commit_fails_every_caller_and_writes_nothing(db, monkeypatch):
    from analytics import audit

    def refuse(tx, events):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append_checked", refuse)
    with pytest.raises(RuntimeError, match="disk full"):
        record(db, actor="甲", action="profile.read", targets=["P1"])
    monkeypatch.undo()
    assert head(db)["seq"] == 0
    assert record(db, actor="甲", action="profile.read")["seq"] == 1


def test_an_event_must_name_its_actor_and_a_dotted_action(db):
    with pytest.raises(AuditError, match="actor"):
        record(db, actor="", action="profile.read")
    with pytest.raises(AuditError, match="dotted"):
        record(db, actor="甲", action="DROP DATABASE")
    assert head(db)["seq"] == 0


@pytest.mark.parametrize("damage, seq, problem", [
    ("MATCH (e:AuditEvent {seq: 3}) SET e.actor = 'mallory'", 3, "altered"),
    ("MATCH (e:AuditEvent {seq: 3}) SET e.targets = ['P9']", 3, "altered"),
    ("MATCH (e:AuditEvent {seq: 3}) DELETE e", 3, "missing"),
    ("MATCH (e:AuditEvent {seq: 6}) DELETE e", 6, "missing"),
    ("MATCH (a:AuditEvent {seq: 3}), (b:AuditEvent {seq: 4}) "
     "SET a.seq = -1 WITH a, b SET b.seq = 3 WITH a SET a.seq = 4", 3, "altered"),
])
def test_audit_verify_names_the_first_broken_or_missing_event(cli_env, damage, seq, problem):
    from lianjian.commands.audit import app

    _events(cli_env, 6)
    intact = CliRunner().invoke(app, ["verify"])
    assert intact.exit_code == 0 and "intact: 6 event(s)" in intact.output
    cli_env.write(damage)
    broken = CliRunner().invoke(app, ["verify"])
    assert isinstance(broken.exception, AuditError)
    assert f"broken at event {seq}:" in str(broken.exception)
    assert problem in str(broken.exception) and "\n" not in str(broken.exception)


def test_a_forged_event_rehashed_in_place_still_breaks_the_next_link(db):
    _events(db, 4)
    row = db.read("MATCH (e:AuditEvent {seq: 2}) RETURN e.seq AS seq, e.at AS at, "
                  "e.actor AS actor, e.action AS action, e.targets AS targets, "
                  "e.parameters AS parameters, e.prev_hash AS prev_hash")[0]
    forged = event_hash({**row, "at": _utc_text(row["at"]), "actor": "mallory"})
    db.write("MATCH (e:AuditEvent {seq: 2}) SET e.actor = 'mallory', e.hash = $hash",
             hash=forged)
    result = verify_chain(db)
    assert (result["ok"], result["first_bad_seq"]) == (False, 3)
    assert "out of place" in result["problem"]


def test_the_log_is_read_by_actor_target_and_time(db):
    _events(db, 3, actor="甲")
    record(db, actor="乙", action="alerts.export", targets=["A1", "P2"],
           parameters={"format": "csv"})
    everything = read_log(db)
    assert everything["total"] == 4 and everything["items"][0]["actor"] == "乙"
    assert everything["items"][0]["parameters"] == {"format": "csv"}
    assert [item["seq"] for item in read_log(db, actor="甲")["items"]] == [3, 2, 1]
    assert [item["seq"] for item in read_log(db, target="P2")["items"]] == [4, 2]
    assert read_log(db, action="alerts.export")["total"] == 1
    assert read_log(db, since="2999-01-01")["total"] == 0
    assert [item["seq"] for item in read_log(db, page=2, limit=3)["items"]] == [1]


def test_the_command_line_records_who_read_whom(cli_env, tmp_path):
    from lianjian.cli import app

    world = World().county()
    official = world.official("甲", "U1")
    world.load(cli_env, tmp_path / "people")
    runner = CliRunner()
    for command in (["profile", official, "--as", "审计员"],
                    ["timeline", official, "--as", "审计员"],
                    ["portrait", "U1", "--as", "审计员"],
                    ["paths", official, "U1", "--as", "审计员"],
                    ["alerts", "export", "--as", "审计员"],
                    ["alerts", "list", "--as", "审计员"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output, result.exception)
    log = read_log(cli_env, actor="审计员")
    assert [item["action"] for item in reversed(log["items"])] == [
        "profile.read", "timeline.read", "portrait.read", "paths.read", "alerts.export",
        "alerts.list"]
    assert [item["seq"] for item in read_log(cli_env, target=official)["items"]] == [4, 2, 1]
    shown = runner.invoke(app, ["audit", "log", "--target", official, "--json", "--as", "督查"])
    assert [item["action"] for item in json.loads(shown.output)["items"]] == [
        "paths.read", "timeline.read", "profile.read"]
    assert read_log(cli_env, action="audit.read")["items"][0]["actor"] == "督查"
    assert runner.invoke(app, ["audit", "head"]).output.split()[0] == "7"


@pytest.mark.parametrize("command", [["alerts", "list"], ["alerts", "show"], ["alerts", "assign"],
                                     ["alerts", "dispose"], ["rules", "quality"],
                                     ["audit", "verify"], ["audit", "log"], ["audit", "head"]])
def test_help_of_the_lifecycle_commands_imports_no_driver(command):
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys\nfrom lianjian.cli import app\ntry:\n"
              f"    app({command!r} + ['--help'])\nexcept SystemExit as stop:\n"
              "    assert stop.code == 0, stop.code\n"
              "print(sorted(name for name in ('neo4j', 'pandas', 'networkx') "
              "if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
