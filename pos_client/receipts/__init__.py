"""Printed documents (sale tickets, cortes, statements) and the printers they go to."""
