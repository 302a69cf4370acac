"""Every text of the pages has its Simplified Chinese translation (templates and Python)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from marketplace.web.i18n import merged_catalog

ROOT = Path(__file__).resolve().parents[2] / "marketplace"
METHODS = [
    ("templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT,
        METHODS,
        options_map=OPTIONS,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        # a plural message is kept under its singular msgid
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.setdefault(text, f"{filename}:{lineno}")
    return found


def test_the_pages_have_texts_to_translate() -> None:
    assert "Sign in" in source_messages()


def test_every_page_text_has_a_simplified_chinese_translation() -> None:
    catalog = merged_catalog("zh_CN")
    missing = {text: where for text, where in source_messages().items() if text not in catalog}
    assert not missing, (
        "add these to a .po under marketplace/locale/zh_CN/LC_MESSAGES:\n"
        + "\n".join(
            f"  {where}: {text!r}" for text, where in sorted(missing.items(), key=lambda kv: kv[1])
        )
    )


def test_plural_messages_have_their_plural_form_in_both_languages() -> None:
    from marketplace.web.i18n import translations

    english = translations("en")
    assert english.ngettext("Used by %(num)d shop", "Used by %(num)d shops", 1) % {"num": 1} == (
        "Used by 1 shop"
    )
    assert english.ngettext("Used by %(num)d shop", "Used by %(num)d shops", 2) % {"num": 2} == (
        "Used by 2 shops"
    )
    chinese = translations("zh_CN")
    for n in (1, 2):
        text = chinese.ngettext("Used by %(num)d shop", "Used by %(num)d shops", n) % {"num": n}
        assert text == f"{n} 家店铺在用"
