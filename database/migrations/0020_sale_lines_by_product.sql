-- 0020: a product's sold quantity without reading the lines (stock), and its newest sale (sale
-- ids are time-ordered UUIDv7s): both from the index alone. The tools' catalog-wide stock and
-- velocity queries read it.
CREATE INDEX sale_lines_product_sale ON sale_lines (tenant_id, product_id, sale_id)
    INCLUDE (qty_milli);
