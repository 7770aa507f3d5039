//! The request to send: the endpoint, the headers and the JSON body, built from checked parts.

use crate::connection::Connection;
use crate::fields::ValidFields;

/// The REST method that binds a timeline record to a CRM entity.
pub const BIND_METHOD: &str = "crm.timeline.bindings.bind";

/// The headers every call carries.
pub const HEADERS: [(&str, &str); 2] = [
    ("Content-Type", "application/json"),
    ("Accept", "application/json"),
];

/// A `POST` request ready for a transport.
#[derive(Debug, PartialEq)]
pub struct Request {
    /// Where to send it. For webhooks it holds the webhook code: never show it.
    pub url: String,
    /// The JSON body. For OAuth it holds the access token: never show it.
    pub body: String,
}

/// A method's parameters, written as the members of the JSON body.
///
/// The body is written here rather than by a serialiser: it has a fixed,
/// tiny shape, and every byte of serialiser code ships to the browser.
pub trait Params {
    /// Appends `"name":value` members, separated by commas, without braces.
    fn write_members(&self, out: &mut String);
}

/// The parameters of [`BIND_METHOD`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BindParams {
    /// The binding's fields.
    pub fields: ValidFields,
}

impl Params for BindParams {
    fn write_members(&self, out: &mut String) {
        let fields = &self.fields;
        out.push_str(r#""fields":{"OWNER_ID":"#);
        push_integer(out, fields.owner_id);
        out.push_str(r#","ENTITY_ID":"#);
        push_integer(out, fields.entity_id);
        out.push_str(r#","ENTITY_TYPE":"#);
        push_string(out, fields.entity_type.as_str());
        out.push('}');
    }
}

/// Parameters already written as a JSON object by [`params_json`], as the
/// bulk module writes a `batch`; their members go into the body as they are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JsonParams<'a>(pub &'a str);

impl Params for JsonParams<'_> {
    fn write_members(&self, out: &mut String) {
        let members = self
            .0
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'));
        out.push_str(members.unwrap_or_default());
    }
}

/// `params` as a JSON object, for clients that take the parameters as an
/// object (the official SDK, `BX24`) rather than a body.
pub fn params_json(params: &impl Params) -> String {
    let mut json = String::from("{");
    params.write_members(&mut json);
    json.push('}');
    json
}

/// A call of `method` with `params` over `connection`; OAuth adds the
/// access token to the body as `auth`, never to the URL.
pub fn request(connection: &Connection, method: &str, params: &impl Params) -> Request {
    let mut body = String::from("{");
    params.write_members(&mut body);
    if let Some(token) = connection.body_auth() {
        if body.len() > 1 {
            body.push(',');
        }
        body.push_str(r#""auth":"#);
        push_string(&mut body, token);
    }
    body.push('}');
    Request {
        url: connection.endpoint(method),
        body,
    }
}

/// The request that binds `fields` over `connection`.
pub fn bind_request(connection: &Connection, fields: ValidFields) -> Request {
    request(connection, BIND_METHOD, &BindParams { fields })
}

/// Appends `number` in decimal.
pub fn push_integer(out: &mut String, number: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = number;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

/// Appends `text` as a JSON string literal.
pub fn push_string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            control if u32::from(control) < 0x20 => {
                let code = u32::from(control) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[code >> 4]));
                out.push(char::from(HEX[code & 0xf]));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{EntityType, MAX_ID};

    fn example_fields() -> ValidFields {
        ValidFields {
            owner_id: 1110,
            entity_id: 10,
            entity_type: EntityType::Deal,
        }
    }

    #[test]
    fn webhook_body_is_the_documented_json() {
        let connection = Connection::webhook("https://portal.example.com/rest/1/code/").unwrap();
        let request = bind_request(&connection, example_fields());
        assert_eq!(
            request.url,
            "https://portal.example.com/rest/1/code/crm.timeline.bindings.bind"
        );
        assert_eq!(
            request.body,
            r#"{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}}"#
        );
    }

    #[test]
    fn oauth_body_carries_the_token_and_the_url_does_not() {
        let connection = Connection::oauth("https://portal.example.com", "tok\"en\\1").unwrap();
        let request = bind_request(&connection, example_fields());
        assert_eq!(
            request.url,
            "https://portal.example.com/rest/crm.timeline.bindings.bind"
        );
        let parsed: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(parsed["auth"], "tok\"en\\1");
        assert_eq!(parsed["fields"]["OWNER_ID"], 1110);
    }

    #[test]
    fn prewritten_params_go_into_the_body_as_they_are() {
        let oauth = Connection::oauth("https://portal.example.com", "token").unwrap();
        let batch = request(
            &oauth,
            "batch",
            &JsonParams(r#"{"halt":0,"cmd":{"b0":"x?a=1"}}"#),
        );
        assert_eq!(batch.url, "https://portal.example.com/rest/batch");
        assert_eq!(
            batch.body,
            r#"{"halt":0,"cmd":{"b0":"x?a=1"},"auth":"token"}"#
        );
        let empty = request(&oauth, "batch", &JsonParams("{}"));
        assert_eq!(empty.body, r#"{"auth":"token"}"#);
    }

    #[test]
    fn params_alone_are_the_fields_object() {
        let json = params_json(&BindParams {
            fields: example_fields(),
        });
        assert_eq!(
            json,
            r#"{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}}"#
        );
    }

    #[test]
    fn writes_integers_up_to_the_largest_id() {
        for number in [0, 7, 10, 1110, 4_294_967_296, MAX_ID, u64::MAX] {
            let mut out = String::new();
            push_integer(&mut out, number);
            assert_eq!(out, number.to_string());
        }
    }

    #[test]
    fn escapes_what_json_strings_require() {
        let text = "quote\" backslash\\ newline\n nul\0 tab\t unicode é ✓";
        let mut out = String::new();
        push_string(&mut out, text);
        let parsed: String = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, text);
        assert!(out.contains("\\u0000"));
    }
}
