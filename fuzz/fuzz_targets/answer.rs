//! Reads any status and body as the answer to a binding call.
#![no_main]

use b24_timeline::response::read_bind_answer;
use b24_timeline_fuzz::JsonObject;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let [high, low, body @ ..] = bytes else {
        return;
    };
    let status = u16::from_be_bytes([*high, *low]);
    let body = JsonObject::parse(body);

    match read_bind_answer(status, body.as_ref()) {
        Ok(_) => assert!(
            (200..300).contains(&status),
            "resolved with status {status}"
        ),
        Err(error) => {
            assert!(!error.code.is_empty(), "empty code");
            assert_eq!(error.status, Some(status), "status not carried over");
        }
    }
});
