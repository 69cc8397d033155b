"""A small county written as canonical CSVs, for the exploration tests (paths, profiles...).

The story: official 甲 (``OFFICIAL``) heads the transport bureau U1 since 2018. His
spouse's sibling 丙 founded 宏达建筑 (C1) in 2019, which won two contracts from U1, both
approved by 甲; money went U1 → C1 → 丙 → 甲's spouse 乙. 甲's child 丁 and spouse share his
household, and 乙 drew a subsistence allowance. A former clerk 戊 left U1 in 2019 and holds a
consultancy (C2) that U1 later paid. The township head 己 sat on the board of 安达 (C3)
while in post. Twenty ordinary contracts with 安达 make a population for the anomaly
ranking. Alerts are written as the scan module writes them.
"""
from __future__ import annotations

from conftest import server_environment

import csv
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc


def id_number(serial: int, birth: str = "19700101") -> str:
    base = f"110105{birth}{serial:03d}"
    return base + ric.calc_check_digit(base + "0")


def credit_code(serial: int) -> str:
    base = f"91110105MA{serial:07d}"
    return base + uscc.calc_check_digit(base + "0")


OFFICIAL, SPOUSE, SPOUSE_SIBLING, CHILD, FORMER_CLERK, TOWNSHIP_HEAD, VILLAGER, \
    STRANGER, NOMINEE = (id_number(i) for i in range(1, 10))
HONGDA, CONSULTANCY, ANDA, SHELL = (credit_code(i) for i in range(1, 5))
ACCOUNT = {name: f"62220000{index:08d}" for index, name in enumerate(
    ["U1", "C1", "OFFICIAL", "SPOUSE", "SPOUSE_SIBLING", "C3", "VILLAGER", "C2", "FORMER_CLERK"])}


