"""Search by name, part of a name, pinyin, any spelling of an identifier, and numbers."""
from __future__ import annotations

import json

import pytest
from explore_fixture import ACCOUNT, ANDA, CHILD, HONGDA, OFFICIAL, SPOUSE, county

from analytics.search import SEARCHABLE, search_entities
from analytics.scope import Scope

__all__ = ["county"]
ALL = Scope.everything()


def keys(found, label=None):
    return [hit["key"] for hit in found["results"] if label is None or hit["label"] == label]


def test_a_name_in_characters_and_in_part(county):
    found = search_entities(county, "宏达建筑工程有限公司", scope=ALL)
    assert found["results"][0]["key"] == HONGDA and found["results"][0]["match"] == "name"
    assert keys(search_entities(county, "宏达", scope=ALL), "Company") == [HONGDA]
    assert keys(search_entities(county, "甲", scope=ALL), "Person") == [OFFICIAL]
    # A single character finds the names that hold it anywhere.
    assert set(keys(search_entities(county, "达", scope=ALL), "Company")) == {HONGDA, ANDA}
    json.dumps(found)


def test_pinyin_full_and_partial(county):
    assert keys(search_entities(county, "jia", scope=ALL, types=["Person"])) == [OFFICIAL]
    hongda = search_entities(county, "hongda", scope=ALL, types=["Company"])
    assert keys(hongda) == [HONGDA] and hongda["results"][0]["match"] == "pinyin"
    assert keys(search_entities(county, "An Da", scope=ALL, types=["Company"])) == [ANDA]
    # Still typing: the last syllable may be cut short.
    assert HONGDA in keys(search_entities(county, "hongd", scope=ALL, types=["Company"]))


def test_every_spelling_of_an_id_number(county):
    legacy = OFFICIAL[:6] + OFFICIAL[8:17]
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in OFFICIAL)
    spaced = f"{OFFICIAL[:6]} {OFFICIAL[6:14]} {OFFICIAL[14:]}"
    for spelling in (OFFICIAL, OFFICIAL.lower(), legacy, fullwidth, spaced):
        found = search_entities(county, spelling, scope=ALL)
        assert found["results"][0]["key"] == OFFICIAL, spelling
        assert found["results"][0]["match"] == "key"


def test_codes_accounts_contracts_and_tenders(county):
    assert search_entities(county, HONGDA.lower(), scope=ALL)["results"][0]["key"] == HONGDA
    account = ACCOUNT["SPOUSE"]
    spaced = " ".join(account[i:i + 4] for i in range(0, len(account), 4))
    hit = search_entities(county, spaced, scope=ALL)["results"][0]
    assert (hit["label"], hit["key"]) == ("Account", account)
    assert hit["context"]["holder"] == "乙"
    assert search_entities(county, "K1", scope=ALL)["results"][0]["label"] == "Contract"
    assert search_entities(county, "T1", scope=ALL)["results"][0]["label"] == "Tender"


def test_a_prefix_of_an_identifier(county):
    found = search_entities(county, OFFICIAL[:10], scope=ALL, types=["Person"], limit=3)
    assert all(hit["match"] == "key_prefix" for hit in found["results"])
    assert len(found["results"]) == 3 and found["groups"][0]["more"]


def test_ranked_and_grouped(county):
    found = search_entities(county, "乙", scope=ALL)
    assert found["results"][0]["key"] == SPOUSE  # the name itself before anything else
    scores = [hit["score"] for hit in found["results"]]
    assert scores == sorted(scores, reverse=True)
    assert found["groups"][0]["label"] == "Person" and found["groups"][0]["label_zh"] == "人员"
    limited = search_entities(county, "有限公司", scope=ALL, types=["Company"], limit=2)
    assert len(limited["groups"][0]["items"]) == 2 and limited["groups"][0]["more"]


def test_query_syntax_in_what_is_typed_is_text(county):
    for text in ('<script>alert(1)</script>', '"丁', 'name:丁 OR *', "(((", "丁~"):
        found = search_entities(county, text, scope=ALL)
        assert isinstance(found["results"], list)
    assert CHILD in keys(search_entities(county, "丁~", scope=ALL))


def test_bad_requests_say_what_to_do(county):
    with pytest.raises(ValueError, match="type a name"):
        search_entities(county, "  ", scope=ALL)
    with pytest.raises(ValueError, match="cannot search"):
        search_entities(county, "甲", scope=ALL, types=["LoadRun"])
    assert "Alert" not in SEARCHABLE and "Person" in SEARCHABLE
