//! Redriving a stage's dead-letter queue in the local stack: every message goes back to the queue whose
//! `RedrivePolicy` names the DLQ (as `aws sqs start-message-move-task` does on AWS, which the emulator lacks):
//! received, sent to the source queue, then deleted from the DLQ — a message is never lost, and a copy that is
//! sent twice is harmless (consumers deduplicate by event id).

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};

use crate::stack::LocalStack;

/// The queue a stage's DLQ redrives to, by the stage's name (`confirmation`, `shipment`, `invoicing`, `reporting`): its
/// logical ids `{Stage}DeadLetterQueue` and `{Stage}Queue`.
pub fn queues_of(stage: &str) -> Option<(String, String)> {
    let mut chars = stage.chars();
    let first = chars.next()?;
    let name = first.to_uppercase().chain(chars).collect::<String>();
    Some((format!("{name}DeadLetterQueue"), format!("{name}Queue")))
}

/// Moves every message of `stage`'s DLQ back to its queue; how many moved.
pub async fn redrive(stack: &LocalStack, stage: &str) -> Result<usize, String> {
    let (dlq_id, queue_id) = queues_of(stage).ok_or("name a stage: confirmation, shipment, invoicing or reporting")?;
    let dlq = stack.reference(&dlq_id).ok_or_else(|| format!("no {dlq_id} in the template"))?;
    let queue = stack.reference(&queue_id).ok_or_else(|| format!("no {queue_id} redriven from {dlq_id}"))?;
    let sqs = &stack.aws.sqs;
    let mut moved = 0;
    loop {
        let received = sqs
            .receive_message()
            .queue_url(dlq)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("receive from {dlq_id}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(moved);
        }
        let mut sends = Vec::new();
        let mut deletes = Vec::new();
        for (index, message) in messages.iter().enumerate() {
            let id = format!("m{index}");
            sends.push(
                SendMessageBatchRequestEntry::builder()
                    .id(&id)
                    .message_body(message.body().unwrap_or_default())
                    .set_message_attributes(message.message_attributes.clone())
                    .build()
                    .map_err(|e| e.to_string())?,
            );
            deletes.push(
                DeleteMessageBatchRequestEntry::builder()
                    .id(&id)
                    .receipt_handle(message.receipt_handle().unwrap_or_default())
                    .build()
                    .map_err(|e| e.to_string())?,
            );
        }
        let sent = sqs
            .send_message_batch()
            .queue_url(queue)
            .set_entries(Some(sends))
            .send()
            .await
            .map_err(|e| format!("send to {queue_id}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        // Only what reached the queue leaves the DLQ; the rest is received again after its visibility timeout.
        let delivered: Vec<String> = sent.successful.iter().map(|entry| entry.id.clone()).collect();
        let deletes: Vec<_> = deletes.into_iter().filter(|entry| delivered.contains(&entry.id)).collect();
        if deletes.is_empty() {
            return Err(format!("{queue_id} took none of {} messages: {:?}", messages.len(), sent.failed));
        }
        moved += deletes.len();
        sqs.delete_message_batch()
            .queue_url(dlq)
            .set_entries(Some(deletes))
            .send()
            .await
            .map_err(|e| format!("delete from {dlq_id}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stage_names_its_queue_and_dead_letter_queue() {
        assert_eq!(
            super::queues_of("confirmation"),
            Some(("ConfirmationDeadLetterQueue".to_owned(), "ConfirmationQueue".to_owned()))
        );
        assert_eq!(super::queues_of(""), None);
    }
}
