"""The web layer's base: one lifecycle for every view, security headers, small helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.views import View
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import IntegerConverter
from wtforms import Field, FieldList, FormField

from fundmgr import heavy as heavy_module
from fundmgr.db import db, is_concurrent_conflict
from fundmgr.errors import ConcurrentChange, DomainError, ValidationFailed
from fundmgr.extensions import login_manager

if TYPE_CHECKING:  # the core names the user types only in annotations: accounts builds on the core
    from fundmgr.accounts.models import Role, User

CONCURRENT_CHANGE = _l("Someone else changed this at the same moment; nothing was saved, please reload and try again.")


def concurrent_change(exc: sa.exc.DBAPIError) -> ConcurrentChange | None:
    """The refusal for a request that lost a race to another (None: the error is not a race, but a fault)."""
    if not is_concurrent_conflict(exc):
        return None
    current_app.logger.info("refused a request that lost a race: %s", exc.orig)
    return ConcurrentChange(str(CONCURRENT_CHANGE))


ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Not signed in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Please try again in a few seconds"),
}
ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Send a valid API token in the Authorization header: Bearer followed by the token."),
    403: _l("You do not have the rights to see this page or do this action."),
    404: _l("There is nothing here. The address may be mistyped, or the page may have moved."),
    405: _l("This address does not accept this kind of request."),
    413: _l("What you sent is larger than allowed."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("An unexpected error occurred. Nothing was saved. The team has been told."),
}
# The stable code of each error status in JSON answers (the JSON API's `code`; the message is translated).
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def json_error(status: int, message: str | None = None, code: str | None = None, **details: Any) -> Response:
    """An error as JSON: a stable `code`, a `message` in the user's language, and details (problems, errors)."""
    text = message or str(ERROR_MESSAGES.get(status, ERROR_TITLES.get(status, ERROR_MESSAGES[500])))
    response = jsonify(code=code or ERROR_CODES.get(status, "error"), message=text, **details)
    response.status_code = status
    return response


def render_error(code: int, message: str | None = None) -> tuple[Any, int]:
    """An error page in the user's language, or JSON for API clients."""
    message = message or str(ERROR_MESSAGES.get(code, ERROR_MESSAGES[500]))
    title = str(ERROR_TITLES.get(code, ERROR_TITLES[500]))
    if request.path.startswith("/api/"):
        return json_error(code, message), code
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


class FundView(View):
    """Load -> check access -> process -> commit once; a refused rule rolls everything back.

    A request that loses a race to another (a row lock it waited for, SQLite's "database is locked", a unique
    row inserted at the same moment) is refused like a rule: rolled back, with `CONCURRENT_CHANGE` (409).

    Subclasses set `methods`, optionally `roles` (a coarse gate) and implement `load`
    (fetch objects, 404 when the user may not even know they exist), `can_access`
    (object-level rights, 403) and `process`.
    """

    methods = ["GET"]
    login_required = True
    roles: tuple[Role, ...] | None = None
    # A page of the fund the user works in: a person holding no role on it is refused (403). Pages about the
    # person or the installation (sign-in, profile, notifications, language) say False.
    fund_scoped = True
    # Reads of the signed-in person only who they are and their roles on which fund (`accounts.sessions.
    # signed_in_options`): the routes many people send to at the same moment, a member's position or vote.
    lean_signed_in = False

    def __init__(self, heavy: bool = False) -> None:
        self.heavy = heavy  # renders an expensive document: see fundmgr.heavy (set by add_view)

    def dispatch_request(self, **view_args: Any) -> Any:
        if self.login_required and not current_user.is_authenticated:
            return login_manager.unauthorized()
        gated = self.roles is not None or self.fund_scoped
        if gated and current_user.is_authenticated and not holds_on_current_fund(current_user, self.roles):
            abort(403)
        self.load(**view_args)
        if not self.can_access(current_user):
            abort(403)
        if not self.heavy:
            return self.run()
        if not heavy_module.within_rate_limit():
            abort(429)
        with heavy_module.document_slot() as taken:
            return self.run() if taken else heavy_module.busy()

    def run(self) -> Any:
        """Process and commit once; a refusal (DomainError) rolls back and answers with its message."""
        # E-mails queued by the work are sent by the commit and dropped by a rollback (fundmgr.emails).
        try:
            response = self.process()
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            return self.refused(exc)
        except sa.exc.DBAPIError as exc:
            db.session.rollback()
            refusal = concurrent_change(exc)
            if refusal is None:
                raise
            return self.refused(refusal)
        except Exception:
            db.session.rollback()
            raise
        return response

    def load(self, *args: Any, **view_args: Any) -> None:
        """Fetch the objects the view works on (each view names the URL's arguments it takes)."""

    def can_access(self, user: User) -> bool:
        """Whether the user may use this view on the loaded objects."""
        return True

    def process(self) -> Any:
        raise NotImplementedError

    def refused(self, exc: DomainError) -> Any:
        """Answer a refused action: a message and back to where the user came from."""
        if wants_json():
            return jsonify(error=exc.message), exc.status_code
        flash(exc.message, "danger")
        return redirect(self.back_url())

    def back_url(self) -> str:
        return safe_next_url(request.referrer) or url_for("pages.home")


