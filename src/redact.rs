//! Last line of defence for the password: every message hotidx prints on an error path passes
//! through [`scrub`], which removes any known secret, raw or percent-encoded.

use std::sync::Mutex;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers the secrets in a connection URL and in `PGPASSWORD`.
pub fn remember_from(url: Option<&str>) {
    let mut found = Vec::new();
    if let Some(password) = url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.password().map(String::from))
    {
        let decoded = url::form_urlencoded::parse(format!("p={password}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned());
        found.push(password);
        found.extend(decoded);
    }
    found.extend(std::env::var("PGPASSWORD").ok());
    if let Ok(mut secrets) = SECRETS.lock() {
        secrets.extend(found.into_iter().filter(|s| s.len() >= 3));
    }
}

pub fn scrub(text: &str) -> String {
    let mut text = text.to_string();
    if let Ok(secrets) = SECRETS.lock() {
        for secret in secrets.iter() {
            text = text.replace(secret.as_str(), "********");
        }
    }
    text
}
