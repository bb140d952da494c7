"""A shop's invoicing set-up: fiscal data, CSD, PAC and preferences, kept as integrations.

Kinds (``tenant_integrations``): ``csd`` holds the fiscal data and the certificate's public
description in its settings, and the certificate, key and password sealed in its secrets (never
shown back); ``pac`` the PAC account (user and password sealed); ``cfdi`` the preferences
(global invoice periodicity, self-invoicing window, card forma de pago). Every use case of
invoicing gets a :class:`CfdiContext` and resolves what it needs through :func:`issuing`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from satcfdi.models import Signer

from shared.clock import utc_now
from shared.errors import DomainError
from shared.fiscal import (
    FORMA_TARJETA_CREDITO,
    FORMA_TARJETA_DEBITO,
    FiscalDataInvalid,
    Receptor,
    check_name,
    check_not_blacklisted,
    check_receptor,
    check_receptor_rfc,
    check_regime,
    check_rfc,
    check_series,
    check_window_days,
)
from sync_server import db
from sync_server.cfdi import build, csd
from sync_server.cfdi.lists import load_69b
from sync_server.cfdi.places import checked_postal_code
from sync_server.cfdi.tickets import Periodicity as Periodicity
from sync_server.config import Settings
from sync_server.integrations.pac import PacClient, pac_from
from sync_server.integrations.vault import MASK
from sync_server.repositories import Pool, invoice_holds
from sync_server.repositories import tenants as tenants_repo
from sync_server.services.integrations import Credentials, Integrations, MaskedIntegration

KIND_CSD, KIND_PAC, KIND_CFDI = "csd", "pac", "cfdi"


class NotConfigured(DomainError):
    code = "cfdi_not_configured"


@dataclass(frozen=True)
class FiscalProfile:
    rfc: str
    name: str
    regime: str
    postal_code: str
    series: str = "F"

    @property
    def issuer(self) -> build.Issuer:
        return build.Issuer(self.rfc, self.name, self.regime, self.postal_code)

    def series_for(self, kind: str) -> str:
        """Own series per kind of CFDI, so their folios never mix: F, FG (global), FP (pagos),
        FE (egresos: credit notes)."""
        return self.series + {"ticket": "", "global": "G", "payment": "P", "credit": "E"}[kind]


@dataclass(frozen=True)
class Preferences:
    periodicity: Periodicity = Periodicity.MONTHLY
    window_days: int | None = None  # None: until the end of the sale's month
    card_forma: str = FORMA_TARJETA_CREDITO

    def as_settings(self) -> dict[str, Any]:
        return {"periodicity": self.periodicity.value, "window_days": self.window_days,
                "card_forma": self.card_forma}

    @classmethod
    def from_settings(cls, data: Mapping[str, Any]) -> Preferences:
        return cls(Periodicity(data.get("periodicity", Periodicity.MONTHLY.value)),
                   data.get("window_days"), data.get("card_forma", FORMA_TARJETA_CREDITO))


@dataclass
class CfdiContext:
    """What invoicing use cases share: the pool, the settings, the shop's credentials, how a
    PAC client is made, the clock, and SAT's 69-B list."""

    pool: Pool
    settings: Settings
    integrations: Integrations
    pac_for: Callable[[Credentials], PacClient] | None = None
    clock: Callable[[], datetime] = utc_now
    blacklisted: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings,
                      integrations: Integrations | None = None) -> CfdiContext:
        return cls(pool, settings, integrations or Integrations.from_settings(pool, settings),
                   blacklisted=load_69b(settings.sat_69b_file))

    def pac(self, creds: Credentials) -> PacClient:
        if self.pac_for:
            return self.pac_for(creds)
        return pac_from(creds.settings, {k: creds.secret(k) for k in creds.secrets},
                        allow_host=self.settings.cfdi_allow_pac_host,
                        timeout_s=self.settings.cfdi_pac_timeout_s)


