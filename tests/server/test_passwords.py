"""Finding 7: a weak owner password is refused at sign-up, saying why in Spanish."""

from __future__ import annotations

import pytest

from tests.server.owner_api import client

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("password", "why"), [
    ("12345678", "al menos 10 caracteres"),
    ("password", "al menos 10 caracteres"),
    (" " * 8, "al menos 10 caracteres"),
    (" " * 12, "solo espacios"),
    ("aaaaaaaaaaaa", "un solo carácter"),
    ("1234567890", "más usadas"),
    ("Contraseña123", "más usadas"),
    ("qwertyuiop", "más usadas"),
])
def test_weak_passwords_are_refused_with_the_reason(server, password, why):
    with client(server.url) as api:
        r = api.post("/v1/owners/signup", json={
            "shop_name": "Abarrotes", "owner_name": "María", "email": "m@example.mx",
            "password": password})
    assert (r.status_code, r.json()["code"]) == (400, "weak_password")
    assert why in r.json()["message"]


def test_a_good_passphrase_is_taken(server):
    with client(server.url) as api:
        r = api.post("/v1/owners/signup", json={
            "shop_name": "Abarrotes", "owner_name": "María", "email": "m@example.mx",
            "password": "el gato de la tienda duerme"})
    assert r.status_code == 201, r.text
