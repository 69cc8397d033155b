"""``evaluate`` limited to one dataset, and a rule's hits scored by the same protocol."""
from __future__ import annotations

from explore_fixture import HONGDA, OFFICIAL, SPOUSE_SIBLING, county

from analytics.evaluate import Case, evaluate, hits_as_alerts, score

__all__ = ["county"]


def write_truth(folder, *rows: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "truth.csv").write_text("case_id,pattern,entity_ids\n" + "\n".join(rows) + "\n",
                                      encoding="utf-8")


def test_evaluation_counts_only_the_alerts_of_the_dataset_asked_for(county, tmp_path):
    folder = tmp_path / "truth"
    write_truth(folder, f"c1,relative_supplier,{OFFICIAL};{SPOUSE_SIBLING};{HONGDA};K1;U1")
    [loaded] = county.read("MATCH (c:Contract {contract_id: 'K1'}) RETURN c.src_dataset AS d")
    everything = evaluate(county, folder)
    # The county's four alerts rest on its rows (its dataset is named after the folder it
    # was loaded from): A1 finds the case, the three others are alarms of rules with no case.
    assert everything.scores["relative_supplier"].recall == 1.0
    assert sum(s.alerts for s in everything.scores.values()) == 4
    assert evaluate(county, folder, dataset=loaded["d"]).scores[
        "relative_supplier"].precision == 1.0
    elsewhere = evaluate(county, folder, dataset="another-county")
    assert sum(s.alerts for s in elsewhere.scores.values()) == 0
    assert elsewhere.scores["relative_supplier"].recall == 0.0


def test_hits_score_like_alerts():
    cases = [Case("c1", "bid_rigging", frozenset({"T1", "C1", "C2"}))]
    hits = [{"T1", "C1"}, {"C9", "T9"}]
    result = score(cases, hits_as_alerts("bid_rigging", hits), set()).scores["bid_rigging"]
    assert (result.recall, result.precision) == (1.0, 0.5)
    assert result.false_alarms == ["bid_rigging#2"]
