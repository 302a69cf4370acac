"""Languages of the pages: Simplified Chinese and English, following the browser.

Each area of the consoles keeps its own catalog, ``marketplace/locale/<locale>/LC_MESSAGES/
<area>.po``; they are merged and compiled in memory at start, so there is no build step.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LOCALE = "en"
#: The languages a person can choose, with their own names for the switch.
LOCALES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
LANG_COOKIE = "tanzi_lang"


def catalog_files(locale: str) -> list[Path]:
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


def merged_catalog(locale: str) -> Catalog:
    """Every area's catalog for ``locale`` in one (a later file wins on a duplicate)."""
    merged = Catalog(locale=locale)
    for path in catalog_files(locale):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if message.id and message.string:
                    merged[message.id] = message
    return merged


@cache
def translations(locale: str) -> NullTranslations:
    """Compiled translations for ``locale``; English is the source language."""
    if locale == DEFAULT_LOCALE or locale not in LOCALES:
        return NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, merged_catalog(locale))
    buffer.seek(0)
    return Translations(buffer)


def parse_accept_language(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def match_locale(tag: str) -> str | None:
    """``zh-CN``, ``zh-Hans``, ``zh`` -> ``zh_CN`` (the one Chinese we have); ``en-GB`` -> ``en``."""
    lowered = tag.replace("_", "-").lower()
    if lowered == "zh" or lowered.startswith("zh-"):
        return "zh_CN"
    if lowered == "en" or lowered.startswith("en-"):
        return "en"
    return None


def request_locale(request: Request) -> str:
    """The chosen language (the switch's cookie), else the browser's, else English."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    for tag in parse_accept_language(request.headers.get("accept-language", "")):
        found = match_locale(tag)
        if found:
            return found
    return DEFAULT_LOCALE
