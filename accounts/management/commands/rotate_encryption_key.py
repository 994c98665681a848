from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from accounts.services.key_rotation import rotate_encryption_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first FIELD_ENCRYPTION_KEY, so the keys after it can "
        "be removed. Prints counts per field, never a value; running it again changes nothing."
    )

    def handle(self, *args, **options):
        try:
            results = rotate_encryption_key()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            self.stdout.write(f"{result.label}: {result.rotated} re-encrypted, {result.already_current} already under the first key")
        total = sum(result.rotated for result in results)
        self.stdout.write(self.style.SUCCESS(f"Done: {total} secret(s) re-encrypted with the first key."))
