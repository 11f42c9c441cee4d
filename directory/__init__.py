"""Resource-mapping and agency directory for human-services service coordination."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from .config import DEFAULTS, STATIC_DIR, TEMPLATES_DIR


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `overrides` beat DIRECTORY_* environment variables, which beat defaults."""
    from . import web
    from .catalog import DirectoryHolder

    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR))
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("DIRECTORY")
    app.config.update(overrides or {})
    app.extensions["directory"] = DirectoryHolder(app.config["DATA"], app.config)
    if int(app.config["PROXY_HOPS"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    web.init_app(app)
    return app
