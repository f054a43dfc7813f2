"""Notifications: in-app (the bell), e-mail in each recipient's language, each user's channel per kind,
the daily digest.

The package sits above every domain package (it may import them all; none imports it). Domain
operations say what happened through the signals of fundmgr.signals; fundmgr.notifications.events turns
them into notifications. Packages above it (fundmgr.deadlines: reminders) call `notify` directly.

The API
-------

    notify(kind, recipients, *, link=None, context=None, actor=None, visible_to=None,
           attachments=None, include_actor=False, key=None) -> list[Notification]

- `kind`: a code registered in fundmgr.notifications.kinds (KeyError otherwise), e.g. "scoring_reminder".
  Its e-mail is `templates/emails/<kind>.txt` (extends "emails/_base.txt"; a `subject` block, one line,
  which is also the in-app title; a `body` block) and optionally `templates/emails/<kind>.html`
  (extends "emails/_base.html"; without it the HTML part is made from the text body).
- `recipients`: Users (None and repeats are fine). Only active accounts whose role the kind is for
  receive it; `visible_to(user)` (e.g. `proposal.can_see_content`) filters out those who may not see
  the object; the actor is left out unless `include_actor=True`.
- `link`: (endpoint, params) of the page the notification is about; e-mails carry it as an absolute
  link built on FUNDMGR_BASE_URL (so it works in CLI commands), the bell's list as a relative one.
- `context`: values for the templates (ORM objects are fine: rendering happens now, in the transaction).
  Templates also get `user` (the recipient), `url`, `preferences_url` and `link(endpoint, **params)`.
- `attachments`: a callable user -> [flask_mail.Attachment, ...], called under the recipient's locale,
  only for recipients who get an e-mail now (fundmgr.emails.LazyAttachment defers costly files).
- `key`: repeats of one event with the same key refresh the recipient's unread notification instead
  of adding (and e-mailing) another one.

For each recipient it adds a Notification row (the bell), and according to the user's channel for the
kind (NotificationPreference, else the kind's default) queues an e-mail, in the user's language, that
leaves when the current transaction commits and never if it rolls back; or leaves the notification for
the daily digest (`flask --app fundmgr send-digests`). The caller commits (a CLI command: once per batch).

Example (fundmgr.deadlines, 3 days before a scoring deadline)::

    from fundmgr.notifications import notify

    notify(
        "scoring_reminder",
        [assignment.member],
        link=("steering.review", {"proposal_id": assignment.proposal_id}),
        context={"proposal": assignment.proposal, "due_on": assignment.due_on, "days_left": 3},
        visible_to=assignment.proposal.can_see_content,
    )
    db.session.commit()

with `templates/emails/scoring_reminder.txt`::

    {% extends "emails/_base.txt" %}
    {% block subject %}{{ _('Scoring due in %(n)d days: %(ref)s', n=days_left, ref=proposal.reference) }}{% endblock %}
    {% block body %}{{ _('Please score %(title)s by %(date)s.', title=proposal.title,
                         date=due_on|dateformat('long')) }}{% endblock %}

Other entry points: `paused()` (a context manager: nothing is sent within, e.g. while seeding),
`in_app_only()` (within, the bell only: no e-mail, no digest),
`register_kind(...)` (a kind of one's own), `KINDS`, `Channel`, `preferences_of(user)`.
"""

from fundmgr.notifications.kinds import KINDS, Kind, get_kind, kinds_for, register_kind
from fundmgr.notifications.models import Channel, Notification, NotificationPreference
from fundmgr.notifications.operations import in_app_only, notify, paused, preferences_of

__all__ = [
    "KINDS",
    "Channel",
    "Kind",
    "Notification",
    "NotificationPreference",
    "get_kind",
    "in_app_only",
    "kinds_for",
    "notify",
    "paused",
    "preferences_of",
    "register_kind",
]
