"""The server-rendered consoles: sessions, CSRF, templates and languages shared by every page."""
