//! What SES reports back about an email it accepted: bounces and complaints, as its configuration set's event
//! destination publishes them (docs/runbook.md, "Bounces and complaints"). Each sent email carries the message
//! tags of [`MESSAGE_TAGS`], so a report finds its customer and order without an index.

use serde::Deserialize;

use crate::ids::{CustomerId, OrderId, TenantId};
use crate::party::EmailAddress;

/// The SES message tags an email is sent with: the tenant's id, the customer's, and the order's if it is about one.
pub const MESSAGE_TAGS: [&str; 3] = ["tenant", "customer", "order"];

/// What became of an email, as SES reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackKind {
    /// The address does not exist or refuses mail for good: do not write to it again.
    Bounced,
    /// The recipient marked the email as spam.
    Complained,
}

impl FeedbackKind {
    /// `bounced` or `complained`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bounced => "bounced",
            Self::Complained => "complained",
        }
    }

    /// Parses [`FeedbackKind::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "bounced" => Some(Self::Bounced),
            "complained" => Some(Self::Complained),
            _ => None,
        }
    }
}

/// One report about one email that concerns us: a permanent bounce or a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFeedback {
    /// What happened.
    pub kind: FeedbackKind,
    /// SES's id of the email (what `SendRawEmail` answered).
    pub message_id: String,
    /// The tenant that sent it, from its message tags (`None` for an email sent without them).
    pub tenant: Option<TenantId>,
    /// The customer it was sent to (`None` when its id could not be a tag: the order's buyer tells).
    pub customer: Option<CustomerId>,
    /// The order it was about (`None` for emails about no order, such as quotes).
    pub order: Option<OrderId>,
    /// The addresses concerned.
    pub recipients: Vec<EmailAddress>,
    /// SES's detail: the bounce's sub-type and diagnostic, or the complaint's feedback type.
    pub detail: String,
    /// When it happened, as SES stamps it (RFC 3339).
    pub at: String,
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    /// Not an SES event or notification.
    #[error("not an SES event: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    /// Event publishing says `eventType`; identity notifications say `notificationType`.
    #[serde(alias = "notificationType")]
    event_type: String,
    mail: Mail,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    message_id: String,
    #[serde(default)]
    tags: std::collections::HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    #[serde(default)]
    bounce_sub_type: String,
    bounced_recipients: Vec<Recipient>,
    #[serde(default)]
    timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    complained_recipients: Vec<Recipient>,
    #[serde(default)]
    complaint_feedback_type: Option<String>,
    #[serde(default)]
    timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
    #[serde(default)]
    diagnostic_code: Option<String>,
}

