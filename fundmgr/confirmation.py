"""One confirmation for every final or destructive action, and one undo for removals from a draft.

A destructive POST view calls `unconfirmed(...)` first: until the request carries confirmed=yes it answers the
page that says what will happen and posts the same request back confirmed (no script needed). With script,
static/js/confirm.js asks the same question in a <dialog> before the form leaves, and adds confirmed=yes.
Removals from a draft offer to undo: the operation returns what it removed, `offer_undo` keeps it in the
session, and the flash message's Undo button posts it back to the page's restore route.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request, session
from flask.typing import ResponseReturnValue

from fundmgr.web import wants_json

CONFIRMED = "yes"
UNDO_KEY = "undo"


def unconfirmed(question: str, consequence: str = "", *, back: str) -> ResponseReturnValue | None:
    """The page asking to confirm a final action, or None once the request is confirmed (scripts sending JSON
    confirm by sending it)."""
    if request.form.get("confirmed") == CONFIRMED or wants_json():
        return None
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template(
        "confirm.html", question=question, consequence=consequence, fields=fields, action=request.path, back=back
    )


def offer_undo(restore_url: str, what: dict[str, Any]) -> None:
    """Keep what a removal took away, for the flash message's Undo button (one removal at a time)."""
    session[UNDO_KEY] = {"url": restore_url, "what": what}


def pending_undo(restore_url: str) -> dict[str, Any] | None:
    """What the last removal took away, if it is undone at this route; it is then forgotten."""
    undo = session.get(UNDO_KEY)
    if not undo or undo.get("url") != restore_url:
        return None
    session.pop(UNDO_KEY, None)
    return undo["what"]


def undo_url() -> str | None:
    """Templates: the route that undoes the last removal, if any is pending."""
    undo = session.get(UNDO_KEY)
    return undo["url"] if undo else None
