"""How a plugin's settings model reads in the merchant's settings form.

The host builds the form from the model: each field's ``title`` labels its input and its
``description`` explains it. :func:`setting_text` adds what the model alone cannot say, in
the field's ``json_schema_extra``: the title and description in other languages, and that
an integer is an amount of money in fen (the form then shows and takes yuan)::

    from pydantic import BaseModel, Field
    from sdk.forms import setting_text

    class Settings(BaseModel):
        min_premium_fen: int = Field(
            default=50,
            ge=0,
            title="Lowest premium",
            description="No policy costs less than this.",
            json_schema_extra=setting_text(
                money_fen=True, zh_CN=("最低保费", "每份保单的保费不低于此金额。")
            ),
        )

The stored settings, the API and the hooks keep the model's own values (fen); only the form
for people converts.
"""

from __future__ import annotations

from typing import Any

#: The ``json_schema_extra`` key of the translated texts: ``{locale: {"title", "description"}}``.
TEXTS_KEY = "x-tanzi-texts"
#: The ``json_schema_extra`` key of the field's unit; ``"fen"`` marks money.
UNIT_KEY = "x-tanzi-unit"
MONEY_FEN = "fen"


def setting_text(*, money_fen: bool = False, **translations: tuple[str, str]) -> dict[str, Any]:
    """A settings field's ``json_schema_extra``: ``translations`` by locale (``zh_CN=(title,
    description)``), and whether the integer is money in fen (shown as yuan in the form).

    :param money_fen: the field is an amount of money in fen.
    :param translations: ``(title, description)`` per locale name such as ``zh_CN``.
    :returns: a dict for ``pydantic.Field(json_schema_extra=...)``.
    """
    extra: dict[str, Any] = {}
    if money_fen:
        extra[UNIT_KEY] = MONEY_FEN
    if translations:
        extra[TEXTS_KEY] = {
            locale: {"title": title, "description": description}
            for locale, (title, description) in translations.items()
        }
    return extra
