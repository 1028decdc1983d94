//! The template's resource types the local stack knows: created in the emulator, or stood in for. Any other
//! type fails provisioning (`ProvisionError::UnsupportedType`), never skipped silently.

/// Resource types created in the emulator.
pub const PROVISIONED_TYPES: &[&str] = &[
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::SES::EmailIdentity",
    "AWS::SES::ConfigurationSet",
    "AWS::SecretsManager::Secret",
];

/// Resource types the local stack stands in for without creating anything in the emulator.
pub const SERVED_TYPES: &[&str] = &[
    // devstack calls the handler with the function's template environment
    "AWS::Serverless::Function",
    // devstack serves the routes of the functions' HttpApi events
    "AWS::Serverless::HttpApi",
    // logs go to the terminal
    "AWS::Logs::LogGroup",
    // the functions' execution roles: the emulator checks no IAM (tests/tests/template_security.rs and
    // scripts/iam_check.py check what they grant)
    "AWS::IAM::Role",
    // a layer's files are read from its ContentUri directory (see LocalStack::function_environment)
    "AWS::Serverless::LayerVersion",
    // Athena's catalogue of the reports' Parquet files: there is no Athena locally; tests/tests/reporting.rs
    // checks the tables' columns against the reports instead
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    // the operators' alarms, their topic and dashboard: there is no CloudWatch locally;
    // tests/tests/template_security.rs checks that every queue and function is watched
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    // SES's reports on emails go SES -> SNS -> MailFeedbackQueue; moto's SES reports nothing, so the local stack
    // has no topic, subscription or policies for them, and tests/tests/mail_feedback.rs puts into the queue what
    // the subscription would (tests/tests/template_security.rs checks the wiring)
    "AWS::SES::ConfigurationSetEventDestination",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
];
