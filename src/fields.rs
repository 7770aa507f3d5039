//! The fields of a binding and their validation, before anything is sent.

use serde::Serialize;

use crate::error::{code, B24Error, FieldIssue};
use crate::value::{Source, Value};

/// The largest id accepted: JavaScript numbers hold integers exactly up to 2^53 - 1.
pub const MAX_ID: u64 = (1 << 53) - 1;

/// The CRM entity types a timeline record can be bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum EntityType {
    /// A lead.
    Lead,
    /// A deal.
    Deal,
    /// A contact.
    Contact,
    /// A company.
    Company,
    /// An order.
    Order,
}

impl EntityType {
    /// Every entity type, in the order the documentation lists them.
    pub const ALL: [EntityType; 5] = [
        EntityType::Lead,
        EntityType::Deal,
        EntityType::Contact,
        EntityType::Company,
        EntityType::Order,
    ];

    /// The name the portal expects, in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Lead => "lead",
            EntityType::Deal => "deal",
            EntityType::Contact => "contact",
            EntityType::Company => "company",
            EntityType::Order => "order",
        }
    }

    /// The entity type named by `name`, in any letter case.
    pub fn parse(name: &str) -> Option<EntityType> {
        EntityType::ALL
            .into_iter()
            .find(|entity_type| entity_type.as_str().eq_ignore_ascii_case(name))
    }
}

/// The name of one of the binding's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum Field {
    /// The timeline record's id.
    #[serde(rename = "OWNER_ID")]
    OwnerId,
    /// The CRM entity's id.
    #[serde(rename = "ENTITY_ID")]
    EntityId,
    /// The CRM entity's type.
    #[serde(rename = "ENTITY_TYPE")]
    EntityType,
}

impl Field {
    /// The field's name, as the portal spells it.
    pub fn name(self) -> &'static str {
        match self {
            Field::OwnerId => "OWNER_ID",
            Field::EntityId => "ENTITY_ID",
            Field::EntityType => "ENTITY_TYPE",
        }
    }

    /// The error code for an invalid value of this field.
    pub fn error_code(self) -> &'static str {
        match self {
            Field::OwnerId => code::OWNER_ID_INVALID,
            Field::EntityId => code::ENTITY_ID_INVALID,
            Field::EntityType => code::ENTITY_TYPE_INVALID,
        }
    }

    /// The portal's own sentence for an invalid value of this field.
    pub fn portal_sentence(self) -> &'static str {
        match self {
            Field::OwnerId => "OWNER_ID is not defined or invalid.",
            Field::EntityId => "ENTITY_ID is not defined or invalid.",
            Field::EntityType => "ENTITY_TYPE is not defined or invalid.",
        }
    }

    /// The issue to report for an invalid value of this field.
    pub fn issue(self) -> FieldIssue {
        FieldIssue {
            field: self,
            code: self.error_code(),
            description: self.portal_sentence(),
        }
    }
}

/// The fields as the caller gave them, not yet checked.
///
/// In TypeScript: `{ OWNER_ID: number | string; ENTITY_ID: number | string;
/// ENTITY_TYPE: EntityType | string }`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct BindFields {
    /// The timeline record's id: a positive integer, or a string of digits.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "number | string"))]
    #[cfg_attr(target_arch = "wasm32", serde(rename = "OWNER_ID"))]
    pub owner_id: Value,
    /// The CRM entity's id: a positive integer, or a string of digits.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "number | string"))]
    #[cfg_attr(target_arch = "wasm32", serde(rename = "ENTITY_ID"))]
    pub entity_id: Value,
    /// The CRM entity's type, in any letter case.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "EntityType | string"))]
    #[cfg_attr(target_arch = "wasm32", serde(rename = "ENTITY_TYPE"))]
    pub entity_type: Value,
}

