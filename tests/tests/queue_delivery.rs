//! The local runner's SQS delivery: real `SqsEvent` batches, partial batch failures honoured, poison messages
//! redriven to the DLQ after `maxReceiveCount` — on a queue this test declares in a template of its own.

use std::sync::{Arc, Mutex};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use devstack::sqs_runner::{QueueConsumer, SqsHandler};
use devstack::LocalStack;
use orders_testkit::{emulator_endpoint, unique};

const TEMPLATE: &str = r#"
Resources:
  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-work-dlq"
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-work"
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn
        maxReceiveCount: 2
"#;

#[tokio::test]
async fn failed_items_stay_queued_and_poison_ends_in_the_dead_letter_queue() {
    let stack = LocalStack::provision_text(&emulator_endpoint(), &unique("q-"), TEMPLATE).await.expect("provision");
    let queue = stack.reference("WorkQueue").expect("queue").to_owned();
    let dlq = stack.reference("WorkDeadLetterQueue").expect("dlq").to_owned();
    for body in ["ok-1", "poison", "ok-2"] {
        stack.aws.sqs.send_message().queue_url(&queue).message_body(body).send().await.expect("send");
    }

    let seen: Arc<Mutex<Vec<SqsEvent>>> = Arc::default();
    let recorder = seen.clone();
    let handler: SqsHandler = Arc::new(move |event: SqsEvent| {
        recorder.lock().expect("lock").push(event.clone());
        Box::pin(async move {
            let mut response = SqsBatchResponse::default();
            for record in &event.records {
                if record.body.as_deref() == Some("poison") {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = record.message_id.clone().unwrap_or_default();
                    response.batch_item_failures.push(failure);
                }
            }
            Ok(response)
        })
    });
    let consumer = QueueConsumer::new(stack.aws.sqs.clone(), &queue, &stack.aws.region, handler)
        .await
        .expect("consumer")
        .retry_after(0);

    let mut delivered = 0;
    let mut succeeded = 0;
    for _ in 0..20 {
        let delivery = consumer.deliver_once(0).await.expect("deliver");
        delivered += delivery.received;
        succeeded += delivery.succeeded;
        if delivery.received == 0 && succeeded == 2 && delivered >= 4 {
            break;
        }
    }
    assert_eq!(succeeded, 2, "the good messages were deleted once");
    assert_eq!(delivered, 4, "two good + the poison message twice (maxReceiveCount 2)");

    let events = seen.lock().expect("lock").clone();
    let first = &events[0].records[0];
    assert_eq!(first.event_source.as_deref(), Some("aws:sqs"));
    assert!(
        first.event_source_arn.as_deref().is_some_and(|arn| arn.ends_with("-work")),
        "{:?}",
        first.event_source_arn
    );
    assert!(first.attributes.contains_key("ApproximateReceiveCount"));

    let left = stack.aws.sqs.receive_message().queue_url(&queue).wait_time_seconds(0).send().await.expect("receive");
    assert!(left.messages.unwrap_or_default().is_empty(), "nothing left on the work queue");
    let dead = stack
        .aws
        .sqs
        .receive_message()
        .queue_url(&dlq)
        .max_number_of_messages(10)
        .wait_time_seconds(0)
        .send()
        .await
        .expect("receive dlq");
    let bodies: Vec<String> = dead.messages.unwrap_or_default().into_iter().filter_map(|m| m.body).collect();
    assert_eq!(bodies, vec!["poison".to_owned()]);
}

#[tokio::test]
async fn a_failing_handler_leaves_the_whole_batch_for_another_try() {
    let stack = LocalStack::provision_text(&emulator_endpoint(), &unique("q-"), TEMPLATE).await.expect("provision");
    let queue = stack.reference("WorkQueue").expect("queue").to_owned();
    stack.aws.sqs.send_message().queue_url(&queue).message_body("x").send().await.expect("send");
    let handler: SqsHandler = Arc::new(|_event| Box::pin(async { Err("downstream unavailable".to_owned()) }));
    let consumer = QueueConsumer::new(stack.aws.sqs.clone(), &queue, &stack.aws.region, handler)
        .await
        .expect("consumer")
        .retry_after(0);
    let delivery = consumer.deliver_once(0).await.expect("deliver");
    assert_eq!((delivery.received, delivery.succeeded, delivery.failed), (1, 0, 1));
    let again = stack.aws.sqs.receive_message().queue_url(&queue).wait_time_seconds(0).send().await.expect("receive");
    assert_eq!(again.messages.unwrap_or_default().len(), 1, "the message is still there");
}