def _write(folder: Path, name: str, header: list[str], rows: list[list]) -> None:
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def write_explore_dataset(folder: Path) -> Path:
    """Write the county's tables into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "units", ["unit_id", "name", "parent_unit_id", "level", "region_code", "kind"], [
        ["C0", "某县人民政府", "", "county", "110105", "government"],
        ["U1", "某县交通运输局", "C0", "county", "110105", "government"],
        ["U2", "某镇人民政府", "C0", "township", "110105", "government"],
        ["V1", "某村村民委员会", "U2", "village", "110105", "village_committee"],
        ["X9", "外县人民政府", "", "county", "120101", "government"],
    ])
    _write(folder, "persons", ["id_number", "name", "phone", "address", "household_id"], [
        [OFFICIAL, "甲", "13800000001", "幸福路1号", "H0"],
        [SPOUSE, "乙", "13800000002", "幸福路1号", "H0"],
        [SPOUSE_SIBLING, "丙", "13800000003", "光明路9号", "H2"],
        [CHILD, "丁", "13800000004", "幸福路1号", "H0"],
        [FORMER_CLERK, "戊", "13800000005", "人民路3号", "H4"],
        [TOWNSHIP_HEAD, "己", "13800000006", "镇东街1号", "H5"],
        [VILLAGER, "庚", "13800000007", "村西头", "H6"],
        [STRANGER, "辛", "13800000008", "远方路8号", "H7"],
        [NOMINEE, "壬", "13800000001", "花园路2号", "H8"],
    ])
    _write(folder, "positions", ["id_number", "unit_id", "title", "rank", "start_date",
                                 "end_date", "duties"], [
        [OFFICIAL, "U1", "局长", "正科", "2018-01-01", "", "procurement;finance"],
        [OFFICIAL, "U2", "副镇长", "副科", "2012-01-01", "2017-12-31", ""],
        [FORMER_CLERK, "U1", "科员", "科员", "2015-01-01", "2019-12-31", ""],
        [TOWNSHIP_HEAD, "U2", "镇长", "正科", "2016-01-01", "", "subsidy approval"],
    ])
    _write(folder, "kinship", ["id_number", "relative_id_number", "relation"], [
        [OFFICIAL, SPOUSE, "spouse"],
        [SPOUSE, SPOUSE_SIBLING, "sibling"],
        [CHILD, OFFICIAL, "parent"],
    ])
    _write(folder, "companies", ["credit_code", "name", "legal_rep_id_number", "address",
                                 "phone", "email", "established_date", "registered_capital"], [
        [HONGDA, "宏达建筑工程有限公司", SPOUSE_SIBLING, "工业园1号", "13900000001",
         "hd@example.cn", "2019-05-01", "1000000"],
        [CONSULTANCY, "远见咨询有限公司", FORMER_CLERK, "人民路3号", "13900000002",
         "yj@example.cn", "2020-06-01", "100000"],
        [ANDA, "安达物资有限公司", STRANGER, "商贸城5号", "13900000003", "ad@example.cn",
         "2005-01-01", "5000000"],
        [SHELL, "速成贸易有限公司", NOMINEE, "工业园1号", "13900000004", "hd@example.cn",
         "2022-01-01", "100000"],
    ])
    _write(folder, "company_roles", ["credit_code", "holder_id_number", "role", "share_pct",
                                     "start_date", "end_date"], [
        [HONGDA, SPOUSE_SIBLING, "shareholder", "80", "2019-05-01", ""],
        [CONSULTANCY, FORMER_CLERK, "shareholder", "100", "2020-06-01", ""],
        [ANDA, STRANGER, "shareholder", "100", "2005-01-01", ""],
        [ANDA, TOWNSHIP_HEAD, "director", "", "2017-01-01", "2018-12-31"],
    ])
    contracts = [
        ["K1", "T1", "U1", HONGDA, "道路维修", "works", "3500000", "public_tender", "2020-06-01",
         OFFICIAL],
        ["K2", "", "U1", HONGDA, "路灯采购", "goods", "1900000", "single_source", "2021-03-01",
         OFFICIAL],
        ["K3", "", "U1", CONSULTANCY, "规划咨询", "services", "300000", "direct", "2021-05-01", ""],
        ["K4", "", "U2", SHELL, "办公设备", "goods", "2000000", "direct", "2022-02-01",
         TOWNSHIP_HEAD],
    ]
    for index in range(20):
        unit = "U1" if index % 2 else "U2"
        contracts.append([f"KA{index:02d}", f"TA{index:02d}", unit, ANDA, f"物资采购{index}",
                          "goods", str(200000 + 10000 * index), "public_tender",
                          f"{2018 + index % 5}-{1 + index % 12:02d}-15", ""])
    _write(folder, "contracts", ["contract_id", "tender_id", "buyer_unit_id",
                                 "supplier_credit_code", "title", "category", "amount", "method",
                                 "signed_date", "approver_id_number"], contracts)
    bids = [["T1", HONGDA, "3500000", "true", "2020-05-01"],
            ["T1", ANDA, "3600000", "false", "2020-05-01"]]
    bids += [[f"TA{index:02d}", ANDA, str(200000 + 10000 * index), "true", ""]
             for index in range(20)]
    _write(folder, "bids", ["tender_id", "bidder_credit_code", "bid_amount", "won",
                            "submitted_date"], bids)
    holders = {"U1": ("", "", "U1"), "C1": ("", HONGDA, ""), "OFFICIAL": (OFFICIAL, "", ""),
               "SPOUSE": (SPOUSE, "", ""), "SPOUSE_SIBLING": (SPOUSE_SIBLING, "", ""),
               "C3": ("", ANDA, ""), "VILLAGER": (VILLAGER, "", ""),
               "C2": ("", CONSULTANCY, ""), "FORMER_CLERK": (FORMER_CLERK, "", "")}
    _write(folder, "accounts", ["account_no", "bank", "holder_id_number", "holder_credit_code",
                                "holder_unit_id"],
           [[ACCOUNT[name], "农业银行", *holder] for name, holder in holders.items()])
    _write(folder, "transactions", ["txn_id", "from_account", "to_account", "amount", "date",
                                    "memo"], [
        ["TX1", ACCOUNT["U1"], ACCOUNT["C1"], "3500000", "2020-06-10", "工程款"],
        ["TX2", ACCOUNT["C1"], ACCOUNT["SPOUSE_SIBLING"], "200000", "2020-07-01", "借款"],
        ["TX3", ACCOUNT["SPOUSE_SIBLING"], ACCOUNT["SPOUSE"], "150000", "2020-07-05", "往来"],
        ["TX4", ACCOUNT["U1"], ACCOUNT["C3"], "500000", "2019-01-10", "货款"],
        ["TX5", ACCOUNT["U1"], ACCOUNT["C2"], "300000", "2021-05-10", "咨询费"],
        ["TX6", ACCOUNT["C2"], ACCOUNT["FORMER_CLERK"], "50000", "2021-06-01", "分红"],
    ])
    _write(folder, "subsidies", ["payment_id", "program", "recipient_id_number", "household_id",
                                 "amount", "date", "unit_id", "approver_id_number",
                                 "account_no"], [
        ["S1", "subsistence_allowance", SPOUSE, "H0", "600", "2021-01-15", "U2", TOWNSHIP_HEAD,
         ACCOUNT["SPOUSE"]],
        ["S2", "farmland_subsidy", VILLAGER, "H6", "300", "2021-03-01", "U2", TOWNSHIP_HEAD,
         ACCOUNT["VILLAGER"]],
        ["S3", "rain_dew", STRANGER, "H7", "1500", "2021-04-01", "U2", TOWNSHIP_HEAD,
         ACCOUNT["VILLAGER"]],
    ])
    _write(folder, "complaints", ["complaint_id", "date", "subject_id_number", "category",
                                  "text"], [
        ["Q1", "2021-06-01", OFFICIAL, "工程", "反映甲插手工程"],
    ])
    return folder


CREATE_ALERT = """
MERGE (a:Alert {alert_id: $alert_id})
SET a.rule_id = $rule_id, a.severity = $severity, a.score = $score, a.status = $status,
    a.outcome = $outcome, a.summary_zh = $summary, a.summary_en = $summary,
    a.matching = $matching, a.first_seen = datetime($first_seen),
    a.last_seen = datetime($first_seen), a.entity_ids = $keys, a.unit_ids = $unit_ids