/// Fields that passed validation, normalised as the portal expects them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ValidFields {
    /// The timeline record's id.
    #[serde(rename = "OWNER_ID", serialize_with = "id_as_number")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "number"))]
    pub owner_id: u64,
    /// The CRM entity's id.
    #[serde(rename = "ENTITY_ID", serialize_with = "id_as_number")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "number"))]
    pub entity_id: u64,
    /// The CRM entity's type, in lower case.
    #[serde(rename = "ENTITY_TYPE")]
    pub entity_type: EntityType,
}

/// Writes an id as a plain number, as JavaScript holds it: every id is at most
/// [`MAX_ID`], which a JavaScript number holds exactly.
fn id_as_number<S: serde::Serializer>(id: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(*id as f64)
}

impl BindFields {
    /// Reads the three fields from an object; other keys are ignored.
    pub fn read(source: &impl Source) -> BindFields {
        BindFields {
            owner_id: source.get("OWNER_ID"),
            entity_id: source.get("ENTITY_ID"),
            entity_type: source.get("ENTITY_TYPE"),
        }
    }

    /// Checks every field and returns them normalised.
    ///
    /// Fails with the first invalid field's error (in the order `OWNER_ID`,
    /// `ENTITY_ID`, `ENTITY_TYPE`), whose `details` list every invalid field.
    pub fn validate(&self) -> Result<ValidFields, B24Error> {
        let owner_id = parse_id(&self.owner_id);
        let entity_id = parse_id(&self.entity_id);
        let entity_type = self.entity_type.as_text().and_then(EntityType::parse);

        match (owner_id, entity_id, entity_type) {
            (Some(owner_id), Some(entity_id), Some(entity_type)) => Ok(ValidFields {
                owner_id,
                entity_id,
                entity_type,
            }),
            _ => {
                let invalid = [
                    (owner_id.is_none(), Field::OwnerId),
                    (entity_id.is_none(), Field::EntityId),
                    (entity_type.is_none(), Field::EntityType),
                ];
                let issues = invalid
                    .into_iter()
                    .filter(|(is_invalid, _)| *is_invalid)
                    .map(|(_, field)| field.issue())
                    .collect();
                Err(B24Error::fields(issues, None))
            }
        }
    }
}

