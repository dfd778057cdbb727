"""Who is asking: the public (default) or a signed-in manager who may see internal indicators.

``access.mode`` in config.yaml decides (see docs/configuration.md):

- ``none`` (default): nobody sees internal indicators through the web routes; deny is the default.
- ``accounts``: managers sign in at ``/auth/login`` with an account from the catalogue (a signed session
  cookie naming a session kept in the catalogue, checked on every request: see core/sessions.py),
  or send HTTP Basic credentials with an API call.
- ``proxy_header``: a reverse proxy that authenticates users sets a header (``access.proxy_header``); it is
  believed only when the request comes from an address in ``access.trusted_proxies``, and, when
  ``access.proxy_users`` is given, only for those users.

Failed sign-ins are counted per user name and per client address (:meth:`Access.client_address`).

Everything public-facing asks :func:`manager` once per request and picks its release reader from the answer.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import secrets

import flask

from core import accounts, sessions
from core.config_models import Config

log = logging.getLogger(__name__)

SESSION_KEY = "om_manager"
MAX_FAILURES = 5
FAILURE_WINDOW = 300.0


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress | None:
    """An address as a proxy or server writes it: ``203.0.113.5``, ``203.0.113.5:50001``,
    ``[2001:db8::1]:443``, ``::ffff:127.0.0.1`` (the IPv4 address it maps). None when it is not one
    (``unknown``, an obfuscated identifier, an empty entry)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


#: How many X-Forwarded-For entries are read, from the right: a chain of proxies is short, a header is not.
MAX_HOPS = 16


class Access:
    def __init__(self, config: Config):
        self.cfg = config.access
        self.catalogue_url = config.catalogue
        self._engine = None
        self._proxies = [ipaddress.ip_network(n, strict=False) for n in self.cfg.trusted_proxies]

    @property
    def engine(self):
        if self._engine is None:
            self._engine = accounts.connect(self.catalogue_url)
        return self._engine

    @property
    def sign_in_enabled(self) -> bool:
        return self.cfg.mode == "accounts"

    def manager(self) -> str | None:
        """The signed-in manager's name for the current request, or None (the public)."""
        cached = flask.g.get("om_manager", False)
        if cached is not False:
            return cached
        who = self._identify()
        flask.g.om_manager = who
        return who

    def _identify(self) -> str | None:
        mode = self.cfg.mode
        if mode == "proxy_header":
            user = flask.request.headers.get(self.cfg.proxy_header, "").strip()
            if not user:
                return None
            if not self._from_trusted_proxy():
                log.warning("access=refused reason=untrusted_proxy addr=%s", flask.request.remote_addr)
                return None
            if self.cfg.proxy_users and user not in self.cfg.proxy_users:
                return None
            return user
        if mode == "accounts":
            basic = self._basic()
            if basic is not None:
                return basic
            token = self._session_token()
            if token is None:
                return None
            user = sessions.user_for(self.engine, token)
            if user is None:  # ended (signed out elsewhere, account removed, password changed) or expired
                flask.session.pop(SESSION_KEY, None)
            return user
        return None

    @staticmethod
    def _session_token() -> str | None:
        entry = flask.session.get(SESSION_KEY)
        token = entry.get("sid") if isinstance(entry, dict) else None
        return token if isinstance(token, str) else None

    def _basic(self) -> str | None:
        header = flask.request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if self.locked(user):
            return None
        if accounts.verify(self.engine, user, password):
            return user
        self._failed(user)
        return None

    # --- session sign-in ---------------------------------------------------------------------------
    def locked(self, username: str) -> bool:
        """True after MAX_FAILURES failed sign-ins for this user name or from this address in the window.

        The failures are counted in the catalogue, so every worker process (and a restarted one) sees them:
        an attacker gets MAX_FAILURES guesses per window, not that many per process."""
        return any(accounts.recent_failures(self.engine, key, FAILURE_WINDOW) >= MAX_FAILURES
                   for key in self._failure_keys(username))

    def _failed(self, username: str) -> None:
        accounts.record_failure(self.engine, self._failure_keys(username), FAILURE_WINDOW)

    def _failure_keys(self, username: str) -> list[str]:
        return [f"user:{username[:64]}", f"addr:{self.client_address()}"]

    def _trusted(self, address: IPAddress | None) -> bool:
        return address is not None and any(address in network for network in self._proxies)

    def _from_trusted_proxy(self) -> bool:
        return self._trusted(parse_address(flask.request.remote_addr or ""))

    def client_address(self) -> str:
        """The address failures are counted against: the remote address; or, with
        ``access.trust_forwarded_for`` and a request from ``access.trusted_proxies``, the last address in
        ``X-Forwarded-For`` that is not itself a trusted proxy (the proxy must append the address it saw, as
        nginx's ``$proxy_add_x_forwarded_for`` does: what comes before it is the client's to write). Behind
        a proxy, counting by the proxy's address lets five wrong passwords from anyone lock every manager
        out; trusting a header the proxy passes through unchanged would let a client pick a new address
        for every guess. Addresses are compared parsed (no port, IPv4-mapped IPv6 unmapped), and an IPv6
        client counts as its /64, the block one subscriber gets."""
        remote = parse_address(flask.request.remote_addr or "")
        client = remote
        if self.cfg.trust_forwarded_for and self._trusted(remote):
            # from the right: each trusted proxy vouches for the entry before it; the first entry that is
            # not an address (``unknown``, an obfuscated name) ends the chain of what can be believed
            hops = flask.request.headers.get("X-Forwarded-For", "").rsplit(",", MAX_HOPS)[-MAX_HOPS:]
            for text in reversed(hops):
                hop = parse_address(text)
                if hop is None:
                    break
                if not self._trusted(hop):
                    client = hop
                    break
        if client is None:
            return flask.request.remote_addr or ""
        if client.version == 6:
            return str(ipaddress.ip_network(f"{client}/64", strict=False))
        return str(client)

    def sign_in(self, username: str, password: str) -> bool:
        if not self.sign_in_enabled or not accounts.verify(self.engine, username, password):
            self._failed(username)
            log.info("access=sign_in ok=false user=%s", username[:64])
            return False
        earlier = self._session_token()
        if earlier is not None:  # signing in again replaces this browser's session, it does not add one
            sessions.end(self.engine, earlier)
        flask.session.clear()
        token = sessions.start(self.engine, username, self.cfg.session_minutes, self.client_address())
        flask.session[SESSION_KEY] = {"sid": token}
        flask.session.permanent = False
        flask.g.om_manager = username
        log.info("access=sign_in ok=true user=%s", username)
        return True

    def sign_out(self) -> None:
        """End this browser's session on every server process (its row in the catalogue is deleted, so the
        cookie, even one copied before, no longer signs anyone in)."""
        token = self._session_token()
        if token is not None:
            sessions.end(self.engine, token)
        flask.session.pop(SESSION_KEY, None)
        flask.g.om_manager = None

    @staticmethod
    def csrf_token() -> str:
        token = flask.session.get("om_csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(24)
            flask.session["om_csrf"] = token
        return token

    @staticmethod
    def csrf_ok(sent: str | None) -> bool:
        token = flask.session.get("om_csrf")
        return isinstance(token, str) and isinstance(sent, str) and secrets.compare_digest(token, sent)
