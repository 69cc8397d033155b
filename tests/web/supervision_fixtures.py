"""A small county for the public channel, the complaint desk, rectification, assessment and
pre-approval checks, loaded through the real loader (tests/analytics/fixtures.py).

Units (the same codes as web_fixtures.UNITS, with levels, plus two villages)::

    J000 清河县纪委监委 (county)
      J100 城关镇人民政府 (township)
        J110 城关镇财政所 (township)
        J120 东关村 (village)
      J200 河西乡人民政府 (township)
        J210 河西村 (village)

东关村's committee director 王建国 has a brother 王建军 who is the legal representative of
建军建材; the village paid 建军建材 for a road and a subsistence allowance to 张三明.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))

from fixtures import World, credit_code, id_number  # noqa: E402

UNIT_ROWS = [("J000", "清河县纪委监委", "", "county"), ("J100", "城关镇人民政府", "J000", "township"),
             ("J110", "城关镇财政所", "J100", "township"), ("J120", "东关村", "J100", "village"),
             ("J200", "河西乡人民政府", "J000", "township"), ("J210", "河西村", "J200", "village")]


@dataclass
class County:
    official: str        # 王建国, director of 东关村's committee
    brother: str         # 王建军
    relative_company: str
    other_company: str
    recipient: str       # 张三明
    recipient_account: str
    script_person: str   # a person whose name is a script


def load_county(connection, folder: Path) -> County:
    w = World()
    for unit_id, name, parent, level in UNIT_ROWS:
        w.add("units", unit_id=unit_id, name=name, parent_unit_id=parent, level=level,
              kind="village_committee" if level == "village" else "government")
    official = w.official("王建国", "J120", start="2018-01-01", title="村委会主任")
    brother = w.person("王建军")
    w.kin(official, brother, "sibling")
    relative_company = w.company("建军建材有限公司", legal_rep=brother, established="2015-03-01")
    other_company = w.company("清河路桥工程有限公司", established="2010-01-01")
    w.contract("J120", other_company, 380_000, "2025-03-18", contract_id="HT-J120-001",
               category="works")
    recipient = w.person("张三明", household_id="H120-07")
    account = w.account(recipient)
    w.payment(recipient, "2025-06-01", "subsistence_allowance", unit="J120",
              account_no=account, amount=620.0)
    script = w.person('<script>alert("x")</script>李四')
    w.payment(script, "2025-06-01", "winter_relief", unit="J120", amount=300.0)
    w.load(connection, folder)
    return County(official, brother, relative_company, other_company, recipient, account,
                  script)


__all__ = ["County", "load_county", "UNIT_ROWS", "World", "credit_code", "id_number"]
