//! `make bench-reports`: `reports-bench WORK_DIR RESULTS.json PYTHON [LINES...]` generates facts files of 100 k,
//! 1 M and 10 M rows (deterministic, production-shaped; kept in WORK_DIR between runs), runs the reports core
//! (`reports-core`, a child process per run so each peak RSS is its own; on all cores and on one thread) and the
//! same four reports in pandas, polars and duckdb (`scripts/bench_reports_*.py` with PYTHON; polars and duckdb on
//! all cores and on one thread), `BENCH_REPS` (3) times, interleaved. Every engine's CSV of every report is
//! compared with the core's row by row and cell by cell (numbers as exact decimals); a difference or an engine
//! error fails the bench. Writes the medians, lines/s, peak RSS and the core's speed-up over the faster of polars
//! and duckdb per size to RESULTS.json, with the commit, the toolchain and the CPU count.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::str::FromStr;
use std::time::Instant;

use rust_decimal::Decimal;
use serde_json::{json, Value};

/// The reports, as each engine names its CSV, with their key columns.
const REPORTS: [(&str, [&str; 2]); 4] = [
    ("sales_by_day", ["date", "currency"]),
    ("sales_by_product", ["sku", "currency"]),
    ("sales_by_customer", ["customer_id", "currency"]),
    ("sales_by_channel", ["channel", "currency"]),
];
/// The measure columns that follow the keys.
const MEASURES: [&str; 5] = ["orders", "quantity", "net", "vat", "gross"];

/// Bumped whenever the generator writes other files (the name of the kept files carries it).
const GENERATOR: u32 = 1;

/// A small deterministic generator (64-bit LCG, Knuth's constants): the same files on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }

    /// True with probability `percent` %.
    fn percent(&mut self, percent: u64) -> bool {
        self.next(100) < percent
    }
}

/// SplitMix64: a bijection of u64 that looks random, for ids.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const TENANT: &str = "nordic-outdoor";
const CUSTOMERS: u64 = 20_000;
const SKUS: u64 = 5_000;
const CHANNELS: u64 = 4;

/// One line of an order (or its adjustment row: no SKU, quantity 0).
#[derive(Clone)]
struct Line {
    sku: Option<u64>,
    halves: i64,
    net_cents: i64,
}

/// An order's contribution: its order-level fields and its rows.
#[derive(Clone)]
struct Order {
    number: u64,
    day: u64,
    sek: bool,
    customer: u64,
    channel: u64,
    lines: Vec<Line>,
}

/// `units` of `10^-places` as text: `-12.34`.
fn fixed_text(units: i64, places: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let (a, scale) = (units.unsigned_abs(), 10u64.pow(places));
    format!("{sign}{}.{:0width$}", a / scale, a % scale, width = places as usize)
}

/// Order ids as the API makes them (`ord_` + a UUID v7 in 32 lowercase hex: time first, then random bits).
fn order_id(number: u64, orders: u64) -> String {
    let millis = 1_793_491_200_000 + number * (30 * 86_400_000 / (orders + 1)); // from 2026-11-01
    let random = mix(number);
    let low = (mix(number ^ 0x5bd1_e995) & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!("ord_{:012x}7{:03x}{low:016x}", millis & 0xffff_ffff_ffff, random >> 52)
}

/// Random lines: 1–5 of them, 1 % free-text (no SKU), quantities whole or .5 up to 10, prices in cents.
fn lines(random: &mut Lcg) -> Vec<Line> {
    (0..1 + random.next(5))
        .map(|_| {
            let sku = if random.percent(1) { None } else { Some(random.next(SKUS)) };
            let halves = 1 + random.next(20); // 0.5 … 10
            let price_cents = 100 + random.next(99_900);
            Line { sku, halves: halves as i64, net_cents: (halves * price_cents / 2) as i64 }
        })
        .collect()
}

struct Writer<'a> {
    out: BufWriter<std::fs::File>,
    customers: &'a [String],
    channels: &'a [String],
    skus: &'a [String],
    orders: u64,
}

impl Writer<'_> {
    /// Writes `order`'s rows, negated when `sign` is -1, with `status`.
    fn write(&mut self, order: &Order, sign: i64, status: &str) -> std::io::Result<()> {
        let id = order_id(order.number, self.orders);
        let currency = if order.sek { "SEK" } else { "EUR" };
        let (customer, channel) = (&self.customers[order.customer as usize], &self.channels[order.channel as usize]);
        for line in &order.lines {
            let sku = line.sku.map_or("", |s| self.skus[s as usize].as_str());
            let halves = sign * line.halves;
            let quantity = if halves % 2 == 0 { format!("{}", halves / 2) } else { fixed_text(halves * 5, 1) };
            let net = fixed_text(sign * line.net_cents, 2);
            let vat = fixed_text(sign * line.net_cents * 25, 4); // 25 % of cents, in 1/10 000
            writeln!(
                self.out,
                "{id},{TENANT},2026-11-{:02},{currency},{customer},{channel},{sku},{quantity},{net},{vat},,{status}",
                order.day
            )?;
        }
        Ok(())
    }
}

