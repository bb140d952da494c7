"""Fiscal data rules: RFC form and check digit, regime against person, uso against regime."""

from __future__ import annotations

import pytest

from shared.fiscal import (
    REGIMES,
    USOS,
    FiscalDataInvalid,
    PersonType,
    check_receptor,
    check_receptor_rfc,
    check_regime,
    check_rfc,
    check_uso,
    forma_de_pago,
    main_forma,
    person_type,
    regimes_for,
    rfc_check_digit,
    usos_for,
)
from shared.sale import PaymentMethod

# SAT's published test RFCs and a few more with known-good check digits.
VALID = ["EKU9003173C9", "XOJI740919U48", "CACX7605101P8", "XIA190128J61", "IIA040805DZ4",
         "KICR630120NX3", "MAS0810247C0", "FUNK671228PH6", "JUFA7608212V6", "VAU111017CG9"]


@pytest.mark.parametrize("rfc", VALID)
def test_known_rfcs_pass_with_their_check_digit(rfc):
    assert rfc_check_digit(rfc) == rfc[-1]
    assert check_rfc(rfc.lower()) == rfc


def test_rfc_is_written_as_sat_does():
    assert check_rfc(" xoji-740919 u48 ") == "XOJI740919U48"
    assert person_type("XOJI740919U48") is PersonType.FISICA
    assert person_type("EKU9003173C9") is PersonType.MORAL


@pytest.mark.parametrize(("rfc", "why"), [
    ("XOJI740919U47", "dígito verificador"),  # last digit changed
    ("XOJI741319U48", "fecha"),  # month 13
    ("XOJ1740919U48", "forma"),
    ("XOJI74091U48", "forma"),
    ("", "forma"),
])
def test_bad_rfcs_are_refused_saying_why(rfc, why):
    with pytest.raises(FiscalDataInvalid, match=why) as err:
        check_rfc(rfc)
    assert err.value.code == "invalid_rfc"


def _receptor(**kw):
    data = {"rfc": "XOJI740919U48", "name": "Ingrid Xodar  Jiménez", "postal_code": "76028",
            "regime": "612", "uso": "G03"} | kw
    return check_receptor(**data)


def test_a_good_receptor_is_normalised():
    r = _receptor()
    assert (r.rfc, r.name, r.postal_code, r.regime, r.uso) == (
        "XOJI740919U48", "INGRID XODAR JIMÉNEZ", "76028", "612", "G03")


@pytest.mark.parametrize(("typed", "kept"), [
    ("Escuela Kemper Urgate SA de CV", "ESCUELA KEMPER URGATE"),
    ("ESCUELA KEMPER URGATE, S.A. DE C.V.", "ESCUELA KEMPER URGATE"),
    ("Tacos El Güero S. de R.L. de C.V.", "TACOS EL GÜERO"),
    ("Grupo Norte SAPI de CV", "GRUPO NORTE"),
    ("Grupo Sur S.A.B. de C.V.", "GRUPO SUR"),
    ("Ingrid Xodar Jiménez", "INGRID XODAR JIMÉNEZ"),
    ("Transportes Casa de Cvetkov", "TRANSPORTES CASA DE CVETKOV"),
])
def test_a_name_is_kept_without_its_regimen_de_capital_as_sat_writes_it(typed, kept):
    """CFDI 4.0 names a company without «SA DE CV»; the PAC refuses the name with it, after a
    folio was spent on it."""
    assert _receptor(name=typed, rfc="EKU9003173C9", regime="601").name == kept


@pytest.mark.parametrize(("change", "code"), [
    ({"name": "S.A. de C.V."}, "invalid_name"),  # nothing left of the name
    ({"rfc": "XOJI740919U47"}, "invalid_rfc"),
    ({"rfc": "XAXX010101000"}, "invalid_rfc"),
    ({"name": "  "}, "invalid_name"),
    ({"name": "ACME | SA"}, "invalid_name"),
    ({"postal_code": "7602"}, "invalid_postal_code"),
    ({"postal_code": "7602A"}, "invalid_postal_code"),
    ({"regime": "601"}, "regime_mismatch"),  # a moral regime for a persona física
    ({"regime": "999"}, "invalid_regime"),
    ({"uso": "D01", "rfc": "EKU9003173C9", "regime": "601"}, "uso_mismatch"),
    ({"uso": "CN01"}, "invalid_uso"),
])
def test_each_rule_refuses_with_its_code_and_a_spanish_message(change, code):
    with pytest.raises(FiscalDataInvalid) as err:
        _receptor(**change)
    assert err.value.code == code
    assert err.value.message.endswith(".")


def test_an_rfc_on_the_69b_list_is_refused():
    with pytest.raises(FiscalDataInvalid) as err:
        _receptor(blacklisted={"XOJI740919U48"})
    assert err.value.code == "rfc_blacklisted"
    assert "69-B" in err.value.message


def test_the_lists_offered_hold_exactly_what_the_rules_accept():
    """The chat offers numbered lists of regimes and usos: each offered one passes the rule and
    each one left out is refused by it."""
    for rfc in ("XOJI740919U48", "EKU9003173C9"):
        offered = {r.code for r in regimes_for(rfc)}
        assert offered
        for regime in REGIMES.values():
            if regime.code in offered:
                assert check_regime(regime.code, rfc) is regime
                usos = {u.code for u in usos_for(regime)}
                assert "S01" in usos
                for uso in USOS.values():
                    if uso.code in usos:
                        check_uso(uso.code, regime)
                    else:
                        with pytest.raises(FiscalDataInvalid):
                            check_uso(uso.code, regime)
            else:
                with pytest.raises(FiscalDataInvalid):
                    check_regime(regime.code, rfc)


def test_a_receptors_rfc_alone_refuses_the_generic_ones():
    assert check_receptor_rfc(" xoji-740919-u48 ") == "XOJI740919U48"
    with pytest.raises(FiscalDataInvalid, match="RFC genérico"):
        check_receptor_rfc("XAXX010101000")


def test_formas_de_pago():
    assert forma_de_pago(PaymentMethod.CASH) == "01"
    assert forma_de_pago(PaymentMethod.CARD) == "04"
    assert forma_de_pago(PaymentMethod.CARD, "28") == "28"
    assert forma_de_pago(PaymentMethod.TRANSFER) == "03"
    assert forma_de_pago(PaymentMethod.FIADO) == "99"
    assert main_forma({PaymentMethod.CASH: 5_000, PaymentMethod.CARD: 7_000}, "28") == "28"
    assert main_forma({PaymentMethod.CASH: 5_000, PaymentMethod.TRANSFER: 5_000}) == "01"
