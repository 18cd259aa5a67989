"""Recovery codes made before this migration were stored as they were shown; from now on only
a keyed digest of each is kept (``agencies.second_factor.recovery_digest``). This turns the
codes already stored into their digests, so they keep working and are no longer readable.
A digest is 16 hex characters; a code as django-otp made it is 8 base32 characters."""

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

# As agencies.second_factor.recovery_digest is written today (a migration keeps its own copy).
SALT = "tandem.second_factor.recovery_code"
LENGTH = 16


def digest_stored_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.exclude(token__regex=rf"^[0-9a-f]{{{LENGTH}}}$"):
        code = "".join(token.token.split()).replace("-", "").lower()
        token.token = salted_hmac(SALT, code, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()[:LENGTH]
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_api_tokens"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Not reversible into the codes: that is the point.
    operations = [migrations.RunPython(digest_stored_codes, migrations.RunPython.noop, elidable=False)]
