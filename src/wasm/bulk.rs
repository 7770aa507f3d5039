//! The bulk module's one export, a bulk binding in progress. Every decision
//! about the items is made here: which are valid, how they split into
//! batches, what each batch's parameters are and what its answer means for
//! each item. `bulk/run.js` only sends the batches through the client (its
//! bucket, retries and token refresh) and keeps a few in flight.

use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

use super::convert::{is_array, JsObject};
use super::read_fields;
use crate::batch::{read_commands, BatchParams, CommandOutcome, NamedCalls, MAX_COMMANDS};
use crate::error::{code, B24Error};
use crate::fields::{Field, ValidFields};
use crate::request::params_json;
use crate::value::{Source, Value};

/// A bulk binding: the items, read once, and one entry per item as its
/// outcome becomes known.
#[wasm_bindgen(skip_typescript)]
pub struct Bulk {
    error_class: Function,
    on_progress: Option<Function>,
    fields: Vec<Option<ValidFields>>,
    batches: Vec<Vec<usize>>,
    entries: Vec<Option<JsValue>>,
    settled: usize,
}

#[wasm_bindgen]
impl Bulk {
    /// Reads `items` and `options.onProgress` at once, so a caller that
    /// changes them afterwards cannot change what is sent. `error_class` is
    /// the entry module's `B24Error`: the errors made here are instances of
    /// the class apps import. Invalid items settle here, never sent.
    ///
    /// Throws `ERROR_ARGUMENT` when `items` is not an array and
    /// `INVALID_OPTION` when `onProgress` is not a function.
    #[wasm_bindgen(constructor)]
    pub fn new(items: JsValue, options: JsValue, error_class: Function) -> Result<Bulk, JsValue> {
        let read = read_progress(&options).and_then(|on_progress| {
            let items = read_items(&items)?;
            Ok((on_progress, items))
        });
        let (on_progress, items) = read.map_err(|error| make_error(&error_class, &error))?;

        let valid: Vec<usize> = (0..items.len())
            .filter(|&index| items[index].is_ok())
            .collect();
        let entries: Vec<Option<JsValue>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let error = item.as_ref().err()?;
                Some(failed(index, &make_error(&error_class, error)))
            })
            .collect();
        Ok(Bulk {
            settled: entries.iter().flatten().count(),
            error_class,
            on_progress,
            fields: items.into_iter().map(Result::ok).collect(),
            batches: valid.chunks(MAX_COMMANDS).map(<[usize]>::to_vec).collect(),
            entries,
        })
    }

    /// How many batches there are.
    #[wasm_bindgen(getter)]
    pub fn batches(&self) -> usize {
        self.batches.len()
    }

    /// The `batch` parameters of batch `index`, as a JSON object: the
    /// commands in bracket notation, or with `named`, the same bindings as
    /// named calls for the batch support of `$b24` and `BX24`.
    pub fn params(&self, index: usize, named: bool) -> String {
        let commands: Vec<ValidFields> = self.batches[index]
            .iter()
            .filter_map(|&item| self.fields[item])
            .collect();
        let commands = &commands;
        match named {
            true => params_json(&NamedCalls { commands }),
            false => params_json(&BatchParams { commands }),
        }
    }

    /// Records what batch `index` came to: `answer`, the `result` section of
    /// its answer, or `error`, which then fails every item in it. Calls
    /// `onProgress` with the items settled so far and the total.
    pub fn settle(&mut self, index: usize, answer: JsValue, error: JsValue) {
        let Some(batch) = self.batches.get(index) else {
            return;
        };
        let outcomes = match error.is_undefined() {
            true => read_commands(&JsObject(answer), batch.len()),
            false => Vec::new(),
        };
        for (position, &item) in batch.iter().enumerate() {
            let entry = match outcomes.get(position) {
                Some(CommandOutcome::Bound(bound)) => bound_entry(item, *bound),
                Some(CommandOutcome::Failed(failure)) => {
                    failed(item, &make_error(&self.error_class, failure))
                }
                None => failed(item, &error),
            };
            if self.entries[item].replace(entry).is_none() {
                self.settled += 1;
            }
        }
        if let Some(on_progress) = &self.on_progress {
            let settled = JsValue::from_f64(self.settled as f64);
            let total = JsValue::from_f64(self.entries.len() as f64);
            // A throwing callback must not stop the binding.
            let _ = on_progress.call2(&JsValue::UNDEFINED, &settled, &total);
        }
    }

    /// `{ results, succeeded, failed }`: one entry per item at its index;
    /// an item never sent because the caller aborted fails with `ABORTED`.
    pub fn report(&mut self) -> JsValue {
        let results = Array::new();
        let mut succeeded = 0;
        for (index, entry) in self.entries.iter_mut().enumerate() {
            let entry = entry.get_or_insert_with(|| {
                failed(index, &make_error(&self.error_class, &B24Error::aborted()))
            });
            if JsObject(entry.clone()).get("result") == Value::Bool(true) {
                succeeded += 1;
            }
            results.push(entry);
        }
        let failed = self.entries.len() - succeeded;
        plain_object(&[
            ("results", results.into()),
            ("succeeded", JsValue::from_f64(succeeded as f64)),
            ("failed", JsValue::from_f64(failed as f64)),
        ])
    }
}

