//! A billing document's view (invoice, credit note, debit note): what `GET /v1/invoices/{number}` answers and an
//! `invoice.issued` / `credit_note.issued` webhook carries (docs/api-conventions.md: EN 16931 total names).

use orders_aws::store::StoredInvoice;
use orders_domain::invoice::DocumentKind;
use serde_json::{json, Value};

/// The API view of a billing document (docs/api-conventions.md: EN 16931 total names).
pub fn document_json(stored: &StoredInvoice) -> Value {
    let invoice = &stored.invoice;
    let mut body = serde_json::to_value(invoice).unwrap_or_else(|_| json!({}));
    if let Some(object) = body.as_object_mut() {
        for internal in ["tenant", "series", "seq", "source", "language", "issued_at"] {
            object.remove(internal);
        }
        if let Some(totals) = object.get_mut("totals").and_then(Value::as_object_mut) {
            totals.remove("rounding");
        }
    }
    body["status"] = json!(stored.status.as_str());
    let stem = invoice.kind.file_stem();
    let base = format!("/v1/{}/{}", invoice.kind.collection(), invoice.number);
    body["documents"] = json!({
        "pdf": format!("{base}/{stem}.pdf"),
        "ubl": stored.ubl_key.as_ref().map(|_| format!("{base}/{stem}.xml")),
    });
    if invoice.kind == DocumentKind::Invoice {
        body["credited"] = json!({
            "lines": stored.credited.lines.iter().map(|(line_id, quantity)| json!({"line_id": line_id, "quantity": quantity.normalize().to_string()})).collect::<Vec<_>>(),
            "allowances_and_charges": stored.credited.adjustments,
        });
    }
    body
}
