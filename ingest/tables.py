"""The canonical tables (``ingest/tables.yaml``) as typed objects, and how sources spell them.

The YAML is the single description of the input contract; readers, validators and the
profile suggester all read it through this module so a new column or alias is added once.
The vocabularies below it (Chinese spellings of enum values, programme names, headers seen
in real exports) are data too, kept here beside the tables they describe.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml

__all__ = [
    "ColumnSpec",
    "TableSpec",
    "load_tables_spec",
    "header_key",
    "header_aliases",
    "table_for_name",
    "VALUE_ALIASES",
    "PROGRAM_IDS",
    "HEADER_SYNONYMS",
]

TABLES_YAML = Path(__file__).with_name("tables.yaml")

VALUE_TYPES = frozenset(
    "id_number credit_code unit_id account_no date amount currency percent phone region_code "
    "bool enum list text".split()
)


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its English name, Chinese header and value type."""

    name: str
    zh: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    currency: str | None = None  # for an amount: the column that holds its currency


@dataclass(frozen=True)
class TableSpec:
    """One canonical table; ``one_of`` lists groups of which exactly one column is filled,
    ``any_of`` groups of which at least one is (an identifier, or a name to resolve)."""

    name: str
    zh: str
    key: tuple[str, ...]
    one_of: tuple[tuple[str, ...], ...]
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    any_of: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def required(self) -> tuple[str, ...]:
        """Columns that must be present and filled in every row (asked twice per row)."""
        return tuple(name for name, column in self.columns.items() if column.required)


