"""A minimal django-oscar shop with django-oscar-api: the third-party channel the tests run.

Started by ``tests/channels/conftest.py`` as its own process (``python -m django`` with
``DJANGO_SETTINGS_MODULE=tests.channels.oscar_site.settings``); its database and media live
in the folder named by ``OSCAR_SITE_DIR``. The package is also a Django app, for its
``oscar_channel_fixture`` management command.
"""
