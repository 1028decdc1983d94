//! A collective invoice (docs/decisions/0020-collective-invoices.md): staff bill several despatches of one
//! customer's orders in one invoice. Each despatch is planned against its order as the despatches before it in the
//! same invoice leave it — exactly what invoicing them one by one would bill, first-invoice charges included — and
//! the lines are numbered through, each naming its order when there are several. One document, one number.

use serde::Deserialize;
use time::OffsetDateTime;

use super::document::{BilledOrder, Invoice, InvoiceError, OrderRef};
use super::draft::{draft_invoice, InvoiceDraft};
use super::plan::plan_despatch_invoice;
use super::totals::document_totals;
use super::vat::check_vat_categories;
use crate::despatch::Despatch;
use crate::ids::{CustomerId, OrderId};
use crate::order::Order;
use crate::parsing::{malformed_at, required, text, RequestError};
use crate::tenant::TenantSettings;
use crate::validation::FieldErrors;

/// The most orders one collective invoice bills: its transaction writes three items per order beside five of its
/// own, under DynamoDB's 100 actions per transaction.
pub const MAX_COLLECTED_ORDERS: usize = 30;

/// The most despatches one collective invoice bills.
pub const MAX_COLLECTED_DESPATCHES: usize = 100;

/// One despatch a collective invoice request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedDespatch {
    /// Its order.
    pub order_id: OrderId,
    /// Its number.
    pub despatch_number: String,
}

/// `POST /v1/customers/{id}/invoices`: the despatches to bill, in the order their lines go on the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectiveInvoiceRequest {
    /// At least one; each named once (of at most [`MAX_COLLECTED_ORDERS`] orders, checked as they are read).
    pub despatches: Vec<CollectedDespatch>,
}

impl CollectiveInvoiceRequest {
    /// The orders named, each once, in the order they are first named, with the index of each of its despatches
    /// in the request (for pointers such as `/despatches/2`).
    pub fn by_order(&self) -> Vec<(&OrderId, Vec<usize>)> {
        let mut orders: Vec<(&OrderId, Vec<usize>)> = Vec::new();
        for (index, despatch) in self.despatches.iter().enumerate() {
            match orders.iter_mut().find(|(id, _)| **id == despatch.order_id) {
                Some((_, indexes)) => indexes.push(index),
                None => orders.push((&despatch.order_id, vec![index])),
            }
        }
        orders
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DespatchBody {
    order_id: Option<String>,
    despatch_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectiveBody {
    despatches: Option<Vec<DespatchBody>>,
}

/// Parses a collective invoice request, with pointers to what is wrong.
pub fn parse_collective_invoice(json: &str) -> Result<CollectiveInvoiceRequest, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: CollectiveBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let listed = required(&mut errors, "/despatches", body.despatches);
    if listed.as_ref().is_some_and(Vec::is_empty) {
        errors.push("/despatches", "name at least one despatch");
    }
    let listed = listed.unwrap_or_default();
    if listed.len() > MAX_COLLECTED_DESPATCHES {
        errors.push("/despatches", format!("at most {MAX_COLLECTED_DESPATCHES} despatches per invoice"));
    }
    let mut despatches: Vec<CollectedDespatch> = Vec::new();
    for (i, item) in listed.into_iter().enumerate() {
        let p = format!("/despatches/{i}");
        let order_id = required(&mut errors, &format!("{p}/order_id"), item.order_id).and_then(|raw| {
            OrderId::parse_public(&raw).map_err(|e| errors.push(format!("{p}/order_id"), e.to_string())).ok()
        });
        let pointer = format!("{p}/despatch_number");
        let number = required(&mut errors, &pointer, item.despatch_number)
            .and_then(|n| text(&mut errors, &pointer, n, 64, false));
        if let (Some(order_id), Some(despatch_number)) = (order_id, number) {
            let despatch = CollectedDespatch { order_id, despatch_number };
            if despatches.contains(&despatch) {
                errors
                    .push(&p, format!("despatch {} of {} is named twice", despatch.despatch_number, despatch.order_id));
            } else {
                despatches.push(despatch);
            }
        }
    }
    // More than MAX_COLLECTED_ORDERS orders is refused as they are read: an unknown order is 404 first.
    if !errors.is_empty() {
        return Err(RequestError::Invalid(errors.into_vec()));
    }
    Ok(CollectiveInvoiceRequest { despatches })
}

/// One order of a collective invoice, as read, and its despatches billed.
#[derive(Debug, Clone, Copy)]
pub struct CollectedOrder<'a> {
    /// The order.
    pub order: &'a Order,
    /// Its despatches to bill, in request order.
    pub despatches: &'a [&'a Despatch],
}

