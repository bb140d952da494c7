"""Local stand-ins for outside services (Stripe, MercadoPago, Clip), speaking their formats."""
