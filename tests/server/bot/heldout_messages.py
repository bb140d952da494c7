"""Held-out messages for the rule-based parser: written before the parser's rules, and never
used to tune them (the table test reports their accuracy apart). Do not edit these to make the
parser pass: add new cases to parser_messages.py instead.

Each case: (message, intent, lines) — lines are (quantity in thousandths, catalog name) for
orders, empty otherwise.
"""

from __future__ import annotations

HELD_OUT: list[tuple[str, str, list[tuple[int, str]]]] = [
    ("buenas tardes doña", "saludo", []),
    ("ke onda", "saludo", []),
    ("me regala 3 cocas de 600 porfavor", "pedido", [(3000, "Coca-Cola 600 ml")]),
    ("mandeme una pepsi de 2 litros", "pedido", [(1000, "Pepsi 2 L")]),
    ("kiero dos leches lala", "pedido", [(2000, "Leche Lala Entera 1 L")]),
    ("me apartas 4 maruchan de pollo", "pedido", [(4000, "Sopa Maruchan Pollo 64 g")]),
    ("un kilo de tortillas y medio de jitomate", "pedido",
     [(1000, "Tortilla de maíz (kg)"), (500, "Jitomate saladet (kg)")]),
    ("ocupo un garrafon de agua", "pedido", [(1000, "Agua Ciel Garrafón 20 L")]),
    ("traes 6 coronas familiares?", "pedido", [(6000, "Corona Familiar 940 ml")]),
    ("cuanto sale el aceite nutrioli", "buscar", []),
    ("a como la leche alpura", "buscar", []),
    ("hay takis?", "buscar", []),
    ("tendra pañales etapa 3", "buscar", []),
    ("k precio tienen los huevos", "buscar", []),
    ("cuanto es lo que le debo", "saldo", []),
    ("me dice mi saldo x favor", "saldo", []),
    ("cuanto tengo de fiado", "saldo", []),
    ("a q hora cierran", "horario", []),
    ("abren el domingo?", "horario", []),
    ("donde queda la tienda", "direccion", []),
    ("me pasa su ubicacion", "direccion", []),
    ("llevan a domicilio?", "entregas", []),
    ("tienen servicio a domicilio", "entregas", []),
    ("si confirmo", "confirmar", []),
    ("simon asi esta bien", "confirmar", []),
    ("mejor no, cancelelo", "cancelar", []),
    ("ya no lo quiero", "cancelar", []),
    ("como va mi pedido", "estado_pedido", []),
    ("ya esta listo lo que pedi?", "estado_pedido", []),
    ("cuanto llevamos vendido hoy", "ventas_hoy", []),
    ("como van las ventas de hoy", "ventas_hoy", []),
    ("que productos se estan acabando", "bajo_inventario", []),
    ("quien me debe mas", "deudores", []),
    ("como salio el ultimo corte", "ultimo_corte", []),
    ("cuantas facturas hemos hecho este mes", "resumen_facturas", []),
    ("hay alguna factura con problemas?", "resumen_facturas", []),
    ("facturas de este mes porfa", "resumen_facturas", []),
    ("oye y las facturas rechazadas?", "resumen_facturas", []),
    ("me haces factura de mi compra?", "factura", []),
    ("quiero facturar mi ticket de ayer", "factura", []),
    ("como vamos contra la semana pasada", "comparar_semana", []),
    ("muchas grax", "gracias", []),
    ("que tal el clima hoy", "desconocido", []),
    ("me manda media docena de huevos", "pedido", [(6000, "Huevo Blanco San Juan 12 pzas")]),
    ("dame 2 sabritas adobadas y un boing de mango", "pedido",
     [(2000, "Sabritas Adobadas 45 g"), (1000, "Boing Mango 500 ml")]),
    ("un cuarto de jamon de pavo", "pedido", [(250, "Jamón de pavo (kg)")]),
]
