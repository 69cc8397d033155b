"""Anomaly ranking (异常排序) of contracts and suppliers with an isolation forest.

Rules find what their definitions say; some abuse fits no rule yet. An isolation forest
ranks contracts by how easily they are set apart from the rest: an unusually large amount
for its category, a single-source award just under the tender threshold, a supplier
founded weeks before, a supplier taking most of one buyer's money, a tender with a single
bid. Each row says which features drove its score (the features furthest from the
typical value, as z-scores), so a reviewer sees why it ranks high.

A high rank is a lead, not an accusation (线索，不是定性): many odd contracts are lawful
(emergency works, a sole licensed supplier).

The forest is fitted on every contract bought by the units asked for (within the reader's
scope), never on a sample; the result returns the ``top`` rows and says how many were
ranked. The tender thresholds and the methods that avoid a tender are read from the
bid_splitting rule file.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from analytics.access import in_scope
from analytics.plain import plain
from analytics.queries import as_date
from analytics.rule_facts import not_tendered_methods, tender_thresholds
from analytics.scope import Scope

__all__ = [
    "CONTRACT_FEATURES",
    "FEATURES",
    "NON_COMPETITIVE_METHODS",
    "LEAD_WORDING",
    "contract_features",
    "supplier_features",
    "score_anomalies",
    "rank_contract_anomalies",
    "rank_supplier_anomalies",
]

# A feature of this ranking, not a rule's parameter: awards without any competition.
NON_COMPETITIVE_METHODS = frozenset({"single_source", "direct"})
LEAD_WORDING = "lead, not an accusation (线索，不是定性)"

# One row per contract of the units (all of them), with what is known of its supplier,
# buyer and tender: the buyer's total spend and the part of it that went to this supplier,
# each summed once per buyer and supplier.
CONTRACT_FEATURES = f"""
MATCH (contract:Contract)-[:BUYER]->(unit:Unit)
WHERE ($unit_ids IS NULL OR unit.unit_id IN $unit_ids) AND {in_scope('Unit', 'unit')}
OPTIONAL MATCH (contract)-[:SUPPLIER]->(supplier:Company)
WITH unit, supplier, collect(contract) AS contracts,
     sum(coalesce(contract.amount, 0.0)) AS spent
WITH unit, sum(spent) AS buyer_total,
     collect({{supplier: supplier, contracts: contracts,
              at_buyer: CASE WHEN supplier IS NULL THEN 0.0 ELSE spent END}}) AS groups
UNWIND groups AS grouped
UNWIND grouped.contracts AS contract
WITH unit, buyer_total, grouped.supplier AS supplier, grouped.at_buyer AS supplier_at_buyer,
     contract
OPTIONAL MATCH (contract)-[:FOR_TENDER]->(tender:Tender)
RETURN contract.contract_id AS contract_id, contract.title AS title,
       contract.amount AS amount, contract.category AS category, contract.method AS method,
       contract.signed_date AS signed_date, unit.unit_id AS buyer_unit_id,
       unit.name AS buyer_name, supplier.credit_code AS supplier_credit_code,
       supplier.name AS supplier_name, supplier.established_date AS supplier_established,
       supplier.registered_capital AS supplier_capital,
       CASE WHEN supplier IS NULL THEN 0
            ELSE COUNT {{ (supplier)<-[:SUPPLIER]-(:Contract) }} END AS supplier_contracts,
       CASE WHEN tender IS NULL THEN 0
            ELSE COUNT {{ (tender)<-[:FOR_TENDER]-(:Bid) }} END AS bids,
       buyer_total, supplier_at_buyer
