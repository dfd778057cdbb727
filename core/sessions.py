"""Managers' sign-in sessions, kept in the catalogue, so that ending one ends it on every server process.

The session cookie (signed by Flask with ``access.secret_key``) carries only a random token; the catalogue
keeps a row per session under the SHA-256 of that token (a copy of the table gives nobody a usable cookie),
with the user name and the time it ends (``access.session_minutes`` after sign-in). Every request that
carries a token makes one lookup by primary key, joined to the user's account row: a session counts only
while its row exists, has not expired and the account exists and is active. Nothing is cached between
requests, so a session ended by one worker is ended on every worker at once (OWASP ASVS V3.3):

- signing out deletes that session's row;
- removing an account (``openmeasure access remove-user``), changing its password (``set-password``, or
  ``add-user`` on an existing name) or ``openmeasure access end-sessions NAME`` deletes all of the user's rows.

``openmeasure access list-sessions`` shows the open sessions (user, start, end, the address it signed in
from, and the first characters of the row's key, not of the token).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, String, Table, delete, insert, select
from sqlalchemy.engine import Connection, Engine

from core.accounts import accounts, metadata

sessions = Table(
    "manager_sessions", metadata,
    Column("key", String(64), primary_key=True),  # sha256 of the cookie's token, hex
    Column("username", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("address", String(64)),
)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start(engine: Engine, username: str, minutes: int, address: str = "") -> str:
    """A new session for ``username`` lasting ``minutes``; returns the token for the cookie. Expired rows of
    every user are deleted here, so the table holds open sessions only (plus those that ended since the last
    sign-in)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as con:
        con.execute(delete(sessions).where(sessions.c.expires_at <= now))
        con.execute(insert(sessions).values(key=_key(token), username=username, created_at=now,
                                            expires_at=now + timedelta(minutes=minutes), address=address[:64]))
    return token


def user_for(engine: Engine, token: str) -> str | None:
    """The user of an open session, or None: ended, expired, unknown, or the account removed or disabled."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    query = (select(sessions.c.username)
             .join(accounts, accounts.c.username == sessions.c.username)
             .where(sessions.c.key == _key(token), sessions.c.expires_at > datetime.now(UTC),
                    accounts.c.active.is_(True)))
    with engine.connect() as con:
        return con.execute(query).scalar()


def end(engine: Engine, token: str) -> None:
    with engine.begin() as con:
        con.execute(delete(sessions).where(sessions.c.key == _key(token)))


def end_user(bind: Engine | Connection, username: str) -> int:
    """End every session of ``username``; returns how many were open. ``bind`` may be a connection in a
    transaction (an account's change and the end of its sessions are then one transaction)."""
    if isinstance(bind, Engine):
        with bind.begin() as con:
            return end_user(con, username)
    now = datetime.now(UTC)
    n = len(bind.execute(select(sessions.c.key).where(sessions.c.username == username,
                                                      sessions.c.expires_at > now)).all())
    bind.execute(delete(sessions).where(sessions.c.username == username))
    return n


def open_sessions(engine: Engine, username: str | None = None) -> list[dict]:
    query = select(sessions).where(sessions.c.expires_at > datetime.now(UTC)).order_by(sessions.c.created_at)
    if username:
        query = query.where(sessions.c.username == username)
    with engine.connect() as con:
        return [dict(row._mapping) for row in con.execute(query)]
