//! One run of the reports core: `reports-core [--threads N] FACTS.csv OUT_DIR` streams a facts file through
//! [`SalesStream`] (constant memory; the file cut into N parts between orders, one stream per part on its own
//! thread, merged: the same sums as one pass), writes each report as CSV and Parquet into `OUT_DIR` and prints
//! one JSON object: lines, seconds, threads, peak RSS (the process's high-water mark) and the outputs.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::process::ExitCode;
use std::time::Instant;

use orders_domain::reports::stream::{check_header, SalesStream};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Where a part that should start near `near` starts: the first line after it whose order differs from the
/// line before it (an order's rows stay in one part), or the end of the file.
fn split_point(input: &str, near: u64, length: u64) -> Result<u64, String> {
    let mut file = std::fs::File::open(input).map_err(|e| e.to_string())?;
    file.seek(SeekFrom::Start(near)).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(file);
    let mut offset = near;
    let mut line = Vec::new();
    // the rest of the line `near` falls in
    offset += reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())? as u64;
    let mut previous: Option<Vec<u8>> = None;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())? as u64;
        if read == 0 {
            return Ok(length);
        }
        let order = line.split(|&b| b == b',').next().unwrap_or_default().to_vec();
        if previous.as_ref().is_some_and(|p| *p != order) {
            return Ok(offset);
        }
        previous = Some(order);
        offset += read;
    }
}

/// Aggregates the rows in `from..to` of the file (`from` at a line start; at 0 the header is checked first).
/// Rows are taken in place from 4 MiB reads (no copy per line).
fn aggregate(input: &str, from: u64, to: u64) -> Result<SalesStream, String> {
    let mut file = std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| e.to_string())?;
    let mut reader = file.take(to - from);
    let mut stream = SalesStream::new();
    let mut buffer = vec![0u8; 4 << 20];
    let (mut filled, mut header) = (0usize, from == 0);
    // line numbers from the part's start (the file's own in the first part, whose line 1 is the header)
    let first = if from == 0 { 2 } else { 1 };
    loop {
        let read = reader.read(&mut buffer[filled..]).map_err(|e| e.to_string())?;
        filled += read;
        let end = if read == 0 {
            filled
        } else {
            match memchr::memrchr(b'\n', &buffer[..filled]) {
                Some(last) => last + 1,
                None if filled == buffer.len() => return Err("a line longer than 4 MiB".into()),
                None => continue,
            }
        };
        let mut rows = &buffer[..end];
        if header && !rows.is_empty() {
            let line_end = memchr::memchr(b'\n', rows).unwrap_or(rows.len());
            let line = &rows[..line_end];
            check_header(line.strip_suffix(b"\r").unwrap_or(line)).map_err(|e| format!("{input}: {e}"))?;
            rows = rows.get(line_end + 1..).unwrap_or_default();
            header = false;
        }
        stream.push_lines(rows, stream.lines() + first).map_err(|e| format!("{input}, part from byte {from}: {e}"))?;
        if read == 0 {
            if header {
                return Err(format!("{input}: no header"));
            }
            return Ok(stream);
        }
        buffer.copy_within(end..filled, 0);
        filled -= end;
    }
}

fn run(input: &str, out_dir: &str, threads: usize) -> Result<serde_json::Value, String> {
    let start = Instant::now();
    let length = std::fs::metadata(input).map_err(|e| format!("{input}: {e}"))?.len();
    // One stream per thread over its own part of the file (cut between orders), merged: the same sums as one pass.
    let mut cuts = vec![0];
    for part in 1..threads as u64 {
        let near = (length * part / threads as u64).max(cuts[cuts.len() - 1]);
        cuts.push(if near >= length { length } else { split_point(input, near, length)? });
    }
    cuts.push(length);
    let parts: Vec<Result<SalesStream, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = cuts
            .windows(2)
            .map(|w| (w[0], w[1]))
            .map(|(from, to)| scope.spawn(move || aggregate(input, from, to)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err("a worker panicked".into()))).collect()
    });
    let mut parts = parts.into_iter();
    let mut stream = parts.next().ok_or("no part")??;
    for part in parts {
        stream.merge(&part?);
    }
    let aggregated = start.elapsed().as_secs_f64();
    let tables = stream.tables().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out_dir).map_err(|e| e.to_string())?;
    let mut outputs = Vec::new();
    for table in &tables {
        let csv = table.to_csv();
        let parquet = orders_exports::parquet_file::parquet_file(table).map_err(|e| e.to_string())?;
        std::fs::write(format!("{out_dir}/{}.csv", table.report), &csv).map_err(|e| e.to_string())?;
        std::fs::write(format!("{out_dir}/{}.parquet", table.report), &parquet).map_err(|e| e.to_string())?;
        outputs.push(serde_json::json!({"report": table.report, "rows": table.rows.len(), "csv_bytes": csv.len(), "parquet_bytes": parquet.len()}));
    }
    Ok(serde_json::json!({
        "engine": "core",
        "version": concat!("orders-domain ", env!("CARGO_PKG_VERSION")),
        "threads": threads,
        "lines": stream.lines(),
        "seconds": start.elapsed().as_secs_f64(),
        "aggregate_seconds": aggregated,
        "peak_rss_kib": peak_rss_kib(),
        "outputs": outputs,
    }))
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if let Some(at) = args.iter().position(|a| a == "--threads") {
        match args.get(at + 1).and_then(|n| n.parse::<usize>().ok()).filter(|n| (1..=256).contains(n)) {
            Some(n) => threads = n,
            None => {
                eprintln!("reports-core: --threads takes a number from 1 to 256");
                return ExitCode::from(2);
            }
        }
        args.drain(at..at + 2);
    }
    let (Some(input), Some(out_dir), None) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: reports-core [--threads N] FACTS.csv OUT_DIR");
        return ExitCode::from(2);
    };
    match run(input, out_dir, threads) {
        Ok(result) => {
            let _ = writeln!(std::io::stdout(), "{result}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("reports-core: {e}");
            ExitCode::FAILURE
        }
    }
}
