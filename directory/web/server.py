"""The production server's command line: gunicorn worker processes (search is CPU-bound),
threads for slow clients, path-only logs. `directory serve` execs it; tests start it."""

from __future__ import annotations

import sys


def gunicorn_argv(
    host: str, port: int, workers: int, app: str = "directory:create_app()", *extra: str
) -> list[str]:
    """The production server's command line (tests start exactly this one)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        # Threads per worker hold slow clients (a socket that sends its headers a byte at a
        # time ties up a thread, not the process); search stays in the worker processes.
        "--worker-class",
        "gthread",
        "--threads",
        str(max(16, 4 * workers + 4)),
        # gunicorn 23+ opens a control socket at one path per user: two servers would clobber it.
        "--no-control-socket",
        # gunicorn's own error log quotes request lines: this logger keeps only paths.
        "--logger-class",
        "directory.web.gunicorn_logging.PathOnlyLogger",
        "--config",
        "python:directory.web.gunicorn_hooks",
        "--bind",
        f"{host}:{port}",
        "--graceful-timeout",
        "30",  # on SIGTERM, in-flight requests get this long to finish
        "--access-logfile",
        "-",
        # %(U)s is the path without its query string: a person's place and needs stay out of logs.
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        *extra,
        app,
    ]
