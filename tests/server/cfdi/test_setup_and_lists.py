"""The shop's invoicing set-up (CSD checks and expiry warnings, SAT's 69-B list), the owner's
list of invoices, and two workers (two replicas) never stamping one invoice twice."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from shared.fiscal import FiscalDataInvalid, check_receptor
from sync_server.cfdi.csd import CsdInvalid
from sync_server.cfdi.lists import read_69b
from sync_server.services import fiscal, invoice_files, invoicing
from sync_server.services.invoice_worker import InvoiceWorker
from tests.support.cfdi import MX, Item, a_day_waiting_and_one_refused, rows, sale, sale_id_of
from tests.support.fakes.csd import make_csd

pytestmark = pytest.mark.anyio
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


async def test_a_csd_near_its_end_is_warned_about_and_an_expired_or_foreign_one_refused(shop):
    soon = make_csd(days=12, bits=1024)
    await fiscal.save_csd(shop.ctx, shop.tenant_id, soon.certificate, soon.key, soon.password)
    setup = await fiscal.setup(shop.ctx, shop.tenant_id)
    [warning] = setup.warnings
    assert "vence en 10 días" in warning or "vence en 11 días" in warning
    assert setup.csd is not None
    assert setup.csd.rfc == soon.rfc
    past = make_csd(days=5, bits=1024, valid_from=datetime.now(UTC) - timedelta(days=30))
    with pytest.raises(CsdInvalid) as err:
        await fiscal.save_csd(shop.ctx, shop.tenant_id, past.certificate, past.key, past.password)
    assert err.value.code == "csd_expired"
    other = make_csd(rfc="XOJI740919U48", bits=1024)
    with pytest.raises(CsdInvalid) as err:
        await fiscal.save_csd(shop.ctx, shop.tenant_id, other.certificate, other.key, other.password)
    assert err.value.code == "csd_rfc_mismatch"


async def test_the_csd_is_sealed_and_never_shown_back(shop, csd, admin):
    raw = await admin.fetchrow("SELECT settings::text AS s, secret FROM tenant_integrations "
                               "WHERE kind = 'csd' AND tenant_id = $1", shop.tenant_id)
    assert csd.password not in raw["s"]
    assert csd.password.encode() not in raw["secret"]
    assert csd.key not in raw["secret"]
    shown = await shop.ctx.integrations.masked(shop.tenant_id, "csd")
    assert shown is not None
    assert set(shown.secrets) == {"certificate", "key", "password"}
    assert all(v.startswith("••••") for v in shown.secrets.values())


def test_the_69b_list_keeps_presumed_and_definitive_rfcs():
    listed = read_69b('Listado completo\n"No","RFC","Nombre del Contribuyente",'
                      '"Situación del contribuyente"\n1,"AAA010101AAA","X","Definitivo"\n'
                      '2,"BBB010101BBB","Y","Desvirtuado"\n3,"ccc010101ccc","Z","Presunto"\n')
    assert listed == {"AAA010101AAA", "CCC010101CCC"}
    with pytest.raises(FiscalDataInvalid):
        check_receptor("XOJI740919U48", "X", "76028", "612", "G03", blacklisted={"XOJI740919U48"})


async def test_two_workers_at_once_stamp_each_invoice_once(shop):
    shop.pac.next_answers(*["down"] * 6)
    ids = []
    for _ in range(6):
        change = sale(shop.till, [Item("Refresco", 1800)])
        await shop.push(change)
        ids.append(sale_id_of(change))
        await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, ids[-1], CUSTOMER,
                                       requested_by="counter", wait_s=5)
    a, b = InvoiceWorker(shop.ctx), InvoiceWorker(shop.ctx)
    for _ in range(10):
        done = await asyncio.gather(a.run_once(), b.run_once())
        if not any(done):
            break
    assert {r.status for r in await rows(shop.ctx, shop.tenant_id)} == {"stamped"}
    for folio in range(1, 7):
        assert len(shop.pac.stamped_for("F", str(folio))) == 1
    assert shop.pac.calls.stamp == 6  # once each: no invoice was sent by both workers


async def test_the_owner_sees_issued_errors_and_the_globals_waiting_for_a_till(shop):
    await a_day_waiting_and_one_refused(shop, CUSTOMER)
    zone = MX
    now = datetime.now(zone)
    listed = await invoice_files.list_invoices(shop.ctx, shop.tenant_id, now.year, now.month)
    assert [v.status for v in listed.issued] == ["stamped"]
    assert [v.status for v in listed.errors] == ["rejected"]
    assert "CFDI40102" in (listed.errors[0].error or "")
    [waiting] = listed.pending_globals
    assert (waiting.state, waiting.sales, [t.name for t in waiting.missing]) == ("waiting", 1, ["Caja 1"])
    z = zipfile.ZipFile(io.BytesIO(await invoice_files.month_zip(shop.ctx, shop.tenant_id,
                                                                 now.year, now.month)))
    assert len([n for n in z.namelist() if n.startswith("xml/")]) == 1
    assert len(await rows(shop.ctx, shop.tenant_id)) == 2
