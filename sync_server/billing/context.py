"""What billing's use cases need from the running server: its pool, settings, the platform's
Stripe account (None when no key is set), the shops' credentials and the token meter that
credits bought packages."""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import DomainError
from sync_server.billing.limits import token_plan
from sync_server.config import Settings
from sync_server.integrations.stripe_api import StripeAccount, make_client
from sync_server.repositories import Pool
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter


class BillingNotConfigured(DomainError):
    code = "billing_not_configured"


@dataclass
class Billing:
    pool: Pool
    settings: Settings
    stripe: StripeAccount | None
    integrations: Integrations
    meter: TokenMeter

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings,
                      integrations: Integrations | None = None) -> Billing:
        key = settings.stripe_secret_key.get_secret_value() if settings.stripe_secret_key else ""
        account = StripeAccount(make_client(key, settings.stripe_api_base)) if key else None
        return cls(pool, settings, account, integrations or Integrations.from_settings(pool, settings),
                   TokenMeter(pool, token_plan, settings.assistant_llm_tokens_per_token))

    def account(self) -> StripeAccount:
        if self.stripe is None:
            raise BillingNotConfigured("Los pagos en línea no están configurados en este "
                                       "servidor. Tu tienda sigue en su plan actual.")
        return self.stripe

    @property
    def grace_days(self) -> int:
        return self.settings.billing_grace_days

    def return_url(self, what: str) -> str:
        base = self.settings.billing_return_url or f"{self.settings.base_url()}/v1/billing/done"
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}resultado={what}"
