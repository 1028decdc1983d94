//! XLSX workbooks (rust_xlsxwriter in constant-memory mode: rows go to a temporary file as they are written, so
//! memory stays flat however long a sheet is). Text is written as text (a name like `=HYPERLINK("x")` stays a
//! string, never a formula), amounts as numbers shown with two decimals, quantities as numbers, days as dates.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::{Cell, ColumnKind, ExportError, Table};

/// A workbook with one sheet per `(name, table)`; sheet names are made valid for Excel (at most 31 characters,
/// none of `[]:*?/\`, unique).
pub fn workbook(sheets: &[(String, &Table)]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    let quantity = Format::new().set_num_format("#,##0.####");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let mut used: Vec<String> = Vec::new();
    for (name, table) in sheets {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(name, &used))?;
        used.push(sheet.name());
        for (c, column) in table.columns.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, column.name, &header)?;
            let width = match column.kind {
                ColumnKind::Text => 24.0,
                ColumnKind::Date => 12.0,
                ColumnKind::Integer | ColumnKind::Decimal | ColumnKind::Quantity => 14.0,
            };
            sheet.set_column_width(c, width)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| value_error(table, 0, "more rows than a sheet holds"))?;
            for (c, cell) in row.iter().enumerate() {
                let column = table.columns[c];
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Null => {}
                    Cell::Text(text) => {
                        sheet.write_string(r, c, text)?;
                    }
                    Cell::Integer(n) => {
                        // Exact up to 2^53, far beyond any count or day number here.
                        #[allow(clippy::cast_precision_loss)]
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Cell::Decimal(d) => {
                        let format = if column.kind == ColumnKind::Quantity { &quantity } else { &amount };
                        let number = d.to_f64().ok_or_else(|| value_error(table, c.into(), "not a number"))?;
                        sheet.write_number_with_format(r, c, number, format)?;
                    }
                    Cell::Date(date) => {
                        let excel = ExcelDateTime::from_ymd(
                            u16::try_from(date.year()).map_err(|_| value_error(table, c.into(), "year"))?,
                            u8::from(date.month()),
                            date.day(),
                        )?;
                        sheet.write_datetime_with_format(r, c, &excel, &day)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    if sheets.is_empty() {
        workbook.add_worksheet_with_constant_memory()?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn value_error(table: &Table, column: usize, detail: &str) -> ExportError {
    ExportError::Value {
        report: table.report,
        column: table.columns.get(column).map_or("?", |c| c.name),
        detail: detail.to_owned(),
    }
}

/// `name` as a valid, unused sheet name.
fn sheet_name(name: &str, used: &[String]) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let clean = clean.trim_matches('\'').to_owned();
    let base: String = if clean.is_empty() { "Sheet".into() } else { clean.chars().take(31).collect() };
    let mut candidate = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!(" ({n})");
        candidate = format!("{}{suffix}", base.chars().take(31 - suffix.chars().count()).collect::<String>());
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        assert_eq!(sheet_name("a/b:c", &[]), "a_b_c");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        let used = vec![sheet_name(&long, &[])];
        let second = sheet_name(&long, &used);
        assert!(second.ends_with(" (2)") && second.chars().count() == 31, "{second}");
    }

    #[test]
    fn a_workbook_is_a_zip_with_a_sheet_per_table_and_formulas_stay_text() {
        let mut table = Table::new("t", &[("name", ColumnKind::Text), ("net", ColumnKind::Decimal)]);
        table.push(vec!["=HYPERLINK(\"x\")".into(), dec!(12.50).into()]);
        let bytes = workbook(&[("C-1".into(), &table), ("C-2".into(), &table)]).expect("workbook");
        assert_eq!(&bytes[..2], b"PK");
        // the formula-like name is a shared or inline string, never a <f> formula element
        assert!(!bytes.windows(3).any(|w| w == b"<f>"));
    }
}
