"""The type of a file from its first bytes (never from its name or declared type)."""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"

#: Types stored as images (decoded, re-encoded and thumbnailed).
IMAGE_TYPES = (JPEG, PNG, WEBP)
#: Types accepted as documents.
DOCUMENT_TYPES = (PDF,)

#: File name suffix for each accepted type.
SUFFIXES = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf"}


def sniff(head: bytes) -> str | None:
    """The accepted content type that ``head`` (the first bytes) begins, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def describe(head: bytes) -> str:
    """A short human name for bytes that were refused (for the error message)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "empty"
    if text.startswith((b"<svg", b"<?xml")) or b"<svg" in text:
        return "SVG/XML"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<")):
        return "HTML or other markup"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    return "of an unknown type"
