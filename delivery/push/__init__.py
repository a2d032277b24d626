"""Web Push: notifications that reach a closed tab or a phone's browser.

* ``keys`` — the server's VAPID key (RFC 8292) from the settings;
* ``services`` — devices (browser subscriptions) registered and removed by their owner, and
  the per-device push rows written in a notification job's transaction;
* ``sender`` — the worker's part: claims due rows, holds them through quiet hours in the
  user's time zone, builds the payloads in each user's language, and settles each row by the
  push service's answer (removing subscriptions it says are gone, 404/410);
* ``transport`` — the posting itself: encrypted (RFC 8291, aes128gcm) and VAPID-signed by
  ``pywebpush``, several at once, never following a redirect.
"""
