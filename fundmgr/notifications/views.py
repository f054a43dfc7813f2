"""Pages of notifications: the list (the bell's), opening one, marking all read, one's preferences."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.lists import Column, Filter, ListExport, Listing, ListSpec, scalar
from fundmgr.notifications import operations as ops
from fundmgr.notifications.forms import preferences_form
from fundmgr.notifications.kinds import GROUPS, KINDS, kinds_for
from fundmgr.notifications.models import Channel, Notification
from fundmgr.web import FundView


def unread_count() -> int:
    """The signed-in user's unread notifications (the bell's number), once per request."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == current_user.id, Notification.read_at.is_(None)
            )
        )
    return g.unread_notifications


def target_of(notification: Notification) -> str | None:
    """The page a notification is about (None when that page no longer exists)."""
    if not notification.link_endpoint:
        return None
    try:
        return url_for(notification.link_endpoint, **(notification.link_params or {}))
    except BuildError:
        return None


def kind_label(notification: Notification) -> str:
    kind = KINDS.get(notification.kind)
    return str(kind.label) if kind is not None else ""


READ = {"unread": lambda: Notification.read_at.is_(None), "read": lambda: Notification.read_at.is_not(None)}

# One's notifications, newest first.
NOTIFICATIONS = ListSpec(
    name="notifications",
    columns=(
        Column("notification", _l("Notification"), (Notification.title,), lambda n: n.title),
        Column("kind", _l("Kind"), (Notification.kind,), kind_label),
        Column("time", _l("Time (UTC)"), (Notification.created_at,), lambda n: n.created_at, first="desc"),
        Column("sender", _l("From"), scalar(User.name, User.id, Notification.actor_id),
               lambda n: n.actor.name if n.actor else ""),
        Column("read", _l("Read"), (Notification.read_at,), lambda n: n.read_at, first="desc"),
    ),
    default_sort="time",
    tiebreak=(Notification.id,),
    search=(Notification.title,),
    search_label=_l("Words in the notification"),
    filters=(
        Filter("read", _l("Read or not"), lambda q, v, _c: q.where(READ[v]()),
               lambda _c: [("unread", _("Unread")), ("read", _("Read"))], valid=READ.__contains__),
        Filter("kind", _l("Kind"), lambda q, v, _c: q.where(Notification.kind == v),
               lambda _c: [(code, str(kind.label)) for code, kind in KINDS.items()], valid=KINDS.__contains__),
    ),
)  # fmt: skip


class NotificationListView(FundView):
    """One's notifications, newest first, unread ones marked; each opens the page it is about (the list
    component)."""

    fund_scoped = False  # about the person or the installation, not one fund
    export_title = _l("Notifications")

    def listing(self) -> Listing:
        return NOTIFICATIONS.listing(sa.select(Notification).where(Notification.user_id == current_user.id))

    def export_name(self) -> str:
        return "notifications"

    def process(self):
        return render_template(
            "notifications/list.html", listing=self.listing(), unread=unread_count(), kinds=KINDS,
            target_of=target_of,
        )  # fmt: skip


class NotificationsExportView(ListExport, NotificationListView):
    """The filtered, sorted notifications as CSV or Excel."""


class OpenNotificationView(FundView):
    """Open a notification: it is marked read and the page it is about is shown."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]

    def load(self, notification_id: int) -> None:
        self.notification = db.session.get(Notification, notification_id)
        if self.notification is None or not self.notification.can_open(current_user):
            abort(404)

    def process(self):
        ops.mark_read(self.notification, actor=current_user)
        return redirect(target_of(self.notification) or url_for("notifications.list"))


class MarkAllReadView(FundView):
    """Mark every notification read."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]

    def process(self):
        count = ops.mark_all_read(current_user, actor=current_user)
        if count:
            flash(_("All your notifications are marked read."), "success")
        return redirect(url_for("notifications.list"))


class PreferencesView(FundView):
    """Choose, per kind of notification, an e-mail at once, the app only, or the daily digest."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["GET", "POST"]

    def process(self):
        kinds = kinds_for(current_user)
        form = preferences_form(kinds, ops.preferences_of(current_user))
        if form.validate_on_submit():
            choices = {kind.code: Channel(form[kind.code].data) for kind in kinds if form[kind.code].data}
            changed = ops.set_preferences(current_user, choices, actor=current_user)
            if changed:
                flash(_("Your notification settings are saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("notifications.preferences"))
        groups = [(group, [k for k in kinds if k.group is group]) for group in GROUPS]
        return render_template(
            "notifications/preferences.html", form=form, groups=[(g_, ks) for g_, ks in groups if ks]
        )
