"""Run ``openmeasure`` in a real process with a fault injected, for the scheduler's fault tests.

    python -m tests.scheduler.harness [--sleep S] [--http URL] [--pg URL] [--pause-in-write MARKER]
                                      [--enospc] -- <openmeasure arguments>

The fault sits in front of the CSV reader (a test-only source step) or inside the release writer; the rest
is the real command. After the merge, --http and --pg should go through the real URL and SQL connectors of
etl/sources/ (with their own timeout keys) instead of this stand-in.
"""

from __future__ import annotations

import argparse
import errno
import sys
import time
import urllib.request
from pathlib import Path

import etl.pipeline
import etl.release
import etl.sources
from etl import cli


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sleep", type=float, default=0.0, help="seconds every source read takes")
    p.add_argument("--http", help="GET this URL (1 s timeout) before reading the source")
    p.add_argument("--pg", help="connect to this PostgreSQL URL (1 s connect timeout) before reading the source")
    p.add_argument("--pause-in-write", help="touch this file half-way through writing a release, then hang")
    p.add_argument("--enospc", action="store_true", help="the disk is full when the release's metadata is written")
    args, rest = p.parse_known_args()
    rest = rest[1:] if rest[:1] == ["--"] else rest
    original = etl.sources.READERS["csv"]

    def reader(source):
        if args.sleep:
            time.sleep(args.sleep)
        if args.http:
            with urllib.request.urlopen(args.http, timeout=1) as resp:
                resp.read()
        if args.pg:
            from sqlalchemy import create_engine, text

            engine = create_engine(args.pg, connect_args={"connect_timeout": 1})
            try:
                with engine.connect() as con:
                    con.execute(text("SELECT 1"))
            finally:
                engine.dispose()
        return original(source)

    etl.sources.READERS["csv"] = reader
    manifest = etl.release._manifest

    def paused_manifest(folder: Path, *a, **kw):
        if args.pause_in_write:
            Path(args.pause_in_write).write_text(str(folder))
            time.sleep(600)
        if args.enospc:
            raise OSError(errno.ENOSPC, "No space left on device", str(folder / "manifest.json"))
        return manifest(folder, *a, **kw)

    etl.release._manifest = paused_manifest
    return cli.main(rest)


if __name__ == "__main__":
    sys.exit(main())
