"""The API's machinery: the flask-smorest Api and blueprint, bearer-token authentication, JSON errors, cursors."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from fundmgr.accounts import operations as account_ops
from fundmgr.db import db
from fundmgr.errors import DomainError, ValidationFailed
from fundmgr.extensions import csrf, limiter
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import all_funds
from fundmgr.funds.rights import role_on
from fundmgr.web import DB_INT_MAX, DatabaseIntConverter, json_error

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_LIMIT, MAX_LIMIT = 50, 100

UNKNOWN_TOKEN = _l("This token is unknown, revoked or expired. Make a new one on your account page.")
READ_ONLY_TOKEN = _l("This token may only read. Make a read-and-write token on your account page to submit data.")
NO_ROLE = _l("You hold no role on this fund.")
BAD_CURSOR = _l("This cursor is not one the API gave; start again without it.")
INVALID_DATA = _l("Some of the data sent is not valid; nothing was saved.")


class Money(ma.fields.Decimal):
    """An amount as a string of its exact decimal value ("1250000.00"): JSON numbers are floats, money is not."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("pattern", r"^-?[0-9]+(\.[0-9]+)?$")
        super().__init__(as_string=True, **kwargs)


class ErrorSchema(ma.Schema):
    """Every error answer: a stable code for programs, a message in the user's language for people."""

    code = ma.fields.String(required=True, metadata={"description": "Stable error code, e.g. not_found"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, in the user's language"})
    problems = ma.fields.List(ma.fields.String(), metadata={"description": "Every rule the request broke"})
    errors = ma.fields.Dict(metadata={"description": "Invalid fields of the request, by location and name"})


class FundmgrApi(Api):
    """flask-smorest's Api, without its app-wide error handler: the app's own answers JSON under /api/."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """The API blueprint handles its errors (`api_http_error`); the app's pages keep their own."""


SPEC_OPTIONS = {
    "info": {"description": "Read a fund's data and submit what organizations report, with a personal API token."},
    "security": [{"bearer": []}],
}


class BodyParser(FlaskParser):
    """webargs' parser, refusing a JSON body nested deeper than Python's parser reaches as invalid JSON (400)."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # a JSONDecodeError is what webargs answers 400 to (its document must not be empty: that means no body)
            raise json.JSONDecodeError("nested too deeply", "(body)", 0) from None


class FundmgrBlueprint(ApiBlueprint):
    """flask-smorest's Blueprint reading request bodies with BodyParser."""

    ARGUMENTS_PARSER = BodyParser()


bp = FundmgrBlueprint("api", __name__, url_prefix="/api/v1", description="fundmgr JSON API, version 1")
csrf.exempt(bp)  # only bearer tokens are accepted: no cookie session a third-party site could ride on


def integer_param(_converter: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": DB_INT_MAX}


def make_api(app: Any) -> FundmgrApi:
    """The app's Api: the OpenAPI document of the blueprint's routes (one per app)."""
    api = FundmgrApi(spec_kwargs=SPEC_OPTIONS)
    api.register_converter(DatabaseIntConverter, integer_param)
    api.register_field(Money, "string", None)
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    return api


def bearer_secret() -> str | None:
    """The token sent in `Authorization: Bearer ...`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def rate_limit_key() -> str:
    """Each token's requests are counted together (by its hash); without a token, the client's address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "api-address:" + (request.remote_addr or "")


def api_rate_limit() -> str:
    from flask import current_app

    return current_app.config["API_RATE_LIMIT"]


limiter.limit(api_rate_limit, key_func=rate_limit_key)(bp)


@bp.before_request
def authenticate() -> Any:
    """Only a live bearer token opens the API; it acts as its owner (never a cookie session)."""
    secret = bearer_secret()
    token = account_ops.token_for_secret(secret) if secret else None
    if token is None:
        response = json_error(401, str(UNKNOWN_TOKEN) if secret else None)
        response.headers["WWW-Authenticate"] = 'Bearer realm="fundmgr"'
        return response
    if db.session.is_modified(token):
        # its use noted (last_used_at, once a minute), whatever the request does next; not committing otherwise
        # keeps the token and its owner loaded (a commit expires them: one more statement to read them again)
        db.session.commit()
    g._login_user = token.user  # current_user is the token's owner for this request (Flask-Login reads it)
    g.api_token = token
    if request.method in WRITE_METHODS and not token.may_write:
        return json_error(403, str(READ_ONLY_TOKEN), code="read_only_token")
    return None


@bp.after_request
def no_cookies(response: Any) -> Any:
    """The API answers for programs: no session cookie is set, nothing is cached by intermediaries."""
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Set-Cookie", None)
    return response


@bp.errorhandler(HTTPException)
def api_http_error(exc: HTTPException) -> Any:
    """Every refusal of the API as JSON; webargs' invalid input (422) lists its fields."""
    status = exc.code or 500
    if status >= 500:
        db.session.rollback()
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        return json_error(422, str(INVALID_DATA), errors=data["messages"])
    description = exc.description if isinstance(getattr(exc, "api_message", None), str) else None
    return json_error(status, description, code=getattr(exc, "api_code", None))


@bp.errorhandler(DomainError)
def api_refusal(exc: DomainError) -> Any:
    """A rule refused the request: rolled back, answered with the rule's message (ValidationFailed: each problem)."""
    db.session.rollback()
    problems = list(exc.problems) if isinstance(exc, ValidationFailed) else [exc.message]
    code = {"NotAllowed": "not_allowed", "ValidationFailed": "validation_failed",
            "InvalidTransition": "invalid_transition", "InsufficientFunds": "insufficient_funds",
            "ConcurrentChange": "concurrent_change"}.get(type(exc).__name__, "refused")  # fmt: skip
    return json_error(exc.status_code, exc.message, code=code, problems=problems)


class ApiRefusal(HTTPException):
    """An HTTP refusal with the API's own code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(description=message)
        self.code = status
        self.api_code = code
        self.api_message = message


def refuse(status: int, code: str, message: str) -> None:
    raise ApiRefusal(status, code, message)


def fund_named(code: str) -> Fund:
    """The fund the URL names, if the token's owner holds a role on it; else 404 (unknown) or 403 (no role)."""
    fund = next((f for f in all_funds() if f.code == code), None)
    if fund is None:
        abort(404)
    if role_on(g.api_token.user, fund) is None:
        refuse(403, "no_role_on_fund", str(NO_ROLE))
    g.current_fund = fund  # the fund the pages' helpers (current_fund) work in for this request
    return fund


def found(obj: Any, fund: Fund, fund_id: int | None = None) -> Any:
    """An object reached by id, if it belongs to the fund; else 404 (as fundmgr.web.in_fund)."""
    owner = fund_id if fund_id is not None else getattr(obj, "fund_id", None)
    if obj is None or owner != fund.id:
        abort(404)
    return obj


# --- Lists: an opaque cursor, and a page size ---------------------------------------------------


class PageArgs(ma.Schema):
    """Where a list goes on from (the previous page's `next_cursor`) and how many items it gives."""

    cursor = ma.fields.String(
        validate=ma.validate.Length(max=64), metadata={"description": "next_cursor of the page before"}
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"items per page, 1 to {MAX_LIMIT}"},
    )  # fmt: skip


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a page goes on after; a cursor the API did not give is refused (400)."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    version, _sep, number = text.partition(":")
    if version != "v1" or not (number.isascii() and number.isdigit()) or int(number) > DB_INT_MAX:
        refuse(400, "invalid_cursor", str(BAD_CURSOR))
    return int(number)


def page_of(query: sa.Select, id_column: Any, args: dict[str, Any]) -> dict[str, Any]:
    """One page of a list in id order, from the cursor on: its items and the cursor of the next page (or null)."""
    after, limit = decode_cursor(args.get("cursor")), args.get("limit", DEFAULT_LIMIT)
    rows = list(db.session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more and rows else None}
