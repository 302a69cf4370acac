"""A form generated from a plugin's settings model (a pydantic model class).

Each field of the model becomes one input: ``int`` and ``float`` number inputs with their
bounds, ``str`` text inputs with their lengths and pattern, ``bool`` a checkbox, an
``Enum`` or ``Literal`` a select. The field's ``title`` (or its name) labels it and its
``description`` explains it, in the reader's language when the model gives one
(:func:`sdk.forms.setting_text`); an integer the model marks as money in fen is shown and
typed in yuan. A submitted form is validated by the model itself, so the merchant sees the
same rules the plugin enforces, each error next to its field.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sdk.forms import MONEY_FEN, TEXTS_KEY, UNIT_KEY

#: Where an error about the whole model (not one field) is filed.
FORM_ERROR = "__all__"


@dataclass
class SettingsField:
    """One input of the generated form."""

    name: str
    label: str
    kind: str  # int | money | float | str | bool | choice | fixed
    value: Any
    description: str = ""
    required: bool = False
    nullable: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    default: Any = None

    @property
    def input_type(self) -> str:
        return {"int": "number", "money": "number", "float": "number", "bool": "checkbox"}.get(
            self.kind, "text"
        )


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _constraints(info: FieldInfo) -> dict[str, Any]:
    """HTML attributes for the field's pydantic constraints."""
    attrs: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, Ge):
            attrs["min"] = item.ge
        elif isinstance(item, Gt):
            attrs["data-gt"] = item.gt
        elif isinstance(item, Le):
            attrs["max"] = item.le
        elif isinstance(item, Lt):
            attrs["data-lt"] = item.lt
        elif isinstance(item, MinLen):
            attrs["minlength"] = item.min_length
        elif isinstance(item, MaxLen):
            attrs["maxlength"] = item.max_length
        elif getattr(item, "pattern", None):
            attrs["pattern"] = item.pattern
    return attrs


def _kind(annotation: Any) -> tuple[str, list[tuple[str, str]]]:
    if get_origin(annotation) is Literal:
        return "choice", [(str(v), str(v)) for v in get_args(annotation)]
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return "choice", [(str(m.value), str(m.value)) for m in annotation]
        if issubclass(annotation, bool):
            return "bool", []
        if issubclass(annotation, int):
            return "int", []
        if issubclass(annotation, float):
            return "float", []
        if issubclass(annotation, str):
            return "str", []
    return "fixed", []  # lists, nested models...: shown, kept as they are


def _display(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return value


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _is_money(info: FieldInfo, kind: str) -> bool:
    return kind == "int" and _extra(info).get(UNIT_KEY) == MONEY_FEN


def yuan(fen: Any) -> Any:
    """``1250`` -> ``"12.50"`` for a money input; anything not a whole number is left as it
    was typed."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return fen
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def fen_from_yuan(text: str) -> int | str:
    """``"12.5"`` -> ``1250``; text that is not an amount with at most two decimals is
    returned as it was (the model then refuses it)."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text
    cents = amount * 100
    if not amount.is_finite() or cents != cents.to_integral_value():
        return text
    return int(cents)


def _texts(info: FieldInfo, name: str, locale: str) -> tuple[str, str]:
    """The field's label and description in ``locale`` (the model's own words otherwise)."""
    translated = _extra(info).get(TEXTS_KEY, {}).get(locale, {})
    label = translated.get("title") or info.title or name.replace("_", " ").capitalize()
    return label, translated.get("description") or info.description or ""


def settings_fields(
    model: type[BaseModel], values: dict[str, Any], *, locale: str = "en"
) -> list[SettingsField]:
    """The form's fields for ``model``, filled with ``values`` (stored or just typed), with
    labels and descriptions in ``locale`` when the model has them."""
    fields = []
    for name, info in model.model_fields.items():
        annotation, nullable = _unwrap_optional(info.annotation)
        kind, choices = _kind(annotation)
        default = None if info.default is PydanticUndefined else _display(info.default)
        if info.default_factory is not None:
            default = _display(info.default_factory())  # type: ignore[call-arg]
        attrs = _constraints(info)
        value = _display(values.get(name, default))
        if kind == "float":
            attrs.setdefault("step", "any")
        if _is_money(info, kind):
            kind = "money"
            attrs = {
                key: yuan(bound) if key in ("min", "max") else bound for key, bound in attrs.items()
            }
            attrs["step"] = "0.01"
            value, default = yuan(value), yuan(default)
        label, description = _texts(info, name, locale)
        fields.append(
            SettingsField(
                name=name,
                label=label,
                kind=kind,
                value=value,
                description=description,
                required=info.is_required(),
                nullable=nullable,
                choices=choices,
                attrs=attrs,
                default=default,
            )
        )
    return fields


def read_settings_form(
    model: type[BaseModel], form: dict[str, Any], current: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Validate a submitted form against ``model``.

    Returns ``(settings, errors, typed)``: the settings as stored (JSON-ready) when valid,
    the error message per field name (``FORM_ERROR`` for the model's own checks), and the
    values as typed, for re-rendering the form.
    """
    raw: dict[str, Any] = {}
    for item in settings_fields(model, current):
        if item.kind == "bool":
            raw[item.name] = item.name in form
        elif item.kind == "fixed" or item.name not in form:
            # not an input of the form (or not posted): keep what is stored, else the default
            if item.name in current:
                raw[item.name] = current[item.name]
        else:
            text = form.get(item.name, "")
            text = text.strip() if isinstance(text, str) else ""
            if text == "" and item.nullable:
                raw[item.name] = None
            elif item.kind == "money":
                raw[item.name] = fen_from_yuan(text) if text else text
            else:
                raw[item.name] = text
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = error["loc"]
            name = str(loc[0]) if loc else FORM_ERROR
            message = error["msg"].removeprefix("Value error, ")
            errors.setdefault(name if name in raw else FORM_ERROR, message)
        return {}, errors, raw
    return parsed.model_dump(mode="json"), {}, raw