/// A positive integer id up to [`MAX_ID`], from a number or a string of ASCII digits.
fn parse_id(value: &Value) -> Option<u64> {
    let id = match value {
        Value::Number(number) => {
            let whole = number.is_finite() && number.fract() == 0.0;
            if !whole || *number < 1.0 || *number > MAX_ID as f64 {
                return None;
            }
            *number as u64
        }
        Value::Text(text) => {
            if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            text.parse::<u64>().ok()?
        }
        _ => return None,
    };
    (1..=MAX_ID).contains(&id).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json::JsonSource;

    fn fields(owner_id: Value, entity_id: Value, entity_type: Value) -> BindFields {
        BindFields {
            owner_id,
            entity_id,
            entity_type,
        }
    }

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    fn valid_with_owner(owner_id: Value) -> BindFields {
        fields(owner_id, Value::Number(10.0), text("deal"))
    }

    #[test]
    fn accepts_the_documented_example() {
        let source =
            JsonSource::parse(r#"{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}"#).unwrap();
        assert_eq!(
            BindFields::read(&source).validate(),
            Ok(ValidFields {
                owner_id: 1110,
                entity_id: 10,
                entity_type: EntityType::Deal
            })
        );
    }

    #[test]
    fn accepts_ids_given_as_strings_of_digits() {
        let valid = fields(text("1110"), text("0010"), text("deal"))
            .validate()
            .unwrap();
        assert_eq!((valid.owner_id, valid.entity_id), (1110, 10));
    }

    #[test]
    fn accepts_the_largest_safe_integer_and_rejects_the_next() {
        let largest = valid_with_owner(Value::Number(MAX_ID as f64)).validate();
        assert_eq!(largest.unwrap().owner_id, MAX_ID);
        let next = valid_with_owner(Value::Number(9007199254740992.0)).validate();
        assert_eq!(next.unwrap_err().code, code::OWNER_ID_INVALID);
        let next_as_text = valid_with_owner(text("9007199254740992")).validate();
        assert_eq!(next_as_text.unwrap_err().code, code::OWNER_ID_INVALID);
        let huge_text = valid_with_owner(text(&"9".repeat(400))).validate();
        assert_eq!(huge_text.unwrap_err().code, code::OWNER_ID_INVALID);
    }

    #[test]
    fn rejects_every_invalid_id_class_before_sending() {
        let invalid = [
            Value::Number(0.0),
            Value::Number(-1.0),
            Value::Number(1.5),
            Value::Number(f64::NAN),
            Value::Number(f64::INFINITY),
            Value::Number(f64::NEG_INFINITY),
            Value::Bool(true),
            Value::Null,
            Value::Absent,
            Value::Other,
            text(""),
            text("0"),
            text("-1"),
            text("1.5"),
            text(" 1"),
            text("1e3"),
            text("0x10"),
            text("１２"),
            text("12\0"),
            text("1/2"),
        ];
        for value in invalid {
            let error = valid_with_owner(value.clone()).validate().unwrap_err();
            assert_eq!(error.code, "OWNER_ID_INVALID", "{value:?}");
            assert_eq!(error.field, Some(Field::OwnerId));
            assert_eq!(error.description, "OWNER_ID is not defined or invalid.");
            assert_eq!(error.kind, crate::error::ErrorKind::Validation);
            assert!(!error.retryable);
        }
    }

    #[test]
    fn accepts_entity_types_in_any_letter_case_and_sends_lower_case() {
        for (given, expected) in [
            ("lead", EntityType::Lead),
            ("DEAL", EntityType::Deal),
            ("Contact", EntityType::Contact),
            ("cOmPaNy", EntityType::Company),
            ("order", EntityType::Order),
        ] {
            let valid = fields(Value::Number(1.0), Value::Number(2.0), text(given))
                .validate()
                .unwrap();
            assert_eq!(valid.entity_type, expected);
        }
        let json = serde_json::to_string(&EntityType::Company).unwrap();
        assert_eq!(json, r#""company""#);
        for field in [Field::OwnerId, Field::EntityId, Field::EntityType] {
            assert_eq!(serde_json::to_value(field).unwrap(), field.name());
        }
    }

    #[test]
    fn rejects_unknown_entity_types() {
        for value in [
            text("deals"),
            text(""),
            text(" deal"),
            text("quote"),
            Value::Number(2.0),
            Value::Absent,
            Value::Other,
        ] {
            let error = fields(Value::Number(1.0), Value::Number(2.0), value.clone())
                .validate()
                .unwrap_err();
            assert_eq!(error.code, "ENTITY_TYPE_INVALID", "{value:?}");
            assert_eq!(error.field, Some(Field::EntityType));
            assert_eq!(error.description, "ENTITY_TYPE is not defined or invalid.");
        }
    }

    #[test]
    fn names_the_first_invalid_field_and_lists_them_all() {
        let error = fields(Value::Number(1.0), Value::Number(0.0), text("nope"))
            .validate()
            .unwrap_err();
        assert_eq!(error.code, "ENTITY_ID_INVALID");
        assert_eq!(error.field, Some(Field::EntityId));
        let listed: Vec<_> = error.details.iter().map(|issue| issue.field).collect();
        assert_eq!(listed, [Field::EntityId, Field::EntityType]);

        let all = fields(Value::Absent, Value::Absent, Value::Absent)
            .validate()
            .unwrap_err();
        assert_eq!(all.code, "OWNER_ID_INVALID");
        assert_eq!(all.details.len(), 3);
        assert_eq!(all.details[2].code, "ENTITY_TYPE_INVALID");
    }
}
