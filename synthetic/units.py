"""The public bodies of a county (单位): a tree from the county party committee down to
village committees, with GB/T 2260 region codes.

Townships and villages get invented names; counties keep their real names and codes so
resident ID numbers born there validate.
"""
from __future__ import annotations

import random

from synthetic.identifiers import CITY_CODE, CITY_NAME, COUNTY_NAMES
from synthetic.world import Unit, World

__all__ = ["BUREAUS", "build_units", "category_weights"]

#: County bureaus and the categories each mostly buys (goods, works, services).
BUREAUS = (
    ("教育局", (5, 3, 2)), ("卫生健康局", (6, 2, 2)), ("交通运输局", (1, 8, 1)),
    ("住房和城乡建设局", (1, 7, 2)), ("农业农村局", (4, 4, 2)), ("民政局", (4, 2, 4)),
    ("财政局", (3, 1, 6)), ("水利局", (1, 8, 1)), ("自然资源局", (2, 3, 5)),
    ("人力资源和社会保障局", (3, 1, 6)), ("市场监督管理局", (4, 1, 5)),
    ("乡村振兴局", (3, 5, 2)), ("审计局", (3, 1, 6)), ("发展和改革局", (3, 2, 5)),
    ("应急管理局", (5, 2, 3)), ("文化和旅游局", (3, 4, 3)), ("统计局", (4, 1, 5)),
    ("医疗保障局", (4, 1, 5)), ("林业局", (3, 5, 2)), ("公安局", (6, 2, 2)),
    ("退役军人事务局", (4, 1, 5)), ("城市管理局", (3, 4, 3)),
)
_PARTY_DEPARTMENTS = ("纪律检查委员会", "组织部", "宣传部", "统一战线工作部", "政法委员会")
_INSTITUTIONS = (("疾病预防控制中心", "卫生健康局"), ("农业技术推广中心", "农业农村局"),
                 ("融媒体中心", "宣传部"), ("公共资源交易中心", "财政局"))
_SOES = ("城市建设投资有限公司", "交通建设投资有限公司", "水务有限公司", "国有资产经营有限公司",
         "农业发展投资有限公司")
_PLACE_FIRST = "青石柳杨马龙枣高北南西东安乐金凤岐周永太河槐梨桃双新白红黄"
_PLACE_SECOND = "桥坊泉林店郭寨庄堡原坡沟川湾塬岭峪铺营渠头"
_VILLAGE_SUFFIX = ("村", "村", "村", "社区")
_PROFILE_WEIGHTS = {"county_party": (3, 1, 6), "county_government": (3, 2, 5),
                    "party_department": (4, 1, 5), "township": (2, 6, 2),
                    "village": (2, 7, 1), "school": (6, 3, 1), "hospital": (7, 1, 2),
                    "institution": (5, 1, 4), "soe": (2, 6, 2), "city": (3, 2, 5)}


def category_weights(unit: Unit) -> tuple[int, int, int]:
    """How often the unit buys goods, works and services."""
    if unit.profile == "bureau":
        return next((weights for name, weights in BUREAUS if unit.name.endswith(name)),
                    (4, 3, 3))
    return _PROFILE_WEIGHTS[unit.profile]


def _place_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


class _UnitBuilder:
    def __init__(self, world: World, region: str) -> None:
        self.world, self.region, self.sequence = world, region, 0

    def add(self, name: str, parent: str | None, level: str, kind: str, profile: str,
            township: str | None = None) -> Unit:
        self.sequence += 1
        unit = Unit(f"U{self.region}{self.sequence:03d}", name, parent, level, self.region,
                    kind, profile, township)
        self.world.units[unit.unit_id] = unit
        return unit


def _build_city(world: World) -> tuple[str, dict[str, str]]:
    """A few prefecture-level bodies above the counties of a province slice."""
    builder = _UnitBuilder(world, CITY_CODE)
    party = builder.add(f"中共{CITY_NAME}委员会", None, "city", "party", "city")
    government = builder.add(f"{CITY_NAME}人民政府", party.unit_id, "city", "government", "city")
    bureaus = {}
    for name, _ in BUREAUS[:8]:
        bureaus[name] = builder.add(f"{CITY_NAME}{name}", government.unit_id, "city",
                                    "government", "city").unit_id
    return party.unit_id, bureaus


def _build_county(world: World, region: str, scale, city_party: str | None) -> None:
    county = COUNTY_NAMES[region]
    rng = world.rng
    add = _UnitBuilder(world, region).add
    party = add(f"中共{county}委员会", city_party, "county", "party", "county_party")
    government = add(f"{county}人民政府", party.unit_id, "county", "government",
                     "county_government")
    departments = {name: add(f"中共{county}委员会{name}", party.unit_id, "county", "party",
                             "party_department").unit_id
                   for name in _PARTY_DEPARTMENTS[:scale.party_departments]}
    bureaus = {name: add(f"{county}{name}", government.unit_id, "county", "government",
                         "bureau").unit_id for name, _ in BUREAUS[:scale.bureaus]}
    parents = departments | bureaus
    for name, parent in _INSTITUTIONS[:scale.institutions]:
        add(f"{county}{name}", parents.get(parent, government.unit_id), "county",
            "institution", "institution")
    for name in _SOES[:scale.soes]:
        add(f"{county}{name}", bureaus.get("财政局", government.unit_id), "county", "soe", "soe")
    education = bureaus.get("教育局", government.unit_id)
    health = bureaus.get("卫生健康局", government.unit_id)
    add(f"{county}人民医院", health, "county", "institution", "hospital")
    add(f"{county}中医医院", health, "county", "institution", "hospital")
    for name in ("第一中学", "第二中学", "职业教育中心", "实验小学")[:max(2, scale.schools // 6)]:
        add(f"{county}{name}", education, "county", "school", "school")
    taken: set[str] = set()
    township_names = ["城关"] + _place_names(rng, scale.townships - 1, taken)
    schools_left = scale.schools - max(2, scale.schools // 6)
    hospitals_left = scale.hospitals - 2
    for index, short in enumerate(township_names):
        suffix = "镇" if index == 0 or rng.random() < 0.7 else "乡"
        township = add(f"{county}{short}{suffix}人民政府", government.unit_id, "township",
                       "government", "township")
        township.township_id = township.unit_id
        for village in _place_names(rng, scale.villages, taken):
            ending = rng.choice(_VILLAGE_SUFFIX)
            committee = "居民委员会" if ending == "社区" else "村民委员会"
            add(f"{short}{suffix}{village}{ending}{committee}", township.unit_id, "village",
                "village_committee", "village", township.unit_id)
        if hospitals_left > 0:
            add(f"{county}{short}{suffix}卫生院", health, "township", "hospital", "hospital",
                township.unit_id)
            hospitals_left -= 1
        for school in ("中心小学", "初级中学"):
            if schools_left > 0:
                add(f"{county}{short}{suffix}{school}", education, "township", "school",
                    "school", township.unit_id)
                schools_left -= 1


def build_units(world: World, scale) -> None:
    """Build the unit tree of every county of the scale (and the city above a slice)."""
    city_party = None
    if len(world.counties) > 1:
        city_party, _ = _build_city(world)
    for region in world.counties:
        _build_county(world, region, scale, city_party)
