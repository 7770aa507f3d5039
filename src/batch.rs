//! Bulk binding through `batch`: the commands in bracket notation, and each
//! command's answer matched back to its item.

use crate::error::{code, B24Error};
use crate::fields::ValidFields;
use crate::request::{params_json, push_integer, push_string, BindParams, Params, BIND_METHOD};
use crate::response::{read_error, read_error_at, NOT_THE_METHODS_JSON};
use crate::value::{Source, Value};

/// The REST method that runs several commands in one request.
pub const BATCH_METHOD: &str = "batch";

/// The most commands one `batch` request may carry.
pub const MAX_COMMANDS: usize = 50;

/// A `batch` of bindings, run without halting at the first failure. Command
/// `i` is keyed `b{i}`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchParams<'a> {
    /// The fields of each command, in order.
    pub commands: &'a [ValidFields],
}

/// What one command of a `batch` came to.
#[derive(Clone, Debug, PartialEq)]
pub enum CommandOutcome {
    /// The portal answered the command with this `result`.
    Bound(bool),
    /// The command failed.
    Failed(B24Error),
}

impl Params for BatchParams<'_> {
    fn write_members(&self, out: &mut String) {
        out.push_str(r#""halt":0,"cmd":{"#);
        for (index, fields) in self.commands.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(&command_key(index));
            out.push_str("\":");
            push_string(out, &command(fields));
        }
        out.push('}');
    }
}

/// The same bindings as named calls for a client's own batch support
/// (`$b24.actions.v2.batch.make`, `BX24.callBatch`): an object of
/// `{ method, params }` under the keys [`BatchParams`] uses, so the answer
/// matches back the same way.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedCalls<'a> {
    /// The fields of each call, in order.
    pub commands: &'a [ValidFields],
}

impl Params for NamedCalls<'_> {
    fn write_members(&self, out: &mut String) {
        for (index, fields) in self.commands.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(&command_key(index));
            out.push_str(r#"":{"method":"#);
            push_string(out, BIND_METHOD);
            out.push_str(r#","params":"#);
            out.push_str(&params_json(&BindParams { fields: *fields }));
            out.push('}');
        }
    }
}

/// The key of command `index`.
pub fn command_key(index: usize) -> String {
    let mut key = String::from("b");
    push_integer(&mut key, index as u64);
    key
}

