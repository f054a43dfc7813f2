"""Languages: the locale of each request, and text stored in several languages."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_format_percent
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
# M49 codes that CLDR does not name
TERRITORY_FALLBACK_NAMES = {"830": "Channel Islands"}


def select_locale() -> str:
    """Pick the request's language: the user's choice, then the session's, then the browser's."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        user_locale = getattr(current_user, "locale", None)
        if user_locale in languages:
            return user_locale
        if session.get("locale") in languages:
            return session["locale"]
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The two-letter language of the current request (or the default outside one)."""
    locale = get_locale()
    return locale.language if locale else "en"


def localize(text: Mapping[str, str] | str | None, language: str | None = None) -> str:
    """Pick the translation of a multilingual value, falling back to English, then to any."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    language = language or current_language()
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def territory_name(code: str | None, language: str | None = None) -> str:
    """Name of a country (ISO alpha-2) or UN M49 region code in the given language, from CLDR."""
    if not code:
        return ""
    locale = Locale.parse(language or current_language())
    return locale.territories.get(code) or TERRITORY_FALLBACK_NAMES.get(code, code)


def format_money(value: Decimal | int | None, language: str | None = None) -> str:
    """Format an amount with the locale's thousands and decimal separators, two decimals."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.00", locale=language or current_language())


def format_number(value: Decimal | int | float | None, digits: int = 0, language: str | None = None) -> str:
    """Format a number with the locale's separators and a fixed number of decimals."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=language or current_language())


def format_percent(value: Decimal | float | None, digits: int = 1, language: str | None = None) -> str:
    """Format a share (0.153) as a percentage (15.3 %) in the locale's way."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_format_percent(Decimal(str(value)), format=pattern, locale=language or current_language())
