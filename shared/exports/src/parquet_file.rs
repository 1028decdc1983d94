//! Parquet files (one row group per 64 Ki rows, Snappy): text as `BYTE_ARRAY (UTF8)`, whole numbers as
//! `INT64`, decimals and quantities as `INT64 (DECIMAL(18, 4))` (exact: a value with more places fails instead
//! of being rounded), days as `INT32 (DATE)`; every column optional (null for an empty cell). Athena reads them
//! through the Glue tables of infra/template.yaml.

use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rust_decimal::Decimal;
use time::Date;

use orders_domain::reports::DECIMAL_SCALE;

use crate::{Cell, ColumnKind, ExportError, Table};

/// Rows per row group.
const ROW_GROUP: usize = 64 * 1024;

/// The Parquet schema of `table` (message `schema`).
pub fn schema(table: &Table) -> String {
    let fields: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.kind {
            ColumnKind::Text => format!("OPTIONAL BYTE_ARRAY {} (UTF8);", c.name),
            ColumnKind::Integer => format!("OPTIONAL INT64 {};", c.name),
            ColumnKind::Decimal | ColumnKind::Quantity => {
                format!("OPTIONAL INT64 {} (DECIMAL(18, {DECIMAL_SCALE}));", c.name)
            }
            ColumnKind::Date => format!("OPTIONAL INT32 {} (DATE);", c.name),
        })
        .collect();
    format!("message schema {{ {} }}", fields.join(" "))
}

/// The Glue/Hive type of a column (`decimal(18,4)`), for the template's tables.
pub fn hive_type(kind: ColumnKind) -> String {
    match kind {
        ColumnKind::Text => "string".into(),
        ColumnKind::Integer => "bigint".into(),
        ColumnKind::Decimal | ColumnKind::Quantity => format!("decimal(18,{DECIMAL_SCALE})"),
        ColumnKind::Date => "date".into(),
    }
}

/// `value` as the unscaled integer of `DECIMAL(18, 4)`, or why it does not fit.
pub fn unscaled(value: Decimal) -> Result<i64, String> {
    let mut scaled = value;
    scaled.rescale(DECIMAL_SCALE);
    if scaled != value {
        return Err(format!("{value} has more than {DECIMAL_SCALE} decimal places"));
    }
    i64::try_from(scaled.mantissa())
        .ok()
        .filter(|m| m.unsigned_abs() < 10u64.pow(18))
        .ok_or_else(|| format!("{value} exceeds 18 digits"))
}

fn days_since_epoch(date: Date) -> i32 {
    i32::try_from((date - Date::from_calendar_date(1970, time::Month::January, 1).unwrap_or(date)).whole_days())
        .unwrap_or(i32::MAX)
}

/// `table` as a Parquet file.
pub fn parquet_file(table: &Table) -> Result<Vec<u8>, ExportError> {
    let schema = Arc::new(parse_message_type(&schema(table))?);
    let properties = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, properties)?;
    for chunk in table.rows.chunks(ROW_GROUP) {
        let mut group = writer.next_row_group()?;
        let mut index = 0;
        while let Some(mut column) = group.next_column()? {
            let kind = table.columns[index].kind;
            let name = table.columns[index].name;
            let bad = |detail: String| ExportError::Value { report: table.report, column: name, detail };
            let cells = chunk.iter().map(|row| &row[index]);
            let levels: Vec<i16> = cells.clone().map(|c| i16::from(*c != Cell::Null)).collect();
            match kind {
                ColumnKind::Text => {
                    let mut values = Vec::new();
                    for cell in cells {
                        match cell {
                            Cell::Text(text) => values.push(ByteArray::from(text.as_str())),
                            Cell::Null => {}
                            other => return Err(bad(format!("{other:?} in a text column"))),
                        }
                    }
                    column.typed::<ByteArrayType>().write_batch(&values, Some(&levels), None)?;
                }
                ColumnKind::Integer | ColumnKind::Decimal | ColumnKind::Quantity => {
                    let mut values = Vec::new();
                    for cell in cells {
                        match (kind, cell) {
                            (ColumnKind::Integer, Cell::Integer(n)) => values.push(*n),
                            (ColumnKind::Decimal | ColumnKind::Quantity, Cell::Decimal(d)) => {
                                values.push(unscaled(*d).map_err(bad)?);
                            }
                            (_, Cell::Null) => {}
                            (_, other) => return Err(bad(format!("{other:?} in a {kind:?} column"))),
                        }
                    }
                    column.typed::<Int64Type>().write_batch(&values, Some(&levels), None)?;
                }
                ColumnKind::Date => {
                    let mut values = Vec::new();
                    for cell in cells {
                        match cell {
                            Cell::Date(d) => values.push(days_since_epoch(*d)),
                            Cell::Null => {}
                            other => return Err(bad(format!("{other:?} in a date column"))),
                        }
                    }
                    column.typed::<Int32Type>().write_batch(&values, Some(&levels), None)?;
                }
            }
            column.close()?;
            index += 1;
        }
        group.close()?;
    }
    writer.close()?;
    Ok(out)
}

