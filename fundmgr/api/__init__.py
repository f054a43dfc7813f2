"""The JSON API, version 1 (`/api/v1/`): what an organization's programs read and submit, as a person with a token.

The routes are flask-smorest views on one blueprint (`fundmgr.api.blueprint`), their arguments and answers
marshmallow schemas (`schemas`), so the OpenAPI 3.1 document at `/api/v1/openapi.json` is built from the code;
`/api/v1/docs` shows it as a page. Requests authenticate only with a personal token (`Authorization: Bearer`,
`fundmgr.api.auth`): no cookie session, hence no CSRF. A token acts as its owner with the owner's role on the
fund its URL names, under the same rules as the pages (visibility, conflicts of interest, each operation's own
checks); writes go through the same operations, audited. Errors are JSON: a stable `code` and a translated
`message` (`fundmgr.web.json_error`).
"""

from __future__ import annotations

from flask import Flask


def init_api(app: Flask) -> None:
    """Register the API's blueprint, its OpenAPI document and its documentation page on the app."""
    from fundmgr.api import docs
    from fundmgr.api.blueprint import bp
    from fundmgr.api.core import make_api

    api = make_api(app)
    api.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    # flask-smorest adds an `openapi` command group; the app's commands are the ones README lists
    app.cli.commands.pop("openapi", None)
