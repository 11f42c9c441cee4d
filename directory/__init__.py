"""Resource-mapping and agency directory for human-services service coordination."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from .config import STATIC_DIR, TEMPLATES_DIR, Settings


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `overrides` beat DIRECTORY_* environment variables, which beat defaults."""
    from . import web
    from .serving import DirectoryHolder

    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR))
    settings = Settings.build(overrides)  # the one typed view of every setting
    app.config.from_prefixed_env("DIRECTORY")  # other Flask keys (SECRET_KEY, ...) as before
    app.config.update(overrides or {})
    app.config.update(settings.as_config())
    app.extensions["settings"] = settings
    app.extensions["directory"] = DirectoryHolder(settings.data, settings)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]  # Flask's documented way
    web.init_app(app)
    return app
