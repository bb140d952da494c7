-- 0008: a return of a fiado sale credits the customer's account through the return itself
-- (sale_returns.refund_to_account), not through a separate payment: one fact, so a return
-- the server refuses can never leave its credit behind.

CREATE OR REPLACE VIEW customer_balances WITH (security_invoker = true) AS
    SELECT c.tenant_id, c.customer_id,
           COALESCE((SELECT sum(f.amount) FROM fiado_charges f
                     WHERE f.tenant_id = c.tenant_id AND f.customer_id = c.customer_id), 0)
         - COALESCE((SELECT sum(p.amount) FROM fiado_payments p
                     WHERE p.tenant_id = c.tenant_id AND p.customer_id = c.customer_id), 0)
         - COALESCE((SELECT sum(r.refund_to_account) FROM sale_returns r
                     JOIN sales s ON s.tenant_id = r.tenant_id AND s.sale_id = r.sale_id
                     WHERE r.tenant_id = c.tenant_id AND s.customer_id = c.customer_id), 0)
           AS balance
    FROM customers c;
