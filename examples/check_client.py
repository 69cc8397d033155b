"""A business system's client of Lianjian's embedded supervision (事前监督, 预警信息集成).

Standard library only: copy this file into the approval system. Before approving a
contract or a subsidy payment, ask Lianjian; act on the answer:

    client = LianjianClient("https://lianjian.example.gov.cn", token="lj_…")
    answer = client.check("contract", {"buyer_unit_id": "U001", "supplier_credit_code": "…",
                                       "amount": 260000, "signed_date": "2026-03-01"})
    if answer["result"] == "block":
        show(answer["hits"])          # each hit says why, in Chinese and English
        # approve anyway only with a reason; Lianjian turns it into an alert:
        client.override(answer["check_id"], "抢险工程，县政府常务会议已研究")
    elif answer["result"] == "warn":
        show(answer["hits"])

    client.warning(source="caizheng", rule="duplicate_payment", key="CZ-2026-0001",
                   entities=["…ID number…"], text="同户同月重复发放",
                   time="2026-03-01T09:00:00+08:00")

The token belongs to a service account of role ``system`` at the business system's unit
(``lianjian users add …-system --unit U --role system``, then ``lianjian users token add``).
From a shell: ``python check_client.py URL TOKEN contract row.json``.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any


class LianjianError(Exception):
    """Lianjian refused the call; ``status`` is the HTTP status, the message its words."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status


class LianjianClient:
    def __init__(self, url: str, token: str, timeout: float = 10.0):
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            method="POST", headers={"Authorization": f"Bearer {self.token}",
                                    "Content-Type": "application/json; charset=utf-8",
                                    "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read().decode("utf-8")).get("error", "")
            except ValueError:
                message = error.reason
            raise LianjianError(error.code, message) from None

    def check(self, kind: str, row: dict[str, Any]) -> dict[str, Any]:
        """``kind`` 'contract' or 'subsidy'; ``row`` the columns of a contracts.csv or
        subsidies.csv row. Returns ``{check_id, result: pass|warn|block, hits, …}``;
        403 when the row's unit is not in the system's jurisdiction, 422 for a bad row."""
        return self._post("/api/v1/checks", {"kind": kind, "row": row})

    def override(self, check_id: str, reason: str) -> dict[str, Any]:
        """Approve a blocked row anyway, with the reason: ``{check_id, alert_id, rule_id}``."""
        return self._post(f"/api/v1/checks/{check_id}/override", {"reason": reason})

    def warning(self, *, source: str, rule: str, key: str, entities: list[str], text: str,
                time: str, severity: str = "medium") -> dict[str, Any]:
        """Send one of the system's own warnings; the same source and key twice is one
        alert (``created`` False the second time)."""
        return self._post("/api/v1/warnings", {
            "source": source, "rule": rule, "key": key, "entities": entities, "text": text,
            "time": time, "severity": severity})


def main(arguments: list[str]) -> int:
    if len(arguments) != 4:
        print("usage: check_client.py URL TOKEN contract|subsidy ROW.json", file=sys.stderr)
        return 2
    url, token, kind, path = arguments
    with open(path, encoding="utf-8") as stream:
        row = json.load(stream)
    try:
        answer = LianjianClient(url, token).check(kind, row)
    except LianjianError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    print(f"{answer['result']} ({answer['check_id']})")
    for hit in answer["hits"]:
        print(f"- [{hit['action']}] {hit['name_zh']}: {hit['summary_zh']}")
    return 0 if answer["result"] != "block" else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
