"""What the peers of `make bench-reports` share: their command line, the reports they write and their answer.

Every peer computes the core's four reports (`orders_domain::reports::stream`, see its module docs) from a facts
file with exact types, and counts orders the way the core does on consistent facts: an order counts for a member
(a day, a product, a customer, a channel, per currency) when the signs of its nonzero-quantity rows for that member
sum above zero (added +1 per row, taken back -1 per row; adjustment rows, quantity 0, carry amounts but no sign and
are left out of products). Day, currency, customer and channel are the order's own, so one grouping per order
serves three reports; products group per order and SKU.

Usage: `python bench_reports_ENGINE.py --threads N FACTS.csv OUT_DIR`; writes `REPORT.csv` and `REPORT.parquet`
per report into OUT_DIR and prints one JSON object: engine, version, threads, seconds (from before reading the file
to the last report written), peak RSS (KiB, the process's high-water mark).
"""

import json
import resource
import sys
import time
from pathlib import Path

# (report, its key columns), in the core's order; each followed by MEASURES.
REPORTS = (
    ("sales_by_day", ("date", "currency")),
    ("sales_by_product", ("sku", "currency")),
    ("sales_by_customer", ("customer_id", "currency")),
    ("sales_by_channel", ("channel", "currency")),
)
MEASURES = ("orders", "quantity", "net", "vat", "gross")
# Day, customer and channel reports are summed from one row per order with these columns.
ORDER_COLUMNS = ("order_id", "date", "currency", "customer_id", "channel")


def args() -> tuple[int, str, Path]:
    """`--threads N SOURCE OUT_DIR` -> (threads, source, out_dir), out_dir created."""
    argv = sys.argv[1:]
    threads = 1
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]
    if len(argv) != 2 or threads < 1:
        sys.exit(f"usage: {sys.argv[0]} --threads N FACTS.csv OUT_DIR")
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    return threads, argv[0], out


def finish(engine: str, version: str, threads: int, start: float) -> None:
    """Prints the answer of a run that started at `start` (time.perf_counter())."""
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"engine": engine, "version": version, "threads": threads, "seconds": seconds, "peak_rss_kib": peak}))
