"""Shop tools: what the shop says about itself, its devices and when each last synced, its plan
and the assistant's token balance."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from shared.phone import display_phone
from shared.spanish import agree, count
from sync_server.repositories import Connection, devices, shop
from sync_server.services.tokens import balance_in, month_of
from sync_server.tools.base import EVERYONE, OWNER_ONLY, ToolContext, ToolInput, ToolOutput, tool

STALE_AFTER = timedelta(hours=24)  # a till not heard from in a day may be offline or off


class NoArgs(ToolInput):
    pass


class ShopInfo(ToolOutput):
    name: str
    address: str | None
    phone: str | None
    timezone: str


@tool("shop_info", "Datos de la tienda", EVERYONE)
async def shop_info(ctx: ToolContext, conn: Connection, args: NoArgs) -> ShopInfo:
    """Nombre, dirección y teléfono de la tienda, como los tiene registrados."""
    p = await shop.profile(conn, ctx.tenant_id)
    assert p is not None
    parts = [p.name] + ([f"dirección: {p.address}"] if p.address else []) \
        + ([f"teléfono: {display_phone(p.phone)}"] if p.phone else [])
    return ShopInfo(summary="; ".join(parts) + ".", name=p.name, address=p.address, phone=p.phone,
                    timezone=p.timezone)


class DeviceOut(BaseModel):
    device_id: uuid.UUID
    name: str
    code: str
    revoked: bool
    last_sync_at: datetime | None
    last_sale_at: datetime | None
    stale: bool = Field(description="Activa pero sin sincronizar en más de 24 horas.")


class DeviceList(ToolOutput):
    devices: list[DeviceOut]


@tool("devices_status", "Cajas y su última sincronización", OWNER_ONLY)
async def devices_status(ctx: ToolContext, conn: Connection, args: NoArgs) -> DeviceList:
    """Las cajas (dispositivos) de la tienda: cuándo sincronizó cada una por última vez, su
    última venta que tiene el servidor, y cuáles llevan más de un día sin sincronizar."""
    out = [DeviceOut(device_id=d.device_id, name=d.name, code=d.code, revoked=d.revoked,
                     last_sync_at=d.last_sync_at, last_sale_at=d.last_sale_at,
                     stale=not d.revoked and (d.last_sync_at or d.paired_at) < ctx.now - STALE_AFTER)
           for d in await devices.sync_overview(conn, ctx.tenant_id)]
    active = [d for d in out if not d.revoked]
    if not active:
        return DeviceList(summary="La tienda no tiene cajas vinculadas.", devices=out)

    def seen(d: DeviceOut) -> str:
        return f"sincronizó {d.last_sync_at.astimezone(ctx.tz):%d/%m %H:%M}" if d.last_sync_at \
            else "nunca ha sincronizado"

    lines = "\n".join(f"• {d.name} ({d.code}): {seen(d)}" + (" — ¡más de un día sin sincronizar!"
                                                             if d.stale else "") for d in active)
    stale = sum(d.stale for d in active)
    head = f"{count(len(active), 'caja')} {agree(len(active), 'activa')}" + (
        f", {stale} sin sincronizar en más de un día" if stale else ", todas al día")
    return DeviceList(summary=f"{head}:\n{lines}", devices=out)


class PlanAndTokens(ToolOutput):
    plan: str
    month: date
    monthly_tokens: int = Field(description="Tokens del asistente que el plan da cada mes.")
    allowance_left: int
    packages_left: int
    tokens_left: int
    llm_input_tokens: int = Field(description="Tokens de entrada usados este mes (del proveedor).")
    llm_output_tokens: int
    calls: int


@tool("plan_and_tokens", "Plan y tokens", OWNER_ONLY)
async def plan_and_tokens(ctx: ToolContext, conn: Connection, args: NoArgs) -> PlanAndTokens:
    """El plan de la tienda y los tokens del asistente: lo que queda de este mes, lo que queda
    de los paquetes comprados y lo que se ha usado."""
    b = await balance_in(conn, ctx.tenant_id, await ctx.plan_in_force(conn),
                         await month_of(conn, ctx.tenant_id, ctx.now))
    text = (f"Plan {b.plan.name}: quedan {max(b.left, 0):,} tokens del asistente "
            f"({b.allowance_left:,} del mes y {max(b.packages_left, 0):,} de paquetes); "
            f"{b.calls} consultas este mes.")
    return PlanAndTokens(summary=text, plan=b.plan.name, month=b.month,
                         monthly_tokens=b.plan.monthly_tokens, allowance_left=b.allowance_left,
                         packages_left=b.packages_left, tokens_left=b.left,
                         llm_input_tokens=b.input_tokens, llm_output_tokens=b.output_tokens,
                         calls=b.calls)


TOOLS = [shop_info, devices_status, plan_and_tokens]
