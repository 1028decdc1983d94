"""The duckdb peer of `make bench-reports` (see bench_reports_common.py): amounts as DECIMAL(18, 4), the file read
once into a temporary table (the columns the reports need; faster here than scanning the file twice), two group-bys (per order; per order and SKU) and four small ones, CSV + Parquet out
with COPY. `SET threads` from --threads."""

import time

import duckdb

from bench_reports_common import MEASURES, ORDER_COLUMNS, REPORTS, args, finish

COLUMNS = {
    "order_id": "VARCHAR",
    "tenant": "VARCHAR",
    "date": "DATE",
    "currency": "VARCHAR",
    "customer_id": "VARCHAR",
    "channel": "VARCHAR",
    "sku": "VARCHAR",
    "quantity": "DECIMAL(18,4)",
    "line_net": "DECIMAL(18,4)",
    "vat": "DECIMAL(18,4)",
    "cost": "DECIMAL(18,4)",
    "status": "VARCHAR",
}
SUMS = "sum(sign(quantity)) AS signs, sum(quantity) AS quantity, sum(line_net) AS net, sum(vat) AS vat"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def main() -> None:
    threads, source, out = args()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(threads,)]
    start = time.perf_counter()
    columns = "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in COLUMNS.items()) + "}"
    needed = ", ".join([*ORDER_COLUMNS, "sku", "quantity", "line_net", "vat"])
    con.execute(
        f"CREATE TEMP TABLE facts AS SELECT {needed} "
        f"FROM read_csv({literal(source)}, header = true, delim = ',', columns = {columns})"
    )
    keys = ", ".join(ORDER_COLUMNS)
    con.execute(f"CREATE TEMP TABLE per_order AS SELECT {keys}, {SUMS} FROM facts GROUP BY {keys}")
    con.execute(
        "CREATE TEMP TABLE per_line AS SELECT order_id, coalesce(sku, '') AS sku, currency, "
        f"{SUMS} FROM facts WHERE quantity <> 0 GROUP BY order_id, coalesce(sku, ''), currency"
    )
    for name, report_keys in REPORTS:
        rows = "per_line" if report_keys[0] == "sku" else "per_order"
        by = ", ".join(report_keys)
        con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT {by}, count(*) FILTER (WHERE signs > 0) AS orders, "
            "sum(quantity) AS quantity, sum(net) AS net, sum(vat) AS vat, sum(net) + sum(vat) AS gross "
            f"FROM {rows} GROUP BY {by} ORDER BY {by}"
        )
        assert [c[0] for c in con.execute(f"SELECT * FROM {name} LIMIT 0").description] == [*report_keys, *MEASURES]
        con.execute(f"COPY {name} TO {literal(str(out / (name + '.csv')))} (HEADER)")
        con.execute(f"COPY {name} TO {literal(str(out / (name + '.parquet')))} (FORMAT parquet)")
    finish("duckdb", duckdb.__version__, threads, start)


if __name__ == "__main__":
    main()
