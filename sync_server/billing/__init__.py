"""The platform's billing of shops (plans, Stripe subscriptions, prepaid months, token
packages, limits) and the shops' own payment links (MercadoPago, Stripe, Clip)."""
