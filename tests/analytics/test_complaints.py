"""Complaints against the real Neo4j: filed once however often posted, worked step by step
within jurisdictions, read by their citizen only through the code, counted into hot spots."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from analytics import complaints as c
from analytics import public_forms as forms
from analytics.audit import read_log
from analytics.complaint_reads import (complaint_hot_spots, complaints_of_person,
                                       complaints_of_unit, get_complaint, list_complaints)
from analytics.scope import Scope

UNITS = """
UNWIND $units AS row
CREATE (u:Unit {unit_id: row[0], name: row[1], level: row[3]})
WITH u, row MATCH (parent:Unit {unit_id: row[2]}) CREATE (u)-[:PART_OF]->(parent)
"""
TREE = [["J000", "县纪委", "", "county"], ["J100", "城关镇", "J000", "township"],
        ["J120", "东关村", "J100", "village"], ["J200", "河西乡", "J000", "township"],
        ["J210", "河西村", "J200", "village"]]
LEVELS = ["township", "village"]


@pytest.fixture
def county(db):
    db.write("CREATE (:Unit {unit_id: 'J000', name: '县纪委', level: 'county'})")
    db.write(UNITS, units=TREE[1:])
    db.write("CREATE (:Person {id_number: 'P1', name: '王建国'})"
             "-[:HOLDS_POSITION {title: '主任'}]->(:Unit {unit_id: 'X'})")
    return db


def scope(db, unit: str) -> Scope:
    return Scope.of_units(db, [unit])


def filed(db, place: str = "J120", nonce: str = "A" * 26, category: str = "subsidy") -> dict:
    secret = forms.server_secret(db)
    code = forms.tracking_code(secret, nonce)
    result = c.file_complaint(db, complaint_id=forms.complaint_id_for(nonce),
                              tracking_hash=forms.tracking_hash(code), category=category,
                              place_unit_id=place, text="低保名单里有村干部的亲属。",
                              levels=LEVELS, subject_text="王某", contact="138")
    return {**result, "code": code}


def test_a_form_posted_four_times_at_once_stores_one_complaint(county):
    results = []
    threads = [threading.Thread(target=lambda: results.append(filed(county)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["created"] for r in results) == [False, False, False, True]
    assert len({r["code"] for r in results}) == 1
    assert county.read("MATCH (x:Complaint) RETURN count(x) AS n")[0]["n"] == 1
    assert county.read("MATCH (:Complaint)-[:HAS_EVENT]->(e) RETURN count(e) AS n")[0]["n"] == 1
    assert read_log(county, action="complaint.file")["total"] == 1
    with pytest.raises(c.ComplaintError, match="no public unit"):
        filed(county, place="J000", nonce="B" * 26)


def test_filings_at_once_for_good_and_wrong_places_each_get_their_own_answer(county):
    """Filings that arrive together share a commit; a wrong place among them is refused
    alone and the others are stored, each with its own code and audit event."""
    barrier, answers = threading.Barrier(8), {}

    def file(number: int) -> None:
        place = "J000" if number % 4 == 0 else ("J120" if number % 2 else "J210")
        barrier.wait()
        try:
            answers[number] = filed(county, place=place, nonce=f"{number:02d}" + "C" * 24)
        except c.ComplaintError as refused:
            answers[number] = refused

    threads = [threading.Thread(target=file, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = sorted(n for n, a in answers.items() if isinstance(a, c.ComplaintError))
    assert refused == [0, 4]
    stored = county.read("MATCH (x:Complaint) RETURN x.complaint_id AS id, "
                         "x.place_unit_id AS place")
    assert len(stored) == 6 and {row["place"] for row in stored} == {"J120", "J210"}
    assert {answers[n]["complaint_id"] for n in range(8) if n not in refused} == \
        {row["id"] for row in stored}
    assert read_log(county, action="complaint.file")["total"] == 6


def test_the_citizen_sees_their_own_complaint_only_through_the_code(county):
    first = filed(county)
    mine = c.complaint_for_citizen(county, forms.tracking_hash(first["code"]))
    assert mine["text"] == "低保名单里有村干部的亲属。" and mine["place_name"] == "东关村"
    assert set(mine) >= {"status", "answer", "steps"} and "contact" not in mine
    assert "handling_report" not in mine and all("actor" not in s for s in mine["steps"])
    assert c.complaint_for_citizen(county, forms.tracking_hash("AAAA-AAAA-AAAA-AAAA")) is None
    assert c.complaint_for_citizen(county, None) is None


def test_the_whole_loop_within_jurisdictions(county):
    complaint_id = filed(county)["complaint_id"]
    office, other_office = scope(county, "J000"), scope(county, "J200")
    township = scope(county, "J100")
    with pytest.raises(c.ComplaintNotFound):
        c.accept(county, complaint_id, actor="hexi", scope=other_office)
    with pytest.raises(c.ComplaintError, match="cannot review"):
        c.review(county, complaint_id, actor="ops", scope=Scope.everything())
    c.accept(county, complaint_id, actor="jiwei", scope=office, subject_id_number="P1")
    assert complaints_of_person(county, "P1", office)[0]["complaint_id"] == complaint_id
    with pytest.raises(c.ComplaintError, match="no unit 'J210' in your jurisdiction"):
        c.forward(county, complaint_id, actor="x", scope=township, unit_id="J210")
    with pytest.raises(c.ComplaintNotFound):     # not forwarded yet: not the unit's
        c.handle(county, complaint_id, actor="liaison", scope=township, report="x")
    assert list_complaints(county, township, view="unit")["total"] == 0
    c.forward(county, complaint_id, actor="jiwei", scope=office, unit_id="J100")
    assert list_complaints(county, township, view="unit")["total"] == 1
    assert list_complaints(county, scope(county, "J200"), view="unit")["total"] == 0
    with pytest.raises(c.ComplaintNotFound):
        c.handle(county, complaint_id, actor="hexi", scope=other_office, report="x")
    c.handle(county, complaint_id, actor="liaison", scope=township, report="已查实并纠正。")
    c.return_to_unit(county, complaint_id, actor="jiwei", scope=office, note="补充证据")
    c.handle(county, complaint_id, actor="liaison", scope=township, report="补充了证据。")
    c.review(county, complaint_id, actor="jiwei", scope=office)
    c.answer(county, complaint_id, actor="jiwei", scope=office, answer_text="属实，已纠正。")
    code_hash = county.read("MATCH (x:Complaint) RETURN x.tracking_hash AS h")[0]["h"]
    with pytest.raises(c.ComplaintError, match="1 to 5"):
        c.rate(county, code_hash, rating=6)
    c.rate(county, code_hash, rating=4, comment="满意")
    with pytest.raises(c.ComplaintError, match="cannot rate"):
        c.rate(county, code_hash, rating=1)
    found = get_complaint(county, complaint_id, office)
    assert found["complaint"]["status"] == "rated" and found["complaint"]["rating"] == 4
    assert [e["action"] for e in found["events"]] == [
        "file", "accept", "forward", "handle", "return", "handle", "review", "answer", "rate"]
    assert found["persons"] == [{"id_number": "P1", "name": "王建国"}]
    assert get_complaint(county, complaint_id, township, view="unit")["complaint"].get(
        "contact") is None, "the unit does not learn who complained"
    assert get_complaint(county, complaint_id, other_office) is None
    assert sorted(found["complaint"]["unit_ids"]) == ["J100", "J120"]
    assert [e["action"] for e in reversed(read_log(county)["items"])][-8:] == [
        "complaint.accept", "complaint.forward", "complaint.handle", "complaint.return",
        "complaint.handle", "complaint.review", "complaint.answer", "complaint.rate"]


def test_two_officers_at_once_one_wins_and_the_other_is_told(county):
    complaint_id = filed(county)["complaint_id"]
    office = scope(county, "J000")
    errors, done = [], []

    def act(name):
        try:
            done.append(c.accept(county, complaint_id, actor=name, scope=office,
                                 expected_status="received"))
        except c.ComplaintError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=act, args=(f"officer{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 1 and len(errors) == 2
    assert all("someone acted on it" in error for error in errors)


def test_forwarded_complaints_past_their_deadline_are_overdue(county):
    complaint_id = filed(county)["complaint_id"]
    office = scope(county, "J000")
    c.accept(county, complaint_id, actor="jiwei", scope=office)
    due = c.local_today() + dt.timedelta(days=3)
    c.forward(county, complaint_id, actor="jiwei", scope=office, unit_id="J100", deadline=due)
    later = due + dt.timedelta(days=1)
    assert list_complaints(county, office, overdue=True)["total"] == 0
    listed = list_complaints(county, office, overdue=True, today=later)
    assert listed["total"] == 1 and listed["items"][0]["overdue"]
    with pytest.raises(c.ComplaintError, match="in the past"):
        c.forward(county, complaint_id, actor="jiwei", scope=office, unit_id="J100",
                  deadline="2000-01-01")


def test_hot_spots_count_filed_and_loaded_complaints_by_place_category_and_month(county):
    filed(county, "J120", "A" * 26, "subsidy")
    filed(county, "J120", "B" * 26, "subsidy")
    filed(county, "J100", "C" * 26, "project")
    filed(county, "J210", "D" * 26, "conduct")          # another township
    county.write("""
        MATCH (u:Unit {unit_id: 'J120'})
        CREATE (:Complaint {complaint_id: 'XF2024-1', date: date('2024-03-05'),
                            category: '惠民资金', text: '导入'})-[:ABOUT]->(u)""")
    spots = complaint_hot_spots(county, "J100", scope(county, "J000"))
    assert spots["total"] == 4
    assert spots["places"][0] == {"place_id": "J120", "place_name": "东关村", "complaints": 3}
    assert {row["category"]: row["complaints"] for row in spots["categories"]} == {
        "subsidy": 2, "project": 1, "惠民资金": 1}
    month = c.local_today().strftime("%Y-%m")
    assert spots["months"] == [{"month": "2024-03", "complaints": 1},
                               {"month": month, "complaints": 3}]
    assert complaint_hot_spots(county, "J100", scope(county, "J200")) is None
    since = complaint_hot_spots(county, "J100", scope(county, "J000"), since="2025-01-01")
    assert since["total"] == 3
    listed = complaints_of_unit(county, "J120", scope(county, "J100"))
    assert listed["total"] == 3 and listed["items"][-1]["status"] == "imported"
    assert complaints_of_unit(county, "J120", scope(county, "J200")) is None
