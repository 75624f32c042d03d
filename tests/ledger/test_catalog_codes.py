"""Several SOC and CIP codes per catalog entry; events signed with one code as a string stay valid.

The old shape is signed here directly (as entries defined before lists were), never rewritten, and is
read as a one-element list by the aggregate, the read model, the reports' data and the OB 3.0
alignments; the audit still accepts it. Ledger tests run on both backends. Codes are real SOC 2018 /
CIP 2020 codes; the entries are illustrative.
"""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.audit import audit
from ledger.catalog import define_catalog, parse_catalog_csv
from ledger.catalog_codes import code_list, normalized, split_cell
from ledger.errors import InputError
from ledger.readmodels import Projections
from ledger.reports.data import load_report_data
from ledger.vc.openbadge import achievement
from verifiers.protocol import documents as d

PHARMACY = {"name": "Certified Pharmacy Technician", "certifyingBody": "PTCB", "credentialType": "certification",
            "validityMonths": 24, "careerField": "Health"}


def read_models(ledger: Ledger) -> Projections:
    projections = Projections.of(ledger)
    projections.catch_up()
    return projections


def sign_old_shape(ledger: Ledger) -> None:
    """A CredentialDefined as signed before lists: `soc` and `cip` one string each."""
    with ledger.batch() as batch:
        batch.sign(d.CREDENTIAL_DEFINED, d.credential_stream("cpht"), actor=ledger.operator_did, credential="cpht",
                   soc="29-2052", cip="51.0805", **PHARMACY)


@pytest.mark.parametrize(("value", "codes"), [
    (None, []), ("51.0801", ["51.0801"]), (["29-2052", "31-1131"], ["29-2052", "31-1131"]), ([], []),
])
def test_both_shapes_read_as_a_list(value: object, codes: list[str]) -> None:
    assert code_list(value) == codes


def test_commands_sign_lists_without_duplicates_and_cells_split_on_semicolons() -> None:
    assert normalized({"soc": "29-2052", "cip": ["51.0805", "51.0805"], "naics": "446"}) == {
        "soc": ["29-2052"], "cip": ["51.0805"], "naics": "446"}
    assert normalized({"soc": None}) == {"soc": None}  # clearing stays a clearing
    assert split_cell(" 29-2052 ; 31-1131;") == ["29-2052", "31-1131"] and split_cell(None) == []


def test_an_event_signed_with_one_code_stays_valid_and_reads_as_one_element_lists(ledger: Ledger) -> None:
    sign_old_shape(ledger)
    stored = next(doc for _, doc, _ in ledger.documents_of(ledger.store.select_journal_of_type(d.CREDENTIAL_DEFINED)))
    assert stored["soc"] == "29-2052"  # the signed event is as it was signed
    assert ledger.credential("cpht").fields["soc"] == ["29-2052"]
    assert ledger.credential("cpht").fields["cip"] == ["51.0805"]
    projections = read_models(ledger)
    entry = next(c for c in projections.catalog() if c.code == "cpht")
    assert (entry.soc, entry.cip) == (("29-2052",), ("51.0805",))
    assert load_report_data(projections.view).credentials["cpht"]["cip"] == ["51.0805"]
    assert [a["targetCode"] for a in achievement(ledger, "cpht")["alignment"]] == ["51.0805", "29-2052"]
    assert audit(ledger).ok


def test_an_update_adds_codes_as_a_list_and_every_reader_sees_all_of_them(ledger: Ledger) -> None:
    sign_old_shape(ledger)
    ledger.update_credential("cpht", {"soc": ["29-2052", "31-1131"], "cip": ["51.0805", "51.0801"]})
    assert ledger.credential("cpht").fields["soc"] == ["29-2052", "31-1131"]
    projections = read_models(ledger)
    entry = next(c for c in projections.catalog() if c.code == "cpht")
    assert (entry.soc, entry.cip) == (("29-2052", "31-1131"), ("51.0805", "51.0801"))
    assert load_report_data(projections.view).credentials["cpht"]["soc"] == ["29-2052", "31-1131"]
    alignments = achievement(ledger, "cpht")["alignment"]
    assert [(a["targetName"], a["targetUrl"]) for a in alignments] == [
        ("CIP 51.0805", "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=51.0805"),
        ("CIP 51.0801", "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=51.0801"),
        ("SOC 29-2052", "https://www.onetonline.org/link/summary/29-2052.00"),
        ("SOC 31-1131", "https://www.onetonline.org/link/summary/31-1131.00"),
    ]
    before = projections.dump()
    projections.rebuild()  # old and new shapes give the same rows on a rebuild
    assert projections.dump() == before
    assert audit(ledger).ok


def test_the_catalog_csv_takes_several_codes_separated_by_semicolons(ledger: Ledger) -> None:
    sign_old_shape(ledger)
    text = ("code,name,certifying_body,type,validity_months,career_field,soc,cip\n"
            "cpht,Certified Pharmacy Technician,PTCB,certification,24,Health,29-2052; 31-1131,51.0805\n"
            "stna,State Tested Nursing Assistant,Ohio Department of Health,license,24,Health,31-1131,"
            "51.3902;51.2601\n")
    entries = parse_catalog_csv(text)
    assert [(e["soc"], e["cip"]) for e in entries] == [(["29-2052", "31-1131"], ["51.0805"]),
                                                       (["31-1131"], ["51.3902", "51.2601"])]
    assert define_catalog(ledger, entries) == {"defined": ["stna"], "updated": ["cpht"], "unchanged": []}
    # The old single code equals the one-element list: a re-import of that code changes nothing.
    assert define_catalog(ledger, parse_catalog_csv(text))["unchanged"] == ["cpht", "stna"]
    assert ledger.credential("stna").fields["cip"] == ["51.3902", "51.2601"]


def test_a_bad_code_in_a_list_names_its_row_and_column_and_stores_nothing(ledger: Ledger) -> None:
    text = ("code,name,certifying_body,soc,cip\n"
            "cpht,Certified Pharmacy Technician,PTCB,29-2052;31-113,51.0805\n"
            "stna,State Tested Nursing Assistant,Ohio Department of Health,31-1131,51.3902;51.3902\n")
    with pytest.raises(InputError) as error:
        parse_catalog_csv(text)
    assert error.value.errors == {"row 2.soc": ["a SOC code like 29-2052"], "row 3.cip": ["a code appears twice"]}
    assert ledger.credentials() == []


@pytest.mark.parametrize(("soc", "message"), [
    (["29-2052", 7], "a list of codes"), ({"code": "29-2052"}, "a list of codes"), (["2920-52"], "a SOC code like 29-2052"),
])
def test_a_document_with_a_malformed_code_list_is_refused_naming_the_member(ledger: Ledger, soc: object,
                                                                           message: str) -> None:
    with pytest.raises(InputError) as error, ledger.batch() as batch:
        batch.sign(d.CREDENTIAL_DEFINED, d.credential_stream("cpht"), actor=ledger.operator_did, credential="cpht",
                   soc=soc, **PHARMACY)
    assert error.value.errors == {"events[0].soc": [message]}
    assert ledger.credentials() == []
