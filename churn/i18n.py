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
        "page.tiers": "Customer tiers",
        "sidebar.tier_filter": "Tiers shown",
        "sidebar.tier_filter_help": "Limit every page to customers of these tiers. Empty: all customers.",
        "sidebar.tier_filter_placeholder": "All tiers",
        "sidebar.tier_rule": "Tier rule",
        "sidebar.tier_share": "{tier} (% of customers)",
        "sidebar.tier_basis": "Rank customers by",
        "sidebar.tier_basis_help": "Margin = revenue − cost; available when every order has a cost.",
        "sidebar.tier_basis_no_cost": "Margin needs a cost for every order; this dataset has none or some missing, so customers are ranked by revenue.",
        "sidebar.tier_window": "Value over",
        "sidebar.tier_rule_invalid": "The tier shares add up to {total:g}%, not 100%. The previous rule ({rule}) stays in force.",
        "basis.revenue": "Revenue",
        "basis.margin": "Margin",
        "tier_window.all": "All history",
        "tier_window.12m": "Last 12 months",
        "tier.unranked": "Not ranked",
        "tiers.title": "Customer tiers",
        "tiers.rule": "Customers with orders in the window are ranked by {basis} ({window}, up to {as_of}), ties by customer id. Of {customers} customers: platinum = top {platinum}% ({platinum_n}), gold = next {gold}% ({gold_n}), iron = next {iron}% ({iron_n}), lead = the remaining {lead}% ({lead_n}). Boundaries round up: platinum is the first ⌈n × {platinum}%⌉ customers.",
        "tiers.no_customers": "No customer has an order in the value window. Choose all history or a later as-of date.",
        "tiers.pyramid_title": "Share of customers and share of {basis} by tier",
        "tiers.share_customers": "Share of customers",
        "tiers.share_value": "Share of {basis}",
        "tiers.table_caption": "Value = {basis} over the tier window. Lifetime revenue = all orders up to the as-of date. Lost = not active at the as-of date.",
        "tiers.col_tier": "Tier",
        "tiers.col_customers": "Customers",
        "tiers.col_customer_share": "% of customers",
        "tiers.col_value": "{basis}",
        "tiers.col_value_share": "% of {basis}",
        "tiers.col_average": "Average per customer",
        "tiers.col_median": "Median per customer",
        "tiers.col_lifetime": "Average lifetime revenue",
        "tiers.col_lost": "Lost customers",
        "tiers.col_lost_share": "% lost",
        "tiers.concentration": "Concentration",
        "tiers.curve_title": "Cumulative {basis} by customer rank",
        "tiers.curve_x": "Share of customers, most valuable first",
        "tiers.curve_y": "Cumulative share of {basis}",
        "tiers.curve_hover": "Top {customers} of customers<br>{share} of {basis}",
        "tiers.concentration_caption": "Gini coefficient {gini:.2f} (0 = everyone worth the same, 1 = one customer has everything). The top 1% of customers bring {top1} of {basis}, the top 20% bring {top20}.",
        "tiers.whale_title": "Whale curve: cumulative margin by customer rank",
        "tiers.whale_caption": "{negative} customers ({negative_share}) cost more than they earn: together −{negative_value} of margin. The curve peaks at {peak} of total margin before they pull it back to 100%.",
        "tiers.whale_no_cost": "The whale curve (cumulative profit by customer) needs a cost or margin for every order; this dataset has none.",
        "tiers.churn_title": "Churn by tier",
        "tiers.churn_chart_title": "Churn rate by tier and {grain}",
        "tiers.losses_caption": "Over the periods shown. Churn rate of the last complete {grain} ({period}) = lost ÷ at start.",
        "tiers.col_lost_total": "Customers lost",
        "tiers.col_revenue_lost": "Revenue lost",
        "tiers.col_last_rate": "Churn rate {period}",
        "tiers.col_last_detail": "Lost ÷ at start {period}",
        "tiers.lost_valuable": "Platinum and gold customers lost in {period}",
        "tiers.lost_valuable_none": "No platinum or gold customer was lost in {period} (or all came back).",
        "tiers.col_customer": "Customer",
        "tiers.col_churn_date": "Lost on",
        "tiers.col_last_order": "Last order",
        "tiers.col_orders": "Orders",
        "tiers.col_region": "Region",
        "tiers.col_reason": "Reason on record",
        "tiers.download_lost": "Download lost customers (CSV)",
        "tiers.migration": "Tier migration",
        "tiers.migration_before": "First window",
        "tiers.migration_after": "Second window",
        "tiers.migration_help": "Customers are ranked within each window by the same rule. 'New': no order in the first window; 'lost': no order in the second.",
        "tiers.migration_title": "Customers moving between tiers",
        "tiers.migration_matrix": "From (rows, first window) → to (columns, second window), customers",
        "tiers.new": "New",
        "tiers.lost": "Lost",
        "tiers.total": "Total",
        "tiers.drops_caption": "{count} customers dropped at least one tier or were lost.",
        "tiers.download_drops": "Download customers who dropped a tier (CSV)",
        "tiers.invalid_windows": "Pick a start and an end date for both windows.",
        "tiers.col_from": "From",
        "tiers.col_to": "To",
        "tiers.col_value_before": "Value, first window",
        "tiers.col_value_after": "Value, second window",
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
        "page.tiers": "客户分层",
        "sidebar.tier_filter": "显示的层级",
        "sidebar.tier_filter_help": "所有页面只显示这些层级的客户。留空：全部客户。",
        "sidebar.tier_filter_placeholder": "全部层级",
        "sidebar.tier_rule": "分层规则",
        "sidebar.tier_share": "{tier}（占客户 %）",
        "sidebar.tier_basis": "客户排序依据",
        "sidebar.tier_basis_help": "毛利 = 收入 − 成本；每笔订单都有成本时可用。",
        "sidebar.tier_basis_no_cost": "按毛利分层需要每笔订单都有成本；此数据集没有或部分缺失，因此按收入排序。",
        "sidebar.tier_window": "价值区间",
        "sidebar.tier_rule_invalid": "各层比例合计为 {total:g}%，不是 100%。继续使用之前的规则（{rule}）。",
        "basis.revenue": "收入",
        "basis.margin": "毛利",
        "tier_window.all": "全部历史",
        "tier_window.12m": "最近 12 个月",
        "tier.unranked": "未排名",
        "tiers.title": "客户分层",
        "tiers.rule": "在价值区间内有订单的客户按{basis}排序（{window}，截至 {as_of}），并列时按客户编号。共 {customers} 位客户：白金 = 前 {platinum}%（{platinum_n} 位），黄金 = 其后 {gold}%（{gold_n} 位），铁 = 其后 {iron}%（{iron_n} 位），铅 = 其余 {lead}%（{lead_n} 位）。边界向上取整：白金为前 ⌈n × {platinum}%⌉ 位客户。",
        "tiers.no_customers": "价值区间内没有客户下单。请选择全部历史或更晚的截止日期。",
        "tiers.pyramid_title": "各层客户占比与{basis}占比",
        "tiers.share_customers": "客户占比",
        "tiers.share_value": "{basis}占比",
        "tiers.table_caption": "价值 = 分层区间内的{basis}。终身收入 = 截止日期前的全部订单。流失 = 截止日期时不活跃。",
        "tiers.col_tier": "层级",
        "tiers.col_customers": "客户数",
        "tiers.col_customer_share": "客户占比",
        "tiers.col_value": "{basis}",
        "tiers.col_value_share": "{basis}占比",
        "tiers.col_average": "人均",
        "tiers.col_median": "中位数",
        "tiers.col_lifetime": "平均终身收入",
        "tiers.col_lost": "流失客户",
        "tiers.col_lost_share": "流失占比",
        "tiers.concentration": "集中度",
        "tiers.curve_title": "按客户排名的累计{basis}",
        "tiers.curve_x": "客户占比（价值从高到低）",
        "tiers.curve_y": "累计{basis}占比",
        "tiers.curve_hover": "前 {customers} 的客户<br>贡献 {share} 的{basis}",
        "tiers.concentration_caption": "基尼系数 {gini:.2f}（0 = 每位客户价值相同，1 = 一位客户占全部）。前 1% 的客户贡献 {top1} 的{basis}，前 20% 贡献 {top20}。",
        "tiers.whale_title": "鲸鱼曲线：按客户排名的累计毛利",
        "tiers.whale_caption": "{negative} 位客户（{negative_share}）成本高于收入：合计毛利 −{negative_value}。曲线在总毛利的 {peak} 处达到峰值，随后被这些客户拉回到 100%。",
        "tiers.whale_no_cost": "鲸鱼曲线（按客户的累计利润）需要每笔订单的成本或毛利；此数据集没有。",
        "tiers.churn_title": "各层流失",
        "tiers.churn_chart_title": "各层级每{grain}流失率",
        "tiers.losses_caption": "统计范围为显示的周期。最近一个完整{grain}（{period}）的流失率 = 流失 ÷ 期初。",
        "tiers.col_lost_total": "流失客户数",
        "tiers.col_revenue_lost": "流失收入",
        "tiers.col_last_rate": "{period} 流失率",
        "tiers.col_last_detail": "{period} 流失 ÷ 期初",
        "tiers.lost_valuable": "{period} 流失的白金和黄金客户",
        "tiers.lost_valuable_none": "{period} 没有白金或黄金客户流失（或均已赢回）。",
        "tiers.col_customer": "客户",
        "tiers.col_churn_date": "流失日期",
        "tiers.col_last_order": "最后订单",
        "tiers.col_orders": "订单数",
        "tiers.col_region": "地区",
        "tiers.col_reason": "记录的原因",
        "tiers.download_lost": "下载流失客户（CSV）",
        "tiers.migration": "层级迁移",
        "tiers.migration_before": "第一个区间",
        "tiers.migration_after": "第二个区间",
        "tiers.migration_help": "每个区间内按相同规则排序。“新客户”：第一个区间无订单；“流失”：第二个区间无订单。",
        "tiers.migration_title": "客户在层级之间的流动",
        "tiers.migration_matrix": "从（行，第一个区间）→ 到（列，第二个区间），客户数",
        "tiers.new": "新客户",
        "tiers.lost": "流失",
        "tiers.total": "合计",
        "tiers.drops_caption": "{count} 位客户至少下降一个层级或已流失。",
        "tiers.download_drops": "下载降级客户（CSV）",
        "tiers.invalid_windows": "请为两个区间都选择开始和结束日期。",
        "tiers.col_from": "从",
        "tiers.col_to": "到",
        "tiers.col_value_before": "第一个区间价值",
        "tiers.col_value_after": "第二个区间价值",
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
