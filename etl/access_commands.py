"""The ``openmeasure access`` commands: manager accounts and their sign-in sessions, for operators.

The accounts and sessions themselves live in :mod:`core.accounts` and :mod:`core.sessions`, which the
dashboard reads on every request; these commands only change them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.accounts import add_account, connect, exists, remove_account
from core.errors import ConfigError
from core.sessions import end_user, open_sessions
from etl.cli import _load, out


def cmd_add_user(args) -> int:
    """``openmeasure access add-user NAME``: the password from the terminal (twice) or standard input."""
    config = _load(args)
    add_account(connect(config.catalogue), args.name, _password(args.name))
    out.print(f"account {args.name} saved; it can sign in when access.mode is 'accounts'")
    return 0


def _password(name: str) -> str:
    """A new password from the terminal (asked twice) or the first line of standard input."""
    import getpass
    import sys

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError(["the two passwords differ; nothing was changed"])
        return password
    return sys.stdin.readline().rstrip("\r\n")


def cmd_set_password(args) -> int:
    """``openmeasure access set-password NAME``: a new password for an existing account; its sessions end."""
    engine = connect(_load(args).catalogue)
    if not exists(engine, args.name):
        raise ConfigError([f"no account named {args.name!r} (create it with 'openmeasure access add-user')"])
    add_account(engine, args.name, _password(args.name))
    out.print(f"password of {args.name} changed; its open sessions have ended")
    return 0


def cmd_remove_user(args) -> int:
    """``openmeasure access remove-user NAME``: delete the account; its sessions end."""
    config = _load(args)
    if not remove_account(connect(config.catalogue), args.name):
        raise ConfigError([f"no account named {args.name!r}"])
    out.print(f"account {args.name} removed; its open sessions have ended")
    return 0


def _when(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive datetimes (stored in UTC)
        value = value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_list_sessions(args) -> int:
    """``openmeasure access list-sessions [NAME]``: the open sessions, oldest first."""
    from rich.table import Table as RichTable


    rows = open_sessions(connect(_load(args).catalogue), args.name)
    if not rows:
        out.print("no open sessions" + (f" for {args.name}" if args.name else ""))
        return 0
    table = RichTable("user", "signed in", "ends", "from", "session")
    for row in rows:
        table.add_row(row["username"], _when(row["created_at"]), _when(row["expires_at"]), row["address"] or "",
                      row["key"][:12])
    out.print(table)
    return 0


def cmd_end_sessions(args) -> int:
    """``openmeasure access end-sessions NAME``: sign the user out everywhere (the account stays)."""

    n = end_user(connect(_load(args).catalogue), args.name)
    out.print(f"{n} open session{'' if n == 1 else 's'} of {args.name} ended")
    return 0
