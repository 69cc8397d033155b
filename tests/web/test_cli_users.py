"""``lianjian users`` and ``lianjian demo-users`` against the real Neo4j."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT, server_environment
from typer.testing import CliRunner
from web_fixtures import PASSWORD, audit_log, seed_units  # noqa: F401

from analytics.accounts import AccountError, authenticate, user_for_token
from analytics.sessions import open_session, resume_session
from graph.settings import get_settings
from lianjian.cli import app


@pytest.fixture
def cli(db, neo4j_settings, monkeypatch, audit_log):
    seed_units(db)
    for name, value in server_environment(neo4j_settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()

    def run(*arguments: str, stdin: str | None = None):
        return CliRunner().invoke(app, list(arguments), input=stdin)

    yield run
    get_settings.cache_clear()


def test_add_reads_the_password_from_stdin_and_lists_the_user(cli, db, audit_log):
    added = cli("users", "add", "Zhang.San", "--unit", "J100", "--role", "investigator",
                "--role", "analyst", "--name", "张三", stdin=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "added zhang.san (investigator, analyst) in unit J100" in added.output
    assert PASSWORD not in added.output
    assert authenticate(db, "zhang.san", PASSWORD).display_name == "张三"
    listed = cli("users", "list")
    assert "zhang.san" in listed.output and "城关镇人民政府" in listed.output
    assert "argon2" not in listed.output
    assert audit_log[0]["action"] == "user.add" and audit_log[0]["actor"].startswith("cli:")
    assert audit_log[0]["targets"] == ["zhang.san"]


def test_there_is_no_password_option(cli):
    assert "--password" not in cli("users", "add", "--help").output
    assert cli("users", "add", "x.y", "--unit", "J000", "--role", "analyst",
               "--password", PASSWORD).exit_code != 0


def test_mistakes_are_account_errors(cli, db):
    short = cli("users", "add", "li.si", "--unit", "J000", "--role", "analyst", stdin="short\n")
    assert isinstance(short.exception, AccountError)
    empty = cli("users", "add", "li.si", "--unit", "J000", "--role", "analyst", stdin="")
    assert "no password on standard input" in str(empty.exception)
    unknown = cli("users", "disable", "nobody")
    assert "no user 'nobody'" in str(unknown.exception)
    assert not db.read("MATCH (u:User) RETURN u")


def test_a_mistake_is_one_line_on_stderr(db, neo4j_settings):
    seed_units(db)
    result = subprocess.run(
        [sys.executable, "-m", "lianjian.cli", "users", "add", "li.si", "--unit", "NOPE",
         "--role", "analyst"], input=PASSWORD + "\n", capture_output=True, text=True,
        cwd=ROOT, env={**os.environ, **server_environment(neo4j_settings)}, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unit 'NOPE' is not loaded: give the unit_id of a unit in units.csv "
        "(`lianjian load` first)"]


def test_disable_and_passwd_end_sessions_and_are_audited(cli, db, audit_log):
    cli("users", "add", "wang.wu", "--unit", "J000", "--role", "supervisor",
        stdin=PASSWORD + "\n")
    cookie = open_session(db, "wang.wu", address=None, absolute_s=600)[0]
    changed = cli("users", "passwd", "wang.wu", stdin="another long password\n")
    assert changed.exit_code == 0 and resume_session(db, cookie, idle_s=600) is None
    assert authenticate(db, "wang.wu", "another long password")
    cookie = open_session(db, "wang.wu", address=None, absolute_s=600)[0]
    disabled = cli("users", "disable", "wang.wu")
    assert disabled.exit_code == 0 and resume_session(db, cookie, idle_s=600) is None
    assert "disabled" in cli("users", "list").output
    assert cli("users", "enable", "wang.wu").exit_code == 0
    assert [event["action"] for event in audit_log] == [
        "user.add", "user.passwd", "user.disable", "user.enable"]


def test_tokens_from_the_command_line(cli, db, audit_log):
    cli("users", "add", "robot", "--unit", "J000", "--role", "analyst", stdin=PASSWORD + "\n")
    created = cli("users", "token", "add", "robot", "--label", "nightly")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    user, token_id = user_for_token(db, secret)
    assert user.username == "robot"
    assert token_id in cli("users", "token", "list", "robot").output
    assert secret not in cli("users", "token", "list", "robot").output
    assert cli("users", "token", "revoke", token_id).exit_code == 0
    assert user_for_token(db, secret) is None
    assert "revoked" in cli("users", "token", "list", "robot").output
    assert [e["action"] for e in audit_log][-2:] == ["token.create", "token.revoke"]


def test_demo_users_one_per_role_with_working_passwords(cli, db):
    first = cli("demo-users")
    assert first.exit_code == 0, first.output
    lines = [line.split() for line in first.output.splitlines()[1:]]
    assert [line[0] for line in lines] == ["admin", "supervisor", "investigator", "analyst",
                                           "auditor", "liaison"]
    assert "J000" in first.output.splitlines()[0]
    for role, username, password in lines:
        assert authenticate(db, username, password).roles == (role,)
    again = cli("demo-users")
    new_lines = [line.split() for line in again.output.splitlines()[1:]]
    assert authenticate(db, new_lines[0][1], new_lines[0][2])
    assert authenticate(db, lines[0][1], lines[0][2]) is None, "a rerun resets the passwords"


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_starts_the_workbench_and_stops_on_a_signal(db, neo4j_settings, workers):
    """One process, or several sharing the sessions kept in the database: a session opened
    once is signed in on every request, whichever worker answers."""
    import signal
    import time

    import httpx
    from web_fixtures import free_port

    from web.context import session_cookie_name
    from web_fixtures import make_user

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lianjian.cli", "serve", "--port", str(port),
         "--workers", str(workers)], cwd=ROOT,
        env={**os.environ, **server_environment(neo4j_settings)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert answer is not None and answer.status_code == 200 and "廉鉴" in answer.text
        assert "server" not in answer.headers
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) >= (workers if workers > 1 else 0), children
        seed_units(db)
        make_user(db, "serve.check", ("auditor",), display_name="核对")
        cookie, _ = open_session(db, "serve.check", address="127.0.0.1", absolute_s=600)
        name = session_cookie_name(neo4j_settings)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                          headers={"Cookie": f"{name}={cookie}"}) as client:
            answers = [client.get("/account") for _ in range(12)]
        assert [a.status_code for a in answers] == [200] * 12
        assert all("serve.check" in a.text for a in answers)
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    assert f"Lianjian workbench on http://127.0.0.1:{port}/" in output
    assert process.returncode == 0, output


def test_serve_without_a_database_says_so_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lianjian.cli", "serve", "--port", "1"], cwd=ROOT,
        env={**os.environ, "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: Cannot reach Neo4j at bolt://127.0.0.1:1")
    assert len(result.stderr.strip().splitlines()) == 1
