"""Print a new VAPID key pair for Web Push (no network needed): the private key for the
KRING_VAPID_PRIVATE_KEY setting, and its public half (what browsers subscribe with)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from delivery.push.keys import generate_private_key, public_key


class Command(BaseCommand):
    help = "Print a new VAPID key for KRING_VAPID_PRIVATE_KEY (and its public key)."

    def handle(self, *args: Any, **options: Any) -> None:
        private = generate_private_key()
        self.stdout.write(f"KRING_VAPID_PRIVATE_KEY={private}\n")
        self.stdout.write(f"# its public key (applicationServerKey): {public_key(private)}\n")
