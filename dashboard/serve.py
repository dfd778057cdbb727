"""``openmeasure serve``: the dashboard under gunicorn (a production WSGI server; debug is never on).

Each worker builds its own app from the config (no preloading), so a worker holds only its own caches;
the config is validated once before gunicorn starts, so a bad file stops with a clear message.
"""

from __future__ import annotations

import argparse
import logging

from gunicorn.app.base import BaseApplication

from core.config import load_config
from core.errors import OpenMeasureError
from core.store import ReleaseStore

log = logging.getLogger(__name__)


class DashboardServer(BaseApplication):
    def __init__(self, config_path: str, options: dict):
        self.config_path = config_path
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from dashboard.app import create_app

        return create_app(load_config(self.config_path)).server


#: gunicorn's ``limit_request_line``: 0 lifts its own limit (it then stops reading a request line at 1 MB), so
#: that every over-long path or query string reaches the app, which refuses it as the OpenAPI document says (a
#: 400 naming a list parameter given too many values, else a JSON 414; dashboard/api/state.py) rather than
#: with gunicorn's HTML 414 (its default limit, 4094 bytes, is below the default max_query_length of 4096, and
#: any fixed limit is below some request a client may send).
REQUEST_LINE_LIMIT = 0


def options(host: str, port: int, workers: int) -> dict:
    if not 0 < port < 65536:
        raise OpenMeasureError(f"--port {port}: give a port between 1 and 65535")
    if workers < 1:
        raise OpenMeasureError(f"--workers {workers}: give at least 1 worker")
    return {"bind": f"{host}:{port}", "workers": workers, "worker_class": "sync", "timeout": 60,
            "accesslog": "-", "errorlog": "-", "loglevel": "info", "proc_name": "openmeasure-dashboard",
            "limit_request_line": REQUEST_LINE_LIMIT}


def serve(config_path: str, host: str = "127.0.0.1", port: int = 8050, workers: int = 2) -> int:
    config = load_config(config_path)  # a ConfigError stops here, before any worker starts
    opts = options(host, port, workers)
    if ReleaseStore(config.store).current_id() is None:
        log.warning("store=%s release=none: pages will say so until 'openmeasure etl run' publishes one",
                    config.store)
    print(f"serving the dashboard on http://{host}:{port} ({workers} workers); Ctrl+C stops", flush=True)
    DashboardServer(config_path, opts).run()
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
