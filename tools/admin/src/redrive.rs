//! `redrive STAGE`: a stage's dead-letter queue back to the stage's queue, after its cause is fixed (docs/runbook.md
//! "Dead-letter queues").
//!
//! On AWS, SQS moves the messages itself: a message-move task from the DLQ (`StartMessageMoveTask`, the DLQ's ARN as
//! the source and the queue's as the destination), which `--wait` follows (`ListMessageMoveTasks`). The emulator (any
//! stack reached through an endpoint: the local one) has no message-move tasks, so there each message is received
//! from the DLQ, sent to the queue and deleted from the DLQ only once the queue took it, as `devstack redrive` does:
//! a message is never lost, and one sent twice is harmless (consumers deduplicate by event id).

use std::io::Write;
use std::time::Duration;

use time::OffsetDateTime;

use orders_aws::aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, ListMessageMoveTasksResultEntry, QueueAttributeName, SendMessageBatchRequestEntry,
};
use orders_aws::aws_sdk_sqs::Client;

use crate::stack::aws_error;
use crate::target::Target;

/// A stage whose queue has a dead-letter queue (a `RedrivePolicy` in infra/template.yaml).
#[derive(Debug)]
pub struct Stage {
    /// Its name on the command line.
    pub name: &'static str,
    /// Its logical ids' stem: `{logical}Queue`, `{logical}DeadLetterQueue`.
    pub logical: &'static str,
}

/// Every stage with a dead-letter queue (the tests hold this to the template's `RedrivePolicy`s).
pub const STAGES: [Stage; 7] = [
    Stage { name: "confirmation", logical: "Confirmation" },
    Stage { name: "shipment", logical: "Shipment" },
    Stage { name: "invoicing", logical: "Invoicing" },
    Stage { name: "reporting", logical: "Reporting" },
    Stage { name: "mail-feedback", logical: "MailFeedback" },
    Stage { name: "inbound", logical: "Inbound" },
    Stage { name: "webhooks", logical: "Webhooks" },
];

/// How often `--wait` asks how the task is doing.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// How many answers without the task `--wait` takes before it stops following it.
const UNSEEN_POLLS: u64 = 12;

/// The stage `name` names.
pub fn stage(name: &str) -> Result<&'static Stage, String> {
    if name == "archive" {
        return Err("the archive dead-letter queue holds the table stream's on-failure records (shard and sequence \
                    numbers, not documents), and no queue to send them back to: see docs/runbook.md, \"Dead-letter \
                    queues\""
            .to_owned());
    }
    STAGES.iter().find(|stage| stage.name == name).ok_or_else(|| {
        let names: Vec<&str> = STAGES.iter().map(|stage| stage.name).collect();
        format!("no stage {name:?} with a dead-letter queue: the stages are {}", names.join(", "))
    })
}

/// A queue: its URL, ARN and name.
struct Queue {
    url: String,
    arn: String,
    name: String,
    /// `ApproximateNumberOfMessages`.
    visible: Option<u64>,
}

