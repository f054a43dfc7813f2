"""URL map of notifications, the bell's count for templates, the receivers of the domain's signals."""

from flask import Blueprint

from fundmgr.notifications import views
from fundmgr.notifications.events import connect_receivers
from fundmgr.web import add_view

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.add_app_template_global(views.unread_count, "unread_notifications")

# Operations below tell what happened through signals; this package decides who is told.
connect_receivers()

add_view(bp, "/", views.NotificationListView, "list")
add_view(bp, "/export.<fmt>", views.NotificationsExportView, "export", heavy=True)
add_view(bp, "/<int:notification_id>/open", views.OpenNotificationView, "open")
add_view(bp, "/read-all", views.MarkAllReadView, "read_all")
add_view(bp, "/preferences", views.PreferencesView, "preferences")
