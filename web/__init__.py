"""The Flask application: the only place where services are wired together."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory; `config["LEDGER"]` is an open ledger.Ledger."""
    app = Flask(__name__)
    app.config.update(config or {})
    app.extensions["ledger"] = app.config.get("LEDGER")

    from web.errors import register_error_handlers
    from web.home import bp as home
    from web.log_api import bp as log_api
    from web.transcripts_api import bp as transcripts_api

    register_error_handlers(app)
    app.register_blueprint(home)
    app.register_blueprint(log_api)
    app.register_blueprint(transcripts_api)
    return app
