//! The moto server (through scripts/moto_server.py, which serialises DynamoDB calls): run with the project's
//! venv, started on a free loopback port, stopped with us.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A running moto server owned by this process (killed when dropped).
#[derive(Debug)]
pub struct Emulator {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    child: Child,
}

/// The emulator could not be started.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// `moto_server` is not installed.
    #[error("{0} not found: run `make dev` or `make emulator` to install moto into .local/venv")]
    NotInstalled(String),
    /// Starting or reaching it failed.
    #[error("moto server: {0}")]
    Start(String),
}

/// The venv's Python, which has `moto[server]` installed.
pub fn venv_python(project_root: &Path) -> PathBuf {
    project_root.join(".local/venv/bin/python")
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Emulator {
    /// Starts moto on a free port and waits until it answers (≤ 20 s).
    pub async fn start(project_root: &Path) -> Result<Self, EmulatorError> {
        let binary = venv_python(project_root);
        let launcher = project_root.join("scripts/moto_server.py");
        if !binary.exists() {
            return Err(EmulatorError::NotInstalled(binary.display().to_string()));
        }
        let port = free_port().map_err(|e| EmulatorError::Start(e.to_string()))?;
        let log_path = project_root.join(".local/moto.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| EmulatorError::Start(format!("{}: {e}", log_path.display())))?;
        let log_err = log.try_clone().map_err(|e| EmulatorError::Start(e.to_string()))?;
        let child = Command::new(&binary)
            .arg(&launcher)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| EmulatorError::Start(format!("{}: {e}", binary.display())))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        wait_until_ready(&endpoint, Duration::from_secs(20)).await?;
        Ok(Self { endpoint, child })
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Waits until `GET {endpoint}/moto-api/` answers.
pub async fn wait_until_ready(endpoint: &str, timeout: Duration) -> Result<(), EmulatorError> {
    let address = endpoint.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(&address).await.is_ok() {
            return Ok(());
        }
        if started.elapsed() > timeout {
            return Err(EmulatorError::Start(format!(
                "no answer from {endpoint} within {timeout:?}; see .local/moto.log"
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
