"""Seed a large conversation history (for the console benchmark and query-count tests).

    manage.py seed_history --conversations 100000 --messages 1000000
"""

import time

from django.core.management.base import BaseCommand, CommandError

from messaging.models import Conversation
from messaging.services.seeding import SEED_WABA_ID, seed_history


class Command(BaseCommand):
    help = "Add a realistic conversation history in bulk (one seeded account; nothing is sent)."

    def add_arguments(self, parser):
        parser.add_argument("--conversations", type=int, default=1000)
        parser.add_argument("--messages", type=int, default=10000)
        parser.add_argument("--phone-numbers", type=int, default=2)
        parser.add_argument("--long-thread", type=int, default=None, help="messages in the one long thread")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=8, help="random seed (same seed, same history)")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when a seeded history is there already (make run)")

    def handle(self, *args, **options):
        if options["if_empty"] and Conversation.objects.filter(phone_number__account__waba_id=SEED_WABA_ID).exists():
            self.stdout.write("A seeded history is there already: nothing added.")
            return
        started = time.monotonic()
        try:
            result = seed_history(
                conversations=options["conversations"],
                messages=options["messages"],
                phone_numbers=options["phone_numbers"],
                long_thread=options["long_thread"],
                batch_size=options["batch_size"],
                seed=options["seed"],
                progress=lambda text: self.stdout.write(f"  {text}") if options["verbosity"] > 1 else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        long_thread = result.long_thread.pk if result.long_thread else "-"
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {result.conversations:,} conversations and {result.messages:,} messages in {elapsed:.1f} s "
            f"(long thread: conversation {long_thread})."
        ))
