"""Languages: the locale of each request, and text stored in several languages."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal

import flask_wtf.i18n
from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from babel.numbers import format_percent as babel_format_percent
from babel.support import NullTranslations, Translations
from babel.units import format_unit
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import LazyString, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

# The languages fundmgr speaks, the default first: pages, e-mails, accounts, and every text a fund definition,
# a criterion or a results framework gives in each language. The one list: everything else reads it.
LANGUAGES = ("en", "fr", "es")
# Each language in its own name: for the language menu and the account's language, where people look for theirs.
# Anywhere else a language is named in the page's language (`language_name`).
LANGUAGE_NAMES = dict(zip(LANGUAGES, ("English", "Français", "Español"), strict=True))
# M49 codes that CLDR does not name
TERRITORY_FALLBACK_NAMES = {"830": _l("Channel Islands")}
FILE_SIZE_UNITS = (("digital-byte", 1), ("digital-kilobyte", 1000), ("digital-megabyte", 1000**2),
                   ("digital-gigabyte", 1000**3))  # fmt: skip


def alphabetical(text: str) -> str:
    """A sort key that files a name where a reader looks for it: accents and case aside (Égypte before Zambie)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def texts_of(form: Any, prefix: str) -> dict[str, str]:
    """The text typed in each language into a form's `<prefix>_en`, `<prefix>_fr`, `<prefix>_es` fields."""
    return {language: getattr(form, f"{prefix}_{language}").data or "" for language in LANGUAGES}


def fill_texts(form: Any, prefix: str, texts: Mapping[str, str] | None) -> None:
    """Put a text given in every language into a form's fields of each language."""
    for language in LANGUAGES:
        getattr(form, f"{prefix}_{language}").data = (texts or {}).get(language, "")


def select_locale() -> str:
    """Pick the request's language: the user's choice, then the session's, then the browser's."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        user_locale = getattr(current_user, "locale", None)
        if isinstance(user_locale, str) and user_locale in languages:
            return user_locale
        if session.get("locale") in languages:
            return session["locale"]
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def babel_context() -> Any:
    """flask_babel's namespace in the request (its locale, its translations), or None: one context lookup, where
    flask_babel's own helpers make five each time (a page asks for the locale and translations hundreds of times)."""
    return getattr(g._get_current_object(), "_flask_babel", None) if has_app_context() else None


