//! `make bench-reports`: `reports-bench WORK_DIR RESULTS.json PYTHON [LINES...]` generates order-lines files of
//! 100 k, 1 M and 10 M lines (deterministic; kept in WORK_DIR between runs), runs the reports core
//! (`reports-core`, a child process per size so each peak RSS is its own) and the same aggregation in pandas
//! (`scripts/bench_reports_pandas.py` with PYTHON), checks both arrive at the same total net, and writes lines/s,
//! peak RSS and the speed ratio per size to RESULTS.json.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::{json, Value};

/// A small deterministic generator (64-bit LCG, Knuth's constants): the same files on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Writes `lines` order lines: orders of 1–5 lines over 30 days, 20 000 customers, 5 000 products, EUR and SEK,
/// whole and half quantities, prices in cents, 25 % VAT (up to 4 places).
fn generate(path: &Path, lines: u64) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
    writeln!(out, "order_id,date,currency,customer_id,channel,sku,quantity,line_net,vat")?;
    let mut random = Lcg(42);
    let channels = ["web", "shop-2", "marketplace"];
    let (mut written, mut order) = (0, 0u64);
    while written < lines {
        order += 1;
        let day = 1 + order * 30 / (lines / 3 + 1);
        let currency = if random.next(10) == 0 { "SEK" } else { "EUR" };
        let customer = random.next(20_000);
        let channel = channels[usize::try_from(random.next(3)).unwrap_or(0)];
        for _ in 0..(1 + random.next(5)).min(lines - written) {
            let halves = 1 + random.next(20); // 0.5 … 10
            let price_cents = 100 + random.next(99_900);
            let net_half_cents = halves * price_cents; // net in cents × 2
            let quantity = if halves % 2 == 0 { format!("{}", halves / 2) } else { format!("{}.5", halves / 2) };
            let net = format!("{}.{:02}", net_half_cents / 200, (net_half_cents % 200) / 2);
            let net_cents = net_half_cents / 2;
            // 25 %: cents × 25 / 100 → 4 places
            let vat_units = net_cents * 25; // in 1/10 000
            let vat = format!("{}.{:04}", vat_units / 10_000, vat_units % 10_000);
            writeln!(
                out,
                "o{order:09},2026-11-{:02},{currency},C{customer:05},{channel},SKU-{:04},{quantity},{net},{vat}",
                day.min(30),
                random.next(5_000)
            )?;
            written += 1;
        }
    }
    out.flush()?;
    drop(out);
    std::fs::rename(tmp, path)
}

fn run_json(command: &mut Command) -> Result<Value, String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{command:?} failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("{command:?} printed no JSON ({e})"))
}

fn bench(work: &Path, python: &str, lines: u64) -> Result<Value, String> {
    let input = work.join(format!("lines-{lines}.csv"));
    if !input.is_file() {
        eprintln!("generating {}", input.display());
        generate(&input, lines).map_err(|e| e.to_string())?;
    }
    let core = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("reports-core");
    let rust = run_json(Command::new(core).arg(&input).arg(work.join(format!("rust-{lines}"))))?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_reports_pandas.py");
    let pandas = run_json(Command::new(python).arg(script).arg(&input).arg(work.join(format!("pandas-{lines}"))))?;
    if rust["total_net"] != pandas["total_net"] {
        return Err(format!("the totals differ: core {} pandas {}", rust["total_net"], pandas["total_net"]));
    }
    let seconds = |v: &Value| v["seconds"].as_f64().unwrap_or(f64::NAN);
    #[allow(clippy::cast_precision_loss)]
    let rate = |v: &Value| lines as f64 / seconds(v);
    let mib = |v: &Value| v["peak_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0;
    let result = json!({
        "lines": lines,
        "total_net": rust["total_net"],
        "core": {"seconds": seconds(&rust), "lines_per_second": rate(&rust).round(), "peak_rss_mib": (mib(&rust) * 10.0).round() / 10.0, "outputs": rust["outputs"]},
        "pandas": {"seconds": seconds(&pandas), "lines_per_second": rate(&pandas).round(), "peak_rss_mib": (mib(&pandas) * 10.0).round() / 10.0, "version": pandas["pandas"]},
        "speedup_vs_pandas": ((seconds(&pandas) / seconds(&rust)) * 10.0).round() / 10.0,
        "peak_rss_within_64_mib": mib(&rust) <= 64.0,
    });
    eprintln!("{result}");
    Ok(result)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(work), Some(results), Some(python)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: reports-bench WORK_DIR RESULTS.json PYTHON [LINES...]");
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
    let work = PathBuf::from(work);
    if let Err(e) = std::fs::create_dir_all(&work) {
        eprintln!("reports-bench: {e}");
        return ExitCode::FAILURE;
    }
    let mut runs = Vec::new();
    for lines in sizes {
        match bench(&work, python, lines) {
            Ok(run) => runs.push(run),
            Err(e) => {
                eprintln!("reports-bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let report = json!({
        "what": "sales by day, product and customer of an order-lines CSV: the reports core (stream, exact fixed-point sums, CSV + Parquet out) against pandas (read_csv, exact int64 fixed point, groupby with nunique orders, CSV out)",
        "machine": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)},
        "targets": {"speedup_vs_pandas": 20, "peak_rss_mib": 64},
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
