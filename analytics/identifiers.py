"""Shared-identifier clusters (共用联系方式): persons and companies that share a phone,
address, email or bank account.

Nominee shareholders (代持), shell companies registered at an official's home, bidders that
file from one office, and subsidies paid into one pooled account all leave the same trace:
distinct parties with one contact detail. Clusters are computed by aggregation inside
Neo4j and bounded by ``$limit``. Members of one household sharing their home address is
ordinary; by default such clusters are skipped.

Within a reader's scope a cluster is listed when at least one member is in scope; members
outside it are counted (``withheld``) but not listed, so the lead "someone elsewhere
shares this phone" survives without naming anyone the reader may not see.
"""
from __future__ import annotations

from analytics.access import in_scope
from analytics.plain import plain
from analytics.queries import resolve_entity
from analytics.scope import Scope

__all__ = ["IDENTIFIER_KINDS", "SHARED_IDENTIFIERS", "shared_identifier_clusters"]

IDENTIFIER_KINDS = ("phone", "address", "email", "account")

# Members per identifier: persons and companies by phone, address and email; for an account,
# its holder and every recipient of a subsidy paid into it. A cluster's households counts
# distinct household_ids (a company, or a person without one, counts alone).
SHARED_IDENTIFIERS = """
CALL {
  MATCH (n:Person) WHERE 'phone' IN $kinds AND n.phone IS NOT NULL
  RETURN 'phone' AS kind, n.phone AS value, n
  UNION
  MATCH (n:Company) WHERE 'phone' IN $kinds AND n.phone IS NOT NULL
  RETURN 'phone' AS kind, n.phone AS value, n
  UNION
  MATCH (n:Person) WHERE 'address' IN $kinds AND n.address IS NOT NULL
  RETURN 'address' AS kind, n.address AS value, n
  UNION
  MATCH (n:Company) WHERE 'address' IN $kinds AND n.address IS NOT NULL
  RETURN 'address' AS kind, n.address AS value, n
  UNION
  MATCH (n:Person) WHERE 'email' IN $kinds AND n.email IS NOT NULL
  RETURN 'email' AS kind, toLower(n.email) AS value, n
  UNION
  MATCH (n:Company) WHERE 'email' IN $kinds AND n.email IS NOT NULL
  RETURN 'email' AS kind, toLower(n.email) AS value, n
  UNION
  MATCH (account:Account)-[:HELD_BY]->(n) WHERE 'account' IN $kinds AND (n:Person OR n:Company)
  RETURN 'account' AS kind, account.account_no AS value, n
  UNION
  MATCH (:SubsidyPayment)-[:INTO_ACCOUNT]->(account:Account)
  WHERE 'account' IN $kinds
  MATCH (account)<-[:INTO_ACCOUNT]-(:SubsidyPayment)-[:RECIPIENT]->(n:Person)
  RETURN 'account' AS kind, account.account_no AS value, n
}
WITH kind, trim(toString(value)) AS value, collect(DISTINCT n) AS members
WHERE value <> '' AND size(members) >= $min_size
  AND ($key IS NULL OR any(m IN members WHERE elementId(m) = $key))
WITH kind, value, members,
     [m IN members WHERE CASE WHEN m:Person THEN $person_in_scope
                              ELSE $company_in_scope END] AS visible
WHERE size(visible) > 0
WITH kind, value, members, visible,
     reduce(groups = [], m IN members |
       CASE WHEN coalesce(m.household_id, elementId(m)) IN groups THEN groups
            ELSE groups + coalesce(m.household_id, elementId(m)) END) AS households
WHERE NOT $skip_households OR size(households) > 1
RETURN kind, value, size(members) AS size, size(households) AS households,
       size([m IN members WHERE m:Company]) AS companies,
       size([m IN members WHERE EXISTS { (m)-[:HOLDS_POSITION]->(:Unit) }]) AS officials,
       size(members) - size(visible) AS withheld,
       [m IN visible[..$max_members] | {
          label: head(labels(m)), key: coalesce(m.id_number, m.credit_code), name: m.name,
          household_id: m.household_id,
          official: EXISTS { (m)-[:HOLDS_POSITION]->(:Unit) }
       }] AS members
ORDER BY size DESC, kind, value
LIMIT $limit
""".replace("$person_in_scope", in_scope("Person", "m")).replace(
    "$company_in_scope", in_scope("Company", "m"))


def shared_identifier_clusters(connection, kinds=IDENTIFIER_KINDS, key: str | None = None, *,
                               scope: Scope, min_size: int = 2, skip_households: bool = True,
                               max_members: int = 50, limit: int = 200) -> list[dict]:
    """Groups of persons and companies sharing a phone, address, email or account.

    Parameters
    ----------
    connection : graph.connection.Connection
    kinds : iterable of str
        Among ``IDENTIFIER_KINDS``.
    key : str, optional
        Only clusters containing this person (id_number) or company (credit_code), which
        must be in scope.
    scope : analytics.scope.Scope
        Clusters with at least one member in scope; other members counted, not listed.
    min_size : int
        Fewest members of a cluster.
    skip_households : bool
        Leave out clusters whose members all belong to one household (family at home).
    max_members : int
        Members listed per cluster (``size`` still counts them all).
    limit : int
        Most clusters, largest first.

    Returns
    -------
    list of dict
        ``kind``, ``value``, ``size``, ``households`` (distinct households among them),
        ``companies``, ``officials`` (how many hold a post), ``withheld`` (members outside
        the scope) and ``members`` (those in scope: {label, key, name, household_id,
        official}).

    Notes
    -----
    A cluster is a lead, not an accusation: relatives share addresses, small firms share an
    accountant's phone. What makes it worth a look is a mix such as an official and a
    company he does not appear in.
    """
    kinds = list(kinds)
    unknown = sorted(set(kinds) - set(IDENTIFIER_KINDS))
    if unknown:
        raise ValueError(f"unknown identifier kinds {unknown}; choose among "
                         f"{', '.join(IDENTIFIER_KINDS)}")
    element_id = resolve_entity(connection, key, scope=scope)["element_id"] if key else None
    return plain(connection.read(
        SHARED_IDENTIFIERS, kinds=kinds, key=element_id, min_size=int(min_size),
        skip_households=bool(skip_households), max_members=int(max_members),
        limit=int(limit), **scope.parameters()))
