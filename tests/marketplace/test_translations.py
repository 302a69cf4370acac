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
        ROOT, METHODS, options_map=OPTIONS, keywords={"_": None, "gettext": None}
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for text in ids:
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
