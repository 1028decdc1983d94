"""The pandas peer of `make bench-reports` (see bench_reports_common.py): one thread (pandas has no other), the
C CSV reader, amounts made exact the way a careful pandas user would — parsed, scaled by 10 000 and rounded to
int64 fixed point (exact for values of at most 4 places below 2^53 / 10^4, as the facts hold) — two group-bys
(per order; per order and SKU) and four small ones, CSV out, Parquet through pyarrow as DECIMAL(18, 4)."""

import time
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench_reports_common import MEASURES, ORDER_COLUMNS, REPORTS, args, finish

SCALE = 10_000
TEXT = ("order_id", "tenant", "date", "currency", "customer_id", "channel", "sku", "status")
AMOUNTS = ("quantity", "line_net", "vat", "cost")


def text(units: int) -> str:
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(int(units)), SCALE)
    digits = f"{frac:04d}".rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def main() -> None:
    threads, source, out = args()
    if threads != 1:
        raise SystemExit("pandas runs on one thread")
    start = time.perf_counter()
    # Empty cells stay "" in text columns (the free-text lines' SKU); an empty cost is NaN.
    facts = pd.read_csv(source, dtype={**{c: str for c in TEXT}, **{c: float for c in AMOUNTS}}, keep_default_na=False, na_values={"cost": [""]})
    for column in ("quantity", "line_net", "vat"):
        facts[column] = (facts[column] * SCALE).round().astype("int64")
    facts["signs"] = np.sign(facts["quantity"])
    sums = {"signs": ("signs", "sum"), "quantity": ("quantity", "sum"), "net": ("line_net", "sum"), "vat": ("vat", "sum")}
    per_order = facts.groupby(list(ORDER_COLUMNS), sort=False).agg(**sums)
    lines = facts[facts["quantity"] != 0]
    per_line = lines.groupby(["order_id", "sku", "currency"], sort=False).agg(**sums)
    for frame in (per_order, per_line):
        frame["counted"] = (frame["signs"] > 0).astype("int64")
    for name, keys in REPORTS:
        rows = per_line if keys[0] == "sku" else per_order
        table = rows.groupby(list(keys), sort=True).agg(
            orders=("counted", "sum"), quantity=("quantity", "sum"), net=("net", "sum"), vat=("vat", "sum")
        )
        table["gross"] = table["net"] + table["vat"]
        table = table.reset_index()[[*keys, *MEASURES]]
        amounts = ("quantity", "net", "vat", "gross")
        written = table.copy()
        for column in amounts:
            written[column] = written[column].map(text)
        written.to_csv(out / f"{name}.csv", index=False)
        arrays = {k: pa.array(table[k].astype(str)) for k in keys}
        arrays["orders"] = pa.array(table["orders"].astype("int64"))
        for column in amounts:
            arrays[column] = pa.array([Decimal(int(u)).scaleb(-4) for u in table[column]], pa.decimal128(18, 4))
        pq.write_table(pa.table(arrays), out / f"{name}.parquet")
    finish("pandas", pd.__version__, threads, start)


if __name__ == "__main__":
    main()
