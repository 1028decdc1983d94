//! The seller's notes on an order: internal, or buyer-visible (those go into the next buyer email).

use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::ids::OrderId;
use orders_domain::order::{HistoryEntry, NoteVisibility, SellerNote};

use super::{actor, load, ActionError, IfMatch};

/// Adds the note `text` with `visibility` to the order; the note as stored.
pub async fn add_note(
    store: &Store,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    if_match: &IfMatch,
    text: String,
    visibility: NoteVisibility,
) -> Result<SellerNote, ActionError> {
    let order = load(store, caller, order_id, if_match).await?.order;
    let note = SellerNote { at: time::OffsetDateTime::now_utc(), author: actor(caller), visibility, text };
    let history = HistoryEntry {
        at: note.at,
        actor: note.author.clone(),
        action: "note_added".into(),
        detail: format!(
            "{} note added",
            if visibility == NoteVisibility::Buyer { "Buyer-visible" } else { "Internal" }
        ),
    };
    if !store.add_note(&order, &note, &history).await? {
        return Err(ActionError::NotFound(format!("order {order_id}")));
    }
    Ok(note)
}
