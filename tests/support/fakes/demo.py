"""The demo's outside services: local stand-ins for Stripe, MercadoPago and Clip in one
process (``python -m tests.support.fakes.demo --server-url URL``), marked MODO DEMOSTRACIÓN
on every page a person sees. Paying on those pages sends the signed events and notifications
to the demo server at once. Prints one JSON line with their addresses, then serves until
stopped."""

from __future__ import annotations

import argparse
import json
import signal
import threading

from tests.support.fakes.clip_api import FakeClip
from tests.support.fakes.mercadopago_api import FakeMercadoPago
from tests.support.fakes.stripe_api import FakeStripe

# The stand-ins' credentials: not real accounts, handed to the demo server in its settings.
DEMO_STRIPE_KEY = "sk_test_demo_michangarrito"
DEMO_STRIPE_WEBHOOK_SECRET = "whsec_demo_michangarrito"
DEMO_MP_TOKEN = "TEST-demo-michangarrito-access-token"
DEMO_MP_SECRET = "demo-michangarrito-webhook-secret"
DEMO_CLIP_KEYS = ("demo-clip-api-key", "demo-clip-secret-key")


def main() -> None:
    parser = argparse.ArgumentParser(description="Pagos simulados para la demostración")
    parser.add_argument("--server-url", required=True)
    args = parser.parse_args()
    stripe_fake = FakeStripe(DEMO_STRIPE_KEY, DEMO_STRIPE_WEBHOOK_SECRET).start()
    stripe_fake.webhook_url = f"{args.server_url}/v1/billing/stripe/webhook"
    stripe_fake.auto_deliver = True
    mp = FakeMercadoPago(DEMO_MP_TOKEN, DEMO_MP_SECRET).start()
    clip = FakeClip(*DEMO_CLIP_KEYS).start()
    print(json.dumps({"stripe": stripe_fake.url, "mercadopago": mp.url, "clip": clip.url,
                      "settings": {
                          "MCH_STRIPE_SECRET_KEY": DEMO_STRIPE_KEY,
                          "MCH_STRIPE_WEBHOOK_SECRET": DEMO_STRIPE_WEBHOOK_SECRET,
                          "MCH_DEMO_MERCADOPAGO_TOKEN": DEMO_MP_TOKEN,
                          "MCH_DEMO_MERCADOPAGO_SECRET": DEMO_MP_SECRET}}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    for fake in (stripe_fake, mp, clip):
        fake.stop()


if __name__ == "__main__":
    main()
