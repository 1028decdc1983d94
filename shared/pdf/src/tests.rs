//! Unit tests: pagination, wrapping of long names, deterministic output and the EPC payload.

use krilla::page::PageSettings;
use orders_domain::fixtures;
use orders_domain::invoice::{draft_invoice, plan_order_invoice, Invoice};
use orders_domain::order::{OrderStatus, OrderType};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::fonts::{BOLD, REGULAR};
use crate::layout::{layout, PAGE_H, PAGE_W};
use crate::pen::Pen;
use crate::{epc_payload, invoice_pdf};

pub(super) fn sample(lines: usize) -> Invoice {
    invoice(lines)
}

fn invoice(lines: usize) -> Invoice {
    let skus: Vec<String> = (1..=lines).map(|i| format!("SKU-{i}")).collect();
    let quantities: Vec<(&str, Decimal)> = skus.iter().map(|s| (s.as_str(), dec!(2))).collect();
    let mut order = fixtures::order(OrderType::Purchase, &quantities);
    for line in &mut order.lines {
        line.confirmed_quantity = line.quantity;
        line.shipped_quantity = line.quantity;
    }
    order.status = OrderStatus::Delivered;
    order.buyer.name = "Łukasz Żółć Spółka & Söhne".into();
    let plan = plan_order_invoice(&order, None).expect("plan");
    draft_invoice(&order, &plan, &fixtures::tenant(), "order", time::macros::datetime!(2026-11-30 12:00 UTC))
        .expect("draft")
        .numbered(42)
}

#[test]
fn a_short_invoice_fits_one_page_and_a_long_one_repeats_its_header() {
    let short = invoice_pdf(&invoice(3)).expect("pdf");
    assert!(short.starts_with(b"%PDF-"));
    assert_eq!(layout(3, 200.0).pages.len(), 1);
    let long = layout(80, 200.0);
    assert!(long.pages.len() >= 3, "{:?}", long.pages);
    assert_eq!(long.pages.last().map(|p| p.1), Some(80));
    assert!(invoice_pdf(&invoice(80)).is_ok());
}

#[test]
fn long_names_wrap_at_spaces_instead_of_being_cut() {
    let mut document = krilla::Document::new();
    let Some(size) = PageSettings::from_wh(PAGE_W, PAGE_H) else { panic!("page") };
    let mut page = document.start_page_with(size);
    let (Some(regular), Some(bold)) = (REGULAR.as_ref(), BOLD.as_ref()) else { panic!("fonts") };
    let pen = Pen { surface: page.surface(), regular, bold, fallback: None };
    let name = "Łukasz Żółć Spółka z ograniczoną odpowiedzialnością Oddział w Wilnie (ąęśńź, ėįšųūž)";
    let lines = pen.wrap(true, name, 10.0, 230.0, 3);
    assert!(lines.len() > 1, "{lines:?}");
    assert_eq!(lines.join(" "), name, "nothing is lost");
    assert!(lines.iter().all(|l| pen.width(true, l, 10.0) <= 230.0));
    let squeezed = pen.wrap(true, name, 10.0, 60.0, 2);
    assert_eq!(squeezed.len(), 2);
    assert!(squeezed[1].ends_with('…'), "beyond the last line it is cut, visibly: {squeezed:?}");
}

#[test]
fn rendering_is_deterministic() {
    let document = invoice(5);
    assert_eq!(invoice_pdf(&document).expect("pdf"), invoice_pdf(&document).expect("pdf"));
}

#[test]
fn the_epc_payload_pays_the_amount_due_to_the_iban() {
    let document = invoice(1);
    let payload = epc_payload(&document).expect("EUR");
    assert_eq!(
        payload,
        "BCD\n002\n1\nSCT\nESSESESS\nSeller AB\nSE4550000000058398257466\nEUR25.00\n\n\nINV-2026-000042"
    );
    assert!(REGULAR.as_ref().is_some_and(|f| f.width("Ł", 10.0) > 0.0), "Latin Extended is covered");
}

pub(super) fn delivery_note_sample(lines: usize) -> orders_domain::delivery_note::DeliveryNote {
    use orders_domain::despatch::{Despatch, DespatchLine};
    let skus: Vec<String> = (1..=lines).map(|i| format!("SKU-{i}")).collect();
    let quantities: Vec<(&str, Decimal)> = skus.iter().map(|s| (s.as_str(), dec!(5))).collect();
    let mut order = fixtures::order(OrderType::Purchase, &quantities);
    order.received_at = time::macros::datetime!(2026-11-28 10:15 UTC);
    for line in &mut order.lines {
        line.confirmed_quantity = dec!(4);
        line.shipped_quantity = dec!(3);
    }
    let at = time::macros::datetime!(2026-12-01 09:30 UTC);
    let despatch = Despatch {
        despatch_number: "DSP-2026-0017".into(),
        order_id: order.id.clone(),
        lines: order
            .lines
            .iter()
            .map(|line| DespatchLine {
                line_no: line.line_no,
                sku: line.sku.clone(),
                unit: line.unit.clone(),
                quantity: dec!(3),
                picks: vec![orders_domain::stock::Reservation {
                    sku: line.sku.clone().expect("sku"),
                    warehouse: orders_domain::ids::WarehouseId::parse("main").expect("warehouse"),
                    lot: Some(format!("LOT-{}", line.line_no)),
                    quantity: dec!(3),
                }],
            })
            .collect(),
        carrier: Some("postnord".into()),
        tracking_number: Some("00370733740123456789".into()),
        tracking_url: None,
        despatch_date: at.date(),
        expected_delivery_date: Some(time::macros::date!(2026 - 12 - 03)),
        created_at: at,
        actor: "key:warehouse".into(),
    };
    orders_domain::delivery_note::delivery_note(&order, &despatch, std::slice::from_ref(&despatch), &fixtures::tenant())
}

#[test]
fn a_delivery_note_renders_deterministically_over_as_many_pages_as_its_lines_need() {
    let note = delivery_note_sample(3);
    assert_eq!(
        (note.lines[0].ordered, note.lines[0].shipped_now, note.lines[0].still_to_come),
        (dec!(5), dec!(3), dec!(1))
    );
    let pdf = crate::delivery_note_pdf(&note, orders_mail::Lang::De).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pdf, crate::delivery_note_pdf(&note, orders_mail::Lang::De).expect("pdf"), "the same bytes again");
    assert_ne!(pdf, crate::delivery_note_pdf(&note, orders_mail::Lang::En).expect("pdf"), "in the buyer's language");
    let long = delivery_note_sample(90);
    let pages = crate::layout::layout_from(335.0, 90, 70.0).pages.len();
    assert!(pages >= 3, "{pages}");
    let pdf = crate::delivery_note_pdf(&long, orders_mail::Lang::En).expect("pdf");
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains(&format!("/Count {pages}")), "one page per laid-out page");
}

#[test]
fn latin_notes_need_no_fallback_font_and_a_chinese_one_does() {
    let note = delivery_note_sample(1);
    assert!(!crate::delivery_note_needs_fallback_font(&note, orders_mail::Lang::Pl));
    assert!(crate::delivery_note_needs_fallback_font(&note, orders_mail::Lang::Zh));
}