/// Writes a facts file of exactly `rows` rows, production-shaped: orders of 1–5 lines over 30 days (`ord_` + 32
/// hex), 20 000 customers (`cus_` + 24 hex), 4 channels (`key_` + 12 hex), 5 000 SKUs (`SKU-00042`), one tenant,
/// EUR and SEK (1 in 10), whole and half quantities, prices in cents, 25 % VAT at 4 places; 10 % of orders with
/// an adjustment row (shipping, and its VAT); 3 % of orders taken back up to 20 000 orders later — two in three
/// cancelled (every row negated, status `cancelled`), one in three changed (taken back and added again with
/// other lines, status `accepted_with_changes`, as `facts::changes` writes a change).
fn generate(path: &Path, rows: u64) -> std::io::Result<()> {
    let customers: Vec<String> =
        (0..CUSTOMERS).map(|c| format!("cus_{:016x}{:08x}", mix(c), mix(c + (1 << 40)) >> 32)).collect();
    let channels: Vec<String> = (0..CHANNELS).map(|c| format!("key_{:012x}", mix(c + (1 << 50)) >> 16)).collect();
    let skus: Vec<String> = (0..SKUS).map(|s| format!("SKU-{s:05}")).collect();
    let tmp = path.with_extension("tmp");
    let mut writer = Writer {
        out: BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?),
        customers: &customers,
        channels: &channels,
        skus: &skus,
        orders: rows * 10 / 32 + 1,
    };
    writeln!(writer.out, "order_id,tenant,date,currency,customer_id,channel,sku,quantity,line_net,vat,cost,status")?;
    let mut random = Lcg(42);
    // taken back later: (due at order number, order number) -> the contribution and whether it is changed
    let mut pending: BTreeMap<(u64, u64), (Order, bool)> = BTreeMap::new();
    let (mut written, mut number) = (0u64, 0u64);
    while written < rows {
        number += 1;
        while let Some(entry) = pending.first_entry() {
            if entry.key().0 > number {
                break;
            }
            let (before, changed) = entry.remove();
            let mut after = before.clone();
            after.lines = if changed { lines(&mut random) } else { Vec::new() };
            let size = (before.lines.len() + after.lines.len()) as u64;
            if written + size <= rows {
                let status = if changed { "accepted_with_changes" } else { "cancelled" };
                writer.write(&before, -1, status)?;
                writer.write(&after, 1, status)?;
                written += size;
            }
        }
        let sek = random.next(10) == 0;
        let mut order = Order {
            number,
            day: (1 + number * 30 / writer.orders).min(30),
            sek,
            customer: random.next(CUSTOMERS),
            channel: random.next(CHANNELS),
            lines: lines(&mut random),
        };
        if random.percent(10) {
            order.lines.push(Line { sku: None, halves: 0, net_cents: if sek { 4_900 } else { 490 } });
        }
        order.lines.truncate((rows - written) as usize);
        written += order.lines.len() as u64;
        writer.write(&order, 1, "received")?;
        if random.percent(3) {
            let due = number + 1 + random.next(20_000);
            let changed = random.next(3) == 0;
            pending.insert((due, number), (order, changed));
        }
    }
    writer.out.flush()?;
    drop(writer);
    std::fs::rename(tmp, path)
}

/// One engine of the comparison.
struct Engine {
    name: String,
    /// `None`: the core; else the peer's script.
    script: Option<PathBuf>,
    threads: usize,
}

/// Runs `command`, which prints one JSON object; adds the wall time seen from here.
fn run_json(command: &mut Command) -> Result<Value, String> {
    let start = Instant::now();
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!("{command:?} failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let mut value: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("{command:?} printed no JSON ({e})"))?;
    value["wall_seconds"] = json!(wall);
    Ok(value)
}

/// One CSV line's cells (RFC 4180 quotes undone; no cell of these reports holds a line end).
fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let (mut cell, mut quoted, mut chars) = (String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// A report's CSV as rows of comparable cells (keys as text, numbers as normalised exact decimals), sorted by keys.
fn read_report(path: &Path, keys: &[&str; 2]) -> Result<Vec<Vec<String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header = cells(lines.next().unwrap_or_default());
    let expected: Vec<&str> = keys.iter().chain(MEASURES.iter()).copied().collect();
    if header != expected {
        return Err(format!("{}: header {header:?}, expected {expected:?}", path.display()));
    }
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let mut row = cells(line);
        if row.len() != expected.len() {
            return Err(format!("{} row {}: {} cells, expected {}", path.display(), n + 1, row.len(), expected.len()));
        }
        for cell in &mut row[keys.len()..] {
            let value = Decimal::from_str(cell)
                .map_err(|e| format!("{} row {}: {cell:?} is not a number ({e})", path.display(), n + 1))?;
            *cell = value.normalize().to_string();
        }
        rows.push(row);
    }
    rows.sort_by(|a, b| a[..keys.len()].cmp(&b[..keys.len()]));
    Ok(rows)
}

