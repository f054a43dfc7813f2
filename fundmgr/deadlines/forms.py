"""Forms of the deadlines page. The operations check everything again on the server."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from fundmgr.deadlines.models import PAGE_KINDS, DeadlineKind

KIND_CHOICES = [(kind.value, title) for kind, title in DeadlineKind.titles().items() if kind in PAGE_KINDS]  # lazy
WHEN_CHOICES = [("overdue", _l("Overdue")), ("upcoming", _l("Upcoming"))]
SHOW_CHOICES = [("waiting", _l("Someone has not done their part")), ("all", _l("All, done ones included"))]


class RemindForm(FlaskForm):
    """The "send a reminder now" button: the CSRF token is all it carries."""
