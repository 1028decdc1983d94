//! Documents as issued: the Peppol Order Response of each answer and the Despatch Advice of each despatch are kept
//! with their order, unchanged, and archived to S3 under a key derived from the tenant, the order and the
//! document's name — one object per issued document, never overwritten.

use std::fmt::Write;

use time::OffsetDateTime;

use crate::ids::{OrderId, TenantId};
use crate::order::Order;
use crate::tenant::TenantSettings;
use crate::ubl::{order_response, Party};

/// A Peppol document as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedDocument {
    /// The order it belongs to.
    pub order_id: OrderId,
    /// Its name within the order (`order-response-v000003`, `despatch-advice-D-1`): the archived object's file name.
    pub name: String,
    /// The UBL XML.
    pub xml: String,
}

impl IssuedDocument {
    /// Where the archive keeps it.
    pub fn archive_key(&self, tenant: &TenantId) -> String {
        archive_key(tenant, &self.order_id, &self.name)
    }
}

/// `tenant=<t>/orders/<order>/<name>.xml`, with every character of `name` outside `[A-Za-z0-9._-]` percent-encoded
/// (despatch numbers come from the seller: `D/1` and `D_1` must not share an object).
pub fn archive_key(tenant: &TenantId, order_id: &OrderId, name: &str) -> String {
    archive_file_key(tenant, order_id, name, "xml")
}

/// `tenant=<t>/orders/<order>/<name>.<extension>`, `name` encoded as in [`archive_key`].
pub fn archive_file_key(tenant: &TenantId, order_id: &OrderId, name: &str, extension: &str) -> String {
    let mut key = format!("tenant={tenant}/orders/{order_id}/");
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            key.push(char::from(byte));
        } else {
            let _ = write!(key, "%{byte:02X}");
        }
    }
    key.push('.');
    key.push_str(extension);
    key
}

/// Where the archive keeps a despatch's delivery note (a PDF beside its Despatch Advice).
pub fn delivery_note_key(tenant: &TenantId, order_id: &OrderId, despatch_number: &str) -> String {
    archive_file_key(tenant, order_id, &delivery_note_name(despatch_number), "pdf")
}

/// The name of a despatch's delivery note.
pub fn delivery_note_name(despatch_number: &str) -> String {
    format!("delivery-note-{despatch_number}")
}

/// The name of a despatch's Despatch Advice.
pub fn despatch_advice_name(despatch_number: &str) -> String {
    format!("despatch-advice-{despatch_number}")
}

/// The Order Response a write of `order` issues, as version `version` of the order: `Some` when the answer is
/// new — `order.responded_at` differs from `answered_before`, the answer the order had when it was read — and
/// both the seller and the buyer have Peppol ids. A cancel, a close or a status change issues none.
pub fn issued_order_response(
    order: &Order,
    answered_before: Option<OffsetDateTime>,
    version: u64,
    tenant: &TenantSettings,
) -> Option<IssuedDocument> {
    if order.responded_at.is_none() || order.responded_at == answered_before {
        return None;
    }
    let (seller, buyer) = (tenant.peppol_id.as_ref()?, order.buyer.peppol_id.as_ref()?);
    let xml = order_response(
        order,
        &format!("{}-R{version}", order.id),
        &Party { endpoint: seller, name: &tenant.name },
        &Party { endpoint: buyer, name: &order.buyer.name },
    )?;
    Some(IssuedDocument { order_id: order.id.clone(), name: format!("order-response-v{version:06}"), xml })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_keys_keep_safe_names_and_encode_the_rest_injectively() {
        let tenant = TenantId::parse("t-1").expect("tenant");
        let order = OrderId::parse("ord_01HZ0000000000000000000000").expect("order id");
        assert_eq!(
            archive_key(&tenant, &order, "despatch-advice-D-1.a_b"),
            "tenant=t-1/orders/ord_01HZ0000000000000000000000/despatch-advice-D-1.a_b.xml"
        );
        let slash = archive_key(&tenant, &order, "D/1");
        let underscore = archive_key(&tenant, &order, "D_1");
        assert!(slash.ends_with("/D%2F1.xml"), "{slash}");
        assert_ne!(slash, underscore);
        assert!(archive_key(&tenant, &order, "%2F").ends_with("/%252F.xml"), "a percent sign is encoded too");
        assert!(archive_key(&tenant, &order, "Lieferschein Ä").ends_with("/Lieferschein%20%C3%84.xml"));
    }
}