/// Compares every report an engine wrote in `dir` with the core's in `reference`, row by row and cell by cell.
fn compare(reference: &Path, dir: &Path, engine: &str) -> Result<(), String> {
    for (report, keys) in &REPORTS {
        let expected = read_report(&reference.join(format!("{report}.csv")), keys)?;
        let got = read_report(&dir.join(format!("{report}.csv")), keys)?;
        if expected.len() != got.len() {
            let first = expected.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(expected.len().min(got.len()));
            return Err(format!(
                "{engine} {report}: {} rows, the core {}; first difference at row {}: core {:?}, {engine} {:?}",
                got.len(),
                expected.len(),
                first + 1,
                expected.get(first),
                got.get(first)
            ));
        }
        if let Some((n, (a, b))) = expected.iter().zip(&got).enumerate().find(|(_, (a, b))| a != b) {
            return Err(format!("{engine} {report} row {}: core {a:?}, {engine} {b:?}", n + 1));
        }
    }
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

fn bench(work: &Path, python: &str, lines: u64, engines: &[Engine], reps: usize) -> Result<Value, String> {
    let input = work.join(format!("facts-v{GENERATOR}-{lines}.csv"));
    if !input.is_file() {
        eprintln!("generating {}", input.display());
        generate(&input, lines).map_err(|e| e.to_string())?;
    }
    let bytes = std::fs::metadata(&input).map_err(|e| e.to_string())?.len();
    let core = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("reports-core");
    let out = work.join(format!("out-{lines}"));
    let mut runs: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for rep in 1..=reps {
        for engine in engines {
            let dir = out.join(&engine.name);
            let _ = std::fs::remove_dir_all(&dir);
            let mut command = match &engine.script {
                None => Command::new(&core),
                Some(script) => {
                    let mut command = Command::new(python);
                    command.arg(script);
                    command
                }
            };
            command.arg("--threads").arg(engine.threads.to_string()).arg(&input).arg(&dir);
            let result = run_json(&mut command)?;
            compare(&out.join("core"), &dir, &engine.name)?;
            eprintln!(
                "{lines} rep {rep} {}: {:.3} s, {} MiB",
                engine.name,
                result["seconds"].as_f64().unwrap_or(f64::NAN),
                result["peak_rss_kib"].as_u64().unwrap_or(0) / 1024
            );
            runs.entry(engine.name.as_str()).or_default().push(result);
        }
    }
    let mut results = serde_json::Map::new();
    let mut seconds_of = BTreeMap::new();
    for engine in engines {
        let results_of = &runs[engine.name.as_str()];
        let seconds: Vec<f64> = results_of.iter().map(|r| r["seconds"].as_f64().unwrap_or(f64::NAN)).collect();
        let wall: Vec<f64> = results_of.iter().map(|r| r["wall_seconds"].as_f64().unwrap_or(f64::NAN)).collect();
        let rss = results_of.iter().filter_map(|r| r["peak_rss_kib"].as_u64()).max().unwrap_or(0);
        let med = median(&seconds);
        seconds_of.insert(engine.name.as_str(), med);
        #[allow(clippy::cast_precision_loss)]
        let rate = lines as f64 / med;
        #[allow(clippy::cast_precision_loss)]
        let mib = rss as f64 / 1024.0;
        results.insert(
            engine.name.clone(),
            json!({
                "seconds": round(med, 4),
                "lines_per_second": rate.round(),
                "peak_rss_mib": round(mib, 1),
                "threads": engine.threads,
                "version": results_of[0]["version"],
                "all_seconds": seconds.iter().map(|s| round(*s, 4)).collect::<Vec<_>>(),
                "wall_seconds": round(median(&wall), 4),
            }),
        );
    }
    // the faster of polars and duckdb on all cores (and on one thread)
    let best = |suffix: &str| {
        ["polars", "duckdb"]
            .iter()
            .map(|peer| format!("{peer}{suffix}"))
            .filter_map(|name| seconds_of.get(name.as_str()).map(|s| (name, *s)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let best_all = best("");
    let best_one = best("_1_thread");
    let speedup = |core: &str, peer: &Option<(String, f64)>| match (seconds_of.get(core), peer) {
        (Some(core), Some((_, peer))) => json!(round(peer / core, 2)),
        _ => Value::Null,
    };
    let core_rss = ["core", "core_1_thread"]
        .iter()
        .filter_map(|name| results.get(*name))
        .filter_map(|r| r["peak_rss_mib"].as_f64())
        .fold(0.0, f64::max);
    let result = json!({
        "lines": lines,
        "file_bytes": bytes,
        "engines": results,
        "best_peer": best_all.as_ref().map(|b| b.0.clone()),
        "best_peer_1_thread": best_one.as_ref().map(|b| b.0.clone()),
        "speedup_core_vs_best_peer": speedup("core", &best_all),
        "speedup_core_1_thread_vs_best_peer": speedup("core_1_thread", &best_all),
        "speedup_core_1_thread_vs_best_peer_1_thread": speedup("core_1_thread", &best_one),
        "core_peak_rss_mib": core_rss,
        "peak_rss_within_64_mib": core_rss <= 64.0,
        "rows_identical": true,
        "outputs": runs["core"][0]["outputs"],
    });
    eprintln!("{result}");
    Ok(result)
}

/// The commit the run started at (dirty: uncommitted changes outside `bench/results`), the toolchain.
fn provenance() -> Value {
    let output = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let dirty =
        !output("git", &["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"])
            .is_empty();
    json!({
        "commit": output("git", &["rev-parse", "HEAD"]),
        "dirty": dirty,
        "rustc": output("rustc", &["-V"]),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(work), Some(results), Some(python)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: reports-bench WORK_DIR RESULTS.json PYTHON [LINES...]  (BENCH_REPS: repetitions, 3)");
        return ExitCode::from(2);
    };
    let sizes: Vec<u64> = match args[4..].iter().map(|a| a.parse()).collect::<Result<Vec<u64>, _>>() {
        Ok(sizes) if !sizes.is_empty() => sizes,
        Ok(_) => vec![100_000, 1_000_000, 10_000_000],
        Err(e) => {
            eprintln!("reports-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let reps = std::env::var("BENCH_REPS").ok().and_then(|r| r.parse().ok()).filter(|r| *r >= 1).unwrap_or(3);
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let scripts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts");
    let engine = |name: &str, script: Option<&str>, threads: usize| Engine {
        name: name.to_owned(),
        script: script.map(|s| scripts.join(format!("bench_reports_{s}.py"))),
        threads,
    };
    let mut engines = vec![engine("core", None, cpus)];
    if cpus > 1 {
        engines.push(engine("core_1_thread", None, 1));
    }
    engines.push(engine("pandas", Some("pandas"), 1));
    for peer in ["polars", "duckdb"] {
        engines.push(engine(peer, Some(peer), cpus));
        if cpus > 1 {
            engines.push(engine(&format!("{peer}_1_thread"), Some(peer), 1));
        }
    }
    let work = PathBuf::from(work);
    if let Err(e) = std::fs::create_dir_all(&work) {
        eprintln!("reports-bench: {e}");
        return ExitCode::FAILURE;
    }
    let mut runs = Vec::new();
    for &lines in &sizes {
        match bench(&work, python, lines, &engines, reps) {
            Ok(run) => runs.push(run),
            Err(e) => {
                eprintln!("reports-bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let at_10m = runs.iter().find(|r| r["lines"] == 10_000_000).map(|r| r["speedup_core_vs_best_peer"].as_f64());
    let report = json!({
        "what": "sales by day, product, customer and channel of an order-line facts file (signed order groups: taken-back orders count -1, adjustment rows in day, customer and channel only): the reports core (orders_domain::reports::stream, exact fixed point, CSV + Parquet out) against pandas, polars and duckdb doing the same with exact types (int64 fixed point, Decimal(18,4), DECIMAL(18,4)) and writing CSV + Parquet; every CSV compared with the core's row by row",
        "provenance": provenance(),
        "repetitions": reps,
        "interleaved": true,
        "seconds": "median over the repetitions, measured inside each engine from before reading the file to the last report written (interpreter start-up and imports excluded; wall_seconds includes them)",
        "peak_rss": "the process's high-water mark, max over the repetitions",
        "budgets": {
            "core_at_least_3x_faster_than_best_peer_at_10m": at_10m.map(|s| s.is_some_and(|s| s >= 3.0)),
            "peak_rss_within_64_mib": runs.iter().all(|r| r["peak_rss_within_64_mib"] == true),
        },
        "rows_identical": true,
        "runs": runs,
    });
    match std::fs::write(results, format!("{report:#}\n")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reports-bench: {results}: {e}");
            ExitCode::FAILURE
        }
    }
}
