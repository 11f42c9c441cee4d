"""The real app plus one slow route, for graceful-shutdown tests under gunicorn."""

from __future__ import annotations

import os
import time
from pathlib import Path

from directory import create_app


def make():
    app = create_app()

    @app.get("/slow")
    def slow():
        Path(os.environ["SLOW_STARTED_FILE"]).touch()  # tells the test the request is in flight
        time.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
        return "finished"

    return app
