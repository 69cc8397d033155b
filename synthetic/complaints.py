"""Reports from the public (信访举报): some name an official, some a unit; a few point at
planted cases, as tips often precede an investigation. No rule reads them."""
from __future__ import annotations

from synthetic.world import DATA_END, DATA_START, Complaint, World, random_date

__all__ = ["build_complaints"]

_TOPICS = {
    "违规经商办企业": "反映{name}在{unit}任职期间参与经营企业，要求核查。",
    "优亲厚友": "反映{name}在工程项目中照顾亲属承揽业务。",
    "工程招投标问题": "反映{unit}的项目招标存在围标串标嫌疑。",
    "惠民资金问题": "反映{unit}发放低保等惠民资金时优亲厚友、虚报冒领。",
    "作风问题": "反映{name}工作作风粗暴、吃拿卡要。",
    "其他": "反映{unit}办事效率低，群众意见大。",
}


def build_complaints(world: World, scale) -> None:
    """Complaints about officials and units, a sixth of them about planted cases."""
    rng = world.rng
    officials = list(world.positions_by_person)
    planted = [entity for case in world.cases for entity in case.entity_ids
               if entity in world.positions_by_person]
    for _ in range(scale.complaints * len(world.counties)):
        when = random_date(rng, DATA_START, DATA_END)
        topic = rng.choice(tuple(_TOPICS))
        if "{name}" in _TOPICS[topic]:
            subject = rng.choice(planted) if planted and rng.random() < 0.17 else (
                rng.choice(officials))
            post = world.positions_by_person[subject][0]
            text = _TOPICS[topic].format(name=world.persons[subject].name,
                                         unit=world.units[post.unit_id].name)
            world.complaints.append(Complaint(world.next_id("complaint", when), when, subject,
                                              None, topic, text))
        else:
            unit = rng.choice(list(world.units.values()))
            world.complaints.append(Complaint(world.next_id("complaint", when), when, None,
                                              unit.unit_id, topic,
                                              _TOPICS[topic].format(unit=unit.name)))