/// Moves the messages of `stage`'s DLQ back to its queue and says so on `out`.
pub async fn redrive(target: &Target, stage: &Stage, wait: bool, out: &mut dyn Write) -> Result<(), String> {
    let sqs = orders_aws::sqs_client(&target.sdk);
    let where_ = target.describe();
    let queue_id = format!("{}Queue", stage.logical);
    let dlq_id = format!("{}DeadLetterQueue", stage.logical);
    let (queue, redrive_policy) = read_queue(&sqs, target.queue_url(&queue_id).await?, &queue_id, &where_).await?;
    let (dlq, _) = read_queue(&sqs, target.queue_url(&dlq_id).await?, &dlq_id, &where_).await?;
    // Only into the queue that dead-letters to this DLQ.
    let target_arn = redrive_policy
        .as_deref()
        .and_then(|policy| serde_json::from_str::<serde_json::Value>(policy).ok())
        .and_then(|policy| policy["deadLetterTargetArn"].as_str().map(str::to_owned));
    if target_arn.as_deref() != Some(dlq.arn.as_str()) {
        return Err(format!(
            "{} of {where_} does not dead-letter to {} (its RedrivePolicy names {}): nothing moved",
            queue.name,
            dlq.name,
            target_arn.as_deref().unwrap_or("no dead-letter queue")
        ));
    }
    let print = |out: &mut dyn Write, text: String| writeln!(out, "{text}").map_err(|e| e.to_string());
    if target.through_endpoint() {
        let moved = copy_back(&sqs, &dlq, &queue).await?;
        return print(
            out,
            format!(
                "moved {moved} message(s) from {} back to {} (one by one: the emulator has no SQS message-move task)",
                dlq.name, queue.name
            ),
        );
    }
    // A finished task no longer lists its handle: it is then the latest one into the queue since this start (less a
    // minute for the clocks' difference).
    let since_ms = (OffsetDateTime::now_utc().unix_timestamp() - 60) * 1000;
    let started =
        sqs.start_message_move_task().source_arn(&dlq.arn).destination_arn(&queue.arn).send().await.map_err(|e| {
            format!("cannot start moving {} back to {} ({where_}): {}", dlq.name, queue.name, aws_error(&e))
        })?;
    let handle = started.task_handle.unwrap_or_default();
    print(
        out,
        format!(
            "moving {} message(s) of {} back to {}: task {handle} (aws sqs cancel-message-move-task --task-handle \
             … stops it)",
            dlq.visible.map_or_else(|| "the".to_owned(), |n| format!("about {n}")),
            dlq.name,
            queue.name
        ),
    )?;
    if !wait {
        return Ok(());
    }
    let mut unseen = 0;
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        let listed = sqs
            .list_message_move_tasks()
            .source_arn(&dlq.arn)
            .max_results(10)
            .send()
            .await
            .map_err(|e| format!("cannot follow task {handle} of {} (it goes on): {}", dlq.name, aws_error(&e)))?;
        let tasks = listed.results.unwrap_or_default();
        let task = tasks.iter().find(|t| t.task_handle() == Some(handle.as_str())).or_else(|| {
            tasks
                .iter()
                .filter(|t| t.destination_arn() == Some(queue.arn.as_str()) && t.started_timestamp() >= since_ms)
                .max_by_key(|t| t.started_timestamp())
        });
        let Some(task) = task else {
            unseen += 1;
            if unseen >= UNSEEN_POLLS {
                return Err(format!(
                    "task {handle} is not among the move tasks of {} after {} s: aws sqs list-message-move-tasks \
                     --source-arn {} shows them",
                    dlq.name,
                    UNSEEN_POLLS * POLL_EVERY.as_secs(),
                    dlq.arn
                ));
            }
            continue;
        };
        let counts = counts(task);
        match task.status().unwrap_or_default() {
            "RUNNING" | "CANCELLING" => eprintln!("task {handle}: {counts} so far"),
            "COMPLETED" => return print(out, format!("task {handle} completed: {counts}")),
            status => {
                let reason = task.failure_reason().map(|r| format!(" ({r})")).unwrap_or_default();
                print(out, format!("task {handle} {}: {counts}", status.to_lowercase()))?;
                return Err(format!("moving {} back to {} ended {status}{reason}", dlq.name, queue.name));
            }
        }
    }
}

/// `3 of 5 message(s) moved`.
fn counts(task: &ListMessageMoveTasksResultEntry) -> String {
    match task.approximate_number_of_messages_to_move() {
        Some(total) => format!("{} of {total} message(s) moved", task.approximate_number_of_messages_moved()),
        None => format!("{} message(s) moved", task.approximate_number_of_messages_moved()),
    }
}

