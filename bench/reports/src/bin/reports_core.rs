//! One run of the reports core: `reports-core LINES.csv OUT_DIR` streams an order-lines file through
//! [`SalesStream`] (constant memory; two halves on two threads, merged), writes each report as CSV and Parquet into `OUT_DIR` and prints one JSON
//! object: lines, seconds, peak RSS (the process's high-water mark) and the total net for cross-checking.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::process::ExitCode;
use std::time::Instant;

use bench_reports::stream::SalesStream;
use orders_domain::reports::Cell;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Where the second half of the file starts: the first line after the middle whose order differs from the line
/// before it (an order's lines stay in one half).
fn split_point(input: &str, length: u64) -> Result<u64, String> {
    let mut file = std::fs::File::open(input).map_err(|e| e.to_string())?;
    file.seek(SeekFrom::Start(length / 2)).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(file);
    let mut offset = length / 2;
    let mut line = Vec::new();
    // the rest of the line the middle falls in
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

/// Aggregates the lines in `from..to` of the file (`from` at a line start; line 1, the header, skipped). Lines
/// are taken in place from 4 MiB reads (no copy per line).
fn aggregate(input: &str, from: u64, to: u64) -> Result<SalesStream, String> {
    let mut file = std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| e.to_string())?;
    let mut reader = file.take(to - from);
    let mut stream = SalesStream::new();
    let mut buffer = vec![0u8; 4 << 20];
    let (mut filled, mut line_no, mut header) = (0usize, 0u64, from == 0);
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
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', &buffer[..end]).chain(std::iter::once(end)) {
            let line = &buffer[start..newline];
            start = newline + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            line_no += 1;
            if header {
                header = false;
                continue;
            }
            stream.push_csv_line(line, line_no).map_err(|e| format!("byte {from}+: {e}"))?;
        }
        if read == 0 {
            return Ok(stream);
        }
        buffer.copy_within(end..filled, 0);
        filled -= end;
    }
}

fn run(input: &str, out_dir: &str) -> Result<serde_json::Value, String> {
    let start = Instant::now();
    let length = std::fs::metadata(input).map_err(|e| format!("{input}: {e}"))?.len();
    // One stream per core (two halves, split between orders), merged: the same sums as one pass.
    let middle = split_point(input, length)?;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| aggregate(input, middle, length));
        let first = aggregate(input, 0, middle);
        (first, second.join().unwrap_or_else(|_| Err("a worker panicked".into())))
    });
    let mut stream = first?;
    stream.merge(&second?);
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
    let seconds = start.elapsed().as_secs_f64();
    let net = tables[0].column("net").ok_or("no net column")?;
    let total_net: rust_decimal::Decimal = tables[0]
        .rows
        .iter()
        .map(|row| match &row[net] {
            Cell::Decimal(d) => *d,
            _ => Default::default(),
        })
        .sum();
    Ok(serde_json::json!({
        "lines": stream.lines(),
        "seconds": seconds,
        "aggregate_seconds": aggregated,
        "peak_rss_kib": peak_rss_kib(),
        "total_net": total_net.normalize().to_string(),
        "outputs": outputs,
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(out_dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: reports-core LINES.csv OUT_DIR");
        return ExitCode::from(2);
    };
    match run(input, out_dir) {
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