@dataclass(frozen=True)
class Setup:
    """What the owner sees of the set-up: nothing secret."""

    profile: FiscalProfile | None
    csd: csd.CsdInfo | None
    warnings: list[str]
    pac: MaskedIntegration | None
    preferences: Preferences


@dataclass(frozen=True)
class Issuing:
    """What signing and stamping a shop's CFDI needs."""

    profile: FiscalProfile
    signer: Signer
    pac: PacClient
    preferences: Preferences
    zone: ZoneInfo


def _profile(settings: Mapping[str, Any]) -> FiscalProfile | None:
    if not settings.get("rfc"):
        return None
    return FiscalProfile(settings["rfc"], settings["name"], settings["regime"],
                         settings["postal_code"], settings.get("series", "F"))


async def save_profile(ctx: CfdiContext, tenant_id: uuid.UUID, *, rfc: str, name: str,
                       regime: str, postal_code: str, series: str = "F") -> FiscalProfile:
    """The shop's fiscal data, checked like a customer's (the PAC would refuse the same)."""
    rfc = check_rfc(rfc)
    profile = FiscalProfile(rfc, check_name(name), check_regime(regime, rfc).code,
                            checked_postal_code(postal_code), check_series(series))
    stored = await ctx.integrations.masked(tenant_id, KIND_CSD)
    settings = dict(stored.settings) if stored else {}
    settings.update(rfc=profile.rfc, name=profile.name, regime=profile.regime,
                    postal_code=profile.postal_code, series=profile.series)
    await ctx.integrations.save(tenant_id, KIND_CSD, settings, {})
    await _setup_changed(ctx, tenant_id)
    return profile


async def _setup_changed(ctx: CfdiContext, tenant_id: uuid.UUID) -> None:
    """What a refusal waited for may be fixed now: the next pass makes every kind again
    (services.stamping's waits after a refusal)."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        await invoice_holds.lift(conn, tenant_id)


def checked_receptor(ctx: CfdiContext, rfc: str, name: str, postal_code: str, regime: str,
                     uso: str) -> Receptor:
    """A customer's fiscal data with every rule checked (shared.fiscal), their postal code in
    SAT's catalog and their RFC not on SAT's 69-B list."""
    receptor = check_receptor(rfc, name, postal_code, regime, uso, ctx.blacklisted)
    checked_postal_code(receptor.postal_code)
    return receptor


def checked_rfc(ctx: CfdiContext, text: str) -> str:
    """A customer's RFC asked on its own (the WhatsApp flow): its form and check digit, not a
    generic one, not on SAT's 69-B list."""
    rfc = check_receptor_rfc(text)
    check_not_blacklisted(rfc, ctx.blacklisted)
    return rfc


def checked_customer_postal_code(text: str) -> str:
    """A customer's postal code asked on its own: five digits that SAT's catalog knows."""
    return checked_postal_code(text)


async def save_csd(ctx: CfdiContext, tenant_id: uuid.UUID, certificate: bytes, key: bytes,
                   password: str) -> csd.CsdInfo:
    """The shop's CSD, refused unless it opens with its password and signs for the shop's RFC
    today. Only its public description is kept in the clear."""
    stored = await ctx.integrations.masked(tenant_id, KIND_CSD)
    profile = _profile(stored.settings) if stored else None
    if profile is None:
        raise NotConfigured("Primero captura los datos fiscales de la tienda (RFC, nombre, "
                            "régimen y código postal).")
    info = csd.check_for(csd.open_csd(certificate, key, password), profile.rfc, ctx.clock())
    assert stored is not None
    await ctx.integrations.save(tenant_id, KIND_CSD, {**stored.settings, "certificate": info.as_settings()},
                                {"certificate": csd.encode(certificate), "key": csd.encode(key),
                                 "password": password})
    await _setup_changed(ctx, tenant_id)
    return info


