//! The verbs that run a use case of the pipeline on the stack: a seller's settings replaced (`tenant update`), the
//! relay once (`relay`), a day's reports (`report`), a signing secret rotated (`secrets rotate`).

use std::io::Write;
use std::path::Path;

use time::{Date, OffsetDateTime};

use orders_app::relay::{Relay, RelayConfig, RelayReport};
use orders_app::reports::{Reporting, ReportingConfig};
use orders_aws::{Settings as _, Store};
use orders_domain::admin::{changed_settings, parse_tenant};
use orders_domain::ids::TenantId;

use crate::target::Target;

/// `RELAY_AFTER_SECONDS` of the relay function in infra/template.yaml: how old a "publish pending" mark must be.
pub const RELAY_AFTER_SECONDS: u64 = 120;

/// `YYYY-MM-DD`.
const DAY: &[time::format_description::FormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

/// Who the settings' history says made a change: `admin:<user>` (`$USER`, else `operator-cli`).
pub fn actor() -> String {
    let user = std::env::var("USER").ok().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    format!("admin:{}", user.as_deref().unwrap_or("operator-cli"))
}

/// Replaces an existing seller's settings with those of `file` (the rules of `tenant create`), kept in the settings'
/// history as a change by [`actor`] — as the back office's `PUT /v1/settings` keeps a seller's own; what it did.
pub async fn update_tenant(store: &Store, file: &Path, now: OffsetDateTime) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let after = parse_tenant(&text).map_err(|e| crate::problems(&file.display().to_string(), e))?;
    let tenant = &after.tenant;
    let (before, version) = store
        .versioned_tenant(tenant)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no tenant {tenant}: `tenant create --file {}` creates it", file.display()))?;
    let changed = changed_settings(&before, &after);
    if changed.is_empty() {
        return Ok(format!("tenant {tenant} unchanged: {} is what its settings are", file.display()));
    }
    let by = actor();
    if !store.replace_settings(&after, version, &by, &changed, now).await.map_err(|e| e.to_string())? {
        return Err(format!(
            "the settings of tenant {tenant} changed meanwhile (they were at version {version}): nothing written; run \
             the update again"
        ));
    }
    Ok(format!("updated tenant {tenant} (settings version {}): {}", version + 1, changed.join(", ")))
}

