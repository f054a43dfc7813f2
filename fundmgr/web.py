"""The web layer's base: one lifecycle for every view, security headers, small helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, flash, jsonify, redirect, request, url_for
from flask.views import View
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from fundmgr import heavy as heavy_module
from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.errors import DomainError
from fundmgr.extensions import login_manager


class FundView(View):
    """Load -> check access -> process -> commit once; a refused rule rolls everything back.

    Subclasses set `methods`, optionally `roles` (a coarse gate) and implement `load`
    (fetch objects, 404 when the user may not even know they exist), `can_access`
    (object-level rights, 403) and `process`.
    """

    methods = ["GET"]
    login_required = True
    roles: tuple[Role, ...] | None = None

    def __init__(self, heavy: bool = False) -> None:
        self.heavy = heavy  # renders an expensive document: see fundmgr.heavy (set by add_view)

    def dispatch_request(self, **view_args: Any) -> Any:
        if self.login_required and not current_user.is_authenticated:
            return login_manager.unauthorized()
        if self.roles is not None and not current_user.has_role(*self.roles):
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
        except Exception:
            db.session.rollback()
            raise
        return response

    def load(self, **view_args: Any) -> None:
        """Fetch the objects the view works on."""

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


def form_problems(form: Any) -> list[str]:
    """A form's validation errors as one list, each naming its field."""
    problems = list(form.form_errors)
    for field in form:
        problems += [f"{field.label.text}: {error}" for error in field.errors if isinstance(error, str)]
    return problems


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