async def save_pac(ctx: CfdiContext, tenant_id: uuid.UUID, *, username: str | None,
                   password: str | None, production: bool, host: str | None = None) -> MaskedIntegration:
    settings: dict[str, Any] = {"provider": "finkok",
                                "environment": "production" if production else "test"}
    if host:
        settings["host"] = host.rstrip("/")
    saved = await ctx.integrations.save(tenant_id, KIND_PAC, settings,
                                        {"username": username, "password": password})
    await _setup_changed(ctx, tenant_id)
    return saved


async def save_preferences(ctx: CfdiContext, tenant_id: uuid.UUID, prefs: Preferences) -> Preferences:
    if prefs.card_forma not in (FORMA_TARJETA_CREDITO, FORMA_TARJETA_DEBITO):
        raise FiscalDataInvalid("Las tarjetas se facturan como 04 (crédito) o 28 (débito).",
                                code="invalid_forma")
    check_window_days(prefs.window_days)
    await ctx.integrations.save(tenant_id, KIND_CFDI, prefs.as_settings(), {})
    return prefs


async def preferences(ctx: CfdiContext, tenant_id: uuid.UUID) -> Preferences:
    stored = await ctx.integrations.masked(tenant_id, KIND_CFDI)
    return Preferences.from_settings(stored.settings) if stored else Preferences()


async def setup(ctx: CfdiContext, tenant_id: uuid.UUID) -> Setup:
    stored = await ctx.integrations.masked(tenant_id, KIND_CSD)
    profile = _profile(stored.settings) if stored else None
    info = (csd.CsdInfo.from_settings(stored.settings["certificate"])
            if stored and "certificate" in stored.settings else None)
    warnings = []
    if info:
        if (warning := info.warning(ctx.clock())) is not None:
            warnings.append(warning)
        if profile and info.rfc != profile.rfc:
            warnings.append(f"El CSD es del RFC {info.rfc}, no del RFC de la tienda "
                            f"({profile.rfc}): sube el de la tienda.")
    pac = await ctx.integrations.masked(tenant_id, KIND_PAC)
    if pac is not None:  # a password is not even hinted at (its last characters would narrow it)
        pac = replace(pac, secrets={k: MASK if k == "password" else v
                                    for k, v in pac.secrets.items()})
    return Setup(profile, info, warnings, pac, await preferences(ctx, tenant_id))


async def shop_zone(ctx: CfdiContext, tenant_id: uuid.UUID) -> ZoneInfo:
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        name = await tenants_repo.get_timezone(conn, tenant_id)
    return ZoneInfo(name or "America/Mexico_City")


async def can_issue(ctx: CfdiContext, tenant_id: uuid.UUID) -> bool:
    """Whether the shop is set up to sign and stamp, read from what is stored and shown (no key
    opened): the same conditions as :func:`issuing`, cheap enough for every chat reply."""
    s = await setup(ctx, tenant_id)
    return (s.profile is not None and s.csd is not None and s.pac is not None
            and s.csd.refusal(s.profile.rfc, ctx.clock()) is None)


async def issuing(ctx: CfdiContext, tenant_id: uuid.UUID) -> Issuing:
    """Everything needed to sign and stamp for the shop, or a Spanish reason why not yet."""
    creds = await ctx.integrations.resolve(tenant_id, KIND_CSD)
    profile = _profile(creds.settings) if creds else None
    if creds is None or profile is None:
        raise NotConfigured("La tienda todavía no emite facturas: faltan sus datos fiscales.")
    cer, key, password = (creds.secret(n) for n in ("certificate", "key", "password"))
    if not (cer and key and password is not None):
        raise NotConfigured("La tienda todavía no emite facturas: falta su certificado de "
                            "sello digital (CSD).")
    signer = csd.open_csd(csd.decode(cer), csd.decode(key), password)
    csd.check_for(signer, profile.rfc, ctx.clock())
    pac_creds = await ctx.integrations.resolve(tenant_id, KIND_PAC)
    if pac_creds is None:
        raise NotConfigured("La tienda todavía no emite facturas: falta su cuenta del PAC.")
    return Issuing(profile, signer, ctx.pac(pac_creds), await preferences(ctx, tenant_id),
                   await shop_zone(ctx, tenant_id))
