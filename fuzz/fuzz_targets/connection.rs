//! Checks any webhook URL, and any portal URL with a token, for leaks and bad endpoints.
#![no_main]

use std::borrow::Cow;

use b24_timeline::connection::Connection;
use b24_timeline::error::B24Error;
use libfuzzer_sys::fuzz_target;

/// Shorter inputs turn up inside ordinary words of any sentence, so finding
/// one in a description says nothing about a leak.
const SHORTEST_SECRET: usize = 8;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let (url, token) = text.split_once('\n').unwrap_or((&text, ""));
    let code = last_segment(url);

    match Connection::webhook(url) {
        Ok(connection) => check_connection(&connection),
        Err(error) => check_quotes_none(&error, &[code]),
    }
    match Connection::oauth(url, token) {
        Ok(connection) => check_connection(&connection),
        Err(error) => check_quotes_none(&error, &[code, token]),
    }
});

/// Where a webhook URL keeps its code: the last part of the path.
fn last_segment(url: &str) -> &str {
    let trimmed = url.trim_end_matches('/');
    trimmed.rsplit_once('/').map_or(trimmed, |(_, last)| last)
}

fn check_quotes_none(error: &B24Error, inputs: &[&str]) {
    // Text compiled into the crate cannot quote the input, whatever it reads:
    // a token such as `https://` is part of the crate's own advice. Only a
    // description built at run time can carry what the caller passed.
    let Cow::Owned(description) = &error.description else {
        return;
    };
    for input in inputs {
        if input.chars().count() >= SHORTEST_SECRET {
            assert!(
                !description.contains(input),
                "description {description:?} quotes {input:?}"
            );
        }
    }
}

fn check_connection(connection: &Connection) {
    let endpoint = connection.endpoint("m");
    assert!(
        endpoint.starts_with("https://") || endpoint.starts_with("http://"),
        "endpoint {endpoint:?} is not http(s)"
    );
    assert!(
        !endpoint.contains(['?', '#']),
        "endpoint {endpoint:?} has a query or fragment"
    );

    // The marker that replaces the secret may itself contain it (a webhook
    // code `t` or `red`), so the secret must be gone from the text between
    // markers, which is all that is left of the endpoint's own bytes.
    let secret = connection.secret();
    let marker = connection.redact(secret);
    let redacted = connection.redact(&endpoint);
    assert!(
        redacted
            .split(marker.as_str())
            .all(|kept| !kept.contains(secret)),
        "{secret:?} survives in {redacted:?}"
    );
}
