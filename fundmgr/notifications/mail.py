"""Rendering a notification's e-mail for one recipient: subject, plain text and HTML, absolute links.

A kind's e-mail is `templates/emails/<kind>.txt` (extending `emails/_base.txt`; its `subject` block is
the subject, its `body` block the message) and `templates/emails/<kind>.html` (extending
`emails/_base.html`). Without an .html template, the HTML part is made from the text body (escaped,
one paragraph per blank-line-separated block). Templates get the recipient as `user`, the object's
absolute link as `url`, `preferences_url`, `link(endpoint, **params)` for other absolute links, and the
context the sender passed. Call these under `force_locale(recipient's language)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_mail import Message
from jinja2 import TemplateNotFound

from fundmgr.emails import absolute_url
from fundmgr.notifications.kinds import KINDS


@dataclass
class RenderedEmail:
    """One recipient's message."""

    subject: str
    text: str
    html: str


def template_context(kind: str, user: Any, url: str | None, context: dict[str, Any]) -> dict[str, Any]:
    values = {
        "kind": KINDS.get(kind),  # None for the digest, which is not a kind
        "user": user,
        "url": url,
        "preferences_url": absolute_url("notifications.preferences"),
        "link": absolute_url,
    }
    return context | values


def render_block(name: str, block: str, values: dict[str, Any]) -> str:
    """One block of a template, rendered with the app's template context (gettext, filters...)."""
    template = current_app.jinja_env.get_template(name)
    values = dict(values)
    current_app.update_template_context(values)
    return "".join(template.blocks[block](template.new_context(values))).strip()


def render_subject(kind: str, user: Any, url: str | None, context: dict[str, Any]) -> str:
    """The subject (also the in-app notification's title), on one line."""
    subject = render_block(f"emails/{kind}.txt", "subject", template_context(kind, user, url, context))
    return " ".join(subject.split())


def render_email(kind: str, user: Any, url: str | None, context: dict[str, Any]) -> RenderedEmail:
    """Subject, plain text and HTML of a kind's e-mail for one recipient, in the current (forced) locale."""
    values = template_context(kind, user, url, context)
    subject = render_subject(kind, user, url, context)
    values["subject"] = subject
    text = tidy(render_template(f"emails/{kind}.txt", **values))
    try:
        html = render_template(f"emails/{kind}.html", **values)
    except TemplateNotFound:
        body = render_block(f"emails/{kind}.txt", "body", values)
        html = render_template("emails/_from_text.html", paragraphs=paragraphs(body), **values)
    return RenderedEmail(subject, text, html)


def tidy(text: str) -> str:
    """Plain text as templates leave it, without trailing spaces or runs of blank lines."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def paragraphs(text: str) -> list[list[str]]:
    """Blank-line-separated blocks of plain text, each as its lines (the template escapes them)."""
    return [block.strip().splitlines() for block in text.split("\n\n") if block.strip()]


KIND_HEADER = "X-Fundmgr-Notification"  # the kind, for people's mail filters (and the tests)


def build_message(kind: str, user: Any, email: RenderedEmail, attachments: list[Any] | None = None) -> Message:
    """The Flask-Mail message for one recipient."""
    message = Message(subject=email.subject, recipients=[user.email], body=email.text, html=email.html,
                      extra_headers={KIND_HEADER: kind})  # fmt: skip
    for attachment in attachments or []:
        message.attachments.append(attachment)
    return message
