//! The request to send: the endpoint, the headers and the body, built from checked parts.

use serde::Serialize;

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
pub struct Request<'a, P> {
    /// Where to send it. For webhooks it holds the webhook code: never show it.
    pub url: String,
    /// What to serialise as the JSON body.
    pub body: Body<'a, P>,
}

/// A JSON body: the method's parameters, and the access token for OAuth.
#[derive(Debug, PartialEq, Serialize)]
pub struct Body<'a, P> {
    /// The method's parameters, flattened into the body.
    #[serde(flatten)]
    pub params: P,
    /// The OAuth access token; absent for webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<&'a str>,
}

/// The parameters of [`BIND_METHOD`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BindParams {
    /// The binding's fields.
    pub fields: ValidFields,
}

/// A call of `method` with `params` over `connection`.
pub fn request<'a, P: Serialize>(
    connection: &'a Connection,
    method: &str,
    params: P,
) -> Request<'a, P> {
    Request {
        url: connection.endpoint(method),
        body: Body {
            params,
            auth: connection.body_auth(),
        },
    }
}

/// The request that binds `fields` over `connection`.
pub fn bind_request(connection: &Connection, fields: ValidFields) -> Request<'_, BindParams> {
    request(connection, BIND_METHOD, BindParams { fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::EntityType;

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
            serde_json::to_string(&request.body).unwrap(),
            r#"{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}}"#
        );
    }

    #[test]
    fn oauth_body_carries_the_token_and_the_url_does_not() {
        let connection = Connection::oauth("https://portal.example.com", "tok\"en").unwrap();
        let request = bind_request(&connection, example_fields());
        assert_eq!(
            request.url,
            "https://portal.example.com/rest/crm.timeline.bindings.bind"
        );
        assert_eq!(
            serde_json::to_string(&request.body).unwrap(),
            r#"{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"},"auth":"tok\"en"}"#
        );
    }
}
