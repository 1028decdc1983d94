//! Emails the emulator's SES accepted, read from moto's sent-mail store (through scripts/moto_server.py), and
//! written to `.local/mail/*.eml` so a person can open them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// One email SES accepted.
#[derive(Debug, Clone, Deserialize)]
pub struct SentEmail {
    /// SES message id.
    pub id: String,
    /// Envelope recipients.
    pub destinations: Vec<String>,
    /// The whole MIME message.
    pub raw_data: String,
}

impl SentEmail {
    /// A header's value (unfolded), e.g. `Subject` or `Message-ID`.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw_data.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(current) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    current.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((key, rest)) = line.split_once(':') {
                if key.eq_ignore_ascii_case(name) {
                    value = Some(rest.trim().to_owned());
                }
            }
        }
        value
    }
}

/// Emails accepted by the emulator at `endpoint`, skipping the first `after`.
pub async fn sent_emails(endpoint: &str, after: usize) -> Result<Vec<SentEmail>, String> {
    let url = format!("{endpoint}/_devstack/ses/raw-messages?after={after}");
    let response = reqwest::get(&url).await.map_err(|e| format!("{url}: {e}"))?;
    response.json().await.map_err(|e| format!("{url}: {e}"))
}

fn file_name(index: usize, email: &SentEmail) -> String {
    // Our Message-IDs are `<{order id}.{kind}.{event}@domain>`: name the file after order and kind.
    let id = email.header("Message-ID").unwrap_or_default();
    let id = id.trim_start_matches('<').split('@').next().unwrap_or_default();
    let mut parts = id.split('.');
    let label = match (parts.next(), parts.next()) {
        (Some(order), Some(kind)) => format!("{order}-{kind}"),
        _ => email.id.clone(),
    };
    let safe: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("{index:04}-{safe}.eml")
}

/// Copies every new email to `dir` every second, until the task is aborted.
pub fn spawn_mail_drop(endpoint: String, dir: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = 0;
        loop {
            match sent_emails(&endpoint, seen).await {
                Ok(emails) => {
                    for email in emails {
                        seen += 1;
                        let path = dir.join(file_name(seen, &email));
                        if let Err(error) = write(&path, &email) {
                            tracing::warn!(path = %path.display(), %error, "cannot write email");
                        } else {
                            tracing::info!(to = ?email.destinations, path = %path.display(), "email");
                        }
                    }
                }
                Err(error) => tracing::debug!(%error, "reading sent emails"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

fn write(path: &Path, email: &SentEmail) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, email.raw_data.as_bytes())
}