/// A plain object with `entries`.
fn plain_object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// The entry of item `index`, bound with `result`.
fn bound_entry(index: usize, result: bool) -> JsValue {
    plain_object(&[
        ("index", JsValue::from_f64(index as f64)),
        ("ok", JsValue::TRUE),
        ("result", JsValue::from_bool(result)),
    ])
}

/// The entry of item `index`, failed with `error`.
fn failed(index: usize, error: &JsValue) -> JsValue {
    plain_object(&[
        ("index", JsValue::from_f64(index as f64)),
        ("ok", JsValue::FALSE),
        ("error", error.clone()),
    ])
}

/// `error` as an instance of `class`, made by its constructor from the same
/// init object the entry module's errors are made from.
fn make_error(class: &Function, error: &B24Error) -> JsValue {
    let mut init = vec![
        ("code", JsValue::from_str(&error.code)),
        ("kind", JsValue::from_str(error.kind.as_str())),
        ("description", JsValue::from_str(&error.description)),
        ("retryable", JsValue::from_bool(error.retryable)),
    ];
    if let Some(status) = error.status {
        init.push(("status", JsValue::from(status)));
    }
    if let Some(field) = error.field {
        init.push(("field", JsValue::from_str(Field::name(field))));
    }
    if !error.details.is_empty() {
        let details = JSON::parse(&error.details_json()).unwrap_or(JsValue::UNDEFINED);
        init.push(("details", details));
    }
    let arguments = Array::of1(&plain_object(&init));
    Reflect::construct(class, &arguments).unwrap_or_else(|thrown| thrown)
}

/// `options.onProgress`, when given.
fn read_progress(options: &JsValue) -> Result<Option<Function>, B24Error> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    match JsObject(options.clone()).property("onProgress") {
        Some(callback) if callback.is_undefined() => Ok(None),
        Some(callback) if callback.is_function() => Ok(Some(callback.into())),
        _ => Err(B24Error::option("onProgress must be a function.")),
    }
}

/// Reads `items` as an array of binding fields, each checked at once.
///
/// Fails with `ERROR_ARGUMENT` when `items` is not an array.
fn read_items(items: &JsValue) -> Result<Vec<Result<ValidFields, B24Error>>, B24Error> {
    let not_a_list = || {
        B24Error::new(
            code::ERROR_ARGUMENT,
            "items must be an array of binding fields.",
            None,
        )
    };
    if !is_array(items).unwrap_or(false) {
        return Err(not_a_list());
    }
    let length = JsObject(items.clone())
        .get("length")
        .as_finite()
        .filter(|length| (0.0..=1_000_000.0).contains(length))
        .ok_or_else(not_a_list)?;
    let read = |index: u32| {
        let item = Reflect::get_u32(items, index).unwrap_or(JsValue::UNDEFINED);
        read_fields(&item)
    };
    Ok((0..length as u32).map(read).collect())
}
