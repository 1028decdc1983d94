"""The polars peer of `make bench-reports` (see bench_reports_common.py): amounts as Decimal(18, 4), one lazy scan
of the file, and the core's own formulation, which polars does best (faster here than grouping per order): rows
in file order are cut into order groups — a new group where `order_id` changes, or where a nonzero quantity's sign
differs from the last nonzero sign — and a group counts its sign once per member: on its first row for day,
customer and channel (which are the order's own), on the first row of each SKU for products. Then one small
group-by per report, CSV + Parquet out. POLARS_MAX_THREADS is set from --threads before polars is imported."""

import os
import time

from bench_reports_common import MEASURES, REPORTS, args, finish

threads, source, out = args()
os.environ["POLARS_MAX_THREADS"] = str(threads)

import polars as pl  # noqa: E402  (after POLARS_MAX_THREADS)

AMOUNT = pl.Decimal(18, 4)
SCHEMA = {
    "order_id": pl.String,
    "tenant": pl.String,
    "date": pl.Date,
    "currency": pl.String,
    "customer_id": pl.String,
    "channel": pl.String,
    "sku": pl.String,
    "quantity": AMOUNT,
    "line_net": AMOUNT,
    "vat": AMOUNT,
    "cost": AMOUNT,
    "status": pl.String,
}


def main() -> None:
    assert pl.thread_pool_size() == threads, (pl.thread_pool_size(), threads)
    start = time.perf_counter()
    quantity, sign = pl.col("quantity"), pl.col("sign")
    facts = pl.scan_csv(source, schema=SCHEMA, empty_string_is_null=False).with_columns(
        sign=pl.when(quantity > 0).then(1).when(quantity < 0).then(-1).otherwise(0).cast(pl.Int8)
    )
    last_nonzero_sign = pl.when(sign != 0).then(sign).forward_fill().shift(1)
    starts = (pl.col("order_id") != pl.col("order_id").shift(1)).fill_null(True) | (
        (sign != 0) & (sign != last_nonzero_sign).fill_null(True)
    )
    facts = facts.with_columns(group=starts.cum_sum(), counted=pl.when(starts).then(sign).otherwise(0).cast(pl.Int64))
    # products: a group's first row of each SKU (the SKU's dictionary code and the group number in one integer)
    sku_code = pl.col("sku").cast(pl.Categorical).to_physical().cast(pl.Int64)
    first_of_sku = (pl.col("group").cast(pl.Int64) * (1 << 32) + sku_code).is_first_distinct()
    lines = facts.filter(quantity != 0).with_columns(
        counted=pl.when(first_of_sku).then(sign).otherwise(0).cast(pl.Int64)
    )
    queries = []
    for _, keys in REPORTS:
        rows = lines if keys[0] == "sku" else facts
        queries.append(
            rows.group_by(keys)
            .agg(
                pl.col("counted").sum().alias("orders"),
                quantity.sum(),
                pl.col("line_net").sum().alias("net"),
                pl.col("vat").sum(),
            )
            .with_columns(gross=pl.col("net") + pl.col("vat"))
            .sort(keys)
            .select(*keys, *MEASURES)
        )
    for (name, _), table in zip(REPORTS, pl.collect_all(queries)):
        table.write_csv(out / f"{name}.csv")
        table.write_parquet(out / f"{name}.parquet")
    finish("polars", pl.__version__, threads, start)


if __name__ == "__main__":
    main()