ORDER BY contract_id
"""

SUPPLIER_FEATURES = ["contracts", "log_total_amount", "buyers", "max_share_of_a_buyer",
                     "non_competitive_share", "single_bid_share", "young_supplier"]
FEATURES = ("log_amount", "amount_z_in_category", "non_competitive", "threshold_proximity",
            "young_supplier", "amount_to_capital", "supplier_share_of_buyer",
            "supplier_contracts", "single_bid")


def contract_features(rows: pd.DataFrame) -> pd.DataFrame:
    """Numeric features of each contract, from the rows of ``CONTRACT_FEATURES``.

    - ``log_amount``: log(1 + amount).
    - ``amount_z_in_category``: log amount's z-score among contracts of its category.
    - ``non_competitive``: 1 for single_source or direct awards.
    - ``threshold_proximity``: amount / tender threshold of its category for awards without
      a tender (close to 1 = just under the threshold), else 0.
    - ``young_supplier``: 1 / (1 + supplier age in years at signing); unknown = median.
    - ``amount_to_capital``: log(1 + amount / registered capital); unknown = median.
    - ``supplier_share_of_buyer``: the supplier's share of the buyer's total spend.
    - ``supplier_contracts``: log(1 + the supplier's number of contracts).
    - ``single_bid``: 1 when the tender received at most one bid (no tender counts 0).

    >>> rows = pd.DataFrame({"amount": [100.0, 1_900_000.0], "category": ["goods", "goods"],
    ...     "method": ["public_tender", "single_source"], "signed_date": ["2021-03-01"] * 2,
    ...     "supplier_established": ["2001-01-01", "2021-01-01"], "supplier_capital": [1e6, None],
    ...     "supplier_contracts": [3, 1], "bids": [3, 0], "buyer_total": [1_900_100.0] * 2,
    ...     "supplier_at_buyer": [100.0, 1_900_000.0]})
    >>> features = contract_features(rows)
    >>> features[["non_competitive", "threshold_proximity", "single_bid"]].values.tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.95, 0.0]]
    """
    frame = pd.DataFrame(index=rows.index)
    amount = pd.to_numeric(rows["amount"], errors="coerce").fillna(0.0).clip(lower=0.0)
    frame["log_amount"] = np.log1p(amount)
    grouped = frame["log_amount"].groupby(rows["category"].fillna("unknown"))
    spread = grouped.transform("std").fillna(0.0)
    frame["amount_z_in_category"] = ((frame["log_amount"] - grouped.transform("mean"))
                                     / spread.where(spread > 0, 1.0))
    method = rows["method"].fillna("unknown")
    frame["non_competitive"] = method.isin(NON_COMPETITIVE_METHODS).astype(float)
    threshold = rows["category"].map(tender_thresholds())
    frame["threshold_proximity"] = (amount / threshold).where(
        method.isin(not_tendered_methods()) & threshold.notna(), 0.0).astype(float)
    age_years = [
        (as_date(signed) - as_date(founded)).days / 365.25
        if as_date(signed) and as_date(founded) else math.nan
        for signed, founded in zip(rows["signed_date"], rows["supplier_established"])]
    young = 1.0 / (1.0 + pd.Series(age_years, index=rows.index).clip(lower=0.0))
    frame["young_supplier"] = young.fillna(young.median() if young.notna().any() else 0.0)
    capital = pd.to_numeric(rows["supplier_capital"], errors="coerce")
    ratio = np.log1p(amount / capital.where(capital > 0))
    frame["amount_to_capital"] = ratio.fillna(ratio.median() if ratio.notna().any() else 0.0)
    buyer_total = pd.to_numeric(rows["buyer_total"], errors="coerce")
    frame["supplier_share_of_buyer"] = (pd.to_numeric(rows["supplier_at_buyer"], errors="coerce")
                                        / buyer_total.where(buyer_total > 0)).fillna(0.0)
    frame["supplier_contracts"] = np.log1p(pd.to_numeric(rows["supplier_contracts"]).fillna(0))
    bids = pd.to_numeric(rows["bids"]).fillna(0)
    frame["single_bid"] = ((bids == 1)).astype(float)
    return frame[list(FEATURES)].astype(float)


def _z_scores(features: pd.DataFrame) -> pd.DataFrame:
    """Distance of each value from the feature's mean, in standard deviations."""
    spread = features.std(ddof=0)
    return (features - features.mean()) / spread.where(spread > 0, 1.0)


def score_anomalies(features: pd.DataFrame, random_state: int = 0, drivers: int = 3,
                    n_estimators: int = 200) -> pd.DataFrame:
    """Isolation-forest scores with, per row, the features that drove them.

    Returns ``score`` (higher = more anomalous; the negated ``score_samples``), ``rank``
    (1 = most anomalous), ``drivers`` (the ``drivers`` features furthest from their mean,
    as ``{feature, value, z}`` with z the z-score) and ``explanation`` (the same as text).

    >>> features = pd.DataFrame({"amount": [1.0, 1.1, 0.9, 1.0, 9.0],
    ...                          "bids": [3.0, 3.0, 4.0, 3.0, 3.0]})
    >>> scored = score_anomalies(features, drivers=1)
    >>> int(scored["rank"].idxmin()), scored.loc[4, "drivers"][0]["feature"]
    (4, 'amount')
    """
    if len(features) < 2:
        raise ValueError(f"an anomaly ranking needs at least 2 rows, got {len(features)}: "
                         "widen the scope or load more contracts")
    forest = IsolationForest(n_estimators=n_estimators, random_state=random_state,
                             contamination="auto")
    forest.fit(features.values)
    score = -forest.score_samples(features.values)
    z_scores = _z_scores(features).to_numpy()
    values, names = features.to_numpy(), list(features.columns)
    # The features furthest from their mean first (ties in column order), for every row.
    order = np.argsort(-np.abs(z_scores), axis=1, kind="stable")[:, :drivers]
    drivers_of, explanations = [], []
    for row, columns in enumerate(order):
        chosen = [{"feature": names[c], "value": float(values[row, c]),
                   "z": round(float(z_scores[row, c]), 2)}
                  for c in columns if abs(z_scores[row, c]) > 0]
        drivers_of.append(chosen)
        explanations.append(", ".join(f"{d['feature']}={d['value']:.3g} ({d['z']:+.1f}σ)"
                                      for d in chosen) or "typical on every feature")
    result = pd.DataFrame({"score": score, "drivers": drivers_of, "explanation": explanations},
                          index=features.index)
    result["rank"] = result["score"].rank(ascending=False, method="first").astype(int)
    return result