/// Reads one SES event (the JSON SNS delivers raw). `Ok(None)` for what needs no action: deliveries, sends,
/// and transient bounces (a full mailbox, an auto-reply), after which SES has stopped trying but the address
/// stays good.
pub fn parse_feedback(json: &str) -> Result<Option<MailFeedback>, FeedbackError> {
    let event: Event = serde_json::from_str(json).map_err(|e| FeedbackError::Malformed(e.to_string()))?;
    let tag = |name: &str| event.mail.tags.get(name).and_then(|values| values.first()).map(String::as_str);
    let malformed = |name: &str, value: &str| FeedbackError::Malformed(format!("message tag {name} = {value:?}"));
    let tenant = tag(MESSAGE_TAGS[0]).map(|v| TenantId::parse(v).map_err(|_| malformed("tenant", v))).transpose()?;
    let customer =
        tag(MESSAGE_TAGS[1]).map(|v| CustomerId::parse(v).map_err(|_| malformed("customer", v))).transpose()?;
    let order =
        tag(MESSAGE_TAGS[2]).map(|v| OrderId::parse_public(v).map_err(|_| malformed("order", v))).transpose()?;
    let addresses = |recipients: &[Recipient]| -> Result<Vec<EmailAddress>, FeedbackError> {
        recipients.iter().map(|r| EmailAddress::parse(&r.email_address).map_err(FeedbackError::Malformed)).collect()
    };
    let (kind, recipients, detail, at) = match (event.event_type.as_str(), &event.bounce, &event.complaint) {
        ("Bounce", Some(bounce), _) => {
            if bounce.bounce_type != "Permanent" {
                return Ok(None);
            }
            let diagnostic = bounce.bounced_recipients.iter().find_map(|r| r.diagnostic_code.clone());
            let detail = match diagnostic {
                Some(code) => format!("{}: {code}", bounce.bounce_sub_type),
                None => bounce.bounce_sub_type.clone(),
            };
            (FeedbackKind::Bounced, addresses(&bounce.bounced_recipients)?, detail, bounce.timestamp.clone())
        }
        ("Complaint", _, Some(complaint)) => (
            FeedbackKind::Complained,
            addresses(&complaint.complained_recipients)?,
            complaint.complaint_feedback_type.clone().unwrap_or_else(|| "complaint".into()),
            complaint.timestamp.clone(),
        ),
        ("Bounce" | "Complaint", _, _) => {
            return Err(FeedbackError::Malformed(format!("{} without its details", event.event_type)))
        }
        _ => return Ok(None),
    };
    // SES's diagnostic is free text from the receiving server: keep it short and printable.
    let detail: String = detail.chars().filter(|c| !c.is_control()).take(500).collect();
    Ok(Some(MailFeedback { kind, message_id: event.mail.message_id, tenant, customer, order, recipients, detail, at }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = "ord_0192f0c3a1b27c3d8e9f001122334455";

    fn bounce(kind: &str) -> String {
        serde_json::json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": kind, "bounceSubType": "General", "feedbackId": "f-1",
                "bouncedRecipients": [{"emailAddress": "anna@example.se", "action": "failed", "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
                "timestamp": "2026-12-04T10:00:00.000Z", "reportingMTA": "dsn; a.example"
            },
            "mail": {"messageId": "0100-abc", "destination": ["anna@example.se"], "timestamp": "2026-12-04T09:59:00.000Z",
                "source": "orders@example.com", "tags": {"ses:configuration-set": ["s-mail"], "tenant": ["acme"], "customer": ["C-1"], "order": [ORDER]}}
        })
        .to_string()
    }

    #[test]
    fn a_permanent_bounce_names_the_order_the_address_and_the_diagnostic() {
        let feedback = parse_feedback(&bounce("Permanent")).expect("parses").expect("acted on");
        assert_eq!(feedback.kind, FeedbackKind::Bounced);
        assert_eq!(feedback.message_id, "0100-abc");
        let tags =
            (feedback.tenant.expect("tenant"), feedback.customer.expect("customer"), feedback.order.expect("order"));
        assert_eq!((tags.0.as_str(), tags.1.as_str(), tags.2.as_str()), ("acme", "C-1", ORDER));
        assert_eq!(feedback.recipients[0].as_str(), "anna@example.se");
        assert_eq!(feedback.detail, "General: smtp; 550 5.1.1 user unknown");
        assert_eq!(feedback.at, "2026-12-04T10:00:00.000Z");
    }

    #[test]
    fn a_transient_bounce_a_delivery_and_a_notification_without_tags_are_told_apart() {
        assert_eq!(parse_feedback(&bounce("Transient")), Ok(None));
        let delivery = r#"{"eventType":"Delivery","mail":{"messageId":"m"},"delivery":{}}"#;
        assert_eq!(parse_feedback(delivery), Ok(None));
        let complaint = r#"{"notificationType":"Complaint","mail":{"messageId":"m"},
            "complaint":{"complainedRecipients":[{"emailAddress":"b@example.se"}],"complaintFeedbackType":"abuse"}}"#;
        let feedback = parse_feedback(complaint).expect("parses").expect("acted on");
        assert_eq!(
            (feedback.kind, feedback.tenant, feedback.detail.as_str()),
            (FeedbackKind::Complained, None, "abuse")
        );
    }

    #[test]
    fn what_is_not_an_ses_event_or_names_a_bad_order_is_malformed() {
        assert!(parse_feedback("{}").is_err());
        assert!(parse_feedback(r#"{"eventType":"Bounce","mail":{"messageId":"m"}}"#).is_err());
        let bad_tag = bounce("Permanent").replace(ORDER, "ord_x");
        assert!(parse_feedback(&bad_tag).is_err());
    }
}
