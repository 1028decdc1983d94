//! The deployed stack: its name (`--stack`, else samconfig.toml's) and what its outputs name (infra/template.yaml
//! `Outputs:` — the table, the queues and their dead-letter queues, the buckets), read with `DescribeStacks`.

use std::error::Error;

use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;

/// The project's samconfig.toml, for a binary run outside the project (`sam deploy` reads the working
/// directory's, and so does [`default_stack_name`] first).
const PROJECT_SAMCONFIG: &str = include_str!("../../../samconfig.toml");

/// The stack `sam deploy` deploys: `stack_name` of the working directory's samconfig.toml (its
/// `[default.deploy.parameters]`, else its `[default.global.parameters]`), else of the project's.
pub fn default_stack_name() -> Option<String> {
    std::fs::read_to_string("samconfig.toml")
        .ok()
        .and_then(|text| samconfig_stack_name(&text))
        .or_else(|| samconfig_stack_name(PROJECT_SAMCONFIG))
}

/// `stack_name` of a samconfig.toml's default deploy or global parameters: that one key of a TOML file, read line
/// by line (a stack name is letters, digits and `-`, so a plain quoted string).
fn samconfig_stack_name(text: &str) -> Option<String> {
    let in_section = |section: &str| {
        let mut inside = false;
        text.lines().map(str::trim).find_map(|line| {
            if line.starts_with('[') {
                let header: String = line.split('#').next().unwrap_or_default().split_whitespace().collect();
                inside = header == format!("[{section}]");
                return None;
            }
            let (key, value) = line.split_once('=').filter(|_| inside)?;
            if key.trim() != "stack_name" {
                return None;
            }
            let value = value.trim();
            let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let name = value[1..].split(quote).next()?;
            Some(name.to_owned()).filter(|n| !n.is_empty())
        })
    };
    in_section("default.deploy.parameters").or_else(|| in_section("default.global.parameters"))
}

/// A deployed stack's outputs (and parameters; its other resources on demand).
#[derive(Debug)]
pub struct StackOutputs {
    /// The stack's name.
    pub stack: String,
    /// Its status (`CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, …).
    pub status: String,
    outputs: Vec<(String, String)>,
    parameters: Vec<(String, String)>,
    client: aws_sdk_cloudformation::Client,
}

