"""Run ``openmeasure`` in a real process with a fault injected, for the scheduler's fault tests.

    python -m tests.etl.scheduler.harness [--sleep S] [--pause-in-write MARKER [--resume-on FILE]]
        [--pause-after-lock MARKER] [--lock-file NAME] [--enospc] -- <openmeasure arguments>

The fault is a slow CSV read (to hold a run open while a test signals the scheduler) or sits inside the
release writer; the rest is the real command. Sources that hang or are down are tested through the real
URL and SQL connectors (test_scheduler_faults.py), not here.
"""

from __future__ import annotations

import argparse
import errno
import sys
import time
from pathlib import Path

import core.catalogue
import etl.pipeline
import etl.release
import etl.runner
import etl.sources
from etl import cli


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sleep", type=float, default=0.0, help="seconds every source read takes")
    p.add_argument("--pause-in-write", help="touch this file half-way through writing a release, then hang")
    p.add_argument("--resume-on", help="with --pause-in-write: carry on once this file exists (instead of hanging)")
    p.add_argument("--lock-file", help="the store's file lock under another name: a run from another host, "
                                       "which does not share this host's flock")
    p.add_argument("--pause-after-lock", help="touch this file as soon as the run holds the store's lock (while "
                   "it looks for orphan runs), then hang")
    p.add_argument("--enospc", action="store_true", help="the disk is full when the release's metadata is written")
    args, rest = p.parse_known_args()
    rest = rest[1:] if rest[:1] == ["--"] else rest
    original = etl.sources.READERS["csv"]

    def reader(source):
        if args.sleep:
            time.sleep(args.sleep)
        return original(source)

    etl.sources.READERS["csv"] = reader
    manifest = etl.release._manifest

    def paused_manifest(folder: Path, *a, **kw):
        if args.pause_in_write:
            Path(args.pause_in_write).write_text(str(folder))
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and not (args.resume_on and Path(args.resume_on).exists()):
                time.sleep(0.1)
        if args.enospc:
            raise OSError(errno.ENOSPC, "No space left on device", str(folder / "manifest.json"))
        return manifest(folder, *a, **kw)

    etl.release._manifest = paused_manifest
    if args.lock_file:
        etl.runner.LOCAL_LOCK = args.lock_file
    abandon = core.catalogue.abandon_running

    def paused_abandon(*a, **kw):
        if args.pause_after_lock:
            Path(args.pause_after_lock).write_text("locked")
            time.sleep(600)
        return abandon(*a, **kw)

    core.catalogue.abandon_running = paused_abandon
    return cli.main(rest)


if __name__ == "__main__":
    sys.exit(main())
