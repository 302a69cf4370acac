"""The settings form generator on its own: optional fields, literals, model-wide checks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from marketplace.web.settings_form import FORM_ERROR, read_settings_form, settings_fields
from tests.marketplace.marketdata import PrinterSettings


class Quiet(BaseModel):
    """Optional numbers, a literal choice, a required text and a rule over two fields."""

    start_hour: int | None = Field(default=None, ge=0, le=23, title="Quiet from")
    end_hour: int | None = Field(default=None, ge=0, le=23)
    channel: Literal["sms", "email"] = "email"
    sender: str = Field(min_length=2, pattern=r"^[a-z]+$")

    @model_validator(mode="after")
    def _both_or_neither(self) -> Quiet:
        if (self.start_hour is None) != (self.end_hour is None):
            raise ValueError("set both hours or neither")
        return self


def test_fields_follow_the_model() -> None:
    fields = {f.name: f for f in settings_fields(Quiet, {"start_hour": 22})}
    assert fields["start_hour"].label == "Quiet from"  # the field's title wins
    assert fields["end_hour"].label == "End hour"
    assert (fields["start_hour"].kind, fields["start_hour"].value) == ("int", 22)
    assert fields["start_hour"].nullable and not fields["start_hour"].required
    assert fields["start_hour"].attrs == {"min": 0, "max": 23}
    assert fields["channel"].kind == "choice"
    assert fields["channel"].choices == [("sms", "sms"), ("email", "email")]
    assert fields["sender"].required
    assert fields["sender"].attrs == {"minlength": 2, "pattern": "^[a-z]+$"}


def test_empty_optional_fields_are_none_and_model_checks_are_form_errors() -> None:
    settings, errors, _ = read_settings_form(
        Quiet, {"start_hour": "", "end_hour": "", "channel": "sms", "sender": "shop"}, {}
    )
    assert errors == {}
    assert settings == {"start_hour": None, "end_hour": None, "channel": "sms", "sender": "shop"}
    _, errors, typed = read_settings_form(
        Quiet, {"start_hour": "22", "end_hour": "", "channel": "sms", "sender": "shop"}, {}
    )
    assert errors == {FORM_ERROR: "set both hours or neither"}
    assert typed["start_hour"] == "22"


def test_each_bad_field_gets_its_own_message() -> None:
    _, errors, _ = read_settings_form(
        Quiet, {"start_hour": "25", "end_hour": "x", "channel": "fax", "sender": "A"}, {}
    )
    assert set(errors) == {"start_hour", "end_hour", "channel", "sender"}


def test_unchecked_boxes_are_false_and_unknown_form_keys_are_ignored() -> None:
    settings, errors, _ = read_settings_form(
        PrinterSettings, {"copies": "2", "paper": "a4", "header": "Hi", "evil": "1"}, {}
    )
    assert errors == {}
    assert settings["auto_print"] is False and "evil" not in settings
    assert settings["margin_mm"] == 2.5  # not posted: the default


def test_fields_not_posted_keep_their_stored_value_and_blank_ones_are_errors() -> None:
    stored = {"copies": 3, "margin_mm": 1.0}
    settings, errors, _ = read_settings_form(PrinterSettings, {"paper": "a6"}, stored)
    assert errors == {}
    assert (settings["copies"], settings["margin_mm"]) == (3, 1.0)
    _, errors, _ = read_settings_form(PrinterSettings, {"copies": ""}, stored)
    assert set(errors) == {"copies"}