def request_locale() -> Locale | None:
    """flask_babel's `get_locale`, read in one lookup once chosen (also the forced one inside `force_locale`: an
    e-mail in its recipient's language)."""
    locale: Locale | None = getattr(babel_context(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def request_translations() -> NullTranslations:
    """The translations of the request's locale, kept with the locale they belong to: a template translates dozens
    of texts, and flask_babel looks the domain, the locale and the catalog up again for each."""
    context = babel_context()
    locale, kept = getattr(context, "babel_locale", None), getattr(context, "fundmgr_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()  # chooses the locale if not yet chosen
    context = babel_context()
    if context is not None:
        context.fundmgr_translations = (getattr(context, "babel_locale", None), translations)
    return translations


def init_translations(app: Flask) -> None:
    """Templates translate with the translations kept per request (`request_translations`)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )


def current_language() -> str:
    """The two-letter language of the current request (or the default outside one)."""
    locale = request_locale()
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
    return territories_in(language or current_language()).get(code) or str(TERRITORY_FALLBACK_NAMES.get(code, code))


@functools.cache
def territories_in(language: str) -> dict[str, str]:
    """CLDR's territory names in a language, read once: a page listing a fund's countries names hundreds."""
    return dict(babel_locale(language).territories)


def language_name(code: str, language: str | None = None) -> str:
    """The name of a language (en, fr, es) in the given or current language, from CLDR: "anglais" on a French page."""
    return babel_locale(language or current_language()).languages.get(code, code)


def requested_language(default: str | None = None) -> str:
    """The language a document is asked in (?lang=en, fr or es), else `default` (a meeting's documents: the
    meeting's language), else the reader's: every document is offered in each language from its page, whatever the
    interface's."""
    from flask import request

    lang = request.args.get("lang", "")
    return lang if lang in LANGUAGE_NAMES else default or current_language()


def language_choices() -> list[tuple[str, LazyString]]:
    """(code, name) choices of the languages fundmgr speaks, named in the page's language when shown."""

    def name(code: str) -> LazyString:
        return LazyString(lambda: language_name(code)[:1].upper() + language_name(code)[1:])

    return [(code, name(code)) for code in LANGUAGE_NAMES]


def format_moment(value: datetime | None, zone: tzinfo) -> str:
    """A moment in the reader's language and the fund's time zone, saying which: "4 déc. 2026, 20:55 UTC+1"."""
    if value is None:
        return ""
    locale = request_locale() or babel_locale("en")
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)  # stored naive means UTC
    pattern = str(get_datetime_format("medium", locale=locale))  # "{1}, {0}": date, then time
    text = pattern.format(format_time(local, "short", locale=locale), format_date(local, "medium", locale=locale))
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes >= 0 else "-"
    suffix = "UTC" if not minutes else f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{text} {suffix}"


def format_day(value: date | datetime | None, zone: tzinfo) -> str:
    """A day in the reader's language; a moment is first placed in the fund's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone).date()
    return format_date(value, "medium", locale=request_locale() or babel_locale("en"))


@functools.cache
def babel_locale(language: str) -> Locale:
    """The Babel locale of a language, made once: formatting a number with a language's code parses the code and
    loads the locale again on every call (a page of amounts formats hundreds)."""
    return Locale.parse(language)


@functools.cache
def number_pattern(pattern: str) -> NumberPattern:
    """A Babel number pattern, parsed once (formatting with the pattern's text parses it on every call)."""
    return parse_pattern(pattern)


def number_locale(language: str | None = None) -> Locale:
    """The locale numbers are written in: the language given, else the request's."""
    return babel_locale(language or current_language())


@functools.cache
def money_symbols(language: str) -> dict[int, str]:
    """The locale's thousands separator, decimal sign and minus sign in place of Python's "," "." "-", for
    `str.translate`: what Babel writes with the pattern "#,##0.00", made once per language."""
    symbols = babel_locale(language).number_symbols["latn"]
    return str.maketrans({",": symbols["group"], ".": symbols["decimal"], "-": symbols["minusSign"]})


def format_money(value: Decimal | int | None, language: str | None = None) -> str:
    """Format an amount with the locale's thousands and decimal separators, two decimals (rounded half even, as Babel's
    "#,##0.00" rounds): Python's own formatting with the locale's signs, Babel's output at a fraction of its cost per
    call (a page of amounts formats hundreds; tests/test_numbers.py keeps the two equal)."""
    if value is None:
        return ""
    return format(value if isinstance(value, Decimal) else Decimal(value), ",.2f").translate(
        money_symbols(language or current_language())
    )


def format_number(value: Decimal | int | float | None, digits: int = 0, language: str | None = None) -> str:
    """Format a number with the locale's separators and a fixed number of decimals."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=number_pattern(pattern), locale=number_locale(language))


def format_file_size(size: int | None, language: str | None = None) -> str:
    """A file's size in the locale's units and separators: 193 bytes, 12 kB, 3.4 MB (193 octets, 3,4 Mo in French)."""
    if size is None:
        return ""
    unit, scale = next(((u, s) for u, s in reversed(FILE_SIZE_UNITS) if size >= s), FILE_SIZE_UNITS[0])
    value = Decimal(size) / scale
    pattern = "#,##0" if scale == 1 or value >= 10 else "#,##0.#"
    # "193 bytes" (the short form is "193 byte" in English)
    length: Literal["long", "short"] = "long" if scale == 1 else "short"
    return format_unit(value, unit, length, format=pattern, locale=language or current_language())


def format_percent(value: Decimal | float | None, digits: int = 1, language: str | None = None) -> str:
    """Format a share (0.153) as a percentage (15.3 %) in the locale's way."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_format_percent(Decimal(str(value)), format=number_pattern(pattern), locale=number_locale(language))


@functools.cache
def wtforms_catalog(folder: str, language: str) -> NullTranslations:
    """WTForms' own messages in a language ("This field is required."), read from its catalog once per process."""
    return Translations.load(folder, [language], domain="wtforms")


class FormMessages:
    """WTForms' own messages in the request's language, as Flask-WTF gives them to forms, from catalogs read once:
    Flask-WTF reads and parses the catalog file again in every request that builds a form."""

    @staticmethod
    def catalog() -> NullTranslations:
        return wtforms_catalog(flask_wtf.i18n.messages_path(), str(request_locale() or LANGUAGES[0]))

    def gettext(self, string: str) -> str:
        return self.catalog().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog().ungettext(singular, plural, n)


FORM_MESSAGES = FormMessages()


def form_translations(_meta: Any, _form: Any) -> FormMessages:
    return FORM_MESSAGES


def init_form_messages() -> None:
    """Every form (a FlaskForm) takes WTForms' messages from the catalogs read once (`FormMessages`)."""
    FlaskForm.Meta.get_translations = form_translations
