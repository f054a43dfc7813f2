"""The preferences form: one choice of channel per kind of notification the user's role receives."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import Optional

from fundmgr.notifications.kinds import Kind
from fundmgr.notifications.models import Channel


class PreferencesForm(FlaskForm):
    """Fields are added per user (preferences_form); a kind left out of a POST keeps its channel."""


def preferences_form(kinds: list[Kind], current: dict[str, Channel]) -> PreferencesForm:
    """A form with one radio group per kind, named by the kind's code, set to the current channel."""

    class UserPreferencesForm(PreferencesForm):
        pass

    for kind in kinds:
        field = RadioField(
            kind.label,
            choices=[SelectChoice(channel.value, channel.title) for channel in Channel],
            default=current[kind.code].value,
            validators=[Optional()],
        )
        setattr(UserPreferencesForm, kind.code, field)
    return UserPreferencesForm()