/// Reads a file [`parquet_file`] wrote back into cells (for tests and checks: the reader is the parquet crate's
/// own, independent of the writer's encoding choices).
pub fn read_back(bytes: Vec<u8>) -> Result<Vec<Vec<Cell>>, ExportError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))?;
    let mut rows = Vec::new();
    for row in reader.get_row_iter(None)? {
        let row = row?;
        let cells = row
            .get_column_iter()
            .map(|(_, field)| match field {
                Field::Null => Cell::Null,
                Field::Str(s) => Cell::Text(s.clone()),
                Field::Long(n) => Cell::Integer(*n),
                Field::Decimal(d) => {
                    let raw = d.data();
                    let mut buf = [if raw.first().is_some_and(|b| b & 0x80 != 0) { 0xff } else { 0 }; 16];
                    buf[16 - raw.len()..].copy_from_slice(raw);
                    Cell::Decimal(Decimal::from_i128_with_scale(i128::from_be_bytes(buf), d.scale().unsigned_abs()))
                }
                Field::Date(days) => Cell::Date(
                    Date::from_calendar_date(1970, time::Month::January, 1)
                        .map(|epoch| epoch + time::Duration::days(i64::from(*days)))
                        .unwrap_or(Date::MIN),
                ),
                other => Cell::Text(format!("{other:?}")),
            })
            .collect();
        rows.push(cells);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sample() -> Table {
        let mut table = Table::new(
            "sample",
            &[
                ("name", ColumnKind::Text),
                ("orders", ColumnKind::Integer),
                ("net", ColumnKind::Decimal),
                ("quantity", ColumnKind::Quantity),
                ("day", ColumnKind::Date),
            ],
        );
        let day = time::macros::date!(2026 - 11 - 30);
        table.push(vec!["Åsa".into(), Cell::Integer(2), dec!(-12.50).into(), dec!(1.125).into(), day.into()]);
        table.push(vec![Cell::Null, Cell::Integer(0), Cell::Null, dec!(3).into(), Cell::Null]);
        table
    }

    #[test]
    fn a_table_round_trips_through_parquet_with_exact_decimals() {
        let bytes = parquet_file(&sample()).expect("parquet");
        assert_eq!(&bytes[..4], b"PAR1");
        let rows = read_back(bytes).expect("read");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], "Åsa".into());
        assert_eq!(rows[0][2], dec!(-12.50).into());
        assert_eq!(rows[0][3], dec!(1.125).into());
        assert_eq!(rows[0][4], time::macros::date!(2026 - 11 - 30).into());
        assert_eq!((rows[1][0].clone(), rows[1][2].clone()), (Cell::Null, Cell::Null));
    }

    #[test]
    fn a_decimal_with_too_many_places_fails_instead_of_rounding() {
        let mut table = sample();
        table.rows[0][2] = dec!(0.00001).into();
        assert!(matches!(parquet_file(&table), Err(ExportError::Value { column: "net", .. })));
        assert_eq!(unscaled(dec!(-12.5)), Ok(-125_000));
    }
}
