"""Table definitions for queries (SQLAlchemy Core). The DDL itself lives in migrations.py."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, Text

metadata = MetaData()

meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text))

products = Table(
    "products", metadata,
    Column("id", Text, primary_key=True), Column("name", Text), Column("department", Text),
    Column("price", Integer), Column("cost", Integer), Column("iva", Text),
    Column("ieps_bp", Integer), Column("sold_by_weight", Integer),
    Column("min_stock_milli", Integer), Column("active", Integer), Column("deleted", Integer),
    Column("hlc", Integer), Column("hlc_device", Text),
)

product_barcodes = Table(
    "product_barcodes", metadata,
    Column("barcode", Text, primary_key=True), Column("product_id", Text, primary_key=True),
)

stock = Table(
    "stock", metadata, Column("product_id", Text, primary_key=True), Column("qty_milli", Integer)
)

sales = Table(
    "sales", metadata,
    Column("id", Text, primary_key=True), Column("folio", Text), Column("device_id", Text),
    Column("sold_at", Text), Column("total", Integer), Column("change", Integer),
)

sale_lines = Table(
    "sale_lines", metadata,
    Column("sale_id", Text, primary_key=True), Column("line_no", Integer, primary_key=True),
    Column("product_id", Text), Column("name", Text), Column("qty_milli", Integer),
    Column("unit_price", Integer), Column("total", Integer), Column("iva", Text),
    Column("ieps_bp", Integer),
)

sale_payments = Table(
    "sale_payments", metadata,
    Column("sale_id", Text, primary_key=True), Column("payment_no", Integer, primary_key=True),
    Column("method", Text), Column("amount", Integer), Column("tendered", Integer),
    Column("reference", Text),
)

inventory_movements = Table(
    "inventory_movements", metadata,
    Column("id", Text, primary_key=True), Column("product_id", Text), Column("qty_milli", Integer),
    Column("reason", Text), Column("note", Text), Column("device_id", Text),
    Column("moved_at", Text),
)

outbox = Table(
    "outbox", metadata,
    Column("device_seq", Integer, primary_key=True), Column("change_id", Text),
    Column("entity", Text), Column("op", Text), Column("hlc", Integer), Column("body", Text),
    Column("created_at", Text), Column("status", Text), Column("pushed_at", Text),
    Column("error_code", Text), Column("error_message", Text),
)

customers = Table(
    "customers", metadata,
    Column("id", Text, primary_key=True), Column("name", Text), Column("phone", Text),
    Column("credit_limit", Integer), Column("active", Integer), Column("deleted", Integer),
    Column("hlc", Integer), Column("hlc_device", Text),
)

fiado_charges = Table(
    "fiado_charges", metadata,
    Column("id", Text, primary_key=True), Column("customer_id", Text), Column("amount", Integer),
    Column("sale_id", Text), Column("note", Text), Column("device_id", Text),
    Column("charged_at", Text),
)

fiado_payments = Table(
    "fiado_payments", metadata,
    Column("id", Text, primary_key=True), Column("customer_id", Text), Column("amount", Integer),
    Column("method", Text), Column("note", Text), Column("device_id", Text),
    Column("paid_at", Text),
)

stock_alerts = Table(
    "stock_alerts", metadata,
    Column("id", Text, primary_key=True), Column("product_id", Text),
    Column("stock_milli", Integer), Column("open", Integer), Column("changed_at", Text),
    Column("hlc", Integer), Column("hlc_device", Text),
)