/// Runs the relay once, now, as its function does every minute: every event whose "publish pending" mark is older
/// than `older_than` seconds (default [`RELAY_AFTER_SECONDS`]) goes to its stage's queue again, and the emails left
/// unsent are sent.
pub async fn relay(target: &Target, older_than: Option<u64>) -> Result<RelayReport, String> {
    let where_ = target.describe();
    let mut env = target.relay_environment().await?;
    env.push(("RELAY_AFTER_SECONDS", older_than.unwrap_or(RELAY_AFTER_SECONDS).to_string()));
    let config = RelayConfig::from_vars(|name| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
        .map_err(|e| format!("cannot set the relay up for {where_}: {} is missing or not valid", e.0))?;
    let sdk = &target.sdk;
    let relay = Relay::new(
        &config,
        orders_aws::dynamodb_client(sdk),
        orders_aws::sqs_client(sdk),
        orders_aws::ses_client(sdk),
        &orders_aws::secrets_client(sdk),
    );
    relay.run_once(OffsetDateTime::now_utc()).await.map_err(|e| format!("the relay on {where_}: {e}"))
}

/// Writes the reports of `date` (default yesterday, UTC, as the schedule) for `tenant`, or for every tenant one after
/// the other, to the stack's exports bucket as the reporting function does for one tenant's day; prints every key
/// written to `out`.
pub async fn report(
    target: &Target,
    date: Option<&str>,
    tenant: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let date = match date {
        Some(text) => Date::parse(text, DAY).map_err(|_| format!("--date {text:?} is not a day: YYYY-MM-DD"))?,
        None => OffsetDateTime::now_utc().date().previous_day().ok_or("no day before today")?,
    };
    let where_ = target.describe();
    let config = ReportingConfig {
        table_name: target.table().await?,
        exports_bucket: target.exports_bucket().await?,
        reporting_queue_url: None,
    };
    let app = Reporting::new(&config, orders_aws::dynamodb_client(&target.sdk), orders_aws::s3_client(&target.sdk));
    let tenants = match tenant {
        Some(text) => {
            let id = crate::tenant_id(text)?;
            let found = app.store().get_tenant(&id).await.map_err(|e| format!("{where_}: {e}"))?;
            found.ok_or(format!("no tenant {id}"))?;
            vec![id]
        }
        None => app.store().list_tenants().await.map_err(|e| format!("{where_}: {e}"))?,
    };
    let mut failed: Vec<TenantId> = Vec::new();
    for tenant in tenants {
        match orders_app::reports::daily::run_day(&app, &tenant, date).await {
            Ok(run) => {
                for report in &run.reports {
                    for file in &report.files {
                        writeln!(out, "{}", file.key).map_err(|e| e.to_string())?;
                    }
                    writeln!(out, "{}", report.manifest).map_err(|e| e.to_string())?;
                }
                writeln!(out, "{}", run.index).map_err(|e| e.to_string())?;
                eprintln!("{} reports of {tenant} for {date} written (run {})", run.reports.len(), run.run);
            }
            Err(error) => {
                eprintln!(
                    "the reports of {tenant} for {date} failed (bucket {} of {where_}): {error}",
                    config.exports_bucket
                );
                failed.push(tenant);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        let names: Vec<String> = failed.iter().map(ToString::to_string).collect();
        Err(format!("the reports for {date} failed for {} tenant(s): {}", failed.len(), names.join(", ")))
    }
}

/// Rotates the stack's signing secret `purpose`; what it did.
pub async fn rotate_secret(target: &Target, purpose: &str) -> Result<String, String> {
    let names: Vec<&str> = orders_aws::SecretPurpose::ALL.iter().map(|p| p.as_str()).collect();
    let purpose = orders_aws::SecretPurpose::parse(purpose)
        .ok_or_else(|| format!("no secret {purpose:?}: the signing secrets are {}", names.join(", ")))?;
    let secret_id = target.secret_id(purpose).await?;
    let client = orders_aws::secrets_client(&target.sdk);
    let rotation = orders_aws::rotate_secret(&client, &secret_id)
        .await
        .map_err(|e| format!("secret {secret_id} of {}: {e}", target.describe()))?;
    Ok(format!(
        "{}: key {} signs from now on; {} is still accepted until the next rotation (functions read it within 5 \
         minutes)",
        purpose.as_str(),
        rotation.current_kid,
        rotation.previous_kid
    ))
}

#[cfg(test)]
mod tests {
    use crate::target::tests::resource_lines;

    #[test]
    fn the_relays_threshold_is_the_templates() {
        let relay = resource_lines("RelayFunction");
        let threshold = format!("RELAY_AFTER_SECONDS: \"{}\"", super::RELAY_AFTER_SECONDS);
        assert!(relay.iter().any(|line| line.trim() == threshold), "{relay:?}");
    }

    #[test]
    fn the_relays_environment_is_the_one_the_target_builds() {
        // Target::relay_environment gives these, and the portal is the API's URL with /portal (the output ApiUrl).
        let relay = resource_lines("RelayFunction");
        let mut names: Vec<&str> = relay
            .iter()
            .skip_while(|line| line.trim() != "Variables:")
            .skip(1)
            .take_while(|line| line.starts_with("          "))
            .filter_map(|line| line.trim().split_once(':').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "BUYER_LINK_SECRET_ARN",
                "CONFIRMATION_QUEUE_URL",
                "INVOICING_QUEUE_URL",
                "MAIL_CONFIGURATION_SET",
                "PORTAL_URL",
                "RELAY_AFTER_SECONDS",
                "SENDER_EMAIL",
                "SHIPMENT_QUEUE_URL",
                "TABLE_NAME"
            ]
        );
        let api = "https://${OrdersHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}";
        assert!(relay.iter().any(|line| line.trim() == format!("PORTAL_URL: !Sub \"{api}/portal\"")), "{relay:?}");
        let output = resource_lines("ApiUrl");
        assert!(output.iter().any(|line| line.trim() == format!("Value: !Sub \"{api}\"")), "{output:?}");
    }

    #[test]
    fn the_actor_is_an_admin() {
        assert!(super::actor().starts_with("admin:"));
    }
}