impl StackOutputs {
    /// Reads `stack`'s outputs; `whose` says where (`eu-north-1 (profile ops)`) in the errors, `profile` is the
    /// profile the credentials come from, if any.
    pub async fn describe(sdk: &SdkConfig, stack: &str, whose: &str, profile: Option<&str>) -> Result<Self, String> {
        let client = aws_sdk_cloudformation::Client::new(sdk);
        let described = client.describe_stacks().stack_name(stack).send().await.map_err(|error| {
            let missing = error.code() == Some("ValidationError")
                && error.message().is_some_and(|m| m.contains("does not exist"));
            let credentials = std::iter::successors(Some(&error as &(dyn Error + 'static)), |e| (*e).source())
                .find_map(|e| e.downcast_ref::<CredentialsError>());
            if missing {
                format!("no stack named {stack} in {whose}")
            } else if let Some(credentials) = credentials {
                let hint = match profile {
                    Some(profile) => format!(
                        "is profile {profile} in the AWS config file (~/.aws/config, or AWS_CONFIG_FILE), and are you \
                         logged in (aws sso login --profile {profile})?"
                    ),
                    None => "name a profile with --profile (or AWS_PROFILE), or set AWS_ACCESS_KEY_ID and \
                             AWS_SECRET_ACCESS_KEY"
                        .to_owned(),
                };
                format!("no AWS credentials to describe stack {stack} in {whose}: {}; {hint}", causes(credentials))
            } else {
                format!("cannot describe stack {stack} in {whose}: {}", causes(&error))
            }
        })?;
        let found = described
            .stacks
            .unwrap_or_default()
            .into_iter()
            .find(|s| s.stack_name.as_deref() == Some(stack) || s.stack_id.as_deref() == Some(stack))
            .ok_or_else(|| format!("no stack named {stack} in {whose}"))?;
        let outputs = found
            .outputs
            .unwrap_or_default()
            .into_iter()
            .filter_map(|output| Some((output.output_key?, output.output_value?)))
            .collect();
        let parameters = found
            .parameters
            .unwrap_or_default()
            .into_iter()
            .filter_map(|parameter| Some((parameter.parameter_key?, parameter.parameter_value?)))
            .collect();
        Ok(Self {
            stack: found.stack_name.unwrap_or_else(|| stack.to_owned()),
            status: found.stack_status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            outputs,
            parameters,
            client,
        })
    }

    /// The value of the output `key` (`OrdersTableName`, `{Queue}Url`, `{Bucket}Name`).
    pub fn output(&self, key: &str) -> Result<&str, String> {
        let value = self.outputs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        value.ok_or_else(|| {
            let settled = ["CREATE_COMPLETE", "UPDATE_COMPLETE", ""].contains(&self.status.as_str());
            let status = if settled { String::new() } else { format!(" (its status: {})", self.status) };
            format!("stack {} has no output {key}{status}", self.stack)
        })
    }

    /// The value of the stack's parameter `key` (`SenderEmail`), as deployed.
    pub fn parameter(&self, key: &str) -> Result<&str, String> {
        let value = self.parameters.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        value.ok_or_else(|| format!("stack {} has no parameter {key}", self.stack))
    }

    /// The physical id of the stack's resource `logical_id` (`DescribeStackResource`): a queue's URL, a bucket's
    /// or a configuration set's name, a secret's ARN — for what the outputs do not name.
    pub async fn resource(&self, logical_id: &str) -> Result<String, String> {
        let described = self
            .client
            .describe_stack_resource()
            .stack_name(&self.stack)
            .logical_resource_id(logical_id)
            .send()
            .await
            .map_err(|error| {
                if error.code() == Some("ValidationError")
                    && error.message().is_some_and(|m| m.contains("does not exist"))
                {
                    format!("stack {} has no resource {logical_id}", self.stack)
                } else {
                    format!("cannot read resource {logical_id} of stack {}: {}", self.stack, aws_error(&error))
                }
            })?;
        described
            .stack_resource_detail
            .and_then(|detail| detail.physical_resource_id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                format!("resource {logical_id} of stack {} has no physical id (not created yet?)", self.stack)
            })
    }

    /// The output `{logical_id}{suffix}` (`ConfirmationQueueUrl`), else the physical id of the resource
    /// `logical_id` itself (for a resource the outputs do not name, such as `MailFeedbackQueue`).
    pub async fn output_or_resource(&self, logical_id: &str, suffix: &str) -> Result<String, String> {
        let key = format!("{logical_id}{suffix}");
        match self.output(&key) {
            Ok(value) => Ok(value.to_owned()),
            Err(missing) => self.resource(logical_id).await.map_err(|error| format!("{missing}, and {error}")),
        }
    }
}

/// An AWS call's error in a line: the service's code and message (`QueueDoesNotExist: The specified queue does not
/// exist.`), else the error and its causes (a timeout, a refused connection).
pub fn aws_error<E: ProvideErrorMetadata + Error>(error: &E) -> String {
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => causes(error),
    }
}

/// An error and its causes, `: `-separated (a cause its parent already quotes once).
fn causes(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let line = error.to_string();
        if !text.ends_with(&line) {
            text = format!("{text}: {line}");
        }
        cause = error.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::samconfig_stack_name;

    #[test]
    fn the_stack_name_is_read_from_the_deploy_then_the_global_parameters() {
        assert_eq!(samconfig_stack_name(super::PROJECT_SAMCONFIG).as_deref(), Some("orders-pipeline"));
        let both = "version = 0.1\n[default.global.parameters]\nstack_name = \"global\"\n\n\
                    [ default.deploy.parameters ]  # sam deploy --guided\nstack_name = 'deployed' # here\n";
        assert_eq!(samconfig_stack_name(both).as_deref(), Some("deployed"));
        let other =
            "[staging.global.parameters]\nstack_name = \"staging\"\n[default.build.parameters]\ncached = true\n";
        assert_eq!(samconfig_stack_name(other), None);
        assert_eq!(samconfig_stack_name("[default.global.parameters]\nstack_name = \"\"\n"), None);
    }
}