WITH a
UNWIND $evidence AS item
CALL {
  WITH item
  MATCH (n) WHERE n.id_number = item.key OR n.credit_code = item.key OR n.unit_id = item.key
     OR n.contract_id = item.key OR n.txn_id = item.key OR n.payment_id = item.key
  RETURN n
}
MERGE (a)-[:EVIDENCE {role: item.role}]->(n)
"""

ALERTS = [
    dict(alert_id="A1", rule_id="relative_supplier", severity="high", score=40.0, status="new",
         outcome=None,
         summary="甲之妻弟丙的公司中标", matching=True, first_seen="2024-01-10T08:00:00",
         evidence=[("official", OFFICIAL), ("approver", OFFICIAL), ("relative", SPOUSE_SIBLING),
                   ("company", HONGDA), ("contract", "K1"), ("unit", "U1")]),
    dict(alert_id="A2", rule_id="kickback_flow", severity="critical", score=None,
         status="disposed", outcome="unfounded", summary="资金回流", matching=True,
         first_seen="2024-02-03T08:00:00",
         evidence=[("official", OFFICIAL), ("payment", "TX1"), ("payment", "TX3"), ("unit", "U1")]),
    dict(alert_id="A3", rule_id="subsidy_ineligible", severity="medium", score=None,
         status="disposed", outcome="confirmed", summary="公职人员家属领取低保", matching=True,
         first_seen="2024-02-20T08:00:00",
         evidence=[("official", OFFICIAL), ("recipient", SPOUSE), ("payment", "S1"),
                   ("unit", "U2")]),
    dict(alert_id="A4", rule_id="revolving_door", severity="medium", score=15.0, status="new",
         outcome=None,
         summary="离职后入股供应商", matching=True, first_seen="2024-03-05T08:00:00",
         evidence=[("official", FORMER_CLERK), ("company", CONSULTANCY), ("unit", "U1")]),
]


def write_alerts(connection) -> None:
    """Write ``ALERTS`` with EVIDENCE ties, in the shape the scan writes them: ``unit_ids``
    are the units among the evidence (the alert's jurisdiction), ``outcome`` is set once
    the alert is disposed."""
    for alert in ALERTS:
        evidence = [{"role": role, "key": key} for role, key in alert["evidence"]]
        units = sorted({key for role, key in alert["evidence"] if role == "unit"})
        connection.write(CREATE_ALERT, **{k: v for k, v in alert.items() if k != "evidence"},
                         keys=[key for _, key in alert["evidence"]], evidence=evidence,
                         unit_ids=units)


def load_explore_dataset(connection, folder: Path) -> None:
    """Load the county through the real loader, then write its alerts."""
    from ingest.loader import load_dataset

    load_dataset(connection, write_explore_dataset(folder))
    write_alerts(connection)


@pytest.fixture(scope="module")
def county(session_connection, tmp_path_factory):
    """The county loaded once per test module (every test of the module only reads it)."""
    session_connection.delete_all_data()
    load_explore_dataset(session_connection, tmp_path_factory.mktemp("county"))
    return session_connection


def run_command(monkeypatch, settings, *arguments: str):
    """Invoke an explore command as the CLI would, against the test server."""
    import typer
    from typer.testing import CliRunner

    from graph.settings import get_settings
    from lianjian.commands import explore

    for name, value in server_environment(settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    app = typer.Typer()
    for command in (explore.paths, explore.profile, explore.portrait, explore.timeline):
        app.command()(command)
    try:
        return CliRunner().invoke(app, list(arguments))
    finally:
        get_settings.cache_clear()
