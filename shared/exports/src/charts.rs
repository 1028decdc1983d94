//! The page a report run writes next to its files (`index.html`): inline SVG bar charts (sales by day, top
//! products and customers, open quantity by age) and links to the run's files. Self-contained: no scripts, no
//! fonts or styles from elsewhere, so it opens from S3 or a laptop alike. Text is escaped as XML (the UBL
//! writer's escape, valid in HTML and SVG); bar lengths come from the exact decimals, labels print them exactly.

use std::fmt::Write as _;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use orders_domain::ubl::escape;

/// One bar: a label and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Shown under (vertical) or before (horizontal) the bar.
    pub label: String,
    /// Its value.
    pub value: Decimal,
}

/// One chart of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Heading.
    pub title: String,
    /// What the values are (`EUR net`, `units`).
    pub unit: String,
    /// The bars, in order.
    pub bars: Vec<Bar>,
    /// Bars grow to the right with labels before them (top lists) instead of up (time series).
    pub horizontal: bool,
}

/// A file of the run, linked from the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLink {
    /// Report.
    pub report: String,
    /// Link text (`sales_by_day.csv`).
    pub name: String,
    /// Link target, relative to the page.
    pub href: String,
    /// Data rows.
    pub rows: usize,
    /// Size.
    pub bytes: usize,
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

/// A bar's axis label: `2026-11-05` shows as `11-05`.
fn axis_label(label: &str) -> &str {
    let bytes = label.as_bytes();
    if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        &label[5..]
    } else {
        label
    }
}

/// The chart as an SVG element.
pub fn svg(chart: &Chart) -> String {
    let max = chart.bars.iter().map(|b| b.value).max().unwrap_or_default().max(Decimal::ZERO);
    let scale = |value: Decimal, length: f64| -> f64 {
        if max.is_zero() {
            0.0
        } else {
            (value.max(Decimal::ZERO) / max).to_f64().unwrap_or(0.0) * length
        }
    };
    let mut out = String::new();
    let title = escape(&format!("{} ({})", chart.title, chart.unit));
    if chart.horizontal {
        let (label_w, bar_w, row_h) = (230.0, 380.0, 24.0);
        let rows = chart.bars.len().max(1);
        #[allow(clippy::cast_precision_loss)]
        let height = 36.0 + row_h * rows as f64;
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="720" height="{height}" viewBox="0 0 720 {height}" font-family="sans-serif"><title>{title}</title>"#
        );
        for (i, bar) in chart.bars.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = 16.0 + row_h * i as f64;
            let w = scale(bar.value, bar_w);
            let _ = write!(
                out,
                r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="12">{label}</text><rect x="{bx}" y="{y}" width="{w:.1}" height="{bh}" fill="#3b6ea5"><title>{full}: {value}</title></rect><text x="{vx:.1}" y="{ty}" font-size="12">{value}</text>"##,
                lx = label_w - 8.0,
                ty = y + 13.0,
                label = escape(&shorten(&bar.label, 30)),
                bx = label_w,
                bh = row_h - 6.0,
                full = escape(&bar.label),
                value = bar.value,
                vx = label_w + w + 6.0,
            );
        }
        out.push_str("</svg>");
    } else {
        let (left, top, plot_w, plot_h) = (70.0, 16.0, 630.0, 200.0);
        let n = chart.bars.len().max(1);
        #[allow(clippy::cast_precision_loss)]
        let slot = plot_w / n as f64;
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="720" height="270" viewBox="0 0 720 270" font-family="sans-serif"><title>{title}</title>"#
        );
        for step in 0..=4u8 {
            let value = max * Decimal::from(step) / Decimal::from(4);
            let y = top + plot_h - scale(value, plot_h);
            let _ = write!(
                out,
                r##"<line x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" text-anchor="end" font-size="11">{label}</text>"##,
                x2 = left + plot_w,
                tx = left - 6.0,
                ty = y + 4.0,
                label = value.round_dp(0),
            );
        }
        // at most 8 axis labels; days show as MM-DD
        let every = n.div_ceil(8);
        for (i, bar) in chart.bars.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let x = left + slot * i as f64;
            let h = scale(bar.value, plot_h);
            let _ = write!(
                out,
                r##"<rect x="{bx:.1}" y="{by:.1}" width="{bw:.1}" height="{h:.1}" fill="#3b6ea5"><title>{label}: {value}</title></rect>"##,
                bx = x + slot * 0.1,
                by = top + plot_h - h,
                bw = slot * 0.8,
                label = escape(&bar.label),
                value = bar.value,
            );
            if i % every == 0 {
                let _ = write!(
                    out,
                    r#"<text x="{tx:.1}" y="{ty}" text-anchor="middle" font-size="11">{label}</text>"#,
                    tx = x + slot / 2.0,
                    ty = top + plot_h + 16.0,
                    label = escape(&shorten(axis_label(&bar.label), 12)),
                );
            }
        }
        out.push_str("</svg>");
    }
    out
}

/// The run's page: its charts, then a table of its files.
pub fn index_html(title: &str, charts: &[Chart], files: &[FileLink]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}section{{margin-bottom:2em}}table{{border-collapse:collapse}}td,th{{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}}td.n{{text-align:right}}</style></head><body><h1>{t}</h1>",
        t = escape(title)
    );
    for chart in charts {
        let _ = write!(out, "<section><h2>{} <small>({})</small></h2>", escape(&chart.title), escape(&chart.unit));
        if chart.bars.is_empty() {
            out.push_str("<p>No data.</p>");
        } else {
            out.push_str(&svg(chart));
        }
        out.push_str("</section>");
    }
    out.push_str("<section><h2>Files</h2><table><thead><tr><th>Report</th><th>File</th><th>Rows</th><th>Bytes</th></tr></thead><tbody>");
    for file in files {
        let _ = write!(
            out,
            "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&file.report),
            escape(&file.href),
            escape(&file.name),
            file.rows,
            file.bytes
        );
    }
    out.push_str("</tbody></table></section></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn charts_escape_labels_and_scale_bars_to_the_largest_value() {
        let chart = Chart {
            title: "Top products".into(),
            unit: "EUR net".into(),
            bars: vec![
                Bar { label: "<script>alert(1)</script>".into(), value: dec!(200.00) },
                Bar { label: "B".into(), value: dec!(50.00) },
            ],
            horizontal: true,
        };
        let svg = svg(&chart);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(r#"width="380.0""#) && svg.contains(r#"width="95.0""#), "{svg}");
        assert_eq!(axis_label("2026-11-05"), "11-05");
        let vertical = Chart { horizontal: false, ..chart };
        let page = index_html(
            "Reports 2026-11-30",
            &[vertical],
            &[FileLink { report: "r".into(), name: "r.csv".into(), href: "run/r.csv".into(), rows: 1, bytes: 10 }],
        );
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<a href=\"run/r.csv\">r.csv</a>"));
        assert!(!page.contains("<script"), "no scripts at all");
    }
}
