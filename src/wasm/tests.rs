//! The exports as JavaScript sees them, run in Node by `wasm-pack test --node`.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use super::api::{b24_error_class, bind_timeline, create_client, validate_bind_fields};

/// Evaluates a JavaScript expression; tests build hostile values this way.
fn js(expression: &str) -> JsValue {
    let body = ["return (", expression, ");"].concat();
    Function::new_no_args(&body)
        .call0(&JsValue::UNDEFINED)
        .expect("the test's own JavaScript is valid")
}

fn property(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn code_of(error: &JsValue) -> String {
    property(error, "code").as_string().unwrap_or_default()
}

async fn rejection(promise: Promise) -> JsValue {
    JsFuture::from(promise)
        .await
        .expect_err("the promise should reject")
}

fn is_b24_error(value: &JsValue) -> bool {
    let instance_of: Function =
        js("(value, B24Error) => value instanceof B24Error && value instanceof Error")
            .unchecked_into();
    instance_of
        .call2(&JsValue::UNDEFINED, value, &b24_error_class())
        .is_ok_and(|answer| answer == true)
}

#[wasm_bindgen_test]
fn validation_errors_are_b24_errors_with_the_first_field() {
    let error = validate_bind_fields(js("{ OWNER_ID: 0, ENTITY_ID: 'x', ENTITY_TYPE: 'deal' }"))
        .expect_err("zero is not an id");
    assert!(is_b24_error(&error));
    assert_eq!(code_of(&error), "OWNER_ID_INVALID");
    assert_eq!(property(&error, "field"), "OWNER_ID");
    assert_eq!(
        js_sys::Array::from(&property(&error, "details")).length(),
        2
    );
}

#[wasm_bindgen_test]
fn accepts_objects_without_a_prototype_and_refuses_class_instances() {
    let bare = js(
        "Object.assign(Object.create(null), { OWNER_ID: '7', ENTITY_ID: 8, ENTITY_TYPE: 'Lead' })",
    );
    let valid = validate_bind_fields(bare).expect("a bare object is plain");
    assert_eq!(property(&valid, "OWNER_ID"), 7.0);
    assert_eq!(property(&valid, "ENTITY_TYPE"), "lead");
    assert_eq!(
        Object::get_prototype_of(&valid),
        Object::get_prototype_of(&Object::new())
    );

    for input in [
        "new Map()",
        "[1110, 10, 'deal']",
        "new (class Fields { constructor() { this.OWNER_ID = 1; } })()",
        "null",
        "'fields'",
    ] {
        let error = validate_bind_fields(js(input)).expect_err(input);
        assert_eq!(code_of(&error), "ERROR_ARGUMENT", "{input}");
    }
}

#[wasm_bindgen_test]
fn throwing_getters_and_proxies_are_invalid_fields_not_crashes() {
    let getter =
        js("{ get OWNER_ID() { throw new Error('no'); }, ENTITY_ID: 1, ENTITY_TYPE: 'deal' }");
    assert_eq!(
        code_of(&validate_bind_fields(getter).unwrap_err()),
        "OWNER_ID_INVALID"
    );

    let proxy = js("new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } })");
    assert_eq!(
        code_of(&validate_bind_fields(proxy).unwrap_err()),
        "ERROR_ARGUMENT"
    );

    let valid = js("{ OWNER_ID: 1, ENTITY_ID: 2, ENTITY_TYPE: 'deal' }");
    assert!(
        validate_bind_fields(valid).is_ok(),
        "the module still works"
    );
}

#[wasm_bindgen_test]
fn create_client_throws_on_a_plain_http_portal() {
    let options = js("{ webhookUrl: 'http://portal.example.com/rest/1/secretcode/' }");
    let error = create_client(options)
        .err()
        .expect("plain http to a remote host");
    assert_eq!(code_of(&error), "INVALID_CONNECTION");
    let description = property(&error, "description")
        .as_string()
        .unwrap_or_default();
    assert!(!description.contains("secretcode"));
}

#[wasm_bindgen_test]
async fn binds_through_a_custom_fetch_and_reads_the_answer() {
    let options = js("{ webhookUrl: 'https://portal.example.com/rest/1/code/', \
           fetch: async (url, init) => { globalThis.seenByFetch = [url, init.method, init.body]; \
             return new Response('{\"result\":true,\"time\":{\"duration\":0.5}}'); } }");
    let fields = js("{ OWNER_ID: 1110, ENTITY_ID: '10', ENTITY_TYPE: 'DEAL' }");
    let result = JsFuture::from(bind_timeline(fields, options))
        .await
        .unwrap();
    assert_eq!(property(&result, "result"), true);
    assert_eq!(property(&property(&result, "time"), "duration"), 0.5);

    let request = js_sys::Array::from(&js("globalThis.seenByFetch"));
    assert_eq!(
        request.get(0),
        "https://portal.example.com/rest/1/code/crm.timeline.bindings.bind"
    );
    assert_eq!(request.get(1), "POST");
    assert_eq!(
        request.get(2),
        r#"{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}}"#
    );
}

#[wasm_bindgen_test]
async fn hostile_fetches_reject_with_b24_errors_and_the_next_call_works() {
    let cases = [
        ("() => { throw 'plain string'; }", "NETWORK_ERROR"),
        ("async () => { throw undefined; }", "NETWORK_ERROR"),
        ("async () => 42", "INVALID_RESPONSE"),
        (
            "async () => ({ status: '200', text: () => '{}' })",
            "INVALID_RESPONSE",
        ),
        (
            "async () => ({ status: 200, text: async () => 7 })",
            "INVALID_RESPONSE",
        ),
        (
            "async () => new Response('<html>', { status: 502 })",
            "INVALID_RESPONSE",
        ),
    ];
    for (fetch, expected) in cases {
        let options = js(&[
            "{ webhookUrl: 'https://p.example.com/rest/1/code/', fetch: ",
            fetch,
            " }",
        ]
        .concat());
        let fields = js("{ OWNER_ID: 1, ENTITY_ID: 2, ENTITY_TYPE: 'deal' }");
        let error = rejection(bind_timeline(fields, options)).await;
        assert!(is_b24_error(&error), "{fetch}");
        assert_eq!(code_of(&error), expected, "{fetch}");
    }
    let fine = js("{ OWNER_ID: 1, ENTITY_ID: 2, ENTITY_TYPE: 'deal' }");
    assert!(validate_bind_fields(fine).is_ok());
}

#[wasm_bindgen_test]
async fn many_calls_do_not_exhaust_the_allocator() {
    let options = js(
        "{ webhookUrl: 'https://p.example.com/rest/1/code/', \
           fetch: async () => new Response('{\"result\":true,\"time\":{\"date_start\":\"2024-04-03T10:26:32+02:00\"}}') }",
    );
    for round in 0..2_000 {
        let owner = [
            "{ OWNER_ID: ",
            &(round + 1).to_string(),
            ", ENTITY_ID: 2, ENTITY_TYPE: 'deal' }",
        ]
        .concat();
        let result = JsFuture::from(bind_timeline(js(&owner), options.clone()))
            .await
            .unwrap();
        assert_eq!(property(&result, "result"), true);
    }
}
