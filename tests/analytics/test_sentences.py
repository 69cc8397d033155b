"""Each rule's alert sentence states the decisive fact, in Chinese and in English.

An investigator reads the sentence before the evidence: it must say the exact relation
(not "亲属"), what two bidders share and its value, the shared legal representative, whom
the money reached, the nominee's shared phone or address. One test per rule, on the
rule's firing fixture of ``rule_fixtures.py`` (hits in the order the fixture lists them).
"""
from __future__ import annotations

from analytics.rules import load_rules
from analytics.rules.hits import Hit, run_rule
from fixtures import World
from rule_fixtures import FIXTURES


def _hits(db, tmp_path, rule_id: str) -> list[Hit]:
    world = World().county()
    expected = FIXTURES[rule_id][0](world)
    world.load(db, tmp_path / rule_id)
    hits = run_rule(db, load_rules()[rule_id])
    return [next(hit for hit in hits if identifiers <= set(hit.entity_ids))
            for identifiers in expected]


def _says(hit: Hit, zh: list[str], en: list[str]) -> None:
    for part in zh:
        assert part in hit.summary_zh, (part, hit.summary_zh)
    for part in en:
        assert part in hit.summary_en, (part, hit.summary_en)


def test_relative_supplier_names_the_exact_relation_and_the_holding(db, tmp_path):
    chain, child, in_law = _hits(db, tmp_path, "relative_supplier")
    _says(chain, ["甲（2020-06-01在任）之配偶的兄弟姐妹丙为控股公司实际受益人",
                  "经2层持股（控股公司→宏达建筑）控制宏达建筑", "500,000.00元"],
          ["甲's spouse's sibling 丙 is beneficial owner of 控股公司",
           "controls 宏达建筑 through 2 company level(s) (控股公司 → 宏达建筑)"])
    _says(child, ["甲（2021-02-01在任）之子女丁为丁记商贸法定代表人"],
          ["甲's child 丁 is legal representative of 丁记商贸"])
    _says(in_law, ["之兄弟姐妹的配偶妹夫为链1董事", "（链1→链2→链3）控制链3"],
          ["甲's sibling's spouse 妹夫 is director of 链1"])
    for hit in (chain, child, in_law):
        assert "亲属" not in hit.summary_zh and "relative" not in hit.summary_en


def test_official_business_names_the_nominees_shared_phone_or_address(db, tmp_path):
    own, by_phone, by_address = _hits(db, tmp_path, "official_business")
    _says(own, ["甲（科长）任职期间本人在甲的公司任股东（自2018-01-01起）"],
          ["甲 (科长, 某县交通运输局) held 甲的公司 as shareholder (from 2018-01-01)"])
    _says(by_phone, ["与乙电话相同（13900000001）的代持人在代持公司任董事"],
          ["代持人, who has the same phone as 乙 (13900000001), held 代持公司 as director"])
    _says(by_address, ["与丙地址相同（幸福路1号）的同址人在登记公司任法定代表人"],
          ["同址人, who has the same address as 丙 (幸福路1号), held 登记公司 as legal "
           "representative"])


def test_subsidy_ineligible_names_the_official_or_which_household_member(db, tmp_path):
    own, housemate, child, spouse = _hits(db, tmp_path, "subsidy_ineligible")
    _says(own, ["某县交通运输局科长甲于2020-03-01在任期间本人领取低保500.00元"],
          ["甲, 科长 at 某县交通运输局, received subsistence allowance"])
    _says(housemate, ["其与发放日在任的某县交通运输局科长乙同户（户号H2）"],
          ["is in the household (H2) of 乙"])
    _says(child, ["丙之子于2020-09-01领取普高助学金", "其为发放日在任的某县交通运输局科长丙的子女"],
          ["丙之子, the child of 丙"])
    _says(spouse, ["其为发放日在任的某县交通运输局科长丁的配偶"], ["丁之妻, the spouse of 丁"])


def test_self_approval_names_the_exact_tie_between_approver_and_beneficiary(db, tmp_path):
    own, sister, housemate, owner, husband = _hits(db, tmp_path, "self_approval")
    _says(own, ["甲于2021-01-05审批了发给其本人的低保500.00元（"],
          ["whose recipient is the approver"])
    _says(sister, ["甲于2021-01-05审批了发给其兄弟姐妹甲之妹的低保"],
          ["whose recipient 甲之妹 is the approver's sibling"])
    _says(housemate, ["发给同户（户号H1）人员同户人的低保"],
          ["whose recipient 同户人 shares the approver's household (H1)"])
    _says(owner, ["乙于2020-05-01审批了合同", "而其本人为供应商乙的公司的股东"],
          ["and is shareholder of its supplier 乙的公司"])
    _says(husband, ["供应商丈夫公司的法定代表人法人是其配偶"],
          ["法人, legal representative of its supplier 丈夫公司, is the approver's spouse"])
    for hit in (own, sister, housemate, owner, husband):
        assert "亲属" not in hit.summary_zh and "kinship" not in hit.summary_en


def test_bid_splitting_names_the_shared_legal_representative(db, tmp_path):
    one_supplier, sisters = _hits(db, tmp_path, "bid_splitting")
    _says(one_supplier, ["以非招标方式与拆单供应商签订3份货物合同", "合计2,700,000.00元"],
          ["signed 3 goods contracts", "with 拆单供应商 without a tender"])
    _says(sisters, ["与共用法定代表人共同法人的姐妹公司甲、姐妹公司乙签订2份服务合同"],
          ["with 姐妹公司甲, 姐妹公司乙, whose legal representative is the same person, "
           "共同法人"])