@cache
def load_tables_spec(path: Path = TABLES_YAML) -> dict[str, TableSpec]:
    """Read the canonical tables, failing early on a malformed entry.

    >>> spec = load_tables_spec()
    >>> spec["persons"].columns["id_number"].type
    'id_number'
    >>> spec["company_roles"].one_of
    (('holder_id_number', 'holder_credit_code'),)
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {name: _table_from_yaml(name, entry, path) for name, entry in data.items()}


def _table_from_yaml(name: str, entry: dict, path: Path) -> TableSpec:
    columns = {}
    for column_name, column in entry["columns"].items():
        if column["type"] not in VALUE_TYPES:
            raise ValueError(
                f"{path}: {name}.{column_name} has unknown type {column['type']!r}; "
                f"use one of {', '.join(sorted(VALUE_TYPES))}"
            )
        columns[column_name] = ColumnSpec(
            name=column_name,
            zh=column["zh"],
            type=column["type"],
            required=bool(column.get("required", False)),
            values=tuple(column.get("values", ())),
            currency=column.get("currency"),
        )
    return TableSpec(
        name=name,
        zh=entry["zh"],
        key=tuple(entry.get("key", ())),
        one_of=tuple(tuple(group) for group in entry.get("one_of", ())),
        columns=columns,
        any_of=tuple(tuple(group) for group in entry.get("any_of", ())),
    )


def header_key(text: str) -> str:
    """Reduce a header to the form used for matching.

    Exports from Chinese office software carry full-width letters, stray spaces, a BOM
    or a ``*`` marking required fields; none of that should stop a header from matching.

    >>> header_key("  ＩＤ Number* ")
    'id_number'
    >>> header_key("\\ufeff身份证号")
    '身份证号'
    """
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().strip("*:").strip()
    return re.sub(r"[\s\-]+", "_", text.casefold())


@cache
def header_aliases() -> dict[str, dict[str, str]]:
    """Map, per table, every accepted header (English or Chinese, via ``header_key``) to its column.

    >>> aliases = header_aliases()
    >>> aliases["persons"][header_key("身份证号")], aliases["persons"]["birth_date"]
    ('id_number', 'birth_date')
    """
    aliases: dict[str, dict[str, str]] = {}
    for table in load_tables_spec().values():
        per_table: dict[str, str] = {}
        for column in table.columns.values():
            per_table[header_key(column.name)] = column.name
            per_table.setdefault(header_key(column.zh), column.name)
        aliases[table.name] = per_table
    return aliases


def table_for_name(name: str) -> str | None:
    """The canonical table named by a file stem or sheet name (English or Chinese), if any.

    >>> table_for_name("Persons"), table_for_name("人员"), table_for_name("truth")
    ('persons', 'persons', None)
    """
    key = header_key(name)
    for table in load_tables_spec().values():
        if key in (table.name, header_key(table.zh)):
            return table.name
    return None


# Chinese (and common English) spellings of enum values, per column, as written in source
# systems; written "canonical: space-separated synonyms" and keyed by casefolded synonym.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    column: {
        synonym.casefold(): canonical
        for canonical, synonyms in entries.items()
        for synonym in synonyms.split()
    }
    for column, entries in {
        "gender": {"male": "男 男性 m 1", "female": "女 女性 f 2"},
        "level": {
            "province": "省 省级 自治区 直辖市",
            "city": "市 市级 地级 地级市 州 盟",
            "county": "县 县级 区 县级市 旗 区县",
            "township": "乡 镇 乡镇 乡级 街道 苏木",
            "village": "村 村级 社区 嘎查",
        },
        "kind": {
            "party": "党委 党组织 党委部门 党的机关 党组",
            "government": "政府 政府部门 行政机关 机关",
            "institution": "事业单位",
            "soe": "国企 国有企业 国有公司",
            "school": "学校 中学 小学",
            "hospital": "医院 卫生院",
            "village_committee": "村委会 村民委员会 居委会 居民委员会",
            "other": "其他 其它",
        },
        "relation": {
            "spouse": "配偶 夫 妻 丈夫 妻子 爱人",
            "parent": "父亲 母亲 父母 父 母 爸爸 妈妈",
            "child": "子女 儿子 女儿 子 女",
            "sibling": "兄弟姐妹 兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹 兄弟 姐妹",
            "parent_in_law": "岳父 岳母 公公 婆婆",
            "child_in_law": "女婿 儿媳",
            "sibling_in_law": "连襟 妯娌 姐夫 妹夫 嫂子 弟媳 大伯 小叔 大姨子 小姨子 内兄 内弟 姑嫂",
            "grandparent": "祖父 祖母 外公 外婆 外祖父 外祖母 爷爷 奶奶 姥爷 姥姥",
            "grandchild": "孙子 孙女 外孙 外孙女",
            "other": "其他 其它 表哥 表姐 表弟 表妹 表兄 表兄弟 表姐妹 堂哥 堂姐 堂弟 堂妹 堂兄 "
                     "堂兄弟 堂姐妹 叔叔 叔父 伯父 伯伯 舅舅 舅父 姑姑 姑妈 姨妈 姨母 阿姨 婶婶 "
                     "舅妈 伯母 姑父 姨父 侄子 侄女 外甥 外甥女 干爹 干妈 养父 养母 继父 继母 "
                     "cousin uncle aunt nephew niece",
        },
        "role": {
            "shareholder": "股东 自然人股东 法人股东",
            "legal_rep": "法定代表人 法人 法人代表",
            "director": "董事 执行董事 董事长",
            "supervisor": "监事 监事会主席",
            "manager": "经理 总经理",
            "beneficial_owner": "受益所有人 实际控制人",
        },
        "category": {"goods": "货物 货物类 货物采购 物资 物资采购",
                     "works": "工程 工程类 工程建设 工程施工 施工",
                     "services": "服务 服务类 服务采购"},
        "method": {
            "public_tender": "公开招标",
            "invited_tender": "邀请招标",
            "competitive_negotiation": "竞争性谈判 竞争性磋商",
            "inquiry": "询价 询价采购",
            "single_source": "单一来源 单一来源采购",
            "direct": "直接采购 直接发包 直接委托",
        },
    }.items()
}

# subsidies.program is free text, but the programmes named in the spec get stable English ids.
PROGRAM_IDS = {
    "低保": "subsistence_allowance", "最低生活保障": "subsistence_allowance",
    "雨露计划": "rain_dew", "普高助学金": "high_school_grant",
    "危房改造": "housing_renovation", "耕地地力保护补贴": "farmland_subsidy",
    "冬春救助": "winter_relief", "创业担保贷款": "startup_loan",
    "外出务工交通补贴": "migrant_transport",
}


# Headers seen in real exports beyond the aliases in tables.yaml. Only the profile suggester
# uses them: a reader never guesses, since 身份证号 may name a relative's number in one file.
HEADER_SYNONYMS = {
    column: synonyms.split()
    for column, synonyms in {
        "id_number": "证件号码 公民身份号码 身份证 身份证号码 身份证件号码 证件号 身份证编号 公民身份证号",
        "relative_id_number": "亲属身份证号码 亲属证件号码 家庭成员身份证号",
        "recipient_id_number": "身份证号 身份证号码 证件号码 公民身份号码 领取人身份证号码 享受人身份证号",
        "holder_id_number": "身份证号 身份证号码 证件号码 股东身份证号",
        "name": "姓名 名称 单位名称 企业名称 公司名称",
        "gender": "性别",
        "birth_date": "出生年月 出生日期 生日 出生年月日",
        "phone": "手机号 手机号码 电话 电话号码 联系方式 手机 移动电话",
        "address": "地址 家庭住址 户籍地址 居住地址 现住址 户籍地",
        "unit_id": "单位代码 单位编号 机构代码 部门编码 机构编码",
        "credit_code": "信用代码 社会信用代码 统一代码",
        "title": "职位 岗位 现任职务",
        "rank": "级别 职务级别",
        "start_date": "开始日期 任职时间 任职日期 起始日期",
        "end_date": "结束日期 免职时间 免职日期 终止日期",
        "amount": "发放金额 补贴金额 交易金额 金额",
        "account_no": "银行账号 卡号 银行卡号 账户 收款账号 账号",
        "bank": "开户银行 银行 开户行",
        "date": "发放日期 发放时间 交易时间 交易日期 日期",
        "household_id": "户编号 家庭编号 户号",
        "relation": "与本人关系 称谓 关系",
        "memo": "用途 摘要",
        "program": "补贴项目 资金项目 项目名称 项目",
        "contract_id": "合同号 合同编码",
        "tender_id": "招标编号 采购项目编号 标段编号",
        "buyer_unit_id": "采购单位代码 采购人编码 采购人代码",
        "supplier_credit_code": "供应商信用代码 中标单位统一社会信用代码 中标人统一社会信用代码",
        "signed_date": "签订时间 签约日期 合同签订日期",
        "approver_id_number": "审批人身份证 审批人身份证号码",
        "bid_amount": "投标报价 报价",
        "submitted_date": "投标时间",
        "txn_id": "交易流水号",
    }.items()
}