def _contract_rows(connection, unit_ids, scope: Scope) -> pd.DataFrame:
    rows = pd.DataFrame(plain(connection.read(
        CONTRACT_FEATURES, unit_ids=None if unit_ids is None else list(unit_ids),
        **scope.parameters())))
    if rows.empty:
        raise ValueError("no contract to rank: load contracts.csv or widen unit_ids")
    return rows


def _ranked(frame: pd.DataFrame, top: int) -> dict:
    frame = frame.sort_values("rank").reset_index(drop=True)
    return {"ranked": len(frame), "rows": plain(frame.head(int(top)).to_dict("records")),
            "features": list(frame.columns.intersection(list(FEATURES) + SUPPLIER_FEATURES)),
            "note": LEAD_WORDING}


def rank_contract_anomalies(connection, *, scope: Scope, unit_ids=None, top: int = 100,
                            random_state: int = 0) -> dict:
    """Contracts ranked by isolation-forest anomaly score, most anomalous first.

    Parameters
    ----------
    connection : graph.connection.Connection
    scope : analytics.scope.Scope
        Only contracts bought by units in the reader's scope.
    unit_ids : list of str, optional
        Only contracts bought by these units.
    top : int
        Rows returned (the forest is fitted on every contract; ``ranked`` says how many).
    random_state : int
        Fixes the forest, so the ranking is repeatable.

    Returns
    -------
    dict
        ``ranked`` (contracts scored), ``rows`` (the ``top`` most anomalous: contract_id,
        title, amount, category, method, signed_date, buyer, supplier, the ``FEATURES``,
        ``score``, ``rank``, ``drivers``, ``explanation``), ``features`` and ``note`` (a
        lead, not an accusation).
    """
    rows = _contract_rows(connection, unit_ids, scope)
    features = contract_features(rows)
    scored = score_anomalies(features, random_state=random_state)
    keep = ["contract_id", "title", "amount", "category", "method", "signed_date",
            "buyer_unit_id", "buyer_name", "supplier_credit_code", "supplier_name"]
    return _ranked(pd.concat([rows[keep], features, scored], axis=1), top)


def supplier_features(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-supplier features from contract rows: volume, reach and how money was won.

    >>> rows = pd.DataFrame({"supplier_credit_code": ["A", "A", "B"],
    ...     "buyer_unit_id": ["U1", "U1", "U2"], "amount": [1.0, 3.0, 2.0],
    ...     "method": ["direct", "public_tender", "public_tender"], "bids": [0, 1, 3],
    ...     "buyer_total": [4.0, 4.0, 2.0], "supplier_at_buyer": [4.0, 4.0, 2.0],
    ...     "young_supplier": [0.5, 0.5, 0.1]})
    >>> supplier_features(rows).loc["A", ["contracts", "buyers", "non_competitive_share"]].tolist()
    [2.0, 1.0, 0.5]
    """
    frame = rows.assign(
        amount=pd.to_numeric(rows["amount"], errors="coerce").fillna(0.0),
        non_competitive=rows["method"].isin(NON_COMPETITIVE_METHODS).astype(float),
        single_bid=(pd.to_numeric(rows["bids"]).fillna(0) == 1).astype(float),
        share=(pd.to_numeric(rows["supplier_at_buyer"], errors="coerce")
               / pd.to_numeric(rows["buyer_total"], errors="coerce")).fillna(0.0))
    grouped = frame.dropna(subset=["supplier_credit_code"]).groupby("supplier_credit_code")
    result = pd.DataFrame({
        "contracts": grouped.size().astype(float),
        "log_total_amount": np.log1p(grouped["amount"].sum()),
        "buyers": grouped["buyer_unit_id"].nunique().astype(float),
        "max_share_of_a_buyer": grouped["share"].max(),
        "non_competitive_share": grouped["non_competitive"].mean(),
        "single_bid_share": grouped["single_bid"].mean(),
        "young_supplier": grouped["young_supplier"].max(),
    })
    return result.astype(float)


def rank_supplier_anomalies(connection, *, scope: Scope, unit_ids=None, top: int = 100,
                            random_state: int = 0) -> dict:
    """Suppliers ranked by anomaly score over their contracts (see ``supplier_features``).

    Same parameters and result as ``rank_contract_anomalies``, one row per supplier:
    supplier_credit_code, supplier_name, the features, ``score``, ``rank``, ``drivers``,
    ``explanation``.
    """
    rows = _contract_rows(connection, unit_ids, scope)
    rows["young_supplier"] = contract_features(rows)["young_supplier"]
    features = supplier_features(rows)
    scored = score_anomalies(features, random_state=random_state)
    names = rows.dropna(subset=["supplier_credit_code"]).groupby(
        "supplier_credit_code")["supplier_name"].first()
    result = pd.concat([names.rename("supplier_name"), features, scored], axis=1)
    return _ranked(result.rename_axis("supplier_credit_code").reset_index(), top)
