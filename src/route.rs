//! Which way a call goes: straight to the REST API, or through a client object
//! the app already holds (the official SDK's `$b24`, the placement library's `BX24`).

use crate::connection::{Connection, ConnectionInput};
use crate::error::B24Error;

/// Where and how a call is sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// With `fetch`, to a webhook or with an OAuth token.
    Rest(Connection),
    /// Through an official SDK instance (`@bitrix24/b24jssdk`), which brings
    /// its own credentials, rate limiter and retries.
    Sdk(SdkCall),
    /// Through the placement library's `BX24.callMethod`.
    Placement,
}

/// Which of the SDK's calls to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkCall {
    /// `b24.actions.v2.call.make({ method, params })`, the current API.
    Make,
    /// `b24.callMethod(method, params)`, deprecated in the SDK's 2.x.
    CallMethod,
}

/// What a caller-supplied client object offers, as far as this package uses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObjectShape {
    /// The key was given (not `undefined` or `null`).
    pub given: bool,
    /// It has `actions.v2.call.make` as a function.
    pub make: bool,
    /// It has `callMethod` as a function.
    pub call_method: bool,
}

/// The connection keys of an options object, as the caller gave them.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteInput {
    /// `webhookUrl`, `portalUrl` and `accessToken`.
    pub rest: ConnectionInput,
    /// `b24`: an official SDK instance.
    pub b24: ObjectShape,
    /// `bx24`: the placement library object.
    pub bx24: ObjectShape,
}

/// Why a connection was refused when the options name no single route.
pub const ONE_ROUTE: &str = "Give webhookUrl, portalUrl with accessToken, b24 or bx24.";
const NOT_AN_SDK: &str = "b24 must be an @bitrix24/b24jssdk instance.";
const NOT_BX24: &str = "bx24 must be the BX24 object.";

impl Route {
    /// Chooses the route from the options' connection keys.
    ///
    /// Fails with `INVALID_CONNECTION` when none or several are given, when a
    /// URL or token is unusable, or when `b24` / `bx24` lacks the calls this
    /// package makes. Prefers the SDK's current `actions.v2.call.make` over
    /// its deprecated `callMethod`.
    pub fn from_input(input: &RouteInput) -> Result<Route, B24Error> {
        let rest = &input.rest;
        let rest_given = [&rest.webhook_url, &rest.portal_url, &rest.access_token]
            .into_iter()
            .any(|value| !value.is_nothing());
        match (rest_given, input.b24.given, input.bx24.given) {
            (true, false, false) => Connection::from_input(rest).map(Route::Rest),
            (false, true, false) => match (input.b24.make, input.b24.call_method) {
                (true, _) => Ok(Route::Sdk(SdkCall::Make)),
                (false, true) => Ok(Route::Sdk(SdkCall::CallMethod)),
                (false, false) => Err(B24Error::connection(NOT_AN_SDK)),
            },
            (false, false, true) => match input.bx24.call_method {
                true => Ok(Route::Placement),
                false => Err(B24Error::connection(NOT_BX24)),
            },
            _ => Err(B24Error::connection(ONE_ROUTE)),
        }
    }

    /// The REST connection, whose secret must be scrubbed from errors.
    pub fn connection(&self) -> Option<&Connection> {
        match self {
            Route::Rest(connection) => Some(connection),
            Route::Sdk(_) | Route::Placement => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;
    use crate::value::Value;

    fn no_rest() -> ConnectionInput {
        ConnectionInput {
            webhook_url: Value::Absent,
            portal_url: Value::Absent,
            access_token: Value::Absent,
        }
    }

    fn shape(make: bool, call_method: bool) -> ObjectShape {
        ObjectShape {
            given: true,
            make,
            call_method,
        }
    }

    #[test]
    fn prefers_the_sdks_current_call_over_the_deprecated_one() {
        let both = RouteInput {
            rest: no_rest(),
            b24: shape(true, true),
            bx24: ObjectShape::default(),
        };
        assert_eq!(Route::from_input(&both), Ok(Route::Sdk(SdkCall::Make)));
        let old = RouteInput {
            b24: shape(false, true),
            ..both
        };
        assert_eq!(Route::from_input(&old), Ok(Route::Sdk(SdkCall::CallMethod)));
    }

    #[test]
    fn takes_bx24_with_call_method() {
        let input = RouteInput {
            rest: no_rest(),
            b24: ObjectShape::default(),
            bx24: shape(false, true),
        };
        assert_eq!(Route::from_input(&input), Ok(Route::Placement));
        assert_eq!(Route::Placement.connection(), None);
    }

    #[test]
    fn refuses_objects_that_are_not_recognisable_clients() {
        for input in [
            RouteInput {
                rest: no_rest(),
                b24: shape(false, false),
                bx24: ObjectShape::default(),
            },
            RouteInput {
                rest: no_rest(),
                b24: ObjectShape::default(),
                bx24: shape(true, false),
            },
        ] {
            let error = Route::from_input(&input).unwrap_err();
            assert_eq!(error.code, code::INVALID_CONNECTION);
        }
    }

    #[test]
    fn requires_exactly_one_route() {
        let webhook = ConnectionInput {
            webhook_url: Value::Text("https://portal.example.com/rest/1/code/".into()),
            ..no_rest()
        };
        let rest_and_sdk = RouteInput {
            rest: webhook.clone(),
            b24: shape(true, false),
            bx24: ObjectShape::default(),
        };
        let sdk_and_bx24 = RouteInput {
            rest: no_rest(),
            b24: shape(true, false),
            bx24: shape(false, true),
        };
        let nothing = RouteInput {
            rest: no_rest(),
            b24: ObjectShape::default(),
            bx24: ObjectShape::default(),
        };
        for input in [rest_and_sdk, sdk_and_bx24, nothing] {
            let error = Route::from_input(&input).unwrap_err();
            assert_eq!(error.description, ONE_ROUTE);
        }
        let rest_only = RouteInput {
            rest: webhook,
            b24: ObjectShape::default(),
            bx24: ObjectShape::default(),
        };
        assert!(matches!(Route::from_input(&rest_only), Ok(Route::Rest(_))));
    }
}