/// A collective invoice drafted: the document (with its first order after it, as any draft) and every further
/// order after it, in the order they were collected.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectiveDraft {
    /// The invoice and the first order with its invoiced quantities and status updated.
    pub draft: InvoiceDraft,
    /// The other orders, updated likewise.
    pub others: Vec<Order>,
}

/// Drafts one invoice of `collected` despatches of `customer`'s orders (see the module docs). Refused when an
/// order is another customer's or in another currency, when there are more than [`MAX_COLLECTED_ORDERS`] orders,
/// and when a despatch has nothing left to bill (`NothingToBill`, naming it).
pub fn draft_collective_invoice(
    customer: &CustomerId,
    collected: &[CollectedOrder<'_>],
    tenant: &TenantSettings,
    issued_at: OffsetDateTime,
) -> Result<CollectiveDraft, InvoiceError> {
    let first = collected.first().ok_or_else(|| InvoiceError::NothingToBill("no despatch named".into()))?;
    if collected.len() > MAX_COLLECTED_ORDERS {
        return Err(InvoiceError::NotTogether(format!("at most {MAX_COLLECTED_ORDERS} orders per invoice")));
    }
    let several = collected.len() > 1;
    let currency = first.order.currency;
    let (mut template, mut lines, mut adjustments) = (None::<Invoice>, Vec::new(), Vec::new());
    let (mut orders, mut billed, mut delivery_date) = (Vec::new(), Vec::new(), None);
    for CollectedOrder { order, despatches } in collected {
        if order.buyer.customer_id != *customer {
            return Err(InvoiceError::NotTogether(format!("order {} is not customer {customer}'s", order.id)));
        }
        if order.currency != currency {
            return Err(InvoiceError::NotTogether(format!(
                "order {} is in {}, the invoice in {currency}",
                order.id, order.currency
            )));
        }
        let mut running = (*order).clone();
        let mut numbers = Vec::new();
        for despatch in *despatches {
            let plan = plan_despatch_invoice(&running, despatch)?;
            let InvoiceDraft { invoice, order: after, .. } =
                draft_invoice(&running, &plan, tenant, &despatch.despatch_number, issued_at)?;
            running = after;
            let reference =
                several.then(|| OrderRef { order_id: order.id.clone(), order_number: order.order_number.clone() });
            lines.extend(
                invoice.lines.iter().cloned().map(|line| super::InvoiceLine { order: reference.clone(), ..line }),
            );
            adjustments.extend(invoice.adjustments.iter().cloned());
            delivery_date = delivery_date.max(invoice.delivery_date);
            numbers.push(despatch.despatch_number.clone());
            template.get_or_insert(invoice);
        }
        billed.push(BilledOrder {
            order_id: order.id.clone(),
            order_number: order.order_number.clone(),
            despatch_numbers: numbers,
        });
        orders.push(running);
    }
    let template = template.ok_or_else(|| InvoiceError::NothingToBill("no despatch named".into()))?;
    for (index, line) in lines.iter_mut().enumerate() {
        line.line_id = u32::try_from(index).unwrap_or(u32::MAX - 1) + 1;
    }
    check_vat_categories(&lines, &adjustments, first.order)?;
    let (totals, vat_breakdown) = document_totals(&lines, &adjustments, currency);
    let despatch_count: usize = billed.iter().map(|o| o.despatch_numbers.len()).sum();
    let order_numbers: Vec<&str> = billed.iter().map(|o| o.order_number.as_str()).collect();
    let invoice = Invoice {
        order_number: order_numbers.join(", "),
        source: "collected".into(),
        despatch_number: if despatch_count == 1 { template.despatch_number.clone() } else { None },
        delivery_date,
        lines,
        adjustments,
        totals,
        vat_breakdown,
        orders: billed,
        ..template
    };
    let mut orders = orders.into_iter();
    let first_after = orders.next().ok_or_else(|| InvoiceError::NothingToBill("no despatch named".into()))?;
    Ok(CollectiveDraft {
        draft: InvoiceDraft { kind: invoice.kind, invoice, order: first_after },
        others: orders.collect(),
    })
}

/// The order a credit note of `invoice` corrects, given the invoice lines it credits (`None`: all of it): the
/// invoice's order, or — of a collective invoice of several orders — the one order every credited line bills.
/// A credit note takes back quantities of one order, so crediting lines of several orders (or all of such an
/// invoice) at once is refused: issue one per order.
pub fn credited_order<'a>(invoice: &'a Invoice, line_ids: Option<&[u32]>) -> Result<&'a OrderId, InvoiceError> {
    if !invoice.bills_several_orders() {
        return Ok(&invoice.order_id);
    }
    let split = || {
        InvoiceError::NotTogether(format!(
            "{} bills {} orders; credit the lines of one order at a time",
            invoice.number,
            invoice.orders.len()
        ))
    };
    let line_ids = line_ids.ok_or_else(split)?;
    let mut orders = line_ids.iter().map(|id| {
        invoice
            .lines
            .iter()
            .find(|l| l.line_id == *id)
            .and_then(|l| l.order.as_ref())
            .map(|o| &o.order_id)
            .ok_or_else(|| InvoiceError::Quantity(format!("{} has no line {id}", invoice.number)))
    });
    let first = orders.next().ok_or_else(split)??;
    for other in orders {
        if other? != first {
            return Err(split());
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjustment::{AdjustmentKind, DocumentAdjustment};
    use crate::fixtures;
    use crate::invoice::testing::{at, delivered};
    use crate::order::OrderStatus;
    use crate::tax::VatCategory;
    use rust_decimal_macros::dec;

    fn second_order(of: &Order, number: &str) -> Order {
        let mut order = delivered(&[("C", dec!(4))]);
        order.id = OrderId::generate();
        order.order_number = number.into();
        order.buyer = of.buyer.clone();
        order
    }

    #[test]
    fn three_despatches_of_two_orders_make_one_invoice_that_bills_what_each_would_alone() {
        let mut first = delivered(&[("A", dec!(2)), ("B", dec!(2))]);
        first.adjustments = vec![DocumentAdjustment {
            kind: AdjustmentKind::Charge,
            reason: "Freight".into(),
            amount: dec!(9.90),
            vat_category: VatCategory::S,
            vat_rate: dec!(25),
        }];
        let second = second_order(&first, "WEB-2");
        let (d1, d2) =
            (fixtures::despatch(&first, "D-1", &[(1, dec!(2))]), fixtures::despatch(&first, "D-2", &[(2, dec!(2))]));
        let d3 = fixtures::despatch(&second, "D-3", &[(1, dec!(4))]);
        let (first_despatches, second_despatches) = ([&d1, &d2], [&d3]);
        let collected = [
            CollectedOrder { order: &first, despatches: &first_despatches },
            CollectedOrder { order: &second, despatches: &second_despatches },
        ];
        let customer = first.buyer.customer_id.clone();
        let CollectiveDraft { draft, others } =
            draft_collective_invoice(&customer, &collected, &fixtures::tenant(), at()).expect("draft");
        let invoice = &draft.invoice;
        // 2 × 10 + 2 × 10 + 4 × 10 = 80.00, freight 9.90 once: 89.90; VAT 25 % 22.475 → 22.48
        assert_eq!((invoice.totals.line_extension, invoice.totals.charges), (dec!(80.00), dec!(9.90)));
        assert_eq!(invoice.totals.vat, dec!(22.48));
        let ids: Vec<(u32, u32, &str)> = invoice
            .lines
            .iter()
            .map(|l| (l.line_id, l.order_line_no, l.order.as_ref().map_or("", |o| o.order_number.as_str())))
            .collect();
        assert_eq!(ids, [(1, 1, first.order_number.as_str()), (2, 2, first.order_number.as_str()), (3, 1, "WEB-2")]);
        assert!(invoice.bills_several_orders() && invoice.despatch_number.is_none());
        assert_eq!(invoice.orders[0].despatch_numbers, ["D-1", "D-2"]);
        assert_eq!(invoice.order_ids(), [&first.id, &second.id]);
        assert_eq!((draft.order.status, others[0].status), (OrderStatus::Invoiced, OrderStatus::Invoiced));
        // The same despatch again: nothing left, named.
        let again = [CollectedOrder { order: &others[0], despatches: &second_despatches }];
        let refused = draft_collective_invoice(&customer, &again, &fixtures::tenant(), at());
        assert!(matches!(refused, Err(InvoiceError::NothingToBill(ref why)) if why.contains("D-3")), "{refused:?}");
    }

    #[test]
    fn another_customers_order_or_currency_is_refused() {
        let first = delivered(&[("A", dec!(2))]);
        let mut other = second_order(&first, "WEB-9");
        other.buyer.customer_id = CustomerId::parse("cus_other").expect("id");
        let (d1, d2) =
            (fixtures::despatch(&first, "D-1", &[(1, dec!(2))]), fixtures::despatch(&other, "D-9", &[(1, dec!(4))]));
        let (a, b) = ([&d1], [&d2]);
        let collected =
            [CollectedOrder { order: &first, despatches: &a }, CollectedOrder { order: &other, despatches: &b }];
        let refused = draft_collective_invoice(&first.buyer.customer_id, &collected, &fixtures::tenant(), at());
        assert!(matches!(refused, Err(InvoiceError::NotTogether(_))), "{refused:?}");
    }

    #[test]
    fn a_credit_note_of_a_collective_invoice_corrects_one_order() {
        let first = delivered(&[("A", dec!(2))]);
        let second = second_order(&first, "WEB-2");
        let (d1, d2) =
            (fixtures::despatch(&first, "D-1", &[(1, dec!(2))]), fixtures::despatch(&second, "D-2", &[(1, dec!(4))]));
        let (a, b) = ([&d1], [&d2]);
        let collected =
            [CollectedOrder { order: &first, despatches: &a }, CollectedOrder { order: &second, despatches: &b }];
        let draft =
            draft_collective_invoice(&first.buyer.customer_id, &collected, &fixtures::tenant(), at()).expect("draft");
        let invoice = &draft.draft.invoice;
        assert_eq!(credited_order(invoice, Some(&[2])).expect("one order"), &second.id);
        assert!(matches!(credited_order(invoice, Some(&[1, 2])), Err(InvoiceError::NotTogether(_))));
        assert!(matches!(credited_order(invoice, None), Err(InvoiceError::NotTogether(_))));
        assert!(matches!(credited_order(invoice, Some(&[7])), Err(InvoiceError::Quantity(_))));
        let (tenant, ledger) = (fixtures::tenant(), crate::invoice::CreditLedger::default());
        let scope = crate::invoice::CreditScope::Lines(vec![(2, dec!(1))]);
        let note =
            crate::invoice::draft_credit_note(invoice, &draft.others[0], &ledger, &scope, "Damaged", &tenant, at())
                .expect("credit of the second order");
        assert_eq!((&note.invoice.order_id, note.invoice.orders.len()), (&second.id, 0));
        assert_eq!(note.order.lines[0].invoiced_quantity, dec!(3));
        let wrong = crate::invoice::draft_credit_note(invoice, &draft.draft.order, &ledger, &scope, "x", &tenant, at());
        assert!(matches!(wrong, Err(InvoiceError::NotTogether(_))), "{wrong:?}");
    }

    #[test]
    fn requests_are_parsed_with_pointers() {
        let id = OrderId::generate();
        let body = format!(
            r#"{{"despatches":[{{"order_id":"{id}","despatch_number":"D-1"}},{{"order_id":"{id}","despatch_number":"D-2"}}]}}"#
        );
        let request = parse_collective_invoice(&body).expect("valid");
        assert_eq!(request.by_order(), [(&id, vec![0, 1])]);
        let bad = format!(
            r#"{{"despatches":[{{"order_id":"x","despatch_number":"D-1"}},{{"order_id":"{id}","despatch_number":""}},{{"order_id":"{id}","despatch_number":"D-1"}},{{"order_id":"{id}","despatch_number":"D-1"}}]}}"#
        );
        let Err(RequestError::Invalid(errors)) = parse_collective_invoice(&bad) else { panic!("invalid") };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/despatches/0/order_id", "/despatches/1/despatch_number", "/despatches/3"]);
        assert!(matches!(parse_collective_invoice(r#"{"despatches":[]}"#), Err(RequestError::Invalid(_))));
        assert!(matches!(parse_collective_invoice(r#"{"despatches":[],"x":1}"#), Err(RequestError::Malformed { .. })));
    }
}
