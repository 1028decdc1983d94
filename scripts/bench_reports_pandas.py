"""The pandas side of `make bench-reports`: the same sales by day, product and customer of an order-lines CSV.

Amounts are made exact the way a careful pandas user would: parsed, scaled by 10 000 and rounded to int64 fixed
point (exact for values of at most 4 decimal places, as the generator writes them); orders are counted with
nunique. Prints one JSON object: seconds, peak RSS (KiB) and the total net for the cross-check.
"""

import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

SCALE = 10_000


def text(units: int) -> str:
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(int(units)), SCALE)
    digits = f"{frac:04d}".rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def main() -> None:
    source, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    strings = {c: str for c in ("order_id", "date", "currency", "customer_id", "channel", "sku")}
    df = pd.read_csv(source, dtype={**strings, "quantity": float, "line_net": float, "vat": float})
    for column in ("quantity", "line_net", "vat"):
        df[column] = (df[column] * SCALE).round().astype("int64")
    total = None
    for name, keys in (
        ("sales_by_day", ["date", "currency"]),
        ("sales_by_product", ["sku", "currency"]),
        ("sales_by_customer", ["customer_id", "currency"]),
    ):
        grouped = df.groupby(keys, sort=True).agg(
            orders=("order_id", "nunique"), quantity=("quantity", "sum"), net=("line_net", "sum"), vat=("vat", "sum")
        )
        grouped["gross"] = grouped["net"] + grouped["vat"]
        if total is None:
            total = int(grouped["net"].sum())
        for column in ("quantity", "net", "vat", "gross"):
            grouped[column] = grouped[column].map(text)
        grouped.to_csv(out / f"{name}.csv")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_kib": peak, "total_net": text(total), "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
