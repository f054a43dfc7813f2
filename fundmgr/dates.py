"""Dates typed the interface language's way: "31/03/2027" in French, "3/31/2027" in English; ISO always accepted."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from babel.dates import get_date_format
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

EXAMPLE = date(2027, 3, 31)


def day_pattern() -> str:
    """The language's short date pattern with a four-digit year and two-digit day and month: "dd/MM/yyyy"."""
    pattern = get_date_format("short", locale=get_locale() or "en").pattern
    pattern = re.sub(r"y+", "yyyy", pattern)
    pattern = re.sub(r"d+", "dd", pattern)
    return re.sub(r"M+", "MM", pattern)


def day_order() -> list[str]:
    """The order of day (d), month (M) and year (y) in the language's dates."""
    return [c for c in re.sub(r"(.)\1*", r"\1", day_pattern()) if c in "dMy"]


def format_day_input(value: date | None) -> str:
    """A day as the language writes it in a form."""
    if value is None:
        return ""
    parts = {"d": f"{value.day:02d}", "M": f"{value.month:02d}", "y": f"{value.year:04d}"}
    separator = next((c for c in day_pattern() if c not in "dMy"), "/")
    return separator.join(parts[c] for c in day_order())


def parse_day_input(text: str) -> date:
    """The day typed in the language's order (or as ISO yyyy-mm-dd); ValueError("not a day: ...") otherwise."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = map(int, text.split("-"))
            return date(year, month, day)
        numbers = re.findall(r"\d+", text)
        if len(numbers) != 3 or re.search(r"[^\d\s./-]", text):
            raise ValueError(text)
        parts = dict(zip(day_order(), map(int, numbers), strict=True))
        if parts["y"] < 100:
            raise ValueError(text)  # a two-digit year is ambiguous
        return date(parts["y"], parts["M"], parts["d"])
    except ValueError:
        raise ValueError(f"not a day: {text}") from None


class DateField(Field):
    """A day typed the interface language's way; data is a date (None when blank)."""

    widget = TextInput()

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("placeholder", format_day_input(EXAMPLE))
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]) if valuelist else ""
        if not text.strip():
            return
        try:
            self.data = parse_day_input(text)
        except ValueError:  # WTForms lists the message with the field's errors
            raise ValueError(str(_l("Enter a date like %(example)s.", example=format_day_input(EXAMPLE)))) from None

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return format_day_input(self.data)
