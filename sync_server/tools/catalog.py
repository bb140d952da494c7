"""Catalog tools: search, one product's detail, price and stock, low stock, what to reorder."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, model_validator

from shared.errors import DomainError
from shared.money import div_round_half_up, format_mxn
from shared.quantity import QTY_SCALE, format_quantity
from shared.spanish import count
from sync_server.repositories import Connection, stock
from sync_server.repositories.folding import fold
from sync_server.repositories.stock import ProductRow
from sync_server.tools.base import EVERYONE, SHOP, CallerRole, ToolContext, ToolInput, ToolOutput, tool


class ProductNotFound(DomainError):
    code = "product_not_found"


class ProductItem(BaseModel):
    product_id: uuid.UUID
    name: str
    department: str | None
    price_centavos: int = Field(description="Precio de venta en centavos (por pieza o por kg).")
    price: str = Field(description="El precio como se lee: $18.50")
    unit: str = Field(description="pieza o kg")
    stock: str = Field(description="Existencia como se lee: 12, 1.250 kg")
    stock_milli: int = Field(description="Existencia en milésimas de la unidad.")
    available: bool


def item(p: ProductRow) -> ProductItem:
    return ProductItem(product_id=p.product_id, name=p.name, department=p.department,
                       price_centavos=p.price, price=format_mxn(p.price),
                       unit="kg" if p.sold_by_weight else "pieza",
                       stock=format_quantity(p.stock_milli, p.sold_by_weight),
                       stock_milli=p.stock_milli, available=p.active and p.stock_milli > 0)


def _words(text: str) -> list[str]:
    return [w for w in fold(text).split() if w][:8]


def _barcode(text: str) -> str | None:
    raw = text.strip()
    return raw if raw.isascii() and raw.replace("-", "").isalnum() and any(c.isdigit() for c in raw) \
        else None


def _line(p: ProductItem) -> str:
    where = f"{p.stock} disponibles" if p.available else "agotado"
    return f"{p.name}: {p.price} por {p.unit} ({where})"


# ---- search ----------------------------------------------------------------------------------


class SearchArgs(ToolInput):
    query: str = Field(min_length=1, max_length=100,
                       description="Lo que se busca: parte del nombre («coca 600») o el código "
                                   "de barras.")
    limit: int = Field(10, ge=1, le=20, description="Cuántos productos a lo más.")


class ProductList(ToolOutput):
    products: list[ProductItem]


@tool("search_products", "Buscar productos", EVERYONE)
async def search_products(ctx: ToolContext, conn: Connection, args: SearchArgs) -> ProductList:
    """Busca en el catálogo de la tienda por nombre (sin importar acentos) o por código de
    barras. Da precio, unidad y existencia de cada producto encontrado."""
    active_only = ctx.caller.role is CallerRole.CUSTOMER
    found = [item(p) for p in await stock.search(conn, ctx.tenant_id, _words(args.query),
                                                 _barcode(args.query), args.limit, active_only)]
    if not found:
        return ProductList(summary=f"No encontré productos con «{args.query}».", products=[])
    lines = "\n".join(f"• {_line(p)}" for p in found)
    return ProductList(summary=f"Encontré {len(found)} con «{args.query}»:\n{lines}",
                       products=found)


# ---- one product ------------------------------------------------------------------------------


class OneProductArgs(ToolInput):
    product_id: uuid.UUID | None = Field(None, description="El id del producto, si se conoce.")
    query: str | None = Field(None, min_length=1, max_length=100,
                              description="Si no se conoce el id: nombre o código de barras; se "
                                          "toma el que mejor coincide.")

    @model_validator(mode="after")
    def _one_way(self) -> OneProductArgs:
        if (self.product_id is None) == (self.query is None):
            raise ValueError("da product_id o query, uno de los dos")
        return self


async def _one(ctx: ToolContext, conn: Connection, args: OneProductArgs) -> ProductRow:
    if args.product_id is not None:
        found = await stock.get(conn, ctx.tenant_id, args.product_id)
    else:
        assert args.query is not None
        rows = await stock.search(conn, ctx.tenant_id, _words(args.query), _barcode(args.query),
                                  1, ctx.caller.role is CallerRole.CUSTOMER)
        found = rows[0] if rows else None
    if found is None or (ctx.caller.role is CallerRole.CUSTOMER and not found.active):
        raise ProductNotFound("No encontré ese producto en el catálogo de la tienda.")
    return found


class PriceAndStock(ToolOutput):
    product: ProductItem
    wholesale_price_centavos: int | None = Field(
        description="Precio de mayoreo por unidad, si tiene.")
    wholesale_from: str | None = Field(description="Desde cuántas unidades aplica el mayoreo.")


@tool("price_and_stock", "Precio y existencia", EVERYONE)
async def price_and_stock(ctx: ToolContext, conn: Connection, args: OneProductArgs) -> PriceAndStock:
    """Precio, precio de mayoreo y existencia de un producto (por id, nombre o código)."""
    p = await _one(ctx, conn, args)
    it = item(p)
    wholesale = p.wholesale_price if p.wholesale_price is not None and p.wholesale_min_milli else None
    text = _line(it) + "."
    if wholesale is not None:
        text += (f" Mayoreo: {format_mxn(wholesale)} desde "
                 f"{format_quantity(p.wholesale_min_milli, p.sold_by_weight)}.")
    return PriceAndStock(summary=text, product=it, wholesale_price_centavos=wholesale,
                         wholesale_from=format_quantity(p.wholesale_min_milli, p.sold_by_weight)
                         if wholesale is not None else None)


class ProductDetail(ToolOutput):
    product: ProductItem
    barcodes: list[str]
    cost_centavos: int
    margin_bp: int | None = Field(description="Margen sobre el precio en puntos base (2534 = 25.34 %).")
    iva: str
    min_stock: str
    active: bool
    last_sold_at: datetime | None


@tool("product_detail", "Detalle de producto", SHOP)
async def product_detail(ctx: ToolContext, conn: Connection, args: OneProductArgs) -> ProductDetail:
    """Todo lo que la tienda sabe de un producto: códigos, costo, margen, IVA, mínimo,
    existencia y cuándo se vendió por última vez."""
    p = await _one(ctx, conn, args)
    last = await stock.last_sold(conn, ctx.tenant_id, p.product_id)
    margin = div_round_half_up((p.price - p.cost) * 10_000, p.price) if p.cost and p.price else None
    text = (f"{p.name}: precio {format_mxn(p.price)}, costo {format_mxn(p.cost)}"
            + (f" (margen {margin / 100:.1f} %)" if margin is not None else "")
            + f", existencia {format_quantity(p.stock_milli, p.sold_by_weight)}, mínimo "
            f"{format_quantity(p.min_stock_milli, p.sold_by_weight)}. "
            + (f"Última venta: {last.astimezone(ctx.tz):%d/%m/%Y %H:%M}." if last else
               "No tiene ventas registradas."))
    return ProductDetail(summary=text, product=item(p), barcodes=p.barcodes, cost_centavos=p.cost,
                         margin_bp=margin, iva=p.iva,
                         min_stock=format_quantity(p.min_stock_milli, p.sold_by_weight),
                         active=p.active, last_sold_at=last)


# ---- low stock and reorder --------------------------------------------------------------------


class LowStockArgs(ToolInput):
    limit: int = Field(30, ge=1, le=200, description="Cuántos productos a lo más.")


class LowStockItem(BaseModel):
    product: ProductItem
    min_stock: str
    missing: str = Field(description="Cuánto falta para llegar al mínimo.")


class LowStock(ToolOutput):
    products: list[LowStockItem]


@tool("low_stock", "Existencias bajas", SHOP)
async def low_stock(ctx: ToolContext, conn: Connection, args: LowStockArgs) -> LowStock:
    """Productos activos con existencia en su mínimo o por debajo (y los que quedaron en
    negativo), los más faltantes primero."""
    rows = [p for p in await stock.active_with_stock(conn, ctx.tenant_id)
            if p.stock_milli < 0 or (p.min_stock_milli > 0 and p.stock_milli <= p.min_stock_milli)]
    rows.sort(key=lambda p: (-(p.min_stock_milli - p.stock_milli), p.name))
    items = [LowStockItem(product=item(p),
                          min_stock=format_quantity(p.min_stock_milli, p.sold_by_weight),
                          missing=format_quantity(max(0, p.min_stock_milli - p.stock_milli),
                                                  p.sold_by_weight))
             for p in rows[:args.limit]]
    if not items:
        return LowStock(summary="Ningún producto está en su mínimo o por debajo.", products=[])
    lines = "\n".join(f"• {i.product.name}: quedan {i.product.stock} (mínimo {i.min_stock})"
                      for i in items[:15])
    more = f"\n…y {len(items) - 15} más." if len(items) > 15 else ""
    return LowStock(summary=f"{count(len(rows), 'producto')} en su mínimo o por debajo:\n{lines}{more}",
                    products=items)


class ReorderArgs(ToolInput):
    days: int = Field(30, ge=7, le=180, description="Días de ventas para medir cuánto se vende.")
    cover_days: int = Field(7, ge=1, le=60, description="Para cuántos días surtir.")
    limit: int = Field(30, ge=1, le=200)


class ReorderItem(BaseModel):
    product: ProductItem
    sold_per_day: str = Field(description="Venta promedio por día.")
    days_left: float | None = Field(description="Días que alcanza la existencia (null: no se vende).")
    order: str = Field(description="Cuánto pedir.")
    order_milli: int


class Reorder(ToolOutput):
    products: list[ReorderItem]


@tool("reorder_suggestions", "Qué pedir al proveedor", SHOP)
async def reorder_suggestions(ctx: ToolContext, conn: Connection, args: ReorderArgs) -> Reorder:
    """Qué pedir al proveedor según lo que se vende: la venta diaria promedio de los últimos
    días, cuántos días alcanza lo que hay, y cuánto pedir para cubrir los días pedidos más el
    mínimo. Los que se acaban antes primero."""
    since = ctx.now - timedelta(days=args.days)
    sold = await stock.sold_since(conn, ctx.tenant_id, since)
    out: list[tuple[int, ReorderItem]] = []
    for p in await stock.active_with_stock(conn, ctx.tenant_id):
        q = max(sold.get(p.product_id, 0), 0)  # thousandths sold in the window, net of returns
        # What the cover days will sell (rounded up) plus the minimum, less what there is.
        need = -(-q * args.cover_days // args.days) + p.min_stock_milli - p.stock_milli
        if need <= 0 or (q == 0 and p.stock_milli > p.min_stock_milli):
            continue
        order = -(-need // QTY_SCALE) * QTY_SCALE if not p.sold_by_weight else need
        tenths = max(p.stock_milli, 0) * args.days * 10 // q if q else None  # days left × 10
        out.append((tenths if tenths is not None else 10**12, ReorderItem(
            product=item(p), sold_per_day=format_quantity(div_round_half_up(q, args.days),
                                                          p.sold_by_weight),
            days_left=tenths / 10 if tenths is not None else None,
            order=format_quantity(order, p.sold_by_weight), order_milli=order)))
    out.sort(key=lambda x: (x[0], x[1].product.name))
    items = [i for _, i in out[:args.limit]]
    if not items:
        return Reorder(summary=f"Con lo que se vendió en {count(args.days, 'día')}, lo que hay alcanza "
                               f"para {count(args.cover_days, 'día')}: no hace falta pedir.", products=[])
    lines = "\n".join(
        f"• {i.product.name}: pedir {i.order}"
        + (f" (alcanza {i.days_left:g} {'día' if i.days_left == 1 else 'días'})"
           if i.days_left is not None else " (bajo el mínimo)")
        for i in items[:15])
    return Reorder(summary=f"Para cubrir {count(args.cover_days, 'día')} conviene pedir:\n{lines}",
                   products=items)


TOOLS = [search_products, price_and_stock, product_detail, low_stock, reorder_suggestions]
