"""Manager accounts in the catalogue: a user name and a salted scrypt hash of the password, nothing else;
and the recent failed sign-ins, so that every server process counts the same failures.

The table lives in the same database as the run catalogue (SQLite by default, PostgreSQL by URL) and is
created on first use. Passwords are hashed with werkzeug's scrypt (``generate_password_hash``); a check
against an unknown user still spends the time of one hash, so timing does not tell which names exist.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from core import catalogue
from core.errors import ConfigError

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: One row per failed sign-in and key (``user:<name>`` or ``addr:<address>``); rows older than the lock
#: window are deleted as new ones come.
failures = Table(
    "sign_in_failures", metadata,
    Column("key", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_sign_in_failures_key_at", "key", "at"),
)

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 12
_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")


def connect(url: str) -> Engine:
    from core import sessions  # noqa: F401  (its table is in this metadata)

    engine = catalogue.connect(url)
    catalogue.create_tables(engine, metadata)  # two workers starting together may both create them
    return engine


def add_account(engine: Engine, username: str, password: str) -> None:
    """Create or reset an account. Raises ConfigError for a bad name or a short password. Resetting the
    password of an existing account ends its open sessions (one who knew the old password, or held a cookie
    from it, is signed out everywhere)."""
    from core.sessions import end_user

    if not USERNAME.match(username):
        raise ConfigError([f"access account {username!r}: use 1-64 letters, digits, '_', '.', '@' or '-'"])
    if len(password) < MIN_PASSWORD:
        raise ConfigError([f"access account {username!r}: the password needs at least {MIN_PASSWORD} characters"])
    hashed = generate_password_hash(password, method="scrypt")
    with engine.begin() as con:
        found = con.execute(select(accounts.c.username).where(accounts.c.username == username)).first()
        if found:
            con.execute(update(accounts).where(accounts.c.username == username)
                        .values(password_hash=hashed, active=True))
            end_user(con, username)
        else:
            con.execute(insert(accounts).values(username=username, password_hash=hashed, active=True,
                                                created_at=datetime.now(UTC)))


def exists(engine: Engine, username: str) -> bool:
    with engine.connect() as con:
        return con.execute(select(accounts.c.username).where(accounts.c.username == username)).first() is not None


def remove_account(engine: Engine, username: str) -> bool:
    """Delete an account and end its sessions; False when there was none."""
    from core.sessions import end_user

    with engine.begin() as con:
        end_user(con, username)
        return con.execute(delete(accounts).where(accounts.c.username == username)).rowcount > 0


def verify(engine: Engine, username: str, password: str) -> bool:
    if not USERNAME.match(username or "") or len(password or "") > 1024:
        check_password_hash(_DUMMY_HASH, "x")
        return False
    with engine.connect() as con:
        row = con.execute(select(accounts.c.password_hash, accounts.c.active)
                          .where(accounts.c.username == username)).first()
    if row is None or not row.active:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(row.password_hash, password)


def record_failure(engine: Engine, keys: list[str], window: float) -> None:
    now = datetime.now(UTC)
    with engine.begin() as con:
        con.execute(delete(failures).where(failures.c.at < now - timedelta(seconds=window)))
        con.execute(insert(failures), [{"key": k[:100], "at": now} for k in keys])


def recent_failures(engine: Engine, key: str, window: float) -> int:
    since = datetime.now(UTC) - timedelta(seconds=window)
    with engine.connect() as con:
        return int(con.execute(select(func.count()).select_from(failures)
                               .where(failures.c.key == key[:100], failures.c.at >= since)).scalar_one())


def is_active(engine: Engine, username: str) -> bool:
    with engine.connect() as con:
        return bool(con.execute(select(accounts.c.active).where(accounts.c.username == username)).scalar())
