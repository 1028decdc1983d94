//! The emulator's fault switchboard (scripts/devstack_faults.py), scoped to one test stack: every function of a
//! stack signs its requests as `{stack}.{function}`, so a rule here strikes this stack's (or one of its
//! functions') requests and never another test's.

use serde_json::{json, Value};

use crate::TestStack;

/// Rules of one stack (or one function of it) on the emulator's switchboard.
#[derive(Debug, Clone)]
pub struct Faults {
    http: reqwest::Client,
    url: String,
    principal: String,
}

impl Faults {
    /// Adds `rule` (see scripts/devstack_faults.py for its fields) scoped to this stack or function; its id.
    pub async fn inject(&self, mut rule: Value) -> String {
        rule["principal"] = json!(self.principal);
        let answer: Value = self
            .http
            .post(&self.url)
            .json(&json!({ "rules": [rule] }))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap_or_else(|e| panic!("the fault switchboard refused a rule: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("the fault switchboard's answer: {e}"));
        answer["ids"][0].as_str().unwrap_or_else(|| panic!("no rule id in {answer}")).to_owned()
    }

    /// Every rule of this scope, with how often it matched (`matched`) and struck (`struck`).
    pub async fn rules(&self) -> Vec<Value> {
        let answer: Value = self
            .http
            .get(&self.url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the fault switchboard: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("the fault switchboard's answer: {e}"));
        answer["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|rule| rule["principal"].as_str().is_some_and(|p| p.starts_with(&self.principal)))
            .cloned()
            .collect()
    }

    /// How often rule `id` struck.
    pub async fn struck(&self, id: &str) -> u64 {
        self.rules().await.iter().find(|rule| rule["id"] == id).and_then(|rule| rule["struck"].as_u64()).unwrap_or(0)
    }

    /// Adds how often each rule of `names` (its id → a name) struck to `counts`, then removes every rule.
    pub async fn clear_counted(
        &self,
        names: &std::collections::BTreeMap<String, String>,
        counts: &mut std::collections::BTreeMap<String, u64>,
    ) {
        for rule in self.rules().await {
            if let Some(name) = rule["id"].as_str().and_then(|id| names.get(id)) {
                *counts.entry(name.clone()).or_default() += rule["struck"].as_u64().unwrap_or(0);
            }
        }
        self.clear().await;
    }

    /// Removes every rule of this scope: AWS behaves again.
    pub async fn clear(&self) {
        self.http
            .delete(&self.url)
            .query(&[("principal", &self.principal)])
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap_or_else(|e| panic!("the fault switchboard: {e}"));
    }
}

impl TestStack {
    /// The fault switchboard for this stack's requests.
    pub fn faults(&self) -> Faults {
        // The dot keeps stack `t-1` from matching stack `t-12`'s functions.
        self.faults_of(&format!("{}.", self.stack.template.stack_name))
    }

    /// The fault switchboard for the requests of one function (`BillingFunction`) of this stack.
    pub fn function_faults(&self, function: &str) -> Faults {
        self.faults_of(&self.stack.principal(function))
    }

    fn faults_of(&self, principal: &str) -> Faults {
        Faults {
            http: self.http.clone(),
            url: format!("{}/_devstack/faults", self.stack.aws.endpoint),
            principal: principal.to_owned(),
        }
    }
}
