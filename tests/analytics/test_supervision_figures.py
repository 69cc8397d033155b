"""Rectification notices and the handling assessment against the real Neo4j: notices rest
on confirmed alerts, move by compare-and-set, turn overdue by the calendar; the assessment
counts on time, late and overdue per unit and per handler, and exports for Excel."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from analytics import rectification as r
from analytics.assessment import assessment, assessment_csv
from analytics.audit import read_log
from analytics.days import local_today
from analytics.scope import Scope

UNITS = """
CREATE (county:Unit {unit_id: 'J000', name: '县纪委', level: 'county'})
CREATE (town:Unit {unit_id: 'J100', name: '城关镇', level: 'township'})-[:PART_OF]->(county)
CREATE (:Unit {unit_id: 'J120', name: '东关村', level: 'village'})-[:PART_OF]->(town)
CREATE (:Unit {unit_id: 'J200', name: '河西乡', level: 'township'})-[:PART_OF]->(county)
CREATE (:User {username: 'li', display_name: '李核查', unit_id: 'J000'})
"""

# Alerts with known times (a scan's fields, written directly so the days are exact).
ALERT = """
CREATE (:Alert {alert_id: $id, rule_id: 'relative_supplier', unit_ids: $units,
                status: $status, outcome: $outcome, assignee: $assignee,
                first_seen: datetime($first_seen), deadline: date($deadline),
                decided_at: CASE WHEN $decided IS NULL THEN null ELSE datetime($decided) END,
                entity_ids: [], matching: true})
