//! `orders-admin`: wiring only (see the library for the verbs).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut out = std::io::stdout();
    match orders_admin::run(std::env::args(), &mut out).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            std::process::ExitCode::FAILURE
        }
    }
}
