"""A form generated from a plugin's settings model (a pydantic model class).

Each field of the model becomes one input: ``int`` and ``float`` number inputs with their
bounds, ``str`` text inputs with their lengths and pattern, ``bool`` a checkbox, an
``Enum`` or ``Literal`` a select. The field's ``title`` (or its name) labels it and its
``description`` explains it. A submitted form is validated by the model itself, so the
merchant sees the same rules the plugin enforces, each error next to its field.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

#: Where an error about the whole model (not one field) is filed.
FORM_ERROR = "__all__"


@dataclass
class SettingsField:
    """One input of the generated form."""

    name: str
    label: str
    kind: str  # int | float | str | bool | choice | fixed
    value: Any
    description: str = ""
    required: bool = False
    nullable: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    default: Any = None

    @property
    def input_type(self) -> str:
        return {"int": "number", "float": "number", "bool": "checkbox"}.get(self.kind, "text")


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


def settings_fields(model: type[BaseModel], values: dict[str, Any]) -> list[SettingsField]:
    """The form's fields for ``model``, filled with ``values`` (stored or just typed)."""
    fields = []
    for name, info in model.model_fields.items():
        annotation, nullable = _unwrap_optional(info.annotation)
        kind, choices = _kind(annotation)
        default = None if info.default is PydanticUndefined else _display(info.default)
        if info.default_factory is not None:
            default = _display(info.default_factory())  # type: ignore[call-arg]
        attrs = _constraints(info)
        if kind == "float":
            attrs.setdefault("step", "any")
        fields.append(
            SettingsField(
                name=name,
                label=info.title or name.replace("_", " ").capitalize(),
                kind=kind,
                value=_display(values.get(name, default)),
                description=info.description or "",
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
            raw[item.name] = None if text == "" and item.nullable else text
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
