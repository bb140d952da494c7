"""Table definitions for queries (SQLAlchemy Core). The DDL itself lives in migrations.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text

metadata = MetaData()

meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text))

products = Table(
    "products", metadata,
    Column("id", Text, primary_key=True), Column("name", Text), Column("department", Text),
    Column("price", Integer), Column("cost", Integer), Column("iva", Text),
    Column("ieps_bp", Integer), Column("sold_by_weight", Integer),
    Column("min_stock_milli", Integer), Column("active", Integer), Column("deleted", Integer),
    Column("hlc", Integer), Column("hlc_device", Text), Column("wholesale_price", Integer),
    Column("wholesale_min_milli", Integer), Column("field_stamps", Text),
    Column("sat_product_key", Text), Column("sat_unit_key", Text),
)

product_barcodes = Table(
    "product_barcodes", metadata,
    Column("barcode", Text, primary_key=True), Column("product_id", Text, primary_key=True),
)

stock = Table(
    "stock", metadata, Column("product_id", Text, primary_key=True), Column("qty_milli", Integer),
    Column("count_hlc", Integer), Column("count_id", Text),
)

sales = Table(
    "sales", metadata,
    Column("id", Text, primary_key=True), Column("folio", Text), Column("device_id", Text),
    Column("sold_at", Text), Column("total", Integer), Column("change", Integer),
    Column("customer_id", Text), Column("cashier_id", Text), Column("shift_id", Text),
)

sale_lines = Table(
    "sale_lines", metadata,
    Column("sale_id", Text, primary_key=True), Column("line_no", Integer, primary_key=True),
    Column("product_id", Text), Column("name", Text), Column("qty_milli", Integer),
    Column("unit_price", Integer), Column("total", Integer), Column("iva", Text),
    Column("ieps_bp", Integer), Column("discount", Integer), Column("cost", Integer),
    Column("hlc", Integer),
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
    Column("moved_at", Text), Column("hlc", Integer),
)

stock_counts = Table(
    "stock_counts", metadata,
    Column("id", Text, primary_key=True), Column("product_id", Text),
    Column("counted_milli", Integer), Column("counted_at", Text), Column("note", Text),
    Column("cashier_id", Text), Column("device_id", Text), Column("hlc", Integer),
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
    Column("hlc", Integer), Column("hlc_device", Text), Column("field_stamps", Text),
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
    Column("paid_at", Text), Column("cashier_id", Text), Column("shift_id", Text),
    Column("reference", Text),
)

stock_alerts = Table(
    "stock_alerts", metadata,
    Column("id", Text, primary_key=True), Column("product_id", Text),
    Column("stock_milli", Integer), Column("open", Integer), Column("changed_at", Text),
    Column("hlc", Integer), Column("hlc_device", Text), Column("field_stamps", Text),
)

sale_returns = Table(
    "sale_returns", metadata,
    Column("id", Text, primary_key=True), Column("sale_id", Text), Column("amount", Integer),
    Column("refund_method", Text), Column("reason", Text), Column("cashier_id", Text),
    Column("device_id", Text), Column("returned_at", Text), Column("refund_to_account", Integer),
    Column("refund_card", Integer), Column("refund_transfer", Integer),
    Column("refund_reference", Text), Column("shift_id", Text),
)

sale_return_lines = Table(
    "sale_return_lines", metadata,
    Column("return_id", Text, primary_key=True), Column("line_no", Integer, primary_key=True),
    Column("product_id", Text), Column("qty_milli", Integer), Column("amount", Integer),
    Column("hlc", Integer),
)

cash_movements = Table(
    "cash_movements", metadata,
    Column("id", Text, primary_key=True), Column("shift_id", Text), Column("direction", Text),
    Column("amount", Integer), Column("reason", Text), Column("device_id", Text),
    Column("moved_at", Text), Column("cashier_id", Text),
)

shifts = Table(
    "shifts", metadata,
    Column("id", Text, primary_key=True), Column("cashier_id", Text),
    Column("float_amount", Integer), Column("device_id", Text), Column("opened_at", Text),
)

shift_closes = Table(
    "shift_closes", metadata,
    Column("id", Text, primary_key=True), Column("shift_id", Text), Column("counted", Text),
    Column("note", Text), Column("device_id", Text), Column("closed_at", Text),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", Text, primary_key=True), Column("action", Text), Column("cashier_id", Text),
    Column("authorized_by", Text), Column("subject_id", Text), Column("detail", Text),
    Column("device_id", Text), Column("at", Text),
)

parked_tickets = Table(
    "parked_tickets", metadata,
    Column("id", Text, primary_key=True), Column("label", Text), Column("body", Text),
    Column("parked_at", Text),
)

message_requests = Table(
    "message_requests", metadata,
    Column("id", Text, primary_key=True), Column("customer_id", Text), Column("to_phone", Text),
    Column("kind", Text), Column("text", Text), Column("requested_at", Text),
    Column("cashier_id", Text), Column("device_id", Text),
)

orders = Table(
    "orders", metadata,
    Column("id", Text, primary_key=True), Column("number", Integer), Column("customer_id", Text),
    Column("customer_name", Text), Column("phone", Text), Column("fulfilment", Text),
    Column("address", Text), Column("notes", Text), Column("lines", Text),
    Column("total", Integer), Column("source", Text), Column("placed_at", Text),
)


def _record(name: str, *columns: Column[Any]) -> Table:
    return Table(name, metadata, Column("id", Text, primary_key=True), *columns,
                 Column("deleted", Integer), Column("hlc", Integer), Column("hlc_device", Text),
                 Column("field_stamps", Text))


categories = _record("categories", Column("name", Text), Column("active", Integer))
cashiers = _record("cashiers", Column("name", Text), Column("role", Text),
                   Column("pin_hash", Text), Column("active", Integer))
settings = _record("settings", Column("shop_name", Text), Column("address", Text),
                   Column("phone", Text), Column("rfc", Text), Column("timezone", Text),
                   Column("receipt_footer", Text), Column("permissions", Text))
order_statuses = _record("order_statuses", Column("status", Text), Column("note", Text),
                         Column("changed_at", Text))
shop_plan = _record("shop_plan", Column("body", Text))
# The server's word on each WhatsApp message to a customer (never deleted: no ``deleted``).
message_statuses = Table(
    "message_statuses", metadata,
    Column("id", Text, primary_key=True), Column("customer_id", Text), Column("kind", Text),
    Column("status", Text), Column("reason", Text), Column("requested_at", Text),
    Column("changed_at", Text), Column("hlc", Integer), Column("hlc_device", Text),
    Column("field_stamps", Text),
)

# Every table of last-writer-wins records: the device clock resumes past all their stamps.
RECORD_TABLES = (products, customers, categories, cashiers, settings, order_statuses, stock_alerts,
                 shop_plan, message_statuses)