def holds_on_current_fund(user: Any, roles: tuple[Role, ...] | None) -> bool:
    """Whether the user holds one of the roles (None: any role) on the fund they work in.

    The rights module answers (fundmgr.funds.rights, set on the app by its wiring: the core imports no domain).
    """
    answer: bool = current_app.extensions["fundmgr.holds"](user, roles)
    return answer


def in_fund(obj: Any, fund: Any, fund_id: int | None = None) -> Any:
    """An object reached by id, if it belongs to the fund the user works in; else 404 (unknown, or another fund's:
    the rights asked of the current fund say nothing about it). `fund_id`: the object's fund when it holds none."""
    owner = fund_id if fund_id is not None else getattr(obj, "fund_id", None)
    if obj is None or fund is None or owner != fund.id:
        abort(404)
    return obj


def problems_of(exc: DomainError) -> list[str]:
    """What a refusal says, one problem per item (a ValidationFailed lists them all)."""
    return list(exc.problems) if isinstance(exc, ValidationFailed) else [exc.message]


@contextmanager
def refusals_shown_on(form: Any, field: Field | None = None) -> Iterator[None]:
    """Run what a submitted form asks for; a refusal (DomainError) rolls back and joins the form's problems.

        if form.validate_on_submit():
            with refusals_shown_on(form):
                thing = ops.do_it(..., actor=current_user)
                flash(...)
                return redirect(...)
        return render_template(..., form=form)  # the page shows {{ problems(form_problems(form)) }}

    The problems go to `field` when the refusal is about one field (a password), else to the whole form.
    """
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        if field is not None:
            field.errors = [*field.errors, *problems_of(exc)]
        else:
            form.form_errors.extend(problems_of(exc))


def form_problems(form: Any) -> list[str]:
    """Everything refused on a form, for the error summary: its own problems, then each field's, naming the field."""
    problems = list(form.form_errors)
    for field in leaf_fields(form):
        problems += [f"{field.label.text}: {error}" for error in field.errors if isinstance(error, str)]
    return problems


def leaf_fields(fields: Iterable[Field]) -> Iterator[Field]:
    """The input fields of a form, those of its sub-forms and lists of rows included."""
    for field in fields:
        if isinstance(field, FormField | FieldList):
            yield from leaf_fields(field)
        else:
            yield field


def add_view(bp: Blueprint, rule: str, view: type[FundView], endpoint: str, *, heavy: bool = False) -> None:
    """Register a view class under an endpoint with the methods it declares.

    heavy=True: the view renders an expensive document (PDF, spreadsheet); it is limited per person and in
    how many run at once (fundmgr.heavy).
    """
    bp.add_url_rule(rule, view_func=view.as_view(endpoint, heavy=heavy), methods=view.methods)


def wants_json() -> bool:
    """Whether the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def safe_next_url(target: str | None) -> str | None:
    """Return target only if it stays on this site (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if parts.netloc != request.host:
            return None
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # pygal charts and Bootstrap components carry style attributes; scripts stay external only
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    """Headers every answer carries: CSP without inline script, no framing, no sniffing."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


# Ids and numbers in URLs and query strings are INTEGER columns: larger values are not found, not an overflow.
DB_INT_MAX = 2**31 - 1


def db_int(text: str) -> int:
    """A query-string integer a database INTEGER can hold; else ValueError (`request.args.get(name, type=db_int)`)."""
    digits = text.strip()
    unsigned = digits[1:] if digits.startswith("-") else digits
    if not (unsigned.isascii() and unsigned.isdigit()):
        raise ValueError(text)
    value = int(digits)
    if abs(value) > DB_INT_MAX:
        raise ValueError(text)
    return value


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in URLs: ASCII digits, at most DB_INT_MAX (a larger id matches no route: 404)."""

    regex = r"[0-9]+"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:  # fmt: skip
        super().__init__(map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


def refuse_unusable_arguments() -> None:
    """Refuse what no page can use: NUL characters (no database stores them), url_for's own options
    (`_external`, `_scheme`... which pages copying their query string into links would obey), and page
    numbers beyond any list."""
    fields = [*request.args.items(multi=True)]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    if any("\x00" in name or "\x00" in value for name, value in fields):
        abort(400)
    if any(name.startswith("_") for name in request.args):
        abort(400)
    page = request.args.get("page", "")
    if page.isascii() and page.isdigit() and int(page) > DB_INT_MAX:
        abort(404)


def init_web(app: Flask) -> None:
    """Attach the security headers to every response; bound the integers of URLs; refuse unusable arguments."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(refuse_unusable_arguments)
    app.after_request(set_security_headers)
