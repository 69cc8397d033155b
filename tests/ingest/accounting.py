"""The bookkeeping every messy-input test checks: each row in is in the graph or reported."""
from __future__ import annotations

NODE_TABLES = {"units": "Unit", "persons": "Person", "companies": "Company",
               "contracts": "Contract", "bids": "Bid", "accounts": "Account",
               "transactions": "Transaction", "subsidies": "SubsidyPayment",
               "complaints": "Complaint"}
TIE_TABLES = {"positions": "HOLDS_POSITION", "kinship": "HAS_RELATIVE",
              "company_roles": "HOLDS_ROLE"}

_NODE_ROWS = """
CALL { MATCH (n:{label}) WHERE n.src_sources IS NULL AND n.stub IS NULL
         AND n.src_dataset = $dataset AND n.src_file = $file RETURN count(n) AS alone }
CALL { MATCH (c:Claim {{subject: $subject}}) WHERE c.src_dataset = $dataset AND c.src_file = $file
       RETURN count(c) AS claimed }
RETURN alone + claimed AS n
"""

_TIE_ROWS = """
CALL { MATCH ()-[r:{label}]->() WHERE r.src_sources IS NULL AND r.derived IS NULL
         AND r.src_dataset = $dataset AND r.src_file = $file RETURN count(r) AS alone }
CALL { MATCH (c:Claim {{subject: $subject}}) WHERE c.src_dataset = $dataset AND c.src_file = $file
       RETURN count(c) AS claimed }
RETURN alone + claimed AS n
"""


def graph_rows(db, table: str, dataset: str, file: str) -> int:
    """Rows of ``file`` that stand in the graph as the node or tie they define."""
    if table in NODE_TABLES:
        query, label = _NODE_ROWS, NODE_TABLES[table]
    else:
        query, label = _TIE_ROWS, TIE_TABLES[table]
    return db.read(query.replace("{label}", label).replace("{{", "{").replace("}}", "}"),
                   dataset=dataset, file=file, subject=label)[0]["n"]


def rejected_rows(result, table: str, file: str) -> int:
    return len({issue.row for issue in result.report if issue.file == file
                and issue.action == "rejected" and issue.table == table})


def assert_accounted(db, result, rows_in: dict[tuple[str, str], int]) -> None:
    """rows in = rows in the graph + rows reported, per (table, file); every line is complete."""
    for (table, file), expected in rows_in.items():
        in_graph = graph_rows(db, table, result.dataset, file)
        reported = rejected_rows(result, table, file)
        assert in_graph + reported == expected, (table, file, in_graph, reported, expected)
        count = result.counts[table]
        assert count.read == expected, (table, count)
        assert count.read == count.written + count.unchanged + count.rejected, (table, count)
    assert_complete(result.report)


def assert_complete(report) -> None:
    for issue in report:
        assert issue.file and issue.row is not None and issue.column and issue.reason, issue
        assert issue.action in {"rejected", "corrected", "warning", "conflict", "reference",
                                "merged", "ignored", "skipped"}, issue
