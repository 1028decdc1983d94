//! Reports API requests → a report run, its manifest and presigned links.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use orders_app::reports::index::page_key;
use orders_app::reports::writer::{read_manifest, report_prefix, WrittenFile, WrittenReport};
use orders_app::reports::ReportError;
use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::TenantId;
use orders_domain::reports::{parse_report_request, Period, ReportName};
use orders_http::routes::{dispatch, Handler, Route, OPERATOR};
use orders_http::{json_body, json_response, ApiError};

use crate::Reports;

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Reports, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(orders_http::answer(&request, dispatch(app, &app.gate, ROUTES, &request).await))
}

/// The reports API's routes. Reports are the seller's: operator keys only.
const ROUTES: &[Route<Reports>] = &[
    Route {
        method: Method::POST,
        path: "/v1/reports",
        roles: OPERATOR,
        action: "run reports",
        handler: Handler::Key(|app, call| Box::pin(run(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/reports/{id}",
        roles: OPERATOR,
        action: "read reports",
        handler: Handler::Key(|app, call| Box::pin(show(app, &call.caller.tenant, call.param(0)))),
    },
];

fn unavailable(error: ReportError) -> ApiError {
    match error {
        ReportError::Store(e) => ApiError::from(e),
        other => {
            tracing::error!(error = %other, "report run failed");
            ApiError::Unavailable("the report could not be written; retry".into())
        }
    }
}

/// A run's id: `rep_<report>.<period>.<run>` (what `GET /v1/reports/{id}` finds it by).
fn run_id(report: ReportName, period: &Period, run: &str) -> String {
    format!("rep_{}.{}.{run}", report.as_str(), period.label())
}

/// The parts of a run id; `None` for anything that is not one.
fn parse_run_id(id: &str) -> Option<(ReportName, Period, String)> {
    let mut parts = id.strip_prefix("rep_")?.split('.');
    let (report, period, run) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || run.is_empty()
        || run.len() > 64
        || !run.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = |text: &str| time::Date::parse(text, &format).ok();
    let period = match period.split_once('_') {
        Some((from, to)) => Period { from: day(from)?, to: day(to)? },
        None => Period::day(day(period)?),
    };
    Some((ReportName::parse(report)?, period, run.to_owned()))
}

/// `POST /v1/reports`: runs the report now; 201 with its files' links.
async fn run(app: &Reports, caller: &ApiKeyRecord, request: &Request) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let wanted = parse_report_request(body, time::OffsetDateTime::now_utc().date())?;
    let done = orders_app::reports::run_reports(&app.reporting, &caller.tenant, &wanted.period, &[wanted.report])
        .await
        .map_err(unavailable)?;
    let written = done.reports.first().ok_or_else(|| ApiError::Unavailable("the run wrote nothing".into()))?;
    let generated_at = time::OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
    let id = run_id(wanted.report, &wanted.period, &done.run);
    let view = view(app, &id, wanted.report, &wanted.period, &generated_at, &written.files, &done.index).await?;
    Ok(json_response(StatusCode::CREATED, &view, &[("location", format!("/v1/reports/{id}"))]))
}

/// `GET /v1/reports/{id}`: the run with fresh links while it is the report's current run.
async fn show(app: &Reports, tenant: &TenantId, id: &str) -> Result<Response<Body>, ApiError> {
    let not_found = || ApiError::NotFound(format!("report run {id}"));
    let (report, period, run) = parse_run_id(id).ok_or_else(not_found)?;
    let key = format!("{}manifest.json", report_prefix(tenant, report, &period));
    let manifest = read_manifest(&app.reporting, &key).await.map_err(unavailable)?.ok_or_else(not_found)?;
    if manifest.run != run {
        return Err(ApiError::NotFound(format!(
            "report run {id} (a newer run replaced it: {})",
            run_id(report, &period, &manifest.run)
        )));
    }
    // A run this API started wrote one report, so its page is the one in its run folder.
    let written = WrittenReport { report: report.as_str().to_owned(), run, manifest: key, files: manifest.files };
    let page = page_key(tenant, &period, std::slice::from_ref(&written));
    let view = view(app, id, report, &period, &manifest.generated_at, &written.files, &page).await?;
    Ok(json_response(StatusCode::OK, &view, &[]))
}

async fn view(
    app: &Reports,
    id: &str,
    report: ReportName,
    period: &Period,
    generated_at: &str,
    files: &[WrittenFile],
    index: &str,
) -> Result<Value, ApiError> {
    let seconds = app.download_url_seconds;
    let mut listed = Vec::new();
    for file in files {
        let (url, until) = app.reporting.download_url(&file.key, seconds).await.map_err(unavailable)?;
        listed.push(json!({
            "name": file.name,
            "format": file.format,
            "rows": file.rows,
            "bytes": file.bytes,
            "sha256": file.sha256,
            "url": url,
            "url_expires_at": until.format(&Rfc3339).unwrap_or_default(),
        }));
    }
    let (page, until) = app.reporting.download_url(index, seconds).await.map_err(unavailable)?;
    Ok(json!({
        "id": id,
        "report": report.as_str(),
        "from_date": period.from.to_string(),
        "to_date": period.to.to_string(),
        "generated_at": generated_at,
        "files": listed,
        "page": {"url": page, "url_expires_at": until.format(&Rfc3339).unwrap_or_default()},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_round_trip_and_anything_else_is_not_one() {
        let day = time::macros::date!(2026 - 11 - 30);
        let range = Period { from: time::macros::date!(2026 - 11 - 01), to: day };
        for period in [Period::day(day), range] {
            let id = run_id(ReportName::SalesByProduct, &period, "20261130T101010Z-0a1b2c3d");
            assert_eq!(
                parse_run_id(&id),
                Some((ReportName::SalesByProduct, period, "20261130T101010Z-0a1b2c3d".into()))
            );
        }
        for bad in [
            "",
            "rep_",
            "rep_x.2026-11-30.r",
            "rep_sales_by_day.2026-13-01.r",
            "rep_sales_by_day.2026-11-30.a/b",
            "rep_sales_by_day.2026-11-30.r.x",
        ] {
            assert_eq!(parse_run_id(bad), None, "{bad}");
        }
    }
}