/// The queue at `url` (logical id `logical_id`), and its `RedrivePolicy`.
async fn read_queue(
    sqs: &Client,
    url: String,
    logical_id: &str,
    where_: &str,
) -> Result<(Queue, Option<String>), String> {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .attribute_names(QueueAttributeName::RedrivePolicy)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(|e| format!("cannot read queue {logical_id} of {where_} ({url}): {}", aws_error(&e)))?
        .attributes
        .unwrap_or_default();
    let arn = attributes
        .get(&QueueAttributeName::QueueArn)
        .cloned()
        .ok_or_else(|| format!("queue {logical_id} of {where_} ({url}) has no ARN"))?;
    let name = arn.rsplit(':').next().unwrap_or(logical_id).to_owned();
    let policy = attributes.get(&QueueAttributeName::RedrivePolicy).cloned();
    let visible = attributes.get(&QueueAttributeName::ApproximateNumberOfMessages).and_then(|n| n.parse().ok());
    Ok((Queue { url, arn, name, visible }, policy))
}

/// Every message of `dlq` sent to `queue`, each deleted from `dlq` once `queue` took it; how many moved. A message
/// the queue refused stays in `dlq` (received again after 60 s), and is named in the error.
async fn copy_back(sqs: &Client, dlq: &Queue, queue: &Queue) -> Result<usize, String> {
    let mut moved = 0;
    let mut refused: Vec<String> = Vec::new();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&dlq.url)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("receive from {}: {}", dlq.name, aws_error(&e)))?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() && refused.is_empty() {
            return Ok(moved);
        }
        if messages.is_empty() {
            return Err(format!(
                "moved {moved} message(s) from {} back to {}; {} refused {} of them ({}): they stay in {}",
                dlq.name,
                queue.name,
                queue.name,
                refused.len(),
                refused.join("; "),
                dlq.name
            ));
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
        let sent =
            sqs.send_message_batch().queue_url(&queue.url).set_entries(Some(sends)).send().await.map_err(|e| {
                let error = aws_error(&e);
                format!(
                    "send to {}: {error} ({moved} message(s) moved before; the rest stay in {})",
                    queue.name, dlq.name
                )
            })?;
        // Only what reached the queue leaves the DLQ; the rest is received again after its visibility timeout.
        let delivered: Vec<String> = sent.successful.iter().map(|entry| entry.id.clone()).collect();
        let deletes: Vec<_> = deletes.into_iter().filter(|entry| delivered.contains(&entry.id)).collect();
        refused.extend(sent.failed.iter().map(|f| f.message().unwrap_or(f.code()).to_owned()));
        if deletes.is_empty() {
            continue;
        }
        moved += deletes.len();
        sqs.delete_message_batch().queue_url(&dlq.url).set_entries(Some(deletes)).send().await.map_err(|e| {
            format!("delete from {}: {} (the messages are in {} too now)", dlq.name, aws_error(&e), queue.name)
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::tests::resource_lines;

    #[test]
    fn the_stages_are_the_templates_queues_with_a_dead_letter_queue() {
        // Every queue with a RedrivePolicy names {Stage}DeadLetterQueue, and every such stage is listed.
        let template = crate::target::tests::TEMPLATE;
        let mut redriven: Vec<&str> = template
            .lines()
            .filter_map(|line| line.trim().strip_prefix("deadLetterTargetArn: !GetAtt "))
            .filter_map(|arn| arn.strip_suffix("DeadLetterQueue.Arn"))
            .collect();
        redriven.sort_unstable();
        let mut listed: Vec<&str> = STAGES.iter().map(|stage| stage.logical).collect();
        listed.sort_unstable();
        assert_eq!(redriven, listed);
        for stage in &STAGES {
            let queue = resource_lines(&format!("{}Queue", stage.logical));
            let policy = format!("deadLetterTargetArn: !GetAtt {}DeadLetterQueue.Arn", stage.logical);
            assert!(queue.iter().any(|line| line.trim() == policy), "{}Queue: {queue:?}", stage.logical);
        }
    }

    #[test]
    fn a_stage_is_named_and_the_archive_has_no_queue_to_go_back_to() {
        assert_eq!(stage("mail-feedback").map(|s| s.logical), Ok("MailFeedback"));
        assert!(stage("archive").is_err_and(|e| e.contains("on-failure records")));
        assert!(stage("Confirmation").is_err_and(|e| e.contains("confirmation, shipment, invoicing")));
    }
}
