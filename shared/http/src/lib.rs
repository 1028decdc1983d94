//! The HTTP edge shared by the API functions: one error type mapped to `application/problem+json` (RFC 9457) in
//! one place, bearer-token and session-cookie authentication, JSON body checks and signed pagination cursors.

pub mod auth;
pub mod body;
pub mod cursor;
pub mod portal;
pub mod problem;
pub mod routes;
pub mod session;
pub mod views;
pub mod web;

pub use auth::Gatekeeper;
pub use body::{
    answer, bearer_token, check_if_match, etag, idempotency_key, if_match, is_xml, json_body, json_response,
    limit_param, no_body, parse_json, query_param, statuses_param, text_body,
};
pub use cursor::CursorSigner;
pub use portal::BuyerGate;
pub use problem::ApiError;
pub use routes::{dispatch, Call, Handler, Reply, Route};
