//! The `reporting` function: run daily by an EventBridge schedule, it queues each tenant's day on the reporting
//! queue, whose messages it then runs one tenant at a time (or one tenant at once, on demand), writing the tenant's
//! reports of a day to the exports bucket under `tenant=<t>/report=<name>/date=<yyyy-mm-dd>/`: every report of
//! docs/domain.md as CSV, XLSX and Parquet under the run's own folder, a `manifest.json` (files, row counts, SHA-256)
//! that switches readers to the new run at once, the Parquet copy the Glue tables read, and a page of charts. The
//! run is `orders_app::reports`; `main.rs` only wires it; the local runner and the tests call [`handle`] with real
//! EventBridge events.

mod handler;

pub use handler::{handle, handle_any, handle_queued, handle_stream, ReportRun, RunSummary};
pub use orders_app::reports::{
    facts, index, run_reports, tables, writer, ReportError, Reporting, ReportingConfig, TenantRun,
};
