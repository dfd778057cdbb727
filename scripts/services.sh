#!/usr/bin/env bash
# Start the services the tests need and export their URLs. Sourced by scripts/test.sh; can be sourced by
# hand too:  source scripts/services.sh
#   OPENMEASURE_TEST_PG_URL   a real PostgreSQL (Debian's package) on 127.0.0.1:${OPENMEASURE_PG_PORT:-54329}
#   OPENMEASURE_PG_BIN        its bin folder (pg_ctl, initdb), for tests that stop and start it
#   OPENMEASURE_PG_DATA       its data folder
_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$_pg_bin" ]; then
  export OPENMEASURE_PG_BIN="$_pg_bin"
  export OPENMEASURE_PG_PORT=${OPENMEASURE_PG_PORT:-54329}
  export OPENMEASURE_PG_DATA=${OPENMEASURE_PG_DATA:-/tmp/openmeasure-pg-$OPENMEASURE_PG_PORT}
  _pg_user=postgres
  id "$_pg_user" >/dev/null 2>&1 || _pg_user=$(id -un)
  _as_pg() { if [ "$(id -u)" = 0 ] && [ "$_pg_user" != root ]; then su "$_pg_user" -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
  if [ ! -f "$OPENMEASURE_PG_DATA/PG_VERSION" ]; then
    mkdir -p "$OPENMEASURE_PG_DATA"
    chown "$_pg_user" "$OPENMEASURE_PG_DATA" 2>/dev/null || true
    _as_pg "'$_pg_bin/initdb' -D '$OPENMEASURE_PG_DATA' -U postgres --auth=trust -E UTF8 >/dev/null"
  fi
  if ! _as_pg "'$_pg_bin/pg_ctl' -D '$OPENMEASURE_PG_DATA' status" >/dev/null 2>&1; then
    _as_pg "'$_pg_bin/pg_ctl' -D '$OPENMEASURE_PG_DATA' -l '$OPENMEASURE_PG_DATA/server.log' -w \
      -o \"-p $OPENMEASURE_PG_PORT -k /tmp -c listen_addresses=127.0.0.1\" start" >/dev/null
  fi
  export OPENMEASURE_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$OPENMEASURE_PG_PORT/postgres"
  echo "services: PostgreSQL at $OPENMEASURE_TEST_PG_URL"
else
  echo "services: PostgreSQL is not installed; the PostgreSQL tests will fail" >&2
fi
