//! Validates any JSON object as binding fields and checks what comes back.
#![no_main]

use b24_timeline::error::{code, B24Error};
use b24_timeline::fields::{BindFields, ValidFields, MAX_ID};
use b24_timeline::value::Source;
use b24_timeline_fuzz::JsonObject;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some(object) = JsonObject::parse(bytes) else {
        return;
    };
    check(&object);

    // The documented request wraps the fields as `{"fields": {...}}`; seeds
    // in that shape then exercise the same rules on their inner object.
    if let Some(inner) = object.object("fields") {
        check(&inner);
    }
});

fn check(object: &JsonObject) {
    match BindFields::read(object).validate() {
        Ok(valid) => check_valid(&valid),
        Err(error) => check_error(&error),
    }
}

fn check_valid(valid: &ValidFields) {
    for id in [valid.owner_id, valid.entity_id] {
        assert!((1..=MAX_ID).contains(&id), "id {id} out of range");
    }
    let name = valid.entity_type.as_str();
    assert_eq!(name, name.to_lowercase(), "entity type sent in mixed case");
}

fn check_error(error: &B24Error) {
    assert!(
        error.code.ends_with("_INVALID") || error.code == code::ERROR_ARGUMENT,
        "unexpected code {}",
        error.code
    );
    let first = error.details.first().expect("a field error lists no field");
    assert_eq!(
        error.field,
        Some(first.field),
        "field is not the first listed"
    );
    assert_eq!(error.code, first.code, "code is not the first field's");
}
