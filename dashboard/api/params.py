"""Strict reading of query parameters: only known names, only known values, bounded sizes.

Nothing here turns a user's string into a path: a release id is accepted only when it equals the id of a
release the store lists, and the listed id (not the user's string) is what the reader is given.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import quote

import orjson
from werkzeug.datastructures import MultiDict

from core.periods import normalise_period
from dashboard.api.errors import ApiError, unknown
from dashboard.release_reader import Release, ReleaseReader, ReleaseView

MAX_VALUE_LENGTH = 128
BOOLEAN = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_TOKEN = re.compile(r"^[A-Za-z0-9_.:=\- ]+$")


def check_names(args: MultiDict, allowed: set[str]) -> None:
    for name in args:
        if name not in allowed:
            shown = name if len(name) <= 64 else name[:61] + "..."
            raise ApiError(f"unknown parameter {shown!r}; this route takes: "
                           f"{', '.join(sorted(allowed)) or 'none'}", parameter=shown)


def encoded(value: str) -> int:
    """Bytes of ``value`` in a query string (percent-encoded)."""
    return len(quote(value, safe=""))


def share_out(lists: dict[str, tuple[int, int]], scalars: dict[str, int], max_query_length: int) -> dict[str, int]:
    """How many values each list parameter of a route takes (the OpenAPI document's ``maxItems`` and the
    routes' refusal both come from here), from ``lists``: name -> (how many values it accepts, bytes of its
    longest) and ``scalars``: name -> bytes of the longest value of each other parameter of the route.

    Every parameter at its longest, together with every list at one value more than its count (repeated,
    ``name=value&...``), fits in ``max_query_length``: so a request the document allows is never a 414, and
    one value too many is a 400 naming the parameter, not a 414. The room left by the other parameters is
    shared out from the list with the fewest bytes to take every value of up (a level, a breakdown) to the
    one with the most (areas), each taking all its values or an even share of what is left."""
    room = max_query_length + 1 - sum(len(n) + len("=&") + v for n, v in scalars.items())
    unit = {n: len(n) + len("=&") + longest for n, (_, longest) in lists.items()}
    room -= sum(unit.values())  # one value more than the count of each
    out: dict[str, int] = {}
    pending = sorted(lists, key=lambda n: (max(lists[n][0], 1) * unit[n], n))
    for i, n in enumerate(pending):
        share = max(room, 0) // (len(pending) - i)
        out[n] = max(1, min(max(lists[n][0], 1), share // unit[n]))
        room -= out[n] * unit[n]
    return out


def max_items(name: str, allowed, max_query_length: int) -> int:
    """How many values a list parameter takes on a route that has no other parameter (share_out)."""
    allowed = set(allowed)
    longest = max((encoded(v) for v in allowed), default=MAX_VALUE_LENGTH)
    return share_out({name: (len(allowed), longest)}, {}, max_query_length)[name]


def values(args: MultiDict, name: str, limit: int | None = None) -> tuple[str, ...] | None:
    """A list parameter: repeated (``?area=A&area=B``) and/or comma-separated (``?area=A,B``), at most
    ``limit`` values (:func:`share_out`; None: no count limit beyond the query's length)."""
    raw = args.getlist(name)
    if not raw:
        return None
    out: list[str] = []
    for item in raw:
        for v in item.split(","):
            v = v.strip()
            if not v:
                raise ApiError(f"empty value in {name!r}", parameter=name)
            if len(v) > MAX_VALUE_LENGTH or not _TOKEN.match(v):
                raise ApiError(f"{name!r} contains a value that is not a code", parameter=name)
            out.append(v)
    if limit is not None and len(out) > limit:
        raise ApiError(f"too many values in {name!r} ({len(out)}; at most {limit})", parameter=name)
    return tuple(dict.fromkeys(out))


def known(args: MultiDict, name: str, kind: str, allowed, limit: int | None = None) -> tuple[str, ...] | None:
    """A list parameter whose values must be in ``allowed``, at most ``limit`` of them (the route's count from
    its OpenAPI document; without one, :func:`max_items` for ``access.max_query_length``)."""
    if limit is None:
        from dashboard.api.state import state

        limit = max_items(name, allowed, state().config.access.max_query_length)
    got = values(args, name, limit)
    if got is not None:
        for v in got:
            if v not in allowed:
                raise unknown(kind, v, allowed, name)
    return got


def single(args: MultiDict, name: str) -> str | None:
    """A parameter that takes one value: None when absent, a 400 when repeated (``?limit=5&limit=6`` would
    otherwise be read as 5 and the 6 silently dropped)."""
    got = args.getlist(name)
    if len(got) > 1:
        raise ApiError(f"give {name!r} once; it was given {len(got)} times", parameter=name)
    return got[0] if got else None


def one(args: MultiDict, name: str, allowed: list[str] | tuple[str, ...], default: str) -> str:
    got = single(args, name)
    if got is None:
        return default
    if got not in allowed:
        raise ApiError(f"{name!r} must be one of: {', '.join(allowed)}; got {got[:64]!r}", parameter=name)
    return got


def flag(args: MultiDict, name: str, default: bool = False) -> bool:
    got = single(args, name)
    if got is None:
        return default
    if got.lower() not in BOOLEAN:
        raise ApiError(f"{name!r} must be true or false", parameter=name)
    return BOOLEAN[got.lower()]


def integer(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    got = single(args, name)
    if got is None:
        return default
    if not got.isdigit() or not low <= int(got) <= high:
        raise ApiError(f"{name!r} must be a whole number from {low} to {high}", parameter=name)
    return int(got)


def period(args: MultiDict, name: str) -> str | None:
    got = single(args, name)
    if got is None:
        return None
    p = normalise_period(got) if len(got) <= 16 else None
    if p is None:
        raise ApiError(f"{name!r} must be a period like 2021, 2021-Q3 or 2021-07; got {got[:32]!r}",
                       parameter=name)
    return p


def release(reader: ReleaseReader | ReleaseView, args: MultiDict, name: str = "release") -> Release:
    rid = single(args, name)
    return release_by_id(reader, rid, name)


#: The shape of a release id: the UTC time its run started and a random suffix (ids sort in time order).
RELEASE_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")


def release_by_id(reader: ReleaseReader | ReleaseView, rid: str | None, name: str = "release", status: int = 400) -> Release:
    """The listed release ``rid`` (the current one for None). ``status`` is that of the refusal: 400 for a
    query parameter, 404 for a release named in the path (a resource that is not there)."""
    if rid is None:
        return reader.current()
    listed = {r["id"]: r["id"] for r in reader.store.list()}
    if rid not in listed:
        if len(rid) > 64:
            raise ApiError("unknown release", parameter=name, status=status)
        if RELEASE_ID.match(rid) and listed and rid < min(listed):
            # a script pinned to a release the store has since pruned (publication.keep_releases): say so,
            # rather than 'unknown', which reads as a typo
            raise ApiError(f"unknown release {rid!r}: older than every release this server keeps (it keeps only "
                           f"the most recent ones; the oldest kept is {min(listed)!r}, see /api/v1/releases), so "
                           "if it was published here it has since been removed. To keep a release's figures for "
                           "good, download its zip (/data/releases/<id>/release.zip) while it is listed",
                           parameter=name, status=status)
        err = unknown("release", rid, set(listed), name)
        err.status = status
        raise err
    return reader.get(listed[rid])


# --- cursors -------------------------------------------------------------------------------------------
# A cursor is a position, not a secret: base64 JSON of the release, the offset and a hash of the query, not
# signed. It is checked for shape, for its release and query, and (by the data route, which knows the row
# count) for pointing inside the result; a hand-made cursor that passes these is just another offset.
def query_key(args: MultiDict, ignore: tuple[str, ...] = ()) -> str:
    items = sorted((k, v) for k in args for v in args.getlist(k) if k not in ignore)
    return hashlib.sha256(orjson.dumps(items)).hexdigest()


#: The status of a cursor the server did not hand out for this query and release: a cursor names a page, as a
#: path names an area, and there is no such page (404); a string the document's pattern refuses is a 400.
CURSOR_UNKNOWN = 404


#: A cursor's shape, as the OpenAPI document gives it (the ``cursor`` parameter's pattern and maxLength).
CURSOR_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def cursor_shape(token: str | None) -> str | None:
    """``token`` if it has a cursor's shape (None when absent); a 400 naming ``cursor`` if not: a string the
    document's pattern refuses is a bad request whatever the format, while one of the right shape that the
    server did not hand out names no page (:func:`read_cursor`, 404)."""
    if token is not None and not CURSOR_SHAPE.match(token):
        raise ApiError("not a cursor: a cursor is 1 to 256 letters, digits, '_' or '-' (follow the 'next' link "
                       "of the previous page)", parameter="cursor")
    return token


def make_cursor(release_id: str, offset: int, key: str) -> str:
    raw = orjson.dumps({"r": release_id, "o": offset, "q": key[:16]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(token: str | None, release_id: str, key: str) -> int:
    if cursor_shape(token) is None:
        return 0
    try:
        if len(token) > 256:
            raise ValueError
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, rid, q = data["o"], data["r"], data["q"]
        if not isinstance(offset, int) or offset < 0 or not isinstance(rid, str) or not isinstance(q, str):
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError):
        raise ApiError("not a valid cursor: follow the 'next' link of the previous page, or start again "
                       "without 'cursor'", parameter="cursor", status=CURSOR_UNKNOWN) from None
    if rid != release_id or q != key[:16]:
        raise ApiError("this cursor belongs to another query or release; repeat the query that gave it",
                       parameter="cursor", status=CURSOR_UNKNOWN)
    return offset
