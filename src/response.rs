//! A portal's answer, already parsed as JSON, turned into a result or a [`B24Error`].

use std::borrow::Cow;

use serde::Serialize;

use crate::error::{code, B24Error};
use crate::fields::Field;
use crate::value::{Source, Value};

/// Timing the portal reports with every answer; portals differ in which
/// fields they send, so each is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ResponseTime {
    /// When the portal started the request, in unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub start: Option<f64>,
    /// When it finished, in unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub finish: Option<f64>,
    /// Total time on the portal, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub duration: Option<f64>,
    /// Time spent in the method itself, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub processing: Option<f64>,
    /// `start` as an ISO 8601 date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub date_start: Option<String>,
    /// `finish` as an ISO 8601 date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub date_finish: Option<String>,
    /// When the method's operating-time budget resets, in unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub operating_reset_at: Option<f64>,
    /// Operating time this method has used in the current window, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub operating: Option<f64>,
}

/// The outcome of a binding call the portal accepted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct BindResult {
    /// `true` when the binding exists now; `false` when the portal did not create it.
    pub result: bool,
    /// The portal's timing, when it sent any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub time: Option<ResponseTime>,
}

impl ResponseTime {
    /// Reads the fields it knows; values of another type are left out.
    pub fn read(source: &impl Source) -> ResponseTime {
        let number = |key| source.get(key).as_finite();
        let text = |key| source.get(key).as_text().map(str::to_owned);
        ResponseTime {
            start: number("start"),
            finish: number("finish"),
            duration: number("duration"),
            processing: number("processing"),
            date_start: text("date_start"),
            date_finish: text("date_finish"),
            operating_reset_at: number("operating_reset_at"),
            operating: number("operating"),
        }
    }
}

/// Reads the answer to a binding call.
///
/// `body` is the parsed JSON when it was an object, `None` when the body was
/// not JSON or not an object. A boolean `result` with a 2xx status resolves,
/// `false` included; an `error` key becomes the matching [`B24Error`];
/// anything else is `INVALID_RESPONSE`.
pub fn read_bind_answer<S: Source>(status: u16, body: Option<&S>) -> Result<BindResult, B24Error> {
    let Some(body) = body else {
        return Err(invalid_response(status));
    };
    if let Some(error) = read_error(status, body) {
        return Err(error);
    }
    match body.get("result") {
        Value::Bool(result) if (200..300).contains(&status) => Ok(BindResult {
            result,
            time: body.object("time").map(|time| ResponseTime::read(&time)),
        }),
        _ => Err(invalid_response(status)),
    }
}

/// The error an answer reports, if it has an `error` key.
///
/// An empty code (`""`, or the number `0` some pages show) is recognised by
/// its description: the three field sentences and `Access denied`.
pub fn read_error(status: u16, body: &impl Source) -> Option<B24Error> {
    read_error_at(Some(status), body)
}

/// [`read_error`] for an error body that came without an HTTP status of its
/// own, as one command's error inside a `batch` answer.
pub fn read_error_at(status: Option<u16>, body: &impl Source) -> Option<B24Error> {
    let error_code = match body.get("error") {
        Value::Absent | Value::Null => return None,
        Value::Text(text) => text,
        Value::Number(0.0) => String::new(),
        _ => {
            return Some(B24Error::new(
                code::INVALID_RESPONSE,
                NOT_THE_METHODS_JSON,
                status,
            ))
        }
    };
    let description = match body.get("error_description") {
        Value::Text(text) => text,
        _ => String::new(),
    };

    if !error_code.is_empty() {
        return Some(B24Error::new(error_code, description, status));
    }
    let sentence = description.trim().trim_end_matches('.');
    let field = [Field::OwnerId, Field::EntityId, Field::EntityType]
        .into_iter()
        .find(|field| {
            field
                .portal_sentence()
                .trim_end_matches('.')
                .eq_ignore_ascii_case(sentence)
        });
    let mut error = match field {
        Some(field) => B24Error::fields(vec![field.issue()], status),
        None if sentence.eq_ignore_ascii_case("Access denied") => {
            B24Error::new(code::ACCESS_DENIED, "", status)
        }
        None => B24Error::new(code::UNKNOWN_ERROR, "", status),
    };
    error.description = Cow::Owned(description);
    Some(error)
}

/// The description of `INVALID_RESPONSE`, whichever transport met the answer.
pub const NOT_THE_METHODS_JSON: &str = "The portal's answer was not the JSON this method returns.";