def test_bid_rigging_names_what_the_bidders_share_and_its_value(db, tmp_path):
    phone, representative, shareholder, email = _hits(db, tmp_path, "bid_rigging")
    _says(phone, ["项目T1的2家投标人存在关联：甲、乙电话相同（05718880001）"],
          ["甲 and 乙 have the same phone (05718880001)"])
    _says(representative, ["丁、戊法定代表人相同（法人）"],
          ["丁 and 戊 have the same legal representative (法人)"])
    _says(shareholder, ["庚、己股东相同（股东）"],          # in pinyin order: geng, ji
          ["庚 and 己 have the same shareholder (股东)"])
    _says(email, ["壬、辛邮箱相同（bid@example.com）"],        # ren, xin
          ["壬 and 辛 have the same email (bid@example.com)"])
    assert "丙" not in phone.summary_zh          # the honest bidder of T1 is not named


def test_kickback_flow_says_whether_the_money_reached_the_official_or_which_relative(
        db, tmp_path):
    to_spouse, to_official = _hits(db, tmp_path, "kickback_flow")
    _says(to_spouse, ["某县交通运输局于2021-03-01向宏达付款1,000,000.00元",
                      "经2笔转账，150,000.00元流入该单位公职人员甲之配偶甲之妻的账户"],
          ["reached the account of 甲's spouse 甲之妻"])
    _says(to_official, ["经1笔转账，50,000.00元流入该单位公职人员甲本人的账户"],
          ["reached the account of 甲 themself"])
    for hit in (to_spouse, to_official):
        assert "或其亲属" not in hit.summary_zh and "or is a relative" not in hit.summary_en


def test_shell_company_names_the_shared_detail_and_whose_it_is(db, tmp_path):
    young, newborn, by_phone, by_address = _hits(db, tmp_path, "shell_company")
    _says(young, ["新公司成立于2021-01-01，仅90天后即签订合同", "为其注册资本100,000元的12.0倍"],
          ["only 90 days later", "12.0 times its registered capital of 100,000 yuan"])
    _says(newborn, ["仅0天后即签订合同"], ["only 0 days later"])
    _says(by_phone, ["同电话公司（1份合同）的电话（13700000001）与公职人员甲本人相同"],
          ["has the same phone (13700000001) as official 甲"])
    _says(by_address, ["的地址（和平路8号）与公职人员甲之配偶甲之妻相同"],
          ["has the same address (和平路8号) as 甲's spouse 甲之妻"])


def test_ghost_beneficiary_names_the_dates_the_payments_and_the_account_holder(db, tmp_path):
    dead, twice, pooled = _hits(db, tmp_path, "ghost_beneficiary")
    _says(dead, ["已故已于2021-01-15死亡，但2021-03-01仍发放低保500.00元"],
          ["died on 2021-01-15 but was paid subsistence allowance of 500.00 yuan on "
           "2021-03-01"])
    _says(twice, ["重复在2021-05同一月内领取低保共2次（S"], ["2 times in one month (2021-05: S"])
    _says(pooled, ["领取人0、领取人1、领取人2共3名不同领取人", "（开户人：归集户主）"],
          ["(领取人0, 领取人1, 领取人2; 3 payments)", "held by 归集户主"])


def test_revolving_door_names_the_post_left_the_new_role_and_the_gap(db, tmp_path):
    leaver, founder = _hits(db, tmp_path, "revolving_door")
    _says(leaver, ["甲于2019-12-31离任某县交通运输局科长，1天后（2020-01-01）起任咨询公司股东"],
          ["became shareholder of 咨询公司 1 day(s) later (2020-01-01)"])
    _says(founder, ["1095天后（2021-06-29）起任新设公司法定代表人"],
          ["became legal representative of 新设公司 1095 day(s) later"])


def test_relations_read_from_the_officials_side_whichever_way_the_row_was_written(db, tmp_path):
    """Kinship rows run either way ("A's parent is B"); the sentence says who B is to A."""
    world = World().county()
    official = world.official("甲", "U1", start="2015-01-01")
    son = world.person("甲之子")
    world.kin(son, official, "parent")                      # written from the son's side
    supplier = world.company("宏达")
    paid = world.transfer(world.account("U1"), supplier_account := world.account(supplier),
                          500_000, "2021-03-01")
    world.transfer(supplier_account, world.account(son), 50_000, "2021-03-05")
    clerk = world.official("乙", "U1", phone="13700000009")
    wife, her_father = world.person("乙之妻"), world.person("岳父", phone="13700000008")
    world.kin(clerk, wife, "spouse")
    world.kin(wife, her_father, "parent")                    # two hops: spouse's parent
    twin = world.company("同号公司", phone="13700000008")
    world.contract("U2", twin, 100_000, "2020-01-01")
    daughter = world.person("乙之女")
    world.kin(daughter, clerk, "parent")
    payment = world.payment(daughter, "2021-01-05", unit="U1", approver=clerk)
    world.load(db, tmp_path / "directions")
    rules = load_rules()
    (kickback,) = run_rule(db, rules["kickback_flow"])
    (shell,) = run_rule(db, rules["shell_company"])
    approvals = run_rule(db, rules["self_approval"])
    assert paid in kickback.entity_ids and twin in shell.entity_ids
    _says(kickback, ["流入该单位公职人员甲之子女甲之子的账户"], ["甲's child 甲之子"])
    _says(shell, ["与公职人员乙之配偶的父母岳父相同"], ["as 乙's spouse's parent 岳父"])
    (approval,) = [hit for hit in approvals if payment in hit.entity_ids]
    _says(approval, ["乙于2021-01-05审批了发给其子女乙之女的低保"],
          ["whose recipient 乙之女 is the approver's child"])
