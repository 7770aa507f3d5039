//! The JavaScript face of the package, built twice from this crate.
//!
//! With the `single` feature (the default) it is the module every app loads:
//! `bindTimeline`, `validateBindFields` and `createClient`. With `bulk` it is
//! the module that `bindTimelineMany` loads on its first use, which checks the
//! items, writes the batches and reads their answers; the batches themselves
//! go out through the client. An app that binds one record at a time never
//! fetches the bulk module's wasm, and with a bundler that splits dynamic
//! imports, not its JavaScript either.

#[cfg(feature = "single")]
mod api;
#[cfg(feature = "bulk")]
mod bulk;
#[cfg(feature = "single")]
mod call;
mod convert;
#[cfg(feature = "single")]
mod transport;

#[cfg(all(test, feature = "single"))]
mod tests;

use wasm_bindgen::JsValue;

use crate::error::B24Error;
use crate::fields::{BindFields, ValidFields};
use convert::JsObject;

/// Reads `input` as binding fields and checks them.
#[inline(never)]
fn read_fields(input: &JsValue) -> Result<ValidFields, B24Error> {
    let object = JsObject::plain(input.clone()).ok_or_else(B24Error::not_an_object)?;
    BindFields::read(&object).validate()
}
