"""Pages that belong to no domain: the home page, the language switch, the health probe."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from fundmgr.accounts.forms import LanguageForm
from fundmgr.accounts.operations import set_locale
from fundmgr.db import db
from fundmgr.funds.queries import current_fund
from fundmgr.web import FundView, add_view, safe_next_url


class HomeView(FundView):
    """The start page: what the fund is, and where each role goes next."""

    fund_scoped = False  # about the person or the installation, not one fund

    login_required = False

    def process(self) -> ResponseReturnValue:
        return render_template("home.html", fund=current_fund())


class SetLanguageView(FundView):
    """Switch the interface language; remembered in the session and, when signed in, the account."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]
    login_required = False

    def process(self) -> ResponseReturnValue:
        form = LanguageForm()
        if form.validate_on_submit():
            session["locale"] = form.locale.data
            if current_user.is_authenticated:
                set_locale(current_user, form.locale.data, actor=current_user)
        return redirect(safe_next_url(form.next.data) or url_for("pages.home"))


class HealthView(FundView):
    """Liveness and database probe for load balancers and benchmarks."""

    fund_scoped = False  # about the person or the installation, not one fund

    login_required = False

    def process(self) -> ResponseReturnValue:
        db.session.execute(sa.text("SELECT 1"))
        return jsonify(status="ok")


bp = Blueprint("pages", __name__)
add_view(bp, "/", HomeView, "home")
add_view(bp, "/language", SetLanguageView, "set_language")
add_view(bp, "/health", HealthView, "health")
