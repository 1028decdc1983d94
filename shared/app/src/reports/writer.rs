//! Writing a report run to S3 so that readers never see half of it: each run's files go under their own
//! `run=<id>/` folder, then the report's `manifest.json` (one PUT, so atomic) is replaced to name them; a reader
//! that starts from the manifest gets one whole run. Athena reads the Parquet file under `table/`, which is
//! replaced (one PUT) after the manifest. Runs older than the previous one are deleted afterwards (the previous
//! one stays for readers that fetched its manifest a moment ago).

use orders_aws::exports::MultipartUpload;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use orders_domain::ids::TenantId;
use orders_domain::reports::{Period, ReportName};
use orders_exports::{parquet_file, xlsx};

use super::tables::ReportContent;
use super::{ReportError, Reporting};

/// The folder of a period under a report: `date=<d>` for one day (the scheduled runs; what the Glue tables
/// partition on), `range=<from>_<to>` for a longer period asked for on demand.
pub fn partition(period: &Period) -> String {
    if period.from == period.to {
        format!("date={}", period.from)
    } else {
        format!("range={}_{}", period.from, period.to)
    }
}

/// `tenant=<t>/report=<name>/<partition>/`.
pub fn report_prefix(tenant: &TenantId, report: ReportName, period: &Period) -> String {
    format!("tenant={tenant}/report={}/{}/", report.as_str(), partition(period))
}

/// A new run's id: sortable by time, unique.
pub fn new_run_id(now: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = now.format(&format).unwrap_or_default();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{stamp}-{}", &random[..8])
}

/// One file of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenFile {
    /// File name (`sales_by_day.csv`).
    pub name: String,
    /// Object key.
    pub key: String,
    /// `csv`, `xlsx` or `parquet`.
    pub format: String,
    /// Data rows.
    pub rows: usize,
    /// Size.
    pub bytes: usize,
    /// SHA-256, hex.
    pub sha256: String,
}

/// A report as written: its manifest and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenReport {
    /// Which report.
    pub report: String,
    /// The run.
    pub run: String,
    /// The manifest's key.
    pub manifest: String,
    /// The run's files.
    pub files: Vec<WrittenFile>,
}

/// What a manifest says (the part a reader needs).
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// The run it names.
    pub run: String,
    /// When it was written (RFC 3339).
    #[serde(default)]
    pub generated_at: String,
    /// Its files.
    pub files: Vec<WrittenFile>,
}

/// Puts one object.
pub async fn put(app: &Reporting, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), ReportError> {
    Ok(app.exports.put(key, body, content_type).await?)
}

/// Gets one object of the exports bucket; `None` when there is none.
pub async fn get(app: &Reporting, key: &str) -> Result<Option<Vec<u8>>, ReportError> {
    Ok(app.exports.get(key).await?)
}

/// The manifest at `key`, if there is a readable one.
pub async fn read_manifest(app: &Reporting, key: &str) -> Result<Option<Manifest>, ReportError> {
    Ok(get(app, key).await?.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// Size of a multipart upload's parts unless [`Reporting::with_part_bytes`] sets another.
pub use orders_aws::exports::PART_BYTES;

/// A run's file written as it is produced ([`MultipartUpload`], so a long file is never held whole), hashed on
/// the way for the manifest.
pub struct PartUpload<'a> {
    upload: MultipartUpload<'a>,
    hasher: Sha256,
}

impl<'a> PartUpload<'a> {
    /// Starts writing `key`.
    pub fn new(app: &'a Reporting, key: String, content_type: &'static str) -> Self {
        Self { upload: MultipartUpload::new(&app.exports, key, content_type), hasher: Sha256::new() }
    }

    /// Appends bytes; uploads each part as it fills (however much is written at once).
    pub async fn write(&mut self, data: &[u8]) -> Result<(), ReportError> {
        self.hasher.update(data);
        Ok(self.upload.write(data).await?)
    }

    /// Finishes the object (one PUT if it fit in one part); returns its size and SHA-256. A failed multipart
    /// upload is aborted, so no parts linger.
    pub async fn finish(self) -> Result<(usize, String), ReportError> {
        let sha256 = hex::encode(self.hasher.finalize());
        let bytes = self.upload.finish().await?;
        Ok((bytes, sha256))
    }
}

/// Writes one report's files under a new run, then its manifest, then (for a day) the Athena copy, then deletes
/// runs older than the previous one.
pub async fn write_report(
    app: &Reporting,
    tenant: &TenantId,
    period: &Period,
    run: &str,
    content: &ReportContent,
) -> Result<WrittenReport, ReportError> {
    let name = content.name.as_str();
    let prefix = report_prefix(tenant, content.name, period);
    let manifest_key = format!("{prefix}manifest.json");
    let previous = read_manifest(app, &manifest_key).await?.map(|m| m.run);

    let rows = content.table.rows.len();
    let bad = |e: orders_exports::ExportError| ReportError::Export(e.to_string());
    let key_of = |format: &str| format!("{prefix}run={run}/{name}.{format}");
    let file = |format: &str, (bytes, sha256): (usize, String)| WrittenFile {
        name: format!("{name}.{format}"),
        key: key_of(format),
        format: format.to_owned(),
        rows,
        bytes,
        sha256,
    };
    let mut written = Vec::new();

    // CSV row by row: a long report goes up in parts and is never held whole.
    let mut csv = PartUpload::new(app, key_of("csv"), "text/csv; charset=utf-8");
    csv.write(content.table.csv_header().as_bytes()).await?;
    for row in &content.table.rows {
        csv.write(orders_domain::reports::csv_row(row).as_bytes()).await?;
    }
    written.push(file("csv", csv.finish().await?));

    let sheets: Vec<(String, &orders_domain::reports::Table)> =
        content.sheets.iter().map(|(sheet, table)| (sheet.clone(), table)).collect();
    let xlsx = xlsx::workbook(&sheets).map_err(bad)?;
    let parquet = parquet_file::parquet_file(&content.table).map_err(bad)?;
    let others = [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.as_slice()),
        ("parquet", "application/vnd.apache.parquet", parquet.as_slice()),
    ];
    for (format, content_type, body) in others {
        let mut upload = PartUpload::new(app, key_of(format), content_type);
        upload.write(body).await?;
        written.push(file(format, upload.finish().await?));
    }
    let manifest = json!({
        "tenant": tenant.as_str(),
        "report": name,
        "from": period.from.to_string(),
        "to": period.to.to_string(),
        "run": run,
        "generated_at": OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "files": written,
    });
    put(app, &manifest_key, manifest.to_string().into_bytes(), "application/json").await?;
    if period.from == period.to {
        put(app, &format!("{prefix}table/{name}.parquet"), parquet, "application/vnd.apache.parquet").await?;
    }
    delete_old_runs(app, &prefix, run, previous.as_deref()).await?;
    Ok(WrittenReport { report: name.to_owned(), run: run.to_owned(), manifest: manifest_key, files: written })
}

/// Deletes the files of the runs under `prefix` other than `current` and `previous`.
async fn delete_old_runs(
    app: &Reporting,
    prefix: &str,
    current: &str,
    previous: Option<&str>,
) -> Result<(), ReportError> {
    let runs = format!("{prefix}run=");
    let keep = |key: &str| {
        let run = key.strip_prefix(runs.as_str()).and_then(|rest| rest.split('/').next()).unwrap_or_default();
        run == current || Some(run) == previous
    };
    for key in app.exports.list_keys(&runs).await? {
        if !keep(&key) {
            app.exports.delete(&key).await?;
        }
    }
    Ok(())
}
