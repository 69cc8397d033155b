"""``lianjian users``: workbench accounts and API tokens, and ``lianjian demo-users``.

Passwords are read from standard input (a prompt when it is a terminal), never from the
command line where ``ps`` and shell history would keep them. Every change is recorded in
the audit trail with the operator ``cli:<login>`` as actor.

Only typer is imported at module level: the CLI must start fast.
"""
from __future__ import annotations

import sys
from typing import Optional

import typer

app = typer.Typer(help="Workbench accounts: add, list, disable, enable, passwd; API tokens.",
                  no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts calling /api/v1.", no_args_is_help=True)
app.add_typer(token_app, name="token")

# One account per role a person signs in with (``system`` is a business system's token).
DEMO_NAMES = {"admin": "演示管理员", "supervisor": "演示主管", "investigator": "演示核查员",
              "analyst": "演示分析员", "auditor": "演示审计员", "liaison": "演示联络员"}


def _operator() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in a container: still say it came from the CLI
        return "cli:unknown"


def _audit(connection, action: str, targets: list[str], parameters: dict | None = None,
           done: str = "") -> None:
    """Record a completed change; if the trail refuses, say the change stands unrecorded."""
    from graph.errors import LianjianError
    from web.audit import record_event

    try:
        record_event(connection, actor=_operator(), action=action, targets=targets,
                     parameters=parameters or {})
    except LianjianError as error:
        raise LianjianError(f"{done} but the audit trail did not record it ({error})") from None


def read_password(confirm: bool = True) -> str:
    """One line from standard input, or a hidden prompt (twice) at a terminal."""
    from analytics.accounts import AccountError

    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Again: ") != first:
            raise AccountError("the two passwords differ: type the same password twice")
        return first
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise AccountError("no password on standard input: pipe one line, e.g. "
                           "`printf '%s\\n' \"$PW\" | lianjian users add ...`")
    return line


def _connect():
    from graph.connection import connect

    return connect()


@app.command("add")
def add(username: str = typer.Argument(..., help="User name: a-z, 0-9, '.', '_', '-'"),
        unit: str = typer.Option(..., "--unit", help="unit_id of the user's unit: they see "
                                                     "it and every unit below it"),
        role: list[str] = typer.Option(..., "--role", help="admin, supervisor, investigator, "
                                                           "analyst or auditor (repeatable)"),
        name: Optional[str] = typer.Option(None, "--name", help="Display name (姓名)")) -> None:
    """Add a user; the password is read from standard input."""
    from analytics.accounts import add_user

    password = read_password()
    with _connect() as connection:
        user = add_user(connection, username, password, unit_id=unit, roles=role,
                        display_name=name)
        _audit(connection, "user.add", [user.username],
               {"unit_id": user.unit_id, "roles": list(user.roles)},
               done=f"user {user.username} was added")
    typer.echo(f"added {user.username} ({', '.join(user.roles)}) in unit {user.unit_id}")


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """List the accounts (never their hashes)."""
    import json

    from analytics.accounts import list_users

    with _connect() as connection:
        users = list_users(connection)["items"]
    if as_json:
        typer.echo(json.dumps(users, ensure_ascii=False, indent=2, default=str))
        return
    if not users:
        typer.echo("no users: add one with `lianjian users add`")
        return
    for user in users:
        state = "disabled" if user["disabled"] else "active"
        typer.echo(f"{user['username']:<20} {state:<9} {','.join(user['roles']):<28} "
                   f"{user['unit_id']} {user['unit_name'] or ''}  {user['display_name']}")


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: open sessions end now, API tokens stop working."""
    from analytics.accounts import disable_user

    with _connect() as connection:
        disable_user(connection, username)
        _audit(connection, "user.disable", [username.lower()],
               done=f"user {username} was disabled")
    typer.echo(f"disabled {username}; their sessions have ended")


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled user again."""
    from analytics.accounts import enable_user

    with _connect() as connection:
        enable_user(connection, username)
        _audit(connection, "user.enable", [username.lower()],
               done=f"user {username} was enabled")
    typer.echo(f"enabled {username}")


@app.command("passwd")
def passwd(username: str) -> None:
    """Set a user's password (from standard input); their sessions end."""
    from analytics.accounts import set_password

    password = read_password()
    with _connect() as connection:
        set_password(connection, username, password)
        _audit(connection, "user.passwd", [username.lower()],
               done=f"the password of {username} was changed")
    typer.echo(f"password of {username} changed; their sessions have ended")


@token_app.command("add")
def token_add(username: str,
              label: str = typer.Option(..., "--label", help="What the token is for"),
              days: Optional[int] = typer.Option(None, "--days", min=1, max=3650,
                                                 help="Lifetime (default: api_token_days)")
              ) -> None:
    """Create an API token for a user and print its secret (shown only this once)."""
    from analytics.accounts import create_token
    from graph.settings import get_settings

    with _connect() as connection:
        token = create_token(connection, username, label, days or get_settings().api_token_days)
        _audit(connection, "token.create", [token.token_id],
               {"username": username.lower(), "label": label},
               done=f"token {token.token_id} was created")
    typer.echo(f"token {token.token_id} for {username.lower()}, expires "
               f"{token.expires_at:%Y-%m-%d}; the secret, shown once:", err=True)
    typer.echo(token.secret)


@token_app.command("list")
def token_list(username: str) -> None:
    """A user's tokens: id, label, dates (never the secret)."""
    from analytics.accounts import list_tokens

    with _connect() as connection:
        tokens = list_tokens(connection, username.lower())
    for token in tokens:
        state = "revoked" if token.revoked_at else "active"
        typer.echo(f"{token.token_id}  {state:<8} expires {token.expires_at:%Y-%m-%d}  "
                   f"{token.label}")
    if not tokens:
        typer.echo(f"no tokens for {username}")


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    """Revoke a token: the next request with it is refused."""
    from analytics.accounts import revoke_token

    with _connect() as connection:
        username = revoke_token(connection, token_id)
        _audit(connection, "token.revoke", [token_id], {"username": username},
               done=f"token {token_id} was revoked")
    typer.echo(f"revoked token {token_id} of {username}")


def demo_users(unit: Optional[str] = typer.Option(
        None, "--unit", help="Unit of the demo accounts (default: the top of the unit tree)")
               ) -> None:
    """Create or reset one demo account per role and print their passwords once."""
    import secrets

    from analytics.accounts import add_user, get_user, set_password, top_units

    with _connect() as connection:
        unit = unit or next(iter(top_units(connection)), None)
        if unit is None:
            from analytics.accounts import AccountError

            raise AccountError("no unit is loaded: run `lianjian load` first")
        typer.echo(f"Demo accounts (unit {unit}; passwords change at every run):")
        for role, display_name in DEMO_NAMES.items():
            username, password = f"demo-{role}", secrets.token_urlsafe(12)
            if get_user(connection, username):
                set_password(connection, username, password)
                action = "user.passwd"
            else:
                add_user(connection, username, password, unit_id=unit, roles=[role],
                         display_name=display_name)
                action = "user.add"
            _audit(connection, action, [username], {"demo": True, "roles": [role]},
                   done=f"demo user {username} was set up")
            typer.echo(f"  {role:<13} {username:<20} {password}")
