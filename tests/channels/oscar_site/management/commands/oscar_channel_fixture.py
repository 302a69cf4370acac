"""``oscar_channel_fixture``: the staff user, partner and product class a channel needs.

Prints one JSON line: the admin's API token, the partner's id and the product class slug.
Run again, it changes nothing and prints the same.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oscar.apps.address.models import Country
from oscar.apps.catalogue.models import ProductClass
from oscar.apps.partner.models import Partner
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create the admin user, the partner and the product class of the channel tests."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="tanzi-admin")
        parser.add_argument("--password", default="tanzi-admin-pass")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        admin = users.objects.filter(username=options["username"]).first()
        if admin is None:
            admin = users.objects.create_superuser(
                username=options["username"],
                email="admin@example.com",
                password=options["password"],
            )
        token, _ = Token.objects.get_or_create(user=admin)
        partner, _ = Partner.objects.get_or_create(code="tanzi", defaults={"name": "Tanzi"})
        product_class, _ = ProductClass.objects.get_or_create(
            slug="goods",
            defaults={"name": "Goods", "track_stock": True, "requires_shipping": True},
        )
        Country.objects.get_or_create(
            iso_3166_1_a2="CN",
            defaults={
                "iso_3166_1_a3": "CHN",
                "iso_3166_1_numeric": "156",
                "printable_name": "China",
                "name": "China",
                "is_shipping_country": True,
            },
        )
        self.stdout.write(
            json.dumps(
                {
                    "token": token.key,
                    "username": options["username"],
                    "password": options["password"],
                    "partner_id": partner.pk,
                    "product_class": product_class.slug,
                }
            )
        )