"""


@pytest.fixture
def county(db):
    db.write(UNITS)
    return db


def alert(db, alert_id, units, status="disposed", outcome="confirmed", assignee="li",
          first_seen="2026-02-01T09:00:00+08:00", deadline="2026-02-20", decided=None):
    db.write(ALERT, id=alert_id, units=units, status=status, outcome=outcome,
             assignee=assignee, first_seen=first_seen, deadline=deadline, decided=decided)


def test_a_notice_rests_on_confirmed_alerts_of_the_jurisdiction(county):
    alert(county, "A1", ["J120"], decided="2026-02-10T10:00:00+08:00")
    alert(county, "A2", ["J120"], outcome="unfounded", decided="2026-02-10T10:00:00+08:00")
    alert(county, "A3", ["J200"], decided="2026-02-10T10:00:00+08:00")
    office, township = Scope.of_units(county, ["J000"]), Scope.of_units(county, ["J100"])
    common = {"actor": "jiwei", "problem": "发包未回避", "requirement": "建立回避制度"}
    with pytest.raises(r.NoticeError, match="not decided as confirmed"):
        r.issue_notice(county, scope=office, unit_id="J120", alert_ids=["A1", "A2"], **common)
    with pytest.raises(r.NoticeError, match="no alert A3 in your jurisdiction"):
        r.issue_notice(county, scope=township, unit_id="J120", alert_ids=["A3"], **common)
    with pytest.raises(r.NoticeError, match="no unit 'J200' in your jurisdiction"):
        r.issue_notice(county, scope=township, unit_id="J200", alert_ids=["A1"], **common)
    with pytest.raises(r.NoticeError, match="confirmed alert"):
        r.issue_notice(county, scope=office, unit_id="J120", alert_ids=[" "], **common)
    made = r.issue_notice(county, scope=office, unit_id="J120", alert_ids=["A1"], **common)
    assert made["deadline"] == (local_today() + dt.timedelta(days=30)).isoformat()
    notice_id = made["notice_id"]
    linked = county.read("MATCH (n:RectificationNotice)-[:FROM_ALERT]->(a) RETURN a.alert_id "
                         "AS id")
    assert linked == [{"id": "A1"}]
    hexi = Scope.of_units(county, ["J200"])
    with pytest.raises(r.NoticeNotFound):
        r.answer_notice(county, notice_id, actor="hexi", scope=hexi, measures="x")
    with pytest.raises(r.NoticeError, match="cannot accept"):
        r.accept_notice(county, notice_id, actor="jiwei", scope=office)
    r.answer_notice(county, notice_id, actor="liaison", scope=township, measures="已建立制度")
    with pytest.raises(r.NoticeError, match="give what is still missing"):
        r.return_notice(county, notice_id, actor="jiwei", scope=office, note=" ")
    r.return_notice(county, notice_id, actor="jiwei", scope=office, note="缺少台账")
    with pytest.raises(r.NoticeError, match="someone acted"):
        r.answer_notice(county, notice_id, actor="liaison", scope=township, measures="x",
                        expected_status="issued")
    r.answer_notice(county, notice_id, actor="liaison", scope=township, measures="补齐台账",
                    expected_status="returned")
    r.accept_notice(county, notice_id, actor="jiwei", scope=office, note="同意")
    found = r.get_notice(county, notice_id, township)
    assert found["notice"]["status"] == "accepted"
    assert found["notice"]["measures"] == "补齐台账"
    assert [e["action"] for e in found["events"]] == ["issue", "answer", "return", "answer",
                                                       "accept"]
    assert [e["action"] for e in reversed(read_log(county)["items"])] == [
        "notice.issue", "notice.answer", "notice.return", "notice.answer", "notice.accept"]
    assert r.get_notice(county, notice_id, hexi) is None
    assert [n["status"] for n in r.notices_of_unit(county, "J100", office)] == ["accepted"]
    assert r.notices_of_unit(county, "J100", hexi) is None


def test_an_unanswered_notice_is_overdue_after_its_deadline_day(county):
    alert(county, "A1", ["J120"], decided="2026-02-10T10:00:00+08:00")
    office = Scope.of_units(county, ["J000"])
    due = local_today() + dt.timedelta(days=5)
    r.issue_notice(county, actor="jiwei", scope=office, unit_id="J120", alert_ids=["A1"],
                   problem="p", requirement="q", deadline=due)
    assert not r.list_notices(county, office, overdue=True)
    on_the_day = r.list_notices(county, office, today=due)
    assert not on_the_day[0]["overdue"]
    after = r.list_notices(county, office, overdue=True, today=due + dt.timedelta(days=1))
    assert len(after) == 1 and after[0]["overdue"] and after[0]["unit_name"] == "东关村"
    with pytest.raises(r.NoticeError, match="in the past"):
        r.issue_notice(county, actor="jiwei", scope=office, unit_id="J120", alert_ids=["A1"],
                       problem="p", requirement="q", deadline="2020-01-01")


def test_the_assessment_counts_on_time_late_and_overdue_per_unit_and_handler(county):
    alert(county, "A1", ["J120"], decided="2026-02-10T10:00:00+08:00")        # on time
    alert(county, "A2", ["J120"], decided="2026-02-21T00:30:00+08:00",        # a day late
          outcome="unfounded", assignee="wang")
    alert(county, "A3", ["J120", "J200"], status="verifying", outcome=None,   # overdue
          decided=None)
    alert(county, "A4", ["J120"], first_seen="2025-06-01T09:00:00+08:00",     # before
          decided="2025-06-02T09:00:00+08:00")
    county.write("""
        CREATE (:Complaint {complaint_id: 'C1', status: 'rated', forwarded_to: 'J100',
                forwarded_at: datetime('2026-03-01T09:00:00+08:00'), deadline: date('2026-03-31'),
                handled_at: datetime('2026-03-11T09:00:00+08:00'), handled_by: 'liaison',
                rating: 5})
        CREATE (:Complaint {complaint_id: 'C2', status: 'forwarded', forwarded_to: 'J100',
                forwarded_at: datetime('2026-03-01T09:00:00+08:00'), deadline: date('2026-03-31')})
        """)
    figures = assessment(county, Scope.of_units(county, ["J000"]), since=dt.date(2026, 1, 1),
                         until=dt.date(2026, 6, 30), today=dt.date(2026, 7, 1),
                         zone="Asia/Shanghai")
    units = {entry["key"]: entry for entry in figures["units"]}
    village = units["J120"]["alerts"]
    assert (village["received"], village["done"], village["on_time"], village["late"],
            village["overdue"]) == (3, 2, 1, 1, 1)
    assert village["confirmed_share"] == 0.5 and village["median_days"] == 14.3
    assert units["J120"]["on_time_share"] == pytest.approx(1 / 3)
    assert units["J120"]["name"] == "东关村"
    town = units["J100"]["complaints"]
    assert (town["received"], town["on_time"], town["overdue"], town["rating"],
            town["ratings"]) == (2, 1, 1, 5.0, 1)
    assert units["J200"]["alerts"]["overdue"] == 1 and units["J200"]["complaints"] is None
    handlers = {entry["key"]: entry for entry in figures["handlers"]}
    assert handlers["li"]["name"] == "李核查" and handlers["li"]["alerts"]["on_time"] == 1
    assert handlers["wang"]["alerts"]["late"] == 1 and handlers["wang"]["on_time_share"] == 0
    assert handlers["liaison"]["complaints"]["on_time"] == 1
    assert [entry["key"] for entry in figures["units"]][0] == "J200", "lowest share first"
    hexi = assessment(county, Scope.of_units(county, ["J200"]), since=dt.date(2026, 1, 1),
                      until=dt.date(2026, 6, 30), today=dt.date(2026, 7, 1))
    assert [entry["key"] for entry in hexi["units"]] == ["J200"]
    data = assessment_csv(figures)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][:3] == ["层级/group", "编码或账号/key", "名称/name"]
    village_row = next(row for row in rows if row[1] == "J120")
    assert village_row[-1] == "0.333" and village_row[3:6] == ["3", "2", "1"]
    with pytest.raises(Exception, match="before it starts"):
        assessment(county, Scope.everything(), since=dt.date(2026, 2, 1),
                   until=dt.date(2026, 1, 1))
