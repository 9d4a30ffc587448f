"""Generate the deterministic demo dataset (``demo_orders.csv`` and ``demo_customers.csv``).

Run ``python data/generate_demo.py`` to rebuild both files; the same seed always gives the
same bytes. Only the standard library is used so that the output does not depend on the
version of numpy installed.

The story the data tells: a retailer with about 5,000 customers over three years
(2023-2025), a heavy-tailed value distribution (the top 1% carry 10-20% of revenue),
churn that is highest in a customer's first months, reasons recorded in English and
Chinese for about two thirds of the lost customers, and some lost customers won back.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 20231101
N_CUSTOMERS = 5000
START = date(2023, 1, 1)
END = date(2025, 12, 31)

REGIONS = ["North", "South", "East", "West", "Central"]
REGION_WEIGHTS = [0.24, 0.22, 0.26, 0.16, 0.12]
CHANNELS = ["Online", "Store", "Phone"]
CHANNEL_WEIGHTS = [0.5, 0.38, 0.12]
CATEGORIES = ["Electronics", "Home", "Apparel", "Grocery"]
CATEGORY_PRICE = {"Electronics": 180.0, "Home": 70.0, "Apparel": 45.0, "Grocery": 18.0}
CATEGORY_MARGIN = {"Electronics": 0.18, "Home": 0.32, "Apparel": 0.45, "Grocery": 0.22}
SEGMENTS = ["Consumer", "Small business", "Corporate"]
SEGMENT_WEIGHTS = [0.7, 0.22, 0.08]

# Raw reasons as a CRM would hold them: free text, mixed languages and spellings.
REASONS = {
    "dissatisfaction": [
        "Unhappy with product quality",
        "对产品不满",
        "服务态度差",
        "Complaint not handled",
        "未能处理好投诉",
        "Price too high",
        "价格太高",
        "Lost interest",
        "delivery always late",
    ],
    "competitor": [
        "Switched to competitor",
        "被竞争对手挖走",
        "Competitor offered lower price",
        "换了别家，价格更便宜",
        "Poached by rival store",
    ],
    "forced": [
        "Moved away",
        "移居外地",
        "Business closed",
        "公司倒闭",
        "Deceased",
        "No longer needs the product",
        "客户欠款被终止合同",
    ],
    "other": ["Other", "其他", "Duplicate account merged"],
}
CAUSE_WEIGHTS = {"dissatisfaction": 0.45, "competitor": 0.3, "forced": 0.17, "other": 0.08}
SHARE_WITH_REASON = 0.62
COST_TO_SERVE = 9.0
WIN_BACK_PROBABILITY = 0.18


def _first_order_date(rng: random.Random) -> date:
    """Acquisition dates: an existing base in the first two months, then steady growth."""
    total_days = (END - START).days
    if rng.random() < 0.3:
        return START + timedelta(days=rng.randrange(60))
    # Growth: density proportional to (1 + x) on [0, 1]; CDF (x + x²/2) / 1.5, inverted.
    fraction = -1 + math.sqrt(1 + 3 * rng.random())
    day = int(60 + fraction * (total_days - 60) * 0.98)
    return START + timedelta(days=min(day, total_days - 1))


def _monthly_churn_probability(months_of_tenure: int, base: float) -> float:
    """Churn hazard falls with tenure: highest in the first three months."""
    if months_of_tenure < 3:
        return base * 2.2
    if months_of_tenure < 12:
        return base * 1.2
    return base * 0.7


def generate(
    n_customers: int = N_CUSTOMERS, seed: int = SEED
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Return (orders, customers) rows, deterministic for a given size and seed."""
    rng = random.Random(seed)
    orders: list[dict[str, object]] = []
    customers: list[dict[str, object]] = []
    order_number = 100000
    for index in range(1, n_customers + 1):
        customer_id = f"C{index:05d}"  # leading zeros: ids are text
        region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
        segment = rng.choices(SEGMENTS, SEGMENT_WEIGHTS)[0]
        home_channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        favourite = rng.choice(CATEGORIES)
        # Heavy-tailed spend level and purchase frequency.
        spend_level = math.exp(rng.gauss(0.0, 0.85))
        if segment == "Corporate":
            spend_level *= 3.0
        mean_gap_days = min(80.0, max(7.0, math.exp(rng.gauss(3.2, 0.45))))
        base_hazard = 0.03 * (1.4 if region == "West" else 1.0) * (0.8 if segment != "Consumer" else 1.0)

        first = _first_order_date(rng)
        current = first
        tenure_start = first
        reason_text = ""
        while current <= END:
            order_number += 1
            category = favourite if rng.random() < 0.6 else rng.choice(CATEGORIES)
            quantity = 1 + int(rng.expovariate(1.0))
            unit_price = round(CATEGORY_PRICE[category] * spend_level * rng.uniform(0.7, 1.3), 2)
            amount = round(quantity * unit_price, 2)
            is_return = rng.random() < 0.015
            if is_return:
                amount = -amount
                quantity = -quantity
            # Cost of goods plus a fixed cost to serve each order (picking, shipping, support):
            # small, frequent orders can cost more than they earn.
            cost = round(amount * (1 - CATEGORY_MARGIN[category]) * rng.uniform(0.9, 1.1) + COST_TO_SERVE, 2)
            channel = home_channel if rng.random() < 0.8 else rng.choice(CHANNELS)
            orders.append(
                {
                    "order_id": f"SO{order_number}",
                    "customer_id": customer_id,
                    "order_date": current.isoformat(),
                    "region": region,
                    "channel": channel,
                    "category": category,
                    "quantity": quantity,
                    "unit_price": unit_price,
                    "amount": amount,
                    "cost": cost,
                }
            )
            gap = max(1, int(rng.gammavariate(2.0, mean_gap_days / 2)))
            # Decide churn month by month over the gap.
            months_of_tenure = (current - tenure_start).days // 30
            churn_probability = 1 - (1 - _monthly_churn_probability(months_of_tenure, base_hazard)) ** (gap / 30)
            if rng.random() < churn_probability:
                if not reason_text and rng.random() < SHARE_WITH_REASON:
                    cause = rng.choices(list(CAUSE_WEIGHTS), list(CAUSE_WEIGHTS.values()))[0]
                    reason_text = rng.choice(REASONS[cause])
                if rng.random() < WIN_BACK_PROBABILITY:
                    # Won back after a long silence: a new active stretch starts later.
                    current = current + timedelta(days=int(rng.uniform(200, 420)))
                    tenure_start = current
                    continue
                break
            current = current + timedelta(days=gap)
        customers.append(
            {
                "customer_id": customer_id,
                "signup_date": first.isoformat(),
                "region": region,
                "segment": segment,
                "churn_reason": reason_text,
            }
        )
    return orders, customers


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    here = Path(__file__).resolve().parent
    orders, customers = generate()
    write_csv(here / "demo_orders.csv", orders)
    write_csv(here / "demo_customers.csv", customers)
    print(f"{len(orders)} orders, {len(customers)} customers written to {here}")


if __name__ == "__main__":
    main()
