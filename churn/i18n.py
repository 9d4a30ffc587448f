"""Every user-facing string, in English and Simplified Chinese, and the one function ``t``.

The language is set once per script run (``set_language``) from the sidebar setting; ``t``
then looks a key up in that language and fills ``{placeholders}``. A key missing in either
language fails the test suite (tests/unit/test_i18n.py). Number and period formatting that
depends on the language lives here too.
"""

from __future__ import annotations

import contextvars
import math
from datetime import date

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="en")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "Customer churn dashboard",
        "page.overview": "Overview",
        # Sidebar
        "sidebar.settings": "Settings",
        "sidebar.language": "Language",
        "sidebar.as_of": "As-of date",
        "sidebar.as_of_help": "Churn is judged as of this day; later orders are ignored. Default: the last order date.",
        "sidebar.window": "Inactivity window W (days)",
        "sidebar.window_help": "A customer is counted as lost W days after their last order if they have not bought again by then.",
        "sidebar.window_reason": "Suggested: {days} days. 95% of repeat purchases came within {p95:.0f} days of the previous one (median {median:.0f} days, {repeats} repeat purchases), rounded up to whole months.",
        "sidebar.window_reason_none": "Suggested: {days} days. The data has no repeat purchases to learn from, so a common default is used.",
        "sidebar.use_suggestion": "Use suggested {days} days",
        "sidebar.grain": "Period",
        "sidebar.date_range": "Periods shown",
        "sidebar.date_range_help": "Only the periods in this range are shown; customers are still counted from their full history.",
        "sidebar.dataset": "Dataset: {name} ({customers} customers, {orders} orders, {first} to {last})",
        "sidebar.bad_url": "Some settings in the link were not valid and were reset: {names}.",
        "grain.month": "Month",
        "grain.quarter": "Quarter",
        "grain.year": "Year",
        "dataset.demo": "demo data",
        # Overview
        "overview.title": "Overview",
        "unit.percentage_points": "pp",
        "overview.caption": "Customers lost, kept and won back. Last complete {grain}: {period} (as of {as_of}, W = {window} days).",
        "overview.active": "Active customers",
        "overview.active_help": "Customers whose last order is less than W days before the as-of date ({as_of}). Change since the start of {period}.",
        "overview.churn_rate": "Churn rate",
        "overview.churn_rate_help": "Churn rate = customers lost in the period ÷ customers at its start × 100%. New customers of the period are not in the base. Change against {previous} in percentage points.",
        "overview.churn_rate_detail": "{churned} lost ÷ {at_start} at start",
        "overview.retention_rate": "Retention rate",
        "overview.retention_rate_help": "Retention rate = 1 − churn rate = customers kept ÷ customers at the start of the period. Change against {previous} in percentage points.",
        "overview.retention_rate_detail": "{retained} kept ÷ {at_start} at start",
        "overview.revenue_lost": "Revenue lost to churn",
        "overview.revenue_lost_help": "Revenue in the 365 days up to their last order, of all customers lost in the period. Change against {previous}.",
        "overview.revenue_lost_detail": "{customers} customers lost in total",
        "overview.new": "New customers",
        "overview.new_help": "Customers whose first order falls in the period. Change against {previous}.",
        "overview.won_back": "Won back",
        "overview.won_back_help": "Lost customers who ordered again in the period (counted as reactivated, not new). Change against {previous}.",
        "overview.trend_title": "Churn rate by {grain}",
        "overview.no_complete_period": "There is no complete {grain} between the first order and the as-of date yet. Choose a later as-of date or a shorter period.",
        "overview.no_data": "The dataset has no orders up to {as_of}. Choose a later as-of date.",
        "overview.flow_caption": "Check: {at_start} at start + {new} new + {won_back} won back − {churned_total} lost = {at_end} at the start of the next {grain}.",
        # Charts
        "chart.period": "Period",
        "chart.churn_rate": "Churn rate",
        "chart.hover_churn": "{period}<br>Churn rate: {rate}<br>{churned} lost ÷ {at_start} at start",
        "chart.warm_up": "Warm-up",
        "chart.warm_up_hover": "Warm-up: within W days of the first order in the data, churn is not fully visible yet.",
        "overview.warm_up_note": "Grey points: the first W = {window} days of the data, when no customer can have been silent for W days yet, so churn is undercounted.",
        # Errors
        "error.query": "Something went wrong while computing this view: {message} {hint}",
        # Tiers and causes (names used across pages)
        "tier.platinum": "Platinum",
        "tier.gold": "Gold",
        "tier.iron": "Iron",
        "tier.lead": "Lead",
        "cause.dissatisfaction": "Dissatisfaction",
        "cause.competitor": "Competitor",
        "cause.forced": "Forced",
        "cause.other": "Other",
        "cause.unknown": "Unknown",
    },
    "zh": {
        "app.title": "客户流失仪表板",
        "page.overview": "概览",
        "sidebar.settings": "设置",
        "sidebar.language": "语言",
        "sidebar.as_of": "截止日期",
        "sidebar.as_of_help": "按此日期判断流失；此后的订单不计入。默认：最后一笔订单的日期。",
        "sidebar.window": "不活跃期 W（天）",
        "sidebar.window_help": "客户在最后一次购买后 W 天内没有再次购买，即在第 W 天计为流失。",
        "sidebar.window_reason": "建议值：{days} 天。95% 的重复购买距上一次购买不超过 {p95:.0f} 天（中位数 {median:.0f} 天，共 {repeats} 次重复购买），按整月向上取整。",
        "sidebar.window_reason_none": "建议值：{days} 天。数据中没有重复购买可供推算，因此使用常用默认值。",
        "sidebar.use_suggestion": "使用建议值 {days} 天",
        "sidebar.grain": "周期",
        "sidebar.date_range": "显示的周期范围",
        "sidebar.date_range_help": "只显示此范围内的周期；客户仍按其全部历史计算。",
        "sidebar.dataset": "数据集：{name}（{customers} 位客户，{orders} 笔订单，{first} 至 {last}）",
        "sidebar.bad_url": "链接中的部分设置无效，已恢复默认：{names}。",
        "grain.month": "月",
        "grain.quarter": "季度",
        "grain.year": "年",
        "dataset.demo": "演示数据",
        "overview.title": "概览",
        "unit.percentage_points": "个百分点",
        "overview.caption": "流失、保持与赢回的客户。最近一个完整{grain}：{period}（截止 {as_of}，W = {window} 天）。",
        "overview.active": "活跃客户",
        "overview.active_help": "最后一次购买距截止日期（{as_of}）不足 W 天的客户。变化量相对于 {period} 期初。",
        "overview.churn_rate": "流失率",
        "overview.churn_rate_help": "流失率 = 本期流失客户数 ÷ 期初客户数 × 100%。本期新客户不计入基数。变化量为相对于 {previous} 的百分点。",
        "overview.churn_rate_detail": "流失 {churned} ÷ 期初 {at_start}",
        "overview.retention_rate": "保持率",
        "overview.retention_rate_help": "保持率 = 1 − 流失率 = 保留客户数 ÷ 期初客户数。变化量为相对于 {previous} 的百分点。",
        "overview.retention_rate_detail": "保留 {retained} ÷ 期初 {at_start}",
        "overview.revenue_lost": "流失收入",
        "overview.revenue_lost_help": "本期所有流失客户在其最后一次购买前 365 天内的收入。变化量相对于 {previous}。",
        "overview.revenue_lost_detail": "本期共流失 {customers} 位客户",
        "overview.new": "新客户",
        "overview.new_help": "首次购买发生在本期的客户。变化量相对于 {previous}。",
        "overview.won_back": "赢回客户",
        "overview.won_back_help": "已流失、本期再次购买的客户（计为赢回，不计为新客户）。变化量相对于 {previous}。",
        "overview.trend_title": "各{grain}流失率",
        "overview.no_complete_period": "从第一笔订单到截止日期之间还没有完整的{grain}。请选择更晚的截止日期或更短的周期。",
        "overview.no_data": "截至 {as_of} 数据集中没有订单。请选择更晚的截止日期。",
        "overview.flow_caption": "核对：期初 {at_start} + 新客户 {new} + 赢回 {won_back} − 流失 {churned_total} = 下一{grain}期初 {at_end}。",
        "chart.period": "周期",
        "chart.churn_rate": "流失率",
        "chart.hover_churn": "{period}<br>流失率：{rate}<br>流失 {churned} ÷ 期初 {at_start}",
        "chart.warm_up": "预热期",
        "chart.warm_up_hover": "预热期：距数据中第一笔订单不足 W 天，流失尚未完全显现。",
        "overview.warm_up_note": "灰色点：数据开始后的前 W = {window} 天，尚无客户可能沉默满 W 天，流失被低估。",
        "error.query": "计算此视图时出错：{message} {hint}",
        "tier.platinum": "白金",
        "tier.gold": "黄金",
        "tier.iron": "铁",
        "tier.lead": "铅",
        "cause.dissatisfaction": "不满",
        "cause.competitor": "竞争对手",
        "cause.forced": "被迫",
        "cause.other": "其他",
        "cause.unknown": "未知",
    },
}

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def set_language(lang: str) -> None:
    """Make ``lang`` the language of every ``t`` call in this thread's current run."""
    if lang not in MESSAGES:
        raise ValueError(f"Unknown language {lang!r}")
    _language.set(lang)


def current_language() -> str:
    return _language.get()


def t(key: str, **values: object) -> str:
    """The text for ``key`` in the current language, with ``{placeholders}`` filled."""
    text = MESSAGES[_language.get()][key]
    return text.format(**values) if values else text


def format_int(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(value):,}"


def format_percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def format_money(value: float | None) -> str:
    """Amounts in the dataset's own currency, no symbol (the data does not say which)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}"


def format_period(start: date, grain: str) -> str:
    """A period label: 2025-11 / 2025 Q4 / 2025 (2025年11月 / 2025年第4季度 / 2025年)."""
    quarter = (start.month - 1) // 3 + 1
    if _language.get() == "zh":
        return {"month": f"{start.year}年{start.month}月", "quarter": f"{start.year}年第{quarter}季度"}.get(
            grain, f"{start.year}年"
        )
    return {"month": f"{start.year}-{start.month:02d}", "quarter": f"{start.year} Q{quarter}"}.get(
        grain, str(start.year)
    )
