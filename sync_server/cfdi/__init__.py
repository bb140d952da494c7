"""CFDI 4.0: amounts, building, signing, validating and stamping invoices (satcfdi)."""
