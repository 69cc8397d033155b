"""Chinese personal names and company trade names.

Surnames follow their national frequency (2020 census order of magnitude), given names
draw on characters typical of each generation and gender. Name collisions are frequent by
design, as in real registers: 王伟 and 张敏 recur, and investigators must tell namesakes
(同名同姓) apart by ID number, never by name.
"""
from __future__ import annotations

import random
from itertools import accumulate

__all__ = ["NameMaker", "TRADE_NAMES"]

_SURNAMES = (
    "王 7.1 李 7.0 张 6.8 刘 5.4 陈 4.5 杨 3.1 黄 2.1 赵 2.2 吴 1.9 周 1.9 徐 1.4 孙 1.4 "
    "马 1.3 朱 1.3 胡 1.2 郭 1.2 何 1.1 高 1.1 林 0.9 罗 0.8 郑 0.8 梁 0.7 谢 0.6 宋 0.6 "
    "唐 0.6 许 0.6 韩 0.5 冯 0.5 邓 0.5 曹 0.5 彭 0.5 曾 0.5 肖 0.4 田 0.5 董 0.4 袁 0.4 "
    "潘 0.4 于 0.4 蒋 0.4 蔡 0.4 余 0.4 杜 0.4 叶 0.4 程 0.4 苏 0.3 魏 0.4 吕 0.3 丁 0.3 "
    "任 0.3 沈 0.3 姚 0.3 卢 0.3 姜 0.3 崔 0.3 钟 0.3 谭 0.3 陆 0.3 汪 0.3 范 0.3 金 0.3 "
    "石 0.3 廖 0.3 贾 0.3 夏 0.2 韦 0.2 付 0.2 方 0.2 白 0.3 邹 0.2 孟 0.2 熊 0.2 秦 0.2 "
    "邱 0.2 江 0.2 尹 0.2 薛 0.3 闫 0.3 段 0.2 雷 0.3 侯 0.2 龙 0.2 史 0.2 陶 0.2 黎 0.2 "
    "贺 0.2 顾 0.2 毛 0.2 郝 0.2 龚 0.2 邵 0.2 万 0.2 钱 0.2 严 0.2 武 0.2 戴 0.2 孔 0.1 "
    "康 0.1 党 0.1 寇 0.1 屈 0.1 种 0.05 惠 0.05"
)
_MALE = {
    "old": "建国 建军 国庆 卫东 志强 德明 学文 保民 振华 永胜 文革 红卫 长林 宝山 金生 "
           "福贵 成林 天成 树森 满仓 平 军 明 强 勇 刚 林 海 斌",
    "middle": "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宁 亮 建华 建平 "
              "志刚 海涛 小军 晓东 文斌 俊峰 红军 永刚 利民 新民 卫国 晓峰 宏伟 长江",
    "young": "浩 宇 轩 博 晨 睿 航 子豪 浩然 宇轩 梓涵 子轩 一鸣 俊杰 天佑 皓轩 "
             "思远 博文 嘉豪 明轩 子墨 泽宇 文博 雨泽 奕辰 铭泽",
}
_FEMALE = {
    "old": "秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 玉梅 秀珍 翠花 素琴 桂芳 春花 玉珍 兰 英 "
           "芳 霞 珍 梅",
    "middle": "敏 静 丽 娟 艳 燕 霞 芳 娜 红 玲 莉 萍 洁 琳 丹 婷 雪 丽娟 晓燕 春梅 "
              "海燕 红梅 小红 丽华 玉霞 晓丽 秀梅 亚琴 彩霞 海霞 晓红",
    "young": "欣怡 梓涵 诗涵 雨桐 子涵 可馨 思涵 紫涵 欣妍 一诺 佳怡 梦瑶 雨萱 "
             "语嫣 若曦 婉清 佳琪 心怡 悦 萱 琪 涵 妍",
}

#: 字号 of private companies: auspicious two-character words, often shared across the
#: county by unrelated firms, so similar names do not imply common control.
TRADE_NAMES = tuple(
    "宏达 鑫源 恒泰 金鼎 华茂 宏盛 瑞丰 德隆 兴旺 永安 盛世 天润 博远 众鑫 腾达 汇丰 "
    "嘉禾 福瑞 裕隆 金诚 正大 鼎盛 广源 润泽 昌盛 聚鑫 东升 顺发 新华 长兴 凯达 中兴 "
    "万通 亨通 锦程 信达 安泰 祥和 立信 明远 益民 惠农 周原 岐丰 秦川 渭河 陇海 宝通 "
    "金秦 关中 西岐 凤鸣 岐黄 华原 三秦 鑫盛 荣昌 通达 聚源 瑞祥 兴盛 宏泰 汇通 鸿运 "
    "恒信 诚信 利民 天元 海纳 同创 泰丰 永盛 金穗 绿源 丰泽 龙腾 康达 晨光 建宏 中联".split()
)


def _weighted(spec: str) -> tuple[list[str], list[float]]:
    tokens = spec.split()
    names, weights = tokens[0::2], [float(weight) for weight in tokens[1::2]]
    return names, list(accumulate(weights))


def _zipf(spec: str) -> tuple[list[str], list[float]]:
    names = spec.split()
    return names, list(accumulate(1.0 / (rank + 1) ** 0.7 for rank in range(len(names))))


class NameMaker:
    """Draws names with realistic collisions; seeded, never the global random state."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = _weighted(_SURNAMES)
        self._given = {("male", era): _zipf(spec) for era, spec in _MALE.items()}
        self._given |= {("female", era): _zipf(spec) for era, spec in _FEMALE.items()}

    def surname(self) -> str:
        """A surname drawn by frequency."""
        names, cumulative = self._surnames
        return self.rng.choices(names, cum_weights=cumulative)[0]

    def given_name(self, gender: str, birth_year: int) -> str:
        """A given name typical of the person's generation."""
        era = "old" if birth_year < 1965 else "middle" if birth_year < 1995 else "young"
        names, cumulative = self._given[(gender, era)]
        return self.rng.choices(names, cum_weights=cumulative)[0]

    def full_name(self, gender: str, birth_year: int, surname: str | None = None) -> str:
        """Surname plus given name; children usually take the father's surname."""
        return (surname or self.surname()) + self.given_name(gender, birth_year)

    def trade_name(self) -> str:
        """A 字号 for a company name."""
        return self.rng.choice(TRADE_NAMES)
