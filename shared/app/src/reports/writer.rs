//! Writing a report run to S3 so that readers never see half of it: each run's files go under their own
//! `run=<id>/` folder, then the report's `manifest.json` (one PUT, so atomic) is replaced to name them; a reader
//! that starts from the manifest gets one whole run. Athena reads the Parquet file under `table/`, which is
//! replaced (one PUT) after the manifest. Runs older than the previous one are deleted afterwards (the previous
//! one stays for readers that fetched its manifest a moment ago).

use orders_aws::aws_sdk_s3::primitives::ByteStream;
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

fn write_error(key: &str, detail: impl std::fmt::Display) -> ReportError {
    ReportError::Write { key: key.to_owned(), detail: detail.to_string() }
}

/// An S3 call on `key` failed: the error with its whole context.
fn s3_error(key: &str, error: impl std::error::Error) -> ReportError {
    write_error(key, orders_aws::aws_sdk_s3::error::DisplayErrorContext(&error))
}

/// Puts one object.
pub async fn put(app: &Reporting, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), ReportError> {
    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| s3_error(key, e))
}

/// Gets one object of the exports bucket; `None` when there is none.
pub async fn get(app: &Reporting, key: &str) -> Result<Option<Vec<u8>>, ReportError> {
    app.exports.get(key).await.map_err(|e| write_error(&e.key, e.detail))
}

/// The manifest at `key`, if there is a readable one.
pub async fn read_manifest(app: &Reporting, key: &str) -> Result<Option<Manifest>, ReportError> {
    Ok(get(app, key).await?.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// Size of a multipart upload's parts (S3: at least 5 MiB but the last).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// An object written as it is produced: bytes collect into a part, and once there is more than one part they go
/// up as a multipart upload, so a long file is never held whole; hashed on the way.
pub struct PartUpload<'a> {
    app: &'a Reporting,
    key: String,
    content_type: &'static str,
    part_bytes: usize,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<orders_aws::aws_sdk_s3::types::CompletedPart>,
    hasher: Sha256,
    bytes: usize,
}

impl<'a> PartUpload<'a> {
    /// Starts writing `key`.
    pub fn new(app: &'a Reporting, key: String, content_type: &'static str) -> Self {
        Self {
            part_bytes: app.part_bytes,
            app,
            key,
            content_type,
            buffer: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Appends bytes; uploads each part as it fills (however much is written at once).
    pub async fn write(&mut self, mut data: &[u8]) -> Result<(), ReportError> {
        self.hasher.update(data);
        self.bytes += data.len();
        while !data.is_empty() {
            let room = self.part_bytes.saturating_sub(self.buffer.len()).max(1);
            let (now, rest) = data.split_at(room.min(data.len()));
            self.buffer.extend_from_slice(now);
            data = rest;
            if self.buffer.len() >= self.part_bytes {
                self.upload_part().await?;
            }
        }
        Ok(())
    }

    async fn upload_part(&mut self) -> Result<(), ReportError> {
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = self
                    .app
                    .s3
                    .create_multipart_upload()
                    .bucket(&self.app.bucket)
                    .key(&self.key)
                    .content_type(self.content_type)
                    .send()
                    .await
                    .map_err(|e| s3_error(&self.key, e))?;
                let id = created.upload_id().ok_or_else(|| write_error(&self.key, "no upload id"))?.to_owned();
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = i32::try_from(self.parts.len() + 1).map_err(|_| write_error(&self.key, "too many parts"))?;
        let body = std::mem::take(&mut self.buffer);
        let uploaded = self
            .app
            .s3
            .upload_part()
            .bucket(&self.app.bucket)
            .key(&self.key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| s3_error(&self.key, e))?;
        self.parts.push(
            orders_aws::aws_sdk_s3::types::CompletedPart::builder()
                .part_number(number)
                .set_e_tag(uploaded.e_tag().map(str::to_owned))
                .build(),
        );
        Ok(())
    }

    /// Finishes the object (one PUT if it fit in one part); returns its size and SHA-256. A failed multipart
    /// upload is aborted, so no parts linger.
    pub async fn finish(mut self) -> Result<(usize, String), ReportError> {
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let Some(upload_id) = self.upload_id.clone() else {
            put(self.app, &self.key, std::mem::take(&mut self.buffer), self.content_type).await?;
            return Ok((self.bytes, sha256));
        };
        let result = async {
            if !self.buffer.is_empty() {
                self.upload_part().await?;
            }
            let parts = orders_aws::aws_sdk_s3::types::CompletedMultipartUpload::builder()
                .set_parts(Some(self.parts.clone()))
                .build();
            self.app
                .s3
                .complete_multipart_upload()
                .bucket(&self.app.bucket)
                .key(&self.key)
                .upload_id(&upload_id)
                .multipart_upload(parts)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| s3_error(&self.key, e))
        }
        .await;
        if let Err(error) = result {
            let _ = self
                .app
                .s3
                .abort_multipart_upload()
                .bucket(&self.app.bucket)
                .key(&self.key)
                .upload_id(&upload_id)
                .send()
                .await;
            return Err(error);
        }
        Ok((self.bytes, sha256))
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
    let mut token = None;
    loop {
        let page = app
            .s3
            .list_objects_v2()
            .bucket(&app.bucket)
            .prefix(&runs)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| s3_error(&runs, e))?;
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            if keep(key) {
                continue;
            }
            app.s3.delete_object().bucket(&app.bucket).key(key).send().await.map_err(|e| s3_error(key, e))?;
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => return Ok(()),
        }
    }
}