/// The body was not JSON, or not of a shape this package knows.
pub fn invalid_response(status: u16) -> B24Error {
    B24Error::new(code::INVALID_RESPONSE, NOT_THE_METHODS_JSON, Some(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::value::json::JsonSource;

    fn answer(status: u16, body: &str) -> Result<BindResult, B24Error> {
        read_bind_answer(status, JsonSource::parse(body).as_ref())
    }

    #[test]
    fn resolves_the_documented_success_with_its_time() {
        let body = r#"{"result": true, "time": {"start": 1712132792.910734,
            "finish": 1712132793.530359, "duration": 0.6196250915527344,
            "processing": 0.032338857650756836, "date_start": "2024-04-03T10:26:32+02:00",
            "date_finish": "2024-04-03T10:26:33+02:00", "operating_reset_at": 1705765533,
            "operating": 3.3076241016387939}}"#;
        let result = answer(200, body).unwrap();
        assert!(result.result);
        let time = result.time.unwrap();
        assert_eq!(time.start, Some(1712132792.910734));
        assert_eq!(
            time.date_finish.as_deref(),
            Some("2024-04-03T10:26:33+02:00")
        );
        assert_eq!(time.operating_reset_at, Some(1705765533.0));
    }

    #[test]
    fn resolves_result_false_as_an_answer_not_a_failure() {
        let result = answer(200, r#"{"result": false}"#).unwrap();
        assert_eq!(
            result,
            BindResult {
                result: false,
                time: None
            }
        );
    }

    #[test]
    fn keeps_only_time_fields_of_the_right_type() {
        let result = answer(
            200,
            r#"{"result": true, "time": {"start": "soon", "duration": 1.5, "date_start": 3}}"#,
        )
        .unwrap();
        assert_eq!(
            result.time,
            Some(ResponseTime {
                duration: Some(1.5),
                ..ResponseTime::default()
            })
        );
        let without_object = answer(200, r#"{"result": true, "time": [1, 2]}"#).unwrap();
        assert_eq!(without_object.time, None);
    }

    #[test]
    fn recognises_empty_code_errors_by_their_description() {
        let table = [
            (
                "OWNER_ID is not defined or invalid.",
                "OWNER_ID_INVALID",
                ErrorKind::Validation,
                Some(Field::OwnerId),
            ),
            (
                "ENTITY_ID is not defined or invalid.",
                "ENTITY_ID_INVALID",
                ErrorKind::Validation,
                Some(Field::EntityId),
            ),
            (
                "ENTITY_TYPE is not defined or invalid",
                "ENTITY_TYPE_INVALID",
                ErrorKind::Validation,
                Some(Field::EntityType),
            ),
            (
                "Access denied.",
                "ACCESS_DENIED",
                ErrorKind::Permission,
                None,
            ),
            (
                "Access denied",
                "ACCESS_DENIED",
                ErrorKind::Permission,
                None,
            ),
            ("Not found.", "UNKNOWN_ERROR", ErrorKind::Protocol, None),
        ];
        for (description, code, kind, field) in table {
            let body = format!(r#"{{"error": "", "error_description": "{description}"}}"#);
            let error = answer(400, &body).unwrap_err();
            assert_eq!(error.code, code, "{description}");
            assert_eq!(error.kind, kind, "{description}");
            assert_eq!(error.field, field, "{description}");
            assert_eq!(error.description, description, "the portal's own text");
            assert_eq!(error.status, Some(400));
            assert!(!error.retryable);
            assert_eq!(error.details.len(), usize::from(field.is_some()));
        }
    }

    #[test]
    fn accepts_the_number_zero_as_an_empty_code() {
        let error = answer(
            400,
            r#"{"error": 0, "error_description": "Access denied."}"#,
        )
        .unwrap_err();
        assert_eq!(error.code, "ACCESS_DENIED");
    }

    #[test]
    fn an_unknown_empty_code_error_with_a_server_status_is_retryable() {
        let error =
            answer(502, r#"{"error": "", "error_description": "Bad gateway"}"#).unwrap_err();
        assert_eq!(
            (error.code.as_ref(), error.kind, error.retryable),
            ("UNKNOWN_ERROR", ErrorKind::Server, true)
        );
    }

    #[test]
    fn keeps_portal_codes_and_descriptions_as_sent() {
        let error = answer(503, r#"{"error": "QUERY_LIMIT_EXCEEDED"}"#).unwrap_err();
        assert_eq!(error.code, "QUERY_LIMIT_EXCEEDED");
        assert_eq!(error.description, "", "no description is invented");
        assert_eq!(
            (error.kind, error.retryable, error.status),
            (ErrorKind::RateLimit, true, Some(503))
        );

        let error = answer(401, r#"{"error": "expired_token", "error_description": "The access token provided has expired."}"#).unwrap_err();
        assert_eq!(error.description, "The access token provided has expired.");
        assert_eq!(error.kind, ErrorKind::Auth);
    }

    #[test]
    fn an_error_wins_over_a_result_in_the_same_body() {
        let error =
            answer(200, r#"{"result": true, "error": "INTERNAL_SERVER_ERROR"}"#).unwrap_err();
        assert_eq!(error.code, "INTERNAL_SERVER_ERROR");
    }

    #[test]
    fn answers_of_the_wrong_shape_are_invalid_responses() {
        for (status, body, retryable) in [
            (200, "<html>oops</html>", false),
            (200, "", false),
            (200, "[true]", false),
            (200, "{\"result\": \"true\"}", false),
            (200, "{\"result\": 1}", false),
            (200, "{\"result\": {\"items\": []}}", false),
            (200, "{}", false),
            (200, "{\"result\": tr", false),
            (200, "{\"error\": {\"code\": 1}}", false),
            (500, "{\"result\": true}", true),
            (502, "<html>Bad Gateway</html>", true),
            (404, "Not Found", false),
        ] {
            let error = answer(status, body).unwrap_err();
            assert_eq!(error.code, "INVALID_RESPONSE", "{body}");
            assert_eq!(error.kind, ErrorKind::Protocol, "{body}");
            assert_eq!(error.retryable, retryable, "{body}");
            assert_eq!(error.status, Some(status));
        }
    }
}