/// One binding as a `batch` command: the method, `?`, and its parameters as a
/// URL query in bracket notation, every value percent-encoded.
pub fn command(fields: &ValidFields) -> String {
    let mut owner_id = String::new();
    push_integer(&mut owner_id, fields.owner_id);
    let mut entity_id = String::new();
    push_integer(&mut entity_id, fields.entity_id);

    let mut command = String::from(BIND_METHOD);
    for (index, (key, value)) in [
        ("fields[OWNER_ID]", owner_id.as_str()),
        ("fields[ENTITY_ID]", entity_id.as_str()),
        ("fields[ENTITY_TYPE]", fields.entity_type.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        command.push(if index == 0 { '?' } else { '&' });
        push_query_component(&mut command, key);
        command.push('=');
        push_query_component(&mut command, value);
    }
    command
}

/// Appends `text` percent-encoded for a URL query, keeping the unreserved
/// characters and the brackets of the notation readable.
pub fn push_query_component(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-_.~[]".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}

/// Reads the answer to a `batch` of `count` commands.
///
/// Fails as a whole when the request itself failed (the portal's error, or
/// an answer of another shape); otherwise gives one outcome per command, in
/// order.
pub fn read_batch_answer<S: Source>(
    status: u16,
    body: Option<&S>,
    count: usize,
) -> Result<Vec<CommandOutcome>, B24Error> {
    read_batch_envelope(status, body).map(|answer| read_commands(&answer, count))
}

/// The `result` section of a `batch` answer, or the error that failed the
/// request as a whole: the portal's, or `INVALID_RESPONSE` for an answer of
/// another shape. The package's entry module retries on this error; the bulk
/// module reads the section with [`read_commands`].
pub fn read_batch_envelope<S: Source>(status: u16, body: Option<&S>) -> Result<S, B24Error> {
    let whole = |status| B24Error::new(code::INVALID_RESPONSE, NOT_THE_METHODS_JSON, Some(status));
    let Some(body) = body else {
        return Err(whole(status));
    };
    if let Some(error) = read_error(status, body) {
        return Err(error);
    }
    body.object("result")
        .filter(|_| (200..300).contains(&status))
        .ok_or_else(|| whole(status))
}

/// One outcome per command of a `batch` answer's `result` section, matched
/// by key. Empty sections may come as `[]`. A command's error is classified
/// as for a single call; a command missing from the answer is
/// `INVALID_RESPONSE`.
pub fn read_commands<S: Source>(answer: &S, count: usize) -> Vec<CommandOutcome> {
    let results = answer.object("result");
    let errors = answer.object("result_error");
    (0..count)
        .map(|index| {
            let key = command_key(index);
            let error = errors.as_ref().and_then(|errors| errors.object(&key));
            if let Some(error) = error.and_then(|error| read_error_at(None, &error)) {
                return CommandOutcome::Failed(error);
            }
            match results.as_ref().map(|results| results.get(&key)) {
                Some(Value::Bool(bound)) => CommandOutcome::Bound(bound),
                _ => CommandOutcome::Failed(B24Error::new(
                    code::INVALID_RESPONSE,
                    "The batch answer has no result for this item.",
                    None,
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::fields::EntityType;
    use crate::request::params_json;
    use crate::value::json::JsonSource;

    fn fields(owner_id: u64, entity_id: u64, entity_type: EntityType) -> ValidFields {
        ValidFields {
            owner_id,
            entity_id,
            entity_type,
        }
    }

    #[test]
    fn encodes_each_binding_as_a_bracket_notation_command() {
        let command = command(&fields(1110, 10, EntityType::Deal));
        assert_eq!(
            command,
            "crm.timeline.bindings.bind?fields[OWNER_ID]=1110&fields[ENTITY_ID]=10&fields[ENTITY_TYPE]=deal"
        );
    }

    #[test]
    fn percent_encodes_what_a_query_cannot_carry() {
        let mut out = String::new();
        push_query_component(&mut out, "a b&c=d/é[x]~");
        assert_eq!(out, "a%20b%26c%3Dd%2F%C3%A9[x]~");
    }

    #[test]
    fn writes_the_batch_body_with_keys_in_order_and_no_halt() {
        let commands = [
            fields(1, 2, EntityType::Lead),
            fields(3, 4, EntityType::Order),
        ];
        let json = params_json(&BatchParams {
            commands: &commands,
        });
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["halt"], 0);
        assert_eq!(
            parsed["cmd"]["b1"],
            "crm.timeline.bindings.bind?fields[OWNER_ID]=3&fields[ENTITY_ID]=4&fields[ENTITY_TYPE]=order"
        );
        let keys: Vec<_> = parsed["cmd"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["b0", "b1"]);
    }

    #[test]
    fn writes_named_calls_for_a_clients_own_batch_support() {
        let commands = [
            fields(1, 2, EntityType::Lead),
            fields(3, 4, EntityType::Company),
        ];
        let json = params_json(&NamedCalls {
            commands: &commands,
        });
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({
                "b0": {"method": "crm.timeline.bindings.bind",
                       "params": {"fields": {"OWNER_ID": 1, "ENTITY_ID": 2, "ENTITY_TYPE": "lead"}}},
                "b1": {"method": "crm.timeline.bindings.bind",
                       "params": {"fields": {"OWNER_ID": 3, "ENTITY_ID": 4, "ENTITY_TYPE": "company"}}},
            })
        );
    }

    fn answer(status: u16, body: &str, count: usize) -> Result<Vec<CommandOutcome>, B24Error> {
        read_batch_answer(status, JsonSource::parse(body).as_ref(), count)
    }

    #[test]
    fn matches_results_and_errors_back_to_their_commands() {
        let body = r#"{"result":{
            "result":{"b0":true,"b2":false},
            "result_error":{"b1":{"error":"","error_description":"OWNER_ID is not defined or invalid."},
                            "b3":{"error":"INTERNAL_SERVER_ERROR","error_description":"Internal server error"}},
            "result_total":[],"result_next":[],"result_time":{"b0":{"start":1}}},
            "time":{"start":1}}"#;
        let outcomes = answer(200, body, 5).unwrap();
        assert_eq!(outcomes[0], CommandOutcome::Bound(true));
        assert_eq!(outcomes[2], CommandOutcome::Bound(false));
        let CommandOutcome::Failed(owner) = &outcomes[1] else {
            panic!("b1 failed")
        };
        assert_eq!(
            (owner.code.as_ref(), owner.kind, owner.status),
            ("OWNER_ID_INVALID", ErrorKind::Validation, None)
        );
        let CommandOutcome::Failed(server) = &outcomes[3] else {
            panic!("b3 failed")
        };
        assert_eq!(
            (server.code.as_ref(), server.retryable),
            ("INTERNAL_SERVER_ERROR", true)
        );
        let CommandOutcome::Failed(missing) = &outcomes[4] else {
            panic!("b4 is missing")
        };
        assert_eq!(missing.code, "INVALID_RESPONSE");
    }

    #[test]
    fn reads_empty_sections_given_as_arrays() {
        let all_bound = r#"{"result":{"result":{"b0":true},"result_error":[],"result_total":[],"result_next":[],"result_time":[]}}"#;
        assert_eq!(
            answer(200, all_bound, 1).unwrap(),
            [CommandOutcome::Bound(true)]
        );
        let all_failed = r#"{"result":{"result":[],"result_error":{"b0":{"error":"","error_description":"Access denied."}},"result_time":[]}}"#;
        let outcomes = answer(200, all_failed, 1).unwrap();
        assert!(
            matches!(&outcomes[0], CommandOutcome::Failed(error) if error.code == "ACCESS_DENIED")
        );
    }

    #[test]
    fn fails_as_a_whole_when_the_request_failed() {
        let limited = answer(
            503,
            r#"{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}"#,
            3,
        );
        assert_eq!(limited.unwrap_err().code, "QUERY_LIMIT_EXCEEDED");
        assert_eq!(
            answer(200, "<html>", 3).unwrap_err().code,
            "INVALID_RESPONSE"
        );
        assert_eq!(
            answer(200, r#"{"result":true}"#, 3).unwrap_err().code,
            "INVALID_RESPONSE"
        );
        assert!(
            answer(502, r#"{"result":{"result":[]}}"#, 3)
                .unwrap_err()
                .retryable
        );
    }
}
