//! Report files for analysts from the domain's typed [`Table`]s: XLSX workbooks ([`xlsx`]), Parquet files with
//! exact decimals ([`parquet_file`]) and the self-contained HTML page of SVG charts a run links its files from
//! ([`charts`]). CSV is the domain's own ([`Table::to_csv`]). Pure: bytes in memory, no AWS.

pub mod charts;
pub mod parquet_file;
pub mod xlsx;

pub use orders_domain::reports::{Cell, Column, ColumnKind, Table};

/// A file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The XLSX writer failed.
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The Parquet writer failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A value does not fit its column (a decimal with more places than the column's scale, a cell of another
    /// kind): the report is wrong, and no file is better than a rounded one.
    #[error("{report}.{column}: {detail}")]
    Value {
        /// Report.
        report: &'static str,
        /// Column.
        column: &'static str,
        /// What is wrong.
        detail: String,
    },
}
